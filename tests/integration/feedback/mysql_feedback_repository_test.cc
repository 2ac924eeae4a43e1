// MySqlFeedbackRepository on a fresh MariaDB database, each call inside a
// MySqlUnitOfWork: what it stores and reads back, the unique id, filters
// (the SQL selects what FeedbackFilterView's predicate selects), keyset
// paging, anonymisation and reassignment.
#include "services/feedback/mysql_feedback_repository.h"

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include <gmock/gmock.h>
#include <google/protobuf/util/message_differencer.h>
#include <gtest/gtest.h>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "services/common/filter/filter_predicate.h"
#include "services/common/keyset_page.h"
#include "services/common/mysql_unit_of_work.h"
#include "services/common/request_context.h"
#include "services/feedback/feedback_filter.h"
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
using ::google::protobuf::util::MessageDifferencer;
using ::testing::ElementsAre;

// Whole microseconds: what DATETIME(6) keeps.
const absl::Time kStart = absl::FromUnixMicros(1767225600123456);

crm::common::filter::Filter Parsed(const std::string& text) {
  absl::StatusOr<FeedbackQuery> query = ParseFeedbackFilter(text);
  EXPECT_TRUE(query.ok()) << text;
  return query.ok() ? query->filter : crm::common::filter::Filter();
}

class MySqlFeedbackRepositoryTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    database_ =
        crm::testing::TestDatabase::Create("feedback").value().release();
  }
  static void TearDownTestSuite() {
    delete database_;
    database_ = nullptr;
  }

  void SetUp() override {
    CRM_ASSERT_OK_AND_ASSIGN(pool_, database_->NewMigratedPool(Migrations()));
    unit_of_work_ = std::make_unique<crm::common::MySqlUnitOfWork>(*pool_);
    ASSERT_THAT(
        unit_of_work_->Run(
            RequestContext(),
            [](Transaction& tx) {
              crm::common::MySqlConnectionOf(tx).createStatement()->execute(
                  "DELETE FROM feedback");
              return absl::OkStatus();
            }),
        IsOk());
  }

  absl::Status Insert(const FeedbackRecord& record) {
    return unit_of_work_->Run(RequestContext(), [&](Transaction& tx) {
      return items_.Insert(tx, record);
    });
  }

  absl::StatusOr<Page<FeedbackRecord>> List(const std::string& filter,
                                            const PageRequest& page) {
    const crm::common::filter::Filter parsed = Parsed(filter);
    return unit_of_work_->Read<Page<FeedbackRecord>>(
        RequestContext(),
        [&](Transaction& tx) { return items_.List(tx, parsed, page); });
  }

  absl::StatusOr<FeedbackRecord> Get(const std::string& id) {
    return unit_of_work_->Read<FeedbackRecord>(
        RequestContext(), [&](Transaction& tx) { return items_.Get(tx, id); });
  }

  static FeedbackRecord Record(const std::string& id,
                               const std::string& customer_id,
                               absl::Time create_time) {
    FeedbackRecord record;
    record.id = id;
    record.customer_id = customer_id;
    record.channel = "wechat";
    record.type = v1::Feedback::SUGGESTION;
    record.rating = 4;
    record.text = "请增加夜间配送。";
    record.order_id = customer_id.empty() ? "" : "o-7";
    record.attachment_uris = {"https://img.example.com/1.jpg",
                              "https://img.example.com/2.jpg"};
    record.language = v1::Feedback::CHINESE;
    record.create_time = create_time;
    return record;
  }

  static std::vector<std::string> Ids(const Page<FeedbackRecord>& page) {
    std::vector<std::string> ids;
    for (const FeedbackRecord& item : page.items) ids.push_back(item.id);
    return ids;
  }

  static crm::testing::TestDatabase* database_;
  std::unique_ptr<crm::common::MySqlPool> pool_;
  std::unique_ptr<crm::common::MySqlUnitOfWork> unit_of_work_;
  MySqlFeedbackRepository items_;
};

