// The in-memory OutboundMessageRepository keeps the interface's contract, as
// the MySQL one does (tests/integration/loyalty/outbound_webhooks_test.cc):
// stored if and only if the unit of work commits, once per idempotency key,
// malformed messages refused.
#include "tests/testing/fakes/loyalty/in_memory_outbound_message_repository.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "services/common/request_context.h"
#include "services/common/status_macros.h"
#include "tests/testing/fakes/fake_unit_of_work.h"
#include "tests/testing/status_matchers.h"

namespace crm::testing {
namespace {

using ::crm::common::RequestContext;
using ::crm::common::Transaction;
using ::crm::loyalty::OutboundMessage;
using ::testing::SizeIs;

OutboundMessage Message(const std::string& key) {
  return {.event_type = "journey.message",
          .idempotency_key = key,
          .customer_id = "c1",
          .payload_json = R"({"n":1})"};
}

TEST(InMemoryOutboundMessageRepositoryTest, KeepsTheContract) {
  FakeUnitOfWork unit_of_work;
  InMemoryOutboundMessageRepository outbound(&unit_of_work);
  EXPECT_THAT(unit_of_work.Run(RequestContext(),
                               [&](Transaction& tx) -> absl::Status {
                                 CRM_RETURN_IF_ERROR(
                                     outbound.Enqueue(tx, Message("k0")));
                                 return absl::AbortedError("caller fails");
                               }),
              StatusIs(absl::StatusCode::kAborted));
  EXPECT_THAT(outbound.messages(), SizeIs(0));
  CRM_ASSERT_OK(unit_of_work.Run(RequestContext(), [&](Transaction& tx) {
    return outbound.Enqueue(tx, Message("k1"));
  }));
  CRM_ASSERT_OK(unit_of_work.Run(RequestContext(), [&](Transaction& tx) {
    return outbound.Enqueue(tx, Message("k1"));
  }));
  EXPECT_THAT(outbound.messages(), SizeIs(1));
  OutboundMessage bad = Message("k2");
  bad.event_type = "Bad Type";
  EXPECT_THAT(unit_of_work.Run(
                  RequestContext(),
                  [&](Transaction& tx) { return outbound.Enqueue(tx, bad); }),
              StatusIs(absl::StatusCode::kInvalidArgument));
}

}  // namespace
}  // namespace crm::testing
