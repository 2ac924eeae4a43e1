// The read model built from customer-profile's change events on a real
// MariaDB, through the shared exactly-once consumer (FeedConsumer::ApplyOne
// and a streamed run): facts, orders and aggregates per event, refunds,
// redelivery skipped, merges and erasures propagated. One database for the
// whole binary; each test uses its own customer ids.
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "crm/customerprofile/v1/change_event.pb.h"
#include "services/common/change_feed_consumer.h"
#include "services/common/mysql_unit_of_work.h"
#include "services/common/request_context.h"
#include "services/common/timestamps.h"
#include "services/segmentation/migrations.h"
#include "services/segmentation/mysql_read_model_repository.h"
#include "services/segmentation/profile_feed_applier.h"
#include "tests/testing/status_matchers.h"
#include "tests/testing/test_database.h"
#include "tests/testing/wait.h"

namespace crm::segmentation {
namespace {

namespace cp = ::crm::customerprofile::v1;
using ::crm::common::FeedConsumer;
using ::crm::common::RequestContext;
using ::crm::common::Transaction;
using ::crm::testing::IsOk;
using ::testing::ElementsAre;
using ::testing::IsEmpty;

const absl::Time kDay1 = absl::FromUnixSeconds(1767225600);  // 2026-01-01Z

cp::ChangeEvent CustomerEvent(cp::ChangeEvent::Type type,
                              const std::string& id) {
  cp::ChangeEvent event;
  event.set_type(type);
  event.set_customer_name("customers/" + id);
  cp::Customer* customer = event.mutable_customer();
  customer->set_name("customers/" + id);
  customer->set_state(cp::Customer::ACTIVE);
  customer->mutable_address()->set_country_code("CN");
  customer->set_source_channel("wechat");
  customer->add_tags("vip");
  customer->add_tags("b2b");
  cp::Consent* consent = customer->add_consents();
  consent->set_purpose(cp::Consent::EMAIL_MARKETING);
  consent->set_status(cp::Consent::GRANTED);
  cp::Consent* denied = customer->add_consents();
  denied->set_purpose(cp::Consent::SMS_MARKETING);
  denied->set_status(cp::Consent::DENIED);
  *customer->mutable_create_time() = crm::common::ToProtoTimestamp(kDay1);
  return event;
}

cp::ChangeEvent OrderEvent(const std::string& customer,
                           const std::string& order, absl::Time time,
                           int64_t amount, const std::string& currency = "CNY",
                           int64_t refunded = 0) {
  cp::ChangeEvent event;
  event.set_type(refunded > 0 ? cp::ChangeEvent::ORDER_REFUNDED
                              : cp::ChangeEvent::ORDER_RECORDED);
  event.set_customer_name("customers/" + customer);
  cp::Order* o = event.mutable_order();
  o->set_name(absl::StrCat("customers/", customer, "/orders/", order));
  o->set_customer("customers/" + customer);
  o->mutable_amount()->set_currency_code(currency);
  o->mutable_amount()->set_amount_minor(amount);
  o->mutable_refunded_amount()->set_currency_code(currency);
  o->mutable_refunded_amount()->set_amount_minor(refunded);
  *o->mutable_order_time() = crm::common::ToProtoTimestamp(time);
  event.set_refund_amount_minor(refunded);
  return event;
}

cp::ChangeEvent MergeEvent(const std::string& survivor,
                           const std::string& duplicate) {
  cp::ChangeEvent event =
      CustomerEvent(cp::ChangeEvent::CUSTOMER_MERGED, survivor);
  event.mutable_customer()->add_tags("merged");
  event.mutable_merge()->set_survivor("customers/" + survivor);
  event.mutable_merge()->set_duplicate("customers/" + duplicate);
  return event;
}

cp::ChangeEvent EraseEvent(const std::string& id) {
  cp::ChangeEvent event;
  event.set_type(cp::ChangeEvent::CUSTOMER_ERASED);
  event.set_customer_name("customers/" + id);
  return event;
}

crm::common::FeedConsumerOptions ConsumerNamed(const std::string& name) {
  crm::common::FeedConsumerOptions options;
  options.consumer = name;
  return options;
}

class ProfileFeedReadModelTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    auto database = crm::testing::TestDatabase::Create("seg_read_model");
    ASSERT_THAT(database, IsOk());
    database_ = database->release();
    auto pool = database_->NewMigratedPool(Migrations());
    ASSERT_THAT(pool, IsOk());
    pool_ = pool->release();
  }
  static void TearDownTestSuite() {
    delete pool_;
    delete database_;
  }

