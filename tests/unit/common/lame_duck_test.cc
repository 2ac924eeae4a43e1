// The lame-duck phase (services/common/lame_duck.h). Its own test binary:
// entering it is process-wide and cannot be undone.
#include "services/common/lame_duck.h"

#include <gtest/gtest.h>

#include "services/common/error_details.h"
#include "services/common/group_commit_unit_of_work.h"
#include "services/common/request_context.h"
#include "tests/testing/fakes/fake_unit_of_work.h"

namespace crm::common {
namespace {

RequestContext CallerContext() {
  RequestContext context;
  context.set_cancellation([] { return false; });
  return context;
}

TEST(LameDuckTest, RefusesCallersOnlyOnceEntered) {
  EXPECT_TRUE(RefuseWhenLameDuck(/*context_has_caller=*/true).ok());
  EXPECT_FALSE(InLameDuck());

  EnterLameDuck();

  EXPECT_TRUE(InLameDuck());
  absl::Status refused = RefuseWhenLameDuck(/*context_has_caller=*/true);
  EXPECT_EQ(refused.code(), absl::StatusCode::kUnavailable);
  EXPECT_EQ(ReasonOf(refused), ::crm::type::v1::INSTANCE_SHUTTING_DOWN);
  // Background work has no caller to move elsewhere: it goes on.
  EXPECT_TRUE(RefuseWhenLameDuck(/*context_has_caller=*/false).ok());
}

TEST(LameDuckTest, GroupCommitRefusesCallersBeforeRunningAnything) {
  EnterLameDuck();
  crm::testing::FakeUnitOfWork inner;
  GroupCommitUnitOfWork batched(inner, GroupCommitOptions());
  int runs = 0;
  auto body = [&](Transaction&) {
    ++runs;
    return absl::OkStatus();
  };

  absl::Status refused = batched.Run(CallerContext(), body);
  EXPECT_EQ(refused.code(), absl::StatusCode::kUnavailable);
  EXPECT_EQ(runs, 0);

  EXPECT_TRUE(batched.Run(RequestContext(), body).ok());
  EXPECT_EQ(runs, 1);
}

}  // namespace
}  // namespace crm::common
