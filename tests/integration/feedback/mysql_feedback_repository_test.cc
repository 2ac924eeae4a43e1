// MySqlFeedbackRepository on a fresh MariaDB database, each call inside a
// MySqlUnitOfWork: what it stores and reads back, the unique id, the
// customer filter and keyset paging.
#include "services/feedback/mysql_feedback_repository.h"

#include <memory>
#include <string>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "services/common/keyset_page.h"
#include "services/common/mysql_unit_of_work.h"
#include "services/common/request_context.h"
#include "services/feedback/migrations.h"
#include "tests/testing/status_matchers.h"
#include "tests/testing/test_database.h"

namespace crm::feedback {
namespace {

using ::crm::common::Page;
using ::crm::common::PageRequest;
using ::crm::common::RequestContext;
using ::crm::common::Transaction;
using ::crm::testing::IsOk;
using ::crm::testing::StatusIs;
using ::testing::ElementsAre;

// Whole microseconds: what DATETIME(6) keeps.
const absl::Time kStart = absl::FromUnixMicros(1767225600123456);

class MySqlFeedbackRepositoryTest : public ::testing::Test {
 protected:
  void SetUp() override {
    CRM_ASSERT_OK_AND_ASSIGN(database_,
                             crm::testing::TestDatabase::Create("feedback"));
    CRM_ASSERT_OK_AND_ASSIGN(pool_, database_->NewMigratedPool(Migrations()));
    unit_of_work_ = std::make_unique<crm::common::MySqlUnitOfWork>(*pool_);
  }

  absl::Status Insert(const FeedbackRecord& record) {
    return unit_of_work_->Run(RequestContext(), [&](Transaction& tx) {
      return items_.Insert(tx, record);
    });
  }

  absl::StatusOr<Page<FeedbackRecord>> List(const FeedbackFilter& filter,
                                            const PageRequest& page) {
    return unit_of_work_->Read<Page<FeedbackRecord>>(
        RequestContext(),
        [&](Transaction& tx) { return items_.List(tx, filter, page); });
  }

  static FeedbackRecord Record(const std::string& id,
                               const std::string& customer_id,
                               absl::Time create_time) {
    FeedbackRecord record;
    record.id = id;
    record.customer_id = customer_id;
    record.channel = "微信";
    record.type = v1::Feedback::SUGGESTION;
    record.rating = 4;
    record.text = "请增加夜间配送。";
    record.order_id = "o-7";
    record.create_time = create_time;
    return record;
  }

  static std::vector<std::string> Ids(const Page<FeedbackRecord>& page) {
    std::vector<std::string> ids;
    for (const FeedbackRecord& item : page.items) ids.push_back(item.id);
    return ids;
  }

  std::unique_ptr<crm::testing::TestDatabase> database_;
  std::unique_ptr<crm::common::MySqlPool> pool_;
  std::unique_ptr<crm::common::MySqlUnitOfWork> unit_of_work_;
  MySqlFeedbackRepository items_;
};

TEST_F(MySqlFeedbackRepositoryTest, StoresEveryFieldAndRefusesARepeatedId) {
  const FeedbackRecord record = Record("f1", "alice", kStart);
  ASSERT_THAT(Insert(record), IsOk());
  EXPECT_THAT(Insert(Record("f1", "bob", kStart)),
              StatusIs(absl::StatusCode::kAlreadyExists));

  CRM_ASSERT_OK_AND_ASSIGN(Page<FeedbackRecord> page,
                           List(FeedbackFilter{}, PageRequest{10, {}}));
  ASSERT_EQ(page.items.size(), 1u);
  const FeedbackRecord& stored = page.items[0];
  EXPECT_EQ(stored.id, "f1");
  EXPECT_EQ(stored.customer_id, "alice");
  EXPECT_EQ(stored.channel, "微信");
  EXPECT_EQ(stored.type, v1::Feedback::SUGGESTION);
  EXPECT_EQ(stored.rating, 4);
  EXPECT_EQ(stored.text, "请增加夜间配送。");
  EXPECT_EQ(stored.order_id, "o-7");
  EXPECT_EQ(stored.create_time, kStart);
  EXPECT_FALSE(page.next.has_value());
}

TEST_F(MySqlFeedbackRepositoryTest, PagesNewestFirstAndFiltersByCustomer) {
  // Two items share a create time: the id breaks the tie.
  ASSERT_THAT(Insert(Record("a", "alice", kStart)), IsOk());
  ASSERT_THAT(Insert(Record("b", "bob", kStart + absl::Seconds(1))), IsOk());
  ASSERT_THAT(Insert(Record("c", "alice", kStart + absl::Seconds(1))), IsOk());
  ASSERT_THAT(Insert(Record("d", "alice", kStart + absl::Seconds(2))), IsOk());

  CRM_ASSERT_OK_AND_ASSIGN(Page<FeedbackRecord> first,
                           List(FeedbackFilter{}, PageRequest{3, {}}));
  EXPECT_THAT(Ids(first), ElementsAre("d", "c", "b"));
  ASSERT_TRUE(first.next.has_value());
  CRM_ASSERT_OK_AND_ASSIGN(Page<FeedbackRecord> second,
                           List(FeedbackFilter{}, PageRequest{3, first.next}));
  EXPECT_THAT(Ids(second), ElementsAre("a"));
  EXPECT_FALSE(second.next.has_value());

  const FeedbackFilter alice{.customer_id = "alice"};
  CRM_ASSERT_OK_AND_ASSIGN(Page<FeedbackRecord> alice_first,
                           List(alice, PageRequest{2, {}}));
  EXPECT_THAT(Ids(alice_first), ElementsAre("d", "c"));
  CRM_ASSERT_OK_AND_ASSIGN(Page<FeedbackRecord> alice_second,
                           List(alice, PageRequest{2, alice_first.next}));
  EXPECT_THAT(Ids(alice_second), ElementsAre("a"));
}

}  // namespace
}  // namespace crm::feedback