crm::testing::TestDatabase* MySqlFeedbackRepositoryTest::database_ = nullptr;

TEST_F(MySqlFeedbackRepositoryTest, StoresEveryFieldAndRefusesARepeatedId) {
  FeedbackRecord record = Record("f1", "alice", kStart);
  record.analysis.emplace();
  record.analysis->set_sentiment_score(0.25);
  record.analysis->set_sentiment(v1::TextAnalysis::POSITIVE);
  record.analysis->set_category("delivery");
  record.analysis->add_key_phrases("配送");
  ASSERT_THAT(Insert(record), IsOk());
  EXPECT_THAT(Insert(Record("f1", "bob", kStart)),
              StatusIs(absl::StatusCode::kAlreadyExists));
  ASSERT_THAT(Insert(Record("f2", "", kStart)), IsOk());

  CRM_ASSERT_OK_AND_ASSIGN(FeedbackRecord stored, Get("f1"));
  EXPECT_EQ(stored.id, "f1");
  EXPECT_EQ(stored.customer_id, "alice");
  EXPECT_EQ(stored.channel, "wechat");
  EXPECT_EQ(stored.type, v1::Feedback::SUGGESTION);
  EXPECT_EQ(stored.rating, 4);
  EXPECT_EQ(stored.text, "请增加夜间配送。");
  EXPECT_EQ(stored.order_id, "o-7");
  EXPECT_EQ(stored.attachment_uris, record.attachment_uris);
  EXPECT_EQ(stored.language, v1::Feedback::CHINESE);
  ASSERT_TRUE(stored.analysis.has_value());
  EXPECT_TRUE(MessageDifferencer::Equals(*stored.analysis, *record.analysis));
  EXPECT_EQ(stored.create_time, kStart);

  CRM_ASSERT_OK_AND_ASSIGN(FeedbackRecord anonymous, Get("f2"));
  EXPECT_EQ(anonymous.customer_id, "");
  EXPECT_FALSE(anonymous.analysis.has_value());
  EXPECT_THAT(Get("none"), StatusIs(absl::StatusCode::kNotFound));
}

TEST_F(MySqlFeedbackRepositoryTest, PagesNewestFirstAndFiltersByCustomer) {
  // Two items share a create time: the id breaks the tie.
  ASSERT_THAT(Insert(Record("a", "alice", kStart)), IsOk());
  ASSERT_THAT(Insert(Record("b", "bob", kStart + absl::Seconds(1))), IsOk());
  ASSERT_THAT(Insert(Record("c", "alice", kStart + absl::Seconds(1))), IsOk());
  ASSERT_THAT(Insert(Record("d", "alice", kStart + absl::Seconds(2))), IsOk());

  CRM_ASSERT_OK_AND_ASSIGN(Page<FeedbackRecord> first,
                           List("", PageRequest{3, {}}));
  EXPECT_THAT(Ids(first), ElementsAre("d", "c", "b"));
  ASSERT_TRUE(first.next.has_value());
  CRM_ASSERT_OK_AND_ASSIGN(Page<FeedbackRecord> second,
                           List("", PageRequest{3, first.next}));
  EXPECT_THAT(Ids(second), ElementsAre("a"));
  EXPECT_FALSE(second.next.has_value());

  const std::string alice = "customer = \"customers/alice\"";
  CRM_ASSERT_OK_AND_ASSIGN(Page<FeedbackRecord> alice_first,
                           List(alice, PageRequest{2, {}}));
  EXPECT_THAT(Ids(alice_first), ElementsAre("d", "c"));
  CRM_ASSERT_OK_AND_ASSIGN(Page<FeedbackRecord> alice_second,
                           List(alice, PageRequest{2, alice_first.next}));
  EXPECT_THAT(Ids(alice_second), ElementsAre("a"));
}