  void SetUp() override {
    unit_of_work_ = std::make_unique<crm::common::MySqlUnitOfWork>(*pool_);
    // Each test has its own cursor row.
    consumer_ = std::make_unique<FeedConsumer>(
        *pool_, nullptr,
        [this](sql::Connection& connection, int64_t sequence,
               absl::string_view payload) {
          const RequestContext context;
          crm::common::MySqlTransaction tx(connection, context);
          return applier_.ApplyPayload(tx, sequence, payload);
        },
        ConsumerNamed(absl::AsciiStrToLower(
            ::testing::UnitTest::GetInstance()->current_test_info()->name())));
  }

  // Delivers `event` as feed entry `sequence`; true if it was applied.
  bool Deliver(int64_t sequence, cp::ChangeEvent event) {
    event.set_sequence(sequence);
    absl::StatusOr<bool> applied =
        consumer_->ApplyOne(sequence, event.SerializeAsString());
    EXPECT_THAT(applied, IsOk());
    return applied.ok() && *applied;
  }

  std::optional<CustomerFacts> Facts(const std::string& id) {
    auto found = unit_of_work_->Read<std::optional<CustomerFacts>>(
        RequestContext(),
        [&](Transaction& tx) { return read_model_.FindCustomer(tx, id); });
    EXPECT_THAT(found, IsOk());
    return found.ok() ? *found : std::nullopt;
  }

  std::optional<CustomerAggregate> Aggregate(const std::string& id) {
    auto found = unit_of_work_->Read<std::optional<CustomerAggregate>>(
        RequestContext(),
        [&](Transaction& tx) { return read_model_.FindAggregate(tx, id); });
    EXPECT_THAT(found, IsOk());
    return found.ok() ? *found : std::nullopt;
  }

  std::vector<OrderFact> Orders(const std::string& id) {
    auto found = unit_of_work_->Read<std::vector<OrderFact>>(
        RequestContext(),
        [&](Transaction& tx) { return read_model_.ListOrders(tx, id); });
    EXPECT_THAT(found, IsOk());
    return found.ok() ? *found : std::vector<OrderFact>();
  }

  static crm::testing::TestDatabase* database_;
  static crm::common::MySqlPool* pool_;
  std::unique_ptr<crm::common::MySqlUnitOfWork> unit_of_work_;
  MySqlReadModelRepository read_model_;
  ProfileFeedApplier applier_{read_model_};
  std::unique_ptr<FeedConsumer> consumer_;
};

crm::testing::TestDatabase* ProfileFeedReadModelTest::database_ = nullptr;
crm::common::MySqlPool* ProfileFeedReadModelTest::pool_ = nullptr;

TEST_F(ProfileFeedReadModelTest, CustomerEventsStoreTheNonPersonalFacts) {
  ASSERT_TRUE(
      Deliver(1, CustomerEvent(cp::ChangeEvent::CUSTOMER_CREATED, "facts1")));
  std::optional<CustomerFacts> facts = Facts("facts1");
  ASSERT_TRUE(facts.has_value());
  EXPECT_EQ(facts->country_code, "CN");
  EXPECT_EQ(facts->source_channel, "wechat");
  EXPECT_THAT(facts->tags, ElementsAre("b2b", "vip"));
  EXPECT_THAT(facts->granted_consents, ElementsAre("EMAIL_MARKETING"));
  EXPECT_EQ(facts->create_time, kDay1);
  EXPECT_EQ(facts->last_sequence, 1);
  EXPECT_EQ(facts->customer_type, "INDIVIDUAL");  // Unstated.

  cp::ChangeEvent update =
      CustomerEvent(cp::ChangeEvent::CUSTOMER_UPDATED, "facts1");
  update.mutable_customer()->clear_tags();
  update.mutable_customer()->set_customer_type(cp::Customer::BUSINESS);
  update.mutable_customer()->mutable_address()->set_country_code("DE");
  ASSERT_TRUE(Deliver(2, update));
  facts = Facts("facts1");
  ASSERT_TRUE(facts.has_value());
  EXPECT_EQ(facts->country_code, "DE");
  EXPECT_THAT(facts->tags, IsEmpty());
  EXPECT_EQ(facts->customer_type, "BUSINESS");
}

TEST_F(ProfileFeedReadModelTest, OrdersAndRefundsUpdateTheAggregate) {
  ASSERT_TRUE(
      Deliver(1, CustomerEvent(cp::ChangeEvent::CUSTOMER_CREATED, "buyer1")));
  ASSERT_TRUE(Deliver(2, OrderEvent("buyer1", "o1", kDay1, 10000)));
  ASSERT_TRUE(
      Deliver(3, OrderEvent("buyer1", "o2", kDay1 + absl::Hours(5), 3000)));
  ASSERT_TRUE(Deliver(
      4, OrderEvent("buyer1", "o3", kDay1 + absl::Hours(49), 2000, "USD")));
  ASSERT_TRUE(Deliver(5, OrderEvent("buyer1", "o1", kDay1, 10000, "CNY",
                                    /*refunded=*/4000)));

  std::optional<CustomerAggregate> aggregate = Aggregate("buyer1");
  ASSERT_TRUE(aggregate.has_value());
  EXPECT_EQ(aggregate->order_count, 3);
  EXPECT_EQ(aggregate->purchase_days, 2);
  EXPECT_EQ(aggregate->first_order_time, kDay1);
  EXPECT_EQ(aggregate->last_order_time, kDay1 + absl::Hours(49));
  EXPECT_THAT(aggregate->spend,
              ElementsAre(CurrencySpend{"CNY", 2, 9000, 4500},
                          CurrencySpend{"USD", 1, 2000, 2000}));
}

TEST_F(ProfileFeedReadModelTest, RedeliveredEventsAreSkipped) {
  ASSERT_TRUE(Deliver(1, OrderEvent("again1", "o1", kDay1, 500)));
  EXPECT_FALSE(Deliver(1, OrderEvent("again1", "o1", kDay1, 500)));
  // A later sequence carrying a different order is applied once.
  ASSERT_TRUE(Deliver(2, OrderEvent("again1", "o2", kDay1, 700)));
  EXPECT_FALSE(Deliver(2, OrderEvent("again1", "o2", kDay1, 700)));
  std::optional<CustomerAggregate> aggregate = Aggregate("again1");
  ASSERT_TRUE(aggregate.has_value());
  EXPECT_EQ(aggregate->order_count, 2);
  EXPECT_THAT(aggregate->spend,
              ElementsAre(CurrencySpend{"CNY", 2, 1200, 600}));
}

TEST_F(ProfileFeedReadModelTest, MergeMovesOrdersAndForgetsTheDuplicate) {
  ASSERT_TRUE(Deliver(
      1, CustomerEvent(cp::ChangeEvent::CUSTOMER_CREATED, "survivor1")));
  ASSERT_TRUE(Deliver(
      2, CustomerEvent(cp::ChangeEvent::CUSTOMER_CREATED, "duplicate1")));
  ASSERT_TRUE(Deliver(3, OrderEvent("survivor1", "s1", kDay1, 100)));
  ASSERT_TRUE(Deliver(
      4, OrderEvent("duplicate1", "d1", kDay1 + absl::Hours(24 * 10), 300)));
  ASSERT_TRUE(Deliver(5, MergeEvent("survivor1", "duplicate1")));

  EXPECT_FALSE(Facts("duplicate1").has_value());
  EXPECT_FALSE(Aggregate("duplicate1").has_value());
  EXPECT_THAT(Orders("duplicate1"), IsEmpty());
  std::optional<CustomerAggregate> aggregate = Aggregate("survivor1");
  ASSERT_TRUE(aggregate.has_value());
  EXPECT_EQ(aggregate->order_count, 2);
  EXPECT_EQ(aggregate->purchase_days, 2);
  EXPECT_EQ(aggregate->last_order_time, kDay1 + absl::Hours(24 * 10));
  EXPECT_THAT(aggregate->spend, ElementsAre(CurrencySpend{"CNY", 2, 400, 200}));
  std::optional<CustomerFacts> facts = Facts("survivor1");
  ASSERT_TRUE(facts.has_value());
  EXPECT_THAT(facts->tags, ElementsAre("b2b", "merged", "vip"));
}