TEST_F(MySqlFeedbackRepositoryTest, SqlSelectsWhatThePredicateSelects) {
  std::vector<FeedbackRecord> records;
  const char* channels[] = {"web", "app", "wechat"};
  const char* categories[] = {"delivery", "price", "billing"};
  for (int i = 0; i < 12; ++i) {
    FeedbackRecord record =
        Record(absl::StrCat("f", i), i % 4 == 0 ? "" : absl::StrCat("c", i % 3),
               kStart + absl::Seconds(i));
    record.channel = channels[i % 3];
    record.type = static_cast<v1::Feedback::Type>(1 + i % 4);
    record.rating = i % 6;
    record.language = i % 2 == 0 ? v1::Feedback::CHINESE : v1::Feedback::MIXED;
    if (i % 5 != 0) {
      record.analysis.emplace();
      record.analysis->set_sentiment_score(-1.0 + i / 6.0);
      record.analysis->set_sentiment(
          static_cast<v1::TextAnalysis::Sentiment>(1 + i % 3));
      record.analysis->set_category(categories[i % 3]);
    }
    ASSERT_THAT(Insert(record), IsOk());
    records.push_back(record);
  }
  for (const std::string filter :
       {"customer = \"customers/c1\"", "customer != \"customers/c1\"",
        "NOT customer = \"customers/c1\"", "anonymous = true",
        "anonymous = false AND channel = \"app\"", "type = COMPLAINT",
        "rating >= 3 OR type = PRAISE", "language = MIXED",
        "order = \"customers/c2/orders/o-7\"", "analysis.sentiment = NEGATIVE",
        "NOT analysis.sentiment = NEGATIVE", "analysis.sentiment_score > 0",
        "analysis.category = \"price\"",
        "create_time >= \"2026-01-01T00:00:05Z\" AND -channel = \"web\""}) {
    const crm::common::filter::Filter parsed = Parsed(filter);
    std::vector<std::string> expected;
    for (auto it = records.rbegin(); it != records.rend(); ++it) {
      if (crm::common::filter::Matches(parsed, FeedbackFilterView(*it))) {
        expected.push_back(it->id);
      }
    }
    CRM_ASSERT_OK_AND_ASSIGN(Page<FeedbackRecord> page,
                             List(filter, PageRequest{100, {}}));
    EXPECT_EQ(Ids(page), expected) << filter;
  }
}

TEST_F(MySqlFeedbackRepositoryTest, AnonymisesAndReassignsACustomersItems) {
  ASSERT_THAT(Insert(Record("a", "alice", kStart)), IsOk());
  ASSERT_THAT(Insert(Record("b", "alice", kStart)), IsOk());
  ASSERT_THAT(Insert(Record("c", "bob", kStart)), IsOk());
  // How many items `body` changed, -1 on an error.
  auto run = [&](std::function<absl::StatusOr<int64_t>(Transaction&)> body) {
    absl::StatusOr<int64_t> changed =
        unit_of_work_->Run<int64_t>(RequestContext(), body);
    return changed.ok() ? *changed : -1;
  };
  EXPECT_EQ(run([&](Transaction& tx) {
              return items_.AnonymizeCustomer(tx, "alice");
            }),
            2);
  EXPECT_EQ(run([&](Transaction& tx) {
              return items_.AnonymizeCustomer(tx, "alice");
            }),
            0);
  CRM_ASSERT_OK_AND_ASSIGN(FeedbackRecord a, Get("a"));
  EXPECT_EQ(a.customer_id, "");
  EXPECT_EQ(a.order_id, "");
  EXPECT_TRUE(a.attachment_uris.empty());
  EXPECT_EQ(a.text, "请增加夜间配送。");
  CRM_ASSERT_OK_AND_ASSIGN(Page<FeedbackRecord> alice,
                           List("customer_id = \"alice\"", {10, {}}));
  EXPECT_TRUE(alice.items.empty());

  EXPECT_EQ(run([&](Transaction& tx) {
              return items_.ReassignCustomer(tx, "bob", "carol");
            }),
            1);
  CRM_ASSERT_OK_AND_ASSIGN(FeedbackRecord c, Get("c"));
  EXPECT_EQ(c.customer_id, "carol");
}

}  // namespace
}  // namespace crm::feedback