TEST_F(ProfileFeedReadModelTest, ErasureForgetsEverything) {
  ASSERT_TRUE(
      Deliver(1, CustomerEvent(cp::ChangeEvent::CUSTOMER_CREATED, "erased1")));
  ASSERT_TRUE(Deliver(2, OrderEvent("erased1", "e1", kDay1, 100)));
  ASSERT_TRUE(Deliver(3, EraseEvent("erased1")));
  EXPECT_FALSE(Facts("erased1").has_value());
  EXPECT_FALSE(Aggregate("erased1").has_value());
  EXPECT_THAT(Orders("erased1"), IsEmpty());
}

TEST_F(ProfileFeedReadModelTest, MalformedEventRollsBackAndKeepsTheCursor) {
  cp::ChangeEvent bad = OrderEvent("bad1", "o1", kDay1, 100);
  bad.mutable_order()->set_name("orders/o1");
  bad.set_sequence(1);
  EXPECT_FALSE(consumer_->ApplyOne(1, bad.SerializeAsString()).ok());
  EXPECT_THAT(Orders("bad1"), IsEmpty());
  // The cursor did not move: a corrected event 1 is applied.
  EXPECT_TRUE(Deliver(1, OrderEvent("bad1", "o1", kDay1, 100)));
}

// A stream of prepared events, as the consumer reads customer-profile's.
class VectorFeedStream final : public crm::common::FeedStream {
 public:
  explicit VectorFeedStream(std::vector<crm::common::FeedItem> items)
      : items_(std::move(items)) {}
  bool Next(crm::common::FeedItem* item) override {
    absl::MutexLock lock(&mu_);
    if (next_ < items_.size()) {
      *item = items_[next_++];
      return true;
    }
    mu_.Await(absl::Condition(&cancelled_));
    return false;
  }
  absl::Status Finish() override { return absl::CancelledError("cancelled"); }
  void Cancel() override {
    absl::MutexLock lock(&mu_);
    cancelled_ = true;
  }

 private:
  absl::Mutex mu_;
  std::vector<crm::common::FeedItem> items_;
  size_t next_ ABSL_GUARDED_BY(mu_) = 0;
  bool cancelled_ ABSL_GUARDED_BY(mu_) = false;
};

TEST_F(ProfileFeedReadModelTest, StreamedFeedBuildsTheSameReadModel) {
  std::vector<cp::ChangeEvent> events = {
      CustomerEvent(cp::ChangeEvent::CUSTOMER_CREATED, "stream1"),
      OrderEvent("stream1", "a", kDay1, 100),
      OrderEvent("stream1", "b", kDay1 + absl::Hours(24), 200),
      CustomerEvent(cp::ChangeEvent::CUSTOMER_CREATED, "stream2"),
      OrderEvent("stream2", "c", kDay1, 50),
      EraseEvent("stream2")};
  std::vector<crm::common::FeedItem> items;
  for (size_t i = 0; i < events.size(); ++i) {
    events[i].set_sequence(static_cast<int64_t>(i + 1));
    crm::common::FeedItem item;
    item.sequence = static_cast<int64_t>(i + 1);
    item.payload = events[i].SerializeAsString();
    items.push_back(std::move(item));
  }
  FeedConsumer streamed(
      *pool_,
      [&](int64_t after)
          -> absl::StatusOr<std::unique_ptr<crm::common::FeedStream>> {
        std::vector<crm::common::FeedItem> rest;
        for (const auto& item : items) {
          if (item.sequence > after) rest.push_back(item);
        }
        return std::make_unique<VectorFeedStream>(std::move(rest));
      },
      [this](sql::Connection& connection, int64_t sequence,
             absl::string_view payload) {
        const RequestContext context;
        crm::common::MySqlTransaction tx(connection, context);
        return applier_.ApplyPayload(tx, sequence, payload);
      },
      ConsumerNamed("streamed"));
  streamed.Start();
  EXPECT_TRUE(
      crm::testing::WaitUntil([&] { return streamed.last_sequence() == 6; }));
  streamed.Stop();

  std::optional<CustomerAggregate> aggregate = Aggregate("stream1");
  ASSERT_TRUE(aggregate.has_value());
  EXPECT_EQ(aggregate->purchase_days, 2);
  EXPECT_FALSE(Aggregate("stream2").has_value());
  EXPECT_FALSE(Facts("stream2").has_value());
  EXPECT_THAT(FeedConsumer::LoadCursor(*pool_, "streamed"), IsOk());
  EXPECT_EQ(*FeedConsumer::LoadCursor(*pool_, "streamed"), 6);
}

}  // namespace
}  // namespace crm::segmentation
