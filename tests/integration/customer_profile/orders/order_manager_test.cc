// Orders, refunds, purchase summaries, interaction events and the feed
// events they append, on a fresh MariaDB database: OrderManagerImpl over
// MySqlUnitOfWork, MySqlOrderRepository, the customer side's merge-chain
// resolver and the MySQL change-feed writer, as main.cc wires them.
#include <cppconn/prepared_statement.h>
#include <cppconn/resultset.h>

#include <atomic>
#include <functional>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "absl/strings/str_cat.h"
#include "absl/synchronization/notification.h"
#include "absl/time/time.h"
#include "crm/customerprofile/v1/change_event.pb.h"
#include "services/common/change_feed_outbox.h"
#include "services/common/change_feed_sequencer.h"
#include "services/common/change_feed_writer.h"
#include "services/common/clock.h"
#include "services/common/error_details.h"
#include "services/common/group_commit_unit_of_work.h"
#include "services/common/id_generator.h"
#include "services/common/migrations.h"
#include "services/common/mysql_unit_of_work.h"
#include "services/common/timestamps.h"
#include "services/common/transaction.h"
#include "services/customer_profile/customer_merge_chain.h"
#include "services/customer_profile/customer_profile_feed.h"
#include "services/customer_profile/migrations.h"
#include "services/customer_profile/mysql_customer_repository.h"
#include "services/customer_profile/mysql_order_repository.h"
#include "services/customer_profile/order_manager_impl.h"
#include "services/customer_profile/order_resources.h"
#include "tests/testing/status_matchers.h"
#include "tests/testing/test_database.h"
#include "tests/testing/wait.h"

namespace crm::customer_profile {
namespace {

using ::crm::common::ReasonOf;
using ::crm::common::RequestContext;
using ::crm::common::Transaction;
using ::crm::testing::IsOk;
using ::crm::testing::StatusIs;
using ::testing::HasSubstr;

const absl::Time kStart = absl::FromUnixSeconds(1767225600);  // 2026-01-01

// The field an INVALID_ARGUMENT error names in its ErrorInfo metadata.
std::string FieldOf(const absl::Status& status) {
  return crm::common::ErrorMetadataOf(status)["field"];
}
template <typename T>
std::string FieldOf(const absl::StatusOr<T>& result) {
  return FieldOf(result.status());
}

class OrderManagerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    CRM_ASSERT_OK_AND_ASSIGN(database_,
                             crm::testing::TestDatabase::Create("orders"));
    CRM_ASSERT_OK_AND_ASSIGN(pool_,
                             database_->NewMigratedPool(Migrations(), 12));
    unit_of_work_ = std::make_unique<crm::common::MySqlUnitOfWork>(*pool_);
    orders_ = std::make_unique<OrderManagerImpl>(
        *unit_of_work_, order_records_, active_customers_, feed_, clock_, ids_);
    AddCustomer("alice");
    AddCustomer("bob");
  }

  // Customers are written straight into the customers table: these tests
  // are about orders, not about customer records.
  void AddCustomer(const std::string& id, const std::string& state = "ACTIVE",
                   const std::string& merged_into = "") {
    ASSERT_THAT(
        database_->Execute(absl::StrCat(
            "INSERT INTO customers (id, state, merged_into, profile, "
            "create_time, update_time, version) VALUES ('",
            id, "', '", state, "', ",
            merged_into.empty() ? "NULL" : absl::StrCat("'", merged_into, "'"),
            ", '', NOW(6), NOW(6), 1)")),
        IsOk());
  }

  static v1::RecordOrderRequest OrderRequest(
      const std::string& customer, const std::string& order_id, int64_t amount,
      const std::string& currency = "CNY", absl::Time when = kStart) {
    v1::RecordOrderRequest request;
    v1::Order* order = request.mutable_order();
    order->set_customer(absl::StrCat("customers/", customer));
    order->set_channel("web");
    order->set_channel_order_id(order_id);
    order->mutable_amount()->set_currency_code(currency);
    order->mutable_amount()->set_amount_minor(amount);
    *order->mutable_order_time() = crm::common::ToProtoTimestamp(when);
    v1::OrderLineItem* line = order->add_line_items();
    line->set_sku("sku-1");
    line->set_product_name("绿茶  green tea");
    line->set_quantity(2);
    line->mutable_unit_price()->set_amount_minor(amount / 2);
    return request;
  }

  static v1::RefundOrderRequest RefundRequest(const v1::Order& order,
                                              const std::string& refund_id,
                                              int64_t amount) {
    v1::RefundOrderRequest request;
    request.set_name(order.name());
    request.set_refund_id(refund_id);
    if (amount > 0) {
      request.mutable_amount()->set_currency_code(
          order.amount().currency_code());
      request.mutable_amount()->set_amount_minor(amount);
    }
    return request;
  }

  v1::PurchaseSummary Summary(const std::string& customer_id) {
    absl::StatusOr<v1::PurchaseSummary> summary =
        unit_of_work_->Read<v1::PurchaseSummary>(
            RequestContext(),
            [&](Transaction& tx) -> absl::StatusOr<v1::PurchaseSummary> {
              absl::StatusOr<std::vector<PurchaseSummaryRecord>> records =
                  order_records_.ListPurchaseSummaries(tx, customer_id);
              if (!records.ok()) return records.status();
              return PurchaseSummaryOf(*records);
            });
    EXPECT_THAT(summary.status(), IsOk());
    return summary.ok() ? *summary : v1::PurchaseSummary();
  }

  // Numbers the committed events first (the service's sequencer would).
  std::vector<crm::common::FeedEventRecord> Feed() {
    EXPECT_THAT(
        crm::common::ChangeFeedSequencer(
            *pool_, std::string(kCustomerProfileFeed), notifier_, notifier_)
            .SequencePending()
            .status(),
        IsOk());
    absl::StatusOr<std::vector<crm::common::FeedEventRecord>> events =
        crm::common::WithConnection<std::vector<crm::common::FeedEventRecord>>(
            *pool_, [&](sql::Connection& c) {
              return crm::common::ChangeFeedOutbox::ReadAfter(
                  c, kCustomerProfileFeed, 0, 10000, {});
            });
    EXPECT_THAT(events.status(), IsOk());
    return events.ok() ? *events : std::vector<crm::common::FeedEventRecord>();
  }

  int64_t CountRows(const std::string& table) {
    absl::StatusOr<int64_t> count = crm::common::WithConnection<int64_t>(
        *pool_, [&](sql::Connection& c) -> absl::StatusOr<int64_t> {
          std::unique_ptr<sql::PreparedStatement> st(
              c.prepareStatement(absl::StrCat("SELECT COUNT(*) FROM ", table)));
          std::unique_ptr<sql::ResultSet> rows(st->executeQuery());
          rows->next();
          return static_cast<int64_t>(rows->getInt64(1));
        });
    EXPECT_THAT(count.status(), IsOk());
    return count.ok() ? *count : -1;
  }

  const RequestContext context_;
  std::unique_ptr<crm::testing::TestDatabase> database_;
  std::unique_ptr<crm::common::MySqlPool> pool_;
  crm::common::FakeClock clock_{kStart + absl::Hours(1)};
  crm::common::SequentialIdGenerator ids_{"ord"};
  crm::common::FeedNotifier notifier_;
  crm::common::MySqlChangeFeedWriter feed_{std::string(kCustomerProfileFeed),
                                           clock_, &notifier_};
  MySqlCustomerRepository customer_records_;
  CustomerMergeChainResolver active_customers_{customer_records_};
  MySqlOrderRepository order_records_;
  std::unique_ptr<crm::common::MySqlUnitOfWork> unit_of_work_;
  std::unique_ptr<OrderManagerImpl> orders_;
};

// The same stack with RecordOrder, RefundOrder and RecordEvents coalesced by
// group commit (a GroupCommitUnitOfWork over the same MySqlUnitOfWork), as
// main.cc wires it. One batch at a time, so concurrent calls queue up and
// share transactions.
class GroupCommitOrderManagerTest : public OrderManagerTest {
 protected:
  void SetUp() override {
    OrderManagerTest::SetUp();
    UseGroupCommit();
  }
  void UseGroupCommit() {
    batched_ = std::make_unique<crm::common::GroupCommitUnitOfWork>(
        *unit_of_work_,
        crm::common::GroupCommitOptions{.max_batch_size = 16,
                                        .max_wait = absl::Milliseconds(20),
                                        .max_concurrent_batches = 1});
    orders_ = std::make_unique<OrderManagerImpl>(
        *batched_, order_records_, active_customers_, feed_, clock_, ids_);
  }
  void TearDown() override { orders_.reset(); }

  // The outcomes of RunQueued's calls, in the order made.
  struct QueuedOutcomes {
    std::vector<absl::StatusOr<v1::Order>> orders;
    std::optional<absl::StatusOr<v1::RecordEventsResponse>> events;
  };
  // Makes a Record call of each of `orders` and, if given, a RecordEvents
  // call of `events`, each on its own thread, while another call holds the
  // only batch slot; releases it once all of them wait in one batch.
  QueuedOutcomes RunQueued(
      const std::vector<v1::RecordOrderRequest>& orders,
      const std::optional<v1::RecordEventsRequest>& events = std::nullopt) {
    absl::Notification holding;
    absl::Notification release;
    std::vector<std::thread> threads;
    threads.emplace_back([&] {
      EXPECT_THAT(batched_->Run(context_,
                                [&](Transaction&) {
                                  holding.Notify();
                                  release.WaitForNotification();
                                  return absl::OkStatus();
                                }),
                  IsOk());
    });
    holding.WaitForNotification();
    QueuedOutcomes outcomes;
    outcomes.orders.resize(orders.size());
    for (size_t i = 0; i < orders.size(); ++i) {
      threads.emplace_back([&, i] {
        outcomes.orders[i] = orders_->Record(context_, orders[i]);
      });
    }
    if (events.has_value()) {
      threads.emplace_back(
          [&] { outcomes.events = orders_->RecordEvents(context_, *events); });
    }
    const int queued =
        static_cast<int>(orders.size()) + (events.has_value() ? 1 : 0);
    EXPECT_TRUE(
        crm::testing::WaitUntil([&] { return batched_->waiting() == queued; }));
    release.Notify();
    for (std::thread& thread : threads) thread.join();
    return outcomes;
  }
  // A RecordEvents request of one page view by `customer`.
  static v1::RecordEventsRequest PageViewOf(const std::string& customer,
                                            const std::string& event_id) {
    v1::RecordEventsRequest request;
    v1::InteractionEvent* event = request.add_events();
    event->set_customer(absl::StrCat("customers/", customer));
    event->set_event_id(event_id);
    event->set_type(v1::InteractionEvent::PAGE_VIEW);
    event->set_channel("web");
    *event->mutable_event_time() = crm::common::ToProtoTimestamp(kStart);
    return request;
  }

  std::unique_ptr<crm::common::GroupCommitUnitOfWork> batched_;
};

// Concurrency tests, run on the plain unit of work and with group commit.
class ConcurrentOrderManagerTest : public GroupCommitOrderManagerTest,
                                   public ::testing::WithParamInterface<bool> {
 protected:
  void SetUp() override {
    OrderManagerTest::SetUp();
    if (GetParam()) UseGroupCommit();
  }
};

INSTANTIATE_TEST_SUITE_P(DirectAndGroupCommit, ConcurrentOrderManagerTest,
                         ::testing::Bool(),
                         [](const ::testing::TestParamInfo<bool>& info) {
                           return info.param ? "GroupCommit" : "Direct";
                         });

TEST_F(OrderManagerTest, RecordsAndRepeatsReturnTheStoredOrder) {
  const uint64_t generation = notifier_.generation();
  CRM_ASSERT_OK_AND_ASSIGN(
      v1::Order first,
      orders_->Record(context_, OrderRequest("alice", "A-1", 1999)));
  EXPECT_THAT(first.name(), ::testing::StartsWith("customers/alice/orders/"));
  EXPECT_EQ(first.amount().currency_code(), "CNY");
  EXPECT_EQ(first.refunded_amount().amount_minor(), 0);
  EXPECT_EQ(first.line_items(0).product_name(), "绿茶 green tea");
  EXPECT_EQ(first.line_items(0).unit_price().currency_code(), "CNY");
  EXPECT_GT(notifier_.generation(), generation);

  // A repeat, even with another amount, returns the stored order.
  CRM_ASSERT_OK_AND_ASSIGN(
      v1::Order again,
      orders_->Record(context_, OrderRequest("alice", "A-1", 5)));
  EXPECT_EQ(again.SerializeAsString(), first.SerializeAsString());
  EXPECT_EQ(CountRows("orders"), 1);
  EXPECT_EQ(Feed().size(), 1u);
  EXPECT_EQ(Summary("alice").order_count(), 1);
}

TEST_P(ConcurrentOrderManagerTest, ConcurrentIdenticalRecordsStoreOneOrder) {
  constexpr int kThreads = 8;
  std::vector<std::string> names(kThreads);
  std::atomic<int> failures{0};
  std::vector<std::thread> threads;
  for (int i = 0; i < kThreads; ++i) {
    threads.emplace_back([&, i] {
      absl::StatusOr<v1::Order> order =
          orders_->Record(context_, OrderRequest("alice", "SAME", 1000));
      if (order.ok()) {
        names[i] = order->name();
      } else {
        ++failures;
      }
    });
  }
  for (std::thread& t : threads) t.join();
  EXPECT_EQ(failures.load(), 0);
  EXPECT_EQ(std::set<std::string>(names.begin(), names.end()).size(), 1u);
  EXPECT_EQ(CountRows("orders"), 1);
  EXPECT_EQ(Feed().size(), 1u);
  v1::PurchaseSummary summary = Summary("alice");
  EXPECT_EQ(summary.order_count(), 1);
  ASSERT_EQ(summary.total_spent_size(), 1);
  EXPECT_EQ(summary.total_spent(0).amount_minor(), 1000);
}

// Refunds of one order lock its row; their events must reach the feed in
// commit order (refunded_amount rising 10, 20, ...), numbered by a
// sequencer running concurrently with the writers, and gap-free.
TEST_P(ConcurrentOrderManagerTest,
       ConcurrentRefundsOfOneOrderKeepCommitOrderInFeed) {
  CRM_ASSERT_OK_AND_ASSIGN(
      v1::Order order,
      orders_->Record(context_, OrderRequest("alice", "R-1", 1000)));
  crm::common::FeedNotifier sequenced;
  crm::common::ChangeFeedSequencer sequencer(
      *pool_, std::string(kCustomerProfileFeed), notifier_, sequenced);
  sequencer.Start();
  constexpr int kThreads = 8;
  constexpr int kPerThread = 5;
  std::atomic<int> failures{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kPerThread; ++i) {
        if (!orders_
                 ->Refund(
                     context_,
                     RefundRequest(order, absl::StrCat("r", t, "-", i), 10))
                 .ok()) {
          ++failures;
        }
      }
    });
  }
  for (std::thread& t : threads) t.join();
  sequencer.Stop();
  EXPECT_EQ(failures.load(), 0);
  std::vector<crm::common::FeedEventRecord> feed = Feed();
  ASSERT_EQ(feed.size(), static_cast<size_t>(1 + kThreads * kPerThread));
  for (size_t i = 0; i < feed.size(); ++i) {
    ASSERT_EQ(feed[i].sequence, static_cast<int64_t>(i + 1));
    v1::ChangeEvent event;
    ASSERT_TRUE(event.ParseFromString(feed[i].payload));
    if (i == 0) continue;  // ORDER_RECORDED.
    EXPECT_EQ(event.type(), v1::ChangeEvent::ORDER_REFUNDED);
    EXPECT_EQ(event.order().refunded_amount().amount_minor(),
              static_cast<int64_t>(10 * i));
  }
}

TEST_F(OrderManagerTest, RefundsPartFullRejectsOverRefundAndRepeats) {
  CRM_ASSERT_OK_AND_ASSIGN(
      v1::Order order,
      orders_->Record(context_, OrderRequest("alice", "R-1", 1000)));
  CRM_ASSERT_OK_AND_ASSIGN(
      v1::Order part,
      orders_->Refund(context_, RefundRequest(order, "r1", 300)));
  EXPECT_EQ(part.refunded_amount().amount_minor(), 300);
  // Repeat of r1 (even asking more) is a no-op.
  CRM_ASSERT_OK_AND_ASSIGN(
      v1::Order repeat,
      orders_->Refund(context_, RefundRequest(order, "r1", 900)));
  EXPECT_EQ(repeat.refunded_amount().amount_minor(), 300);
  // More than what is left.
  absl::StatusOr<v1::Order> over =
      orders_->Refund(context_, RefundRequest(order, "r2", 701));
  EXPECT_THAT(over, StatusIs(absl::StatusCode::kFailedPrecondition));
  EXPECT_EQ(ReasonOf(over.status()), crm::type::v1::INSUFFICIENT_BALANCE);
  // Wrong currency.
  v1::RefundOrderRequest usd = RefundRequest(order, "r3", 10);
  usd.mutable_amount()->set_currency_code("usd");
  absl::StatusOr<v1::Order> wrong_currency = orders_->Refund(context_, usd);
  EXPECT_THAT(wrong_currency, StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_EQ(FieldOf(wrong_currency), "amount.currency_code");
  // The rest (amount unset).
  CRM_ASSERT_OK_AND_ASSIGN(
      v1::Order full, orders_->Refund(context_, RefundRequest(order, "r4", 0)));
  EXPECT_EQ(full.refunded_amount().amount_minor(), 1000);
  EXPECT_THAT(orders_->Refund(context_, RefundRequest(order, "r5", 1)),
              StatusIs(absl::StatusCode::kFailedPrecondition));
  EXPECT_THAT(orders_->Refund(context_, RefundRequest(order, "r6", 0)),
              StatusIs(absl::StatusCode::kFailedPrecondition));
  v1::RefundOrderRequest missing = RefundRequest(order, "r7", 1);
  missing.set_name("customers/alice/orders/nope");
  absl::StatusOr<v1::Order> unknown = orders_->Refund(context_, missing);
  EXPECT_THAT(unknown, StatusIs(absl::StatusCode::kNotFound));
  EXPECT_EQ(crm::common::ErrorMetadataOf(unknown.status())["resource"],
            "customers/alice/orders/nope");

  v1::PurchaseSummary summary = Summary("alice");
  EXPECT_EQ(summary.order_count(), 1);
  EXPECT_EQ(summary.total_spent(0).amount_minor(), 0);
  EXPECT_EQ(CountRows("order_refunds"), 2);

  std::vector<crm::common::FeedEventRecord> feed = Feed();
  ASSERT_EQ(feed.size(), 3u);  // Recorded, refunded 300, refunded 700.
  v1::ChangeEvent refunded;
  ASSERT_TRUE(refunded.ParseFromString(feed[2].payload));
  EXPECT_EQ(refunded.type(), v1::ChangeEvent::ORDER_REFUNDED);
  EXPECT_EQ(refunded.refund_amount_minor(), 700);
  EXPECT_EQ(refunded.order().refunded_amount().amount_minor(), 1000);
  EXPECT_EQ(refunded.customer_name(), "customers/alice");
  EXPECT_EQ(feed[2].sequence, 3);
}

TEST_F(OrderManagerTest, SummaryPerCurrencyNetOfRefunds) {
  CRM_ASSERT_OK(orders_->Record(
      context_,
      OrderRequest("alice", "S-1", 1000, "CNY", kStart - absl::Hours(48))));
  CRM_ASSERT_OK_AND_ASSIGN(
      v1::Order usd, orders_->Record(context_, OrderRequest("alice", "S-2", 250,
                                                            "usd", kStart)));
  CRM_ASSERT_OK(orders_->Record(
      context_,
      OrderRequest("alice", "S-3", 2000, "CNY", kStart - absl::Hours(24))));
  CRM_ASSERT_OK(orders_->Record(
      context_,
      OrderRequest("alice", "S-4", 0, "JPY", kStart - absl::Hours(72))));
  CRM_ASSERT_OK(orders_->Refund(context_, RefundRequest(usd, "u1", 50)));
  CRM_ASSERT_OK(
      orders_->Record(context_, OrderRequest("bob", "S-5", 7, "EUR")));

  v1::PurchaseSummary summary = Summary("alice");
  EXPECT_EQ(summary.order_count(), 4);
  ASSERT_EQ(summary.total_spent_size(), 3);
  EXPECT_EQ(summary.total_spent(0).currency_code(), "CNY");
  EXPECT_EQ(summary.total_spent(0).amount_minor(), 3000);
  EXPECT_EQ(summary.total_spent(1).currency_code(), "JPY");
  EXPECT_EQ(summary.total_spent(1).amount_minor(), 0);
  EXPECT_EQ(summary.total_spent(2).currency_code(), "USD");
  EXPECT_EQ(summary.total_spent(2).amount_minor(), 200);
  EXPECT_EQ(crm::common::FromProtoTimestamp(summary.first_order_time()),
            kStart - absl::Hours(72));
  EXPECT_EQ(crm::common::FromProtoTimestamp(summary.last_order_time()), kStart);
  EXPECT_EQ(Summary("bob").order_count(), 1);
  EXPECT_EQ(Summary("nobody").order_count(), 0);
  EXPECT_FALSE(Summary("nobody").has_first_order_time());
}

TEST_F(OrderManagerTest, ListsNewestFirstWithPages) {
  for (int i = 0; i < 5; ++i) {
    CRM_ASSERT_OK(orders_->Record(
        context_, OrderRequest("alice", absl::StrCat("L-", i), 100 + i, "CNY",
                               kStart - absl::Hours(10 - i))));
  }
  CRM_ASSERT_OK(orders_->Record(context_, OrderRequest("bob", "L-bob", 1)));
  v1::ListOrdersRequest request;
  request.set_parent("customers/alice");
  request.set_page_size(2);
  std::vector<int64_t> amounts;
  for (int page = 0; page < 5; ++page) {
    CRM_ASSERT_OK_AND_ASSIGN(v1::ListOrdersResponse response,
                             orders_->List(context_, request));
    for (const v1::Order& o : response.orders()) {
      amounts.push_back(o.amount().amount_minor());
    }
    if (response.next_page_token().empty()) break;
    request.set_page_token(response.next_page_token());
  }
  EXPECT_THAT(amounts, ::testing::ElementsAre(104, 103, 102, 101, 100));
  request.set_page_size(-1);
  EXPECT_THAT(orders_->List(context_, request),
              StatusIs(absl::StatusCode::kInvalidArgument));
  request.set_page_size(10);
  request.set_parent("customers/bob");  // Token of another parent.
  EXPECT_THAT(
      orders_->List(context_, request),
      StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("page_token")));
}

TEST_F(OrderManagerTest, ValidationNamesTheField) {
  v1::RecordOrderRequest bad = OrderRequest("alice", "V-1", 100);
  bad.mutable_order()->mutable_amount()->set_currency_code("XYZ");
  EXPECT_THAT(orders_->Record(context_, bad),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("order.amount.currency_code")));
  bad = OrderRequest("alice", "V-1", -1);
  EXPECT_EQ(FieldOf(orders_->Record(context_, bad)),
            "order.amount.amount_minor");
  bad = OrderRequest("alice", "V-1", 100);
  bad.mutable_order()->set_channel("Web Shop");
  EXPECT_EQ(FieldOf(orders_->Record(context_, bad)), "order.channel");
  bad = OrderRequest("alice", "V-1", 100, "CNY", kStart + absl::Hours(49));
  EXPECT_EQ(FieldOf(orders_->Record(context_, bad)), "order.order_time");
  bad = OrderRequest("alice", "V-1", 100);
  bad.mutable_order()->mutable_line_items(0)->set_quantity(0);
  absl::StatusOr<v1::Order> no_quantity = orders_->Record(context_, bad);
  EXPECT_THAT(no_quantity, StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_EQ(FieldOf(no_quantity), "order.line_items[0].quantity");
  EXPECT_EQ(ReasonOf(no_quantity.status()), crm::type::v1::FIELD_REQUIRED);
  bad = OrderRequest("alice", "'; DROP TABLE orders; --", 100);
  CRM_EXPECT_OK(
      orders_->Record(context_, bad));  // Stored verbatim, harmlessly.
  EXPECT_THAT(orders_->Record(context_, OrderRequest("ghost", "V-2", 1)),
              StatusIs(absl::StatusCode::kNotFound));
  EXPECT_EQ(CountRows("orders"), 1);
}

TEST_F(OrderManagerTest, MergedCustomersOrdersGoToTheSurvivorErasedRejected) {
  AddCustomer("dup", "MERGED", "alice");
  AddCustomer("gone", "ERASED");
  CRM_ASSERT_OK_AND_ASSIGN(
      v1::Order order,
      orders_->Record(context_, OrderRequest("dup", "M-1", 10)));
  EXPECT_THAT(order.name(), ::testing::StartsWith("customers/alice/orders/"));
  absl::StatusOr<v1::Order> erased =
      orders_->Record(context_, OrderRequest("gone", "M-2", 10));
  EXPECT_THAT(erased, StatusIs(absl::StatusCode::kFailedPrecondition));
  EXPECT_EQ(ReasonOf(erased.status()), crm::type::v1::CUSTOMER_ERASED);
  EXPECT_EQ(Summary("alice").order_count(), 1);
}

TEST_F(OrderManagerTest, ReassignMovesOrdersEventsAndMergesSummaries) {
  CRM_ASSERT_OK(orders_->Record(
      context_,
      OrderRequest("alice", "G-1", 100, "CNY", kStart - absl::Hours(5))));
  CRM_ASSERT_OK_AND_ASSIGN(
      v1::Order bob_order,
      orders_->Record(context_, OrderRequest("bob", "G-2", 300, "CNY",
                                             kStart - absl::Hours(9))));
  CRM_ASSERT_OK(
      orders_->Record(context_, OrderRequest("bob", "G-3", 50, "USD")));
  v1::RecordEventsRequest events;
  v1::InteractionEvent* e = events.add_events();
  e->set_customer("customers/bob");
  e->set_event_id("ev-bob");
  e->set_type(v1::InteractionEvent::APP_OPEN);
  e->set_channel("app");
  *e->mutable_event_time() = crm::common::ToProtoTimestamp(kStart);
  CRM_ASSERT_OK(orders_->RecordEvents(context_, events));

  for (int i = 0; i < 2; ++i) {  // Idempotent.
    CRM_ASSERT_OK(unit_of_work_->Run(context_, [&](Transaction& tx) {
      return order_records_.MoveCustomerActivity(tx, "bob", "alice");
    }));
  }
  v1::PurchaseSummary summary = Summary("alice");
  EXPECT_EQ(summary.order_count(), 3);
  ASSERT_EQ(summary.total_spent_size(), 2);
  EXPECT_EQ(summary.total_spent(0).amount_minor(), 400);
  EXPECT_EQ(summary.total_spent(1).amount_minor(), 50);
  EXPECT_EQ(crm::common::FromProtoTimestamp(summary.first_order_time()),
            kStart - absl::Hours(9));
  EXPECT_EQ(Summary("bob").order_count(), 0);

  CRM_ASSERT_OK_AND_ASSIGN(
      CustomerActivity exported,
      unit_of_work_->Read<CustomerActivity>(context_, [&](Transaction& tx) {
        return order_records_.LoadCustomerActivity(tx, "alice");
      }));
  ASSERT_EQ(exported.orders.size(), 3u);
  EXPECT_EQ(exported.orders[0].customer_id, "alice");  // Oldest: bob's G-2.
  EXPECT_EQ(exported.orders[0].channel_order_id, "G-2");
  ASSERT_EQ(exported.events.size(), 1u);
  EXPECT_EQ(InteractionEventToProto(exported.events[0]).customer(),
            "customers/alice");

  // A refund through the duplicate's old order name finds the moved order
  // once the duplicate is marked merged.
  ASSERT_THAT(database_->Execute("UPDATE customers SET state = 'MERGED', "
                                 "merged_into = 'alice' WHERE id = 'bob'"),
              IsOk());
  CRM_ASSERT_OK_AND_ASSIGN(
      v1::Order refunded,
      orders_->Refund(context_, RefundRequest(bob_order, "x", 100)));
  EXPECT_THAT(refunded.name(), ::testing::StartsWith("customers/alice/"));

  CRM_ASSERT_OK(unit_of_work_->Run(context_, [&](Transaction& tx) {
    return order_records_.DeleteEventsOfCustomer(tx, "alice");
  }));
  EXPECT_EQ(CountRows("interaction_events"), 0);
}

TEST_F(OrderManagerTest, RecordEventsCountsDuplicatesAndValidatesWhole) {
  v1::RecordEventsRequest request;
  for (int i = 0; i < 4; ++i) {
    v1::InteractionEvent* e = request.add_events();
    e->set_customer(i % 2 == 0 ? "customers/alice" : "customers/bob");
    e->set_event_id(absl::StrCat("ev-", i % 3));  // ev-0 twice.
    e->set_type(i == 3 ? v1::InteractionEvent::CUSTOM
                       : v1::InteractionEvent::PAGE_VIEW);
    if (i == 3) e->set_custom_type("coupon.viewed");
    e->set_channel("web");
    *e->mutable_event_time() = crm::common::ToProtoTimestamp(kStart);
    (*e->mutable_properties())["page"] = "/首页";
  }
  CRM_ASSERT_OK_AND_ASSIGN(v1::RecordEventsResponse first,
                           orders_->RecordEvents(context_, request));
  EXPECT_EQ(first.recorded_count(), 3);
  EXPECT_EQ(first.duplicate_count(), 1);
  // One INTERACTION_RECORDED per event stored, committed with it, without
  // the free-form properties.
  std::vector<crm::common::FeedEventRecord> feed = Feed();
  ASSERT_EQ(feed.size(), 3u);
  for (const crm::common::FeedEventRecord& record : feed) {
    v1::ChangeEvent event;
    ASSERT_TRUE(event.ParseFromString(record.payload));
    EXPECT_EQ(event.type(), v1::ChangeEvent::INTERACTION_RECORDED);
    EXPECT_TRUE(event.interaction().properties().empty());
    EXPECT_FALSE(event.interaction().event_id().empty());
  }
  CRM_ASSERT_OK_AND_ASSIGN(v1::RecordEventsResponse again,
                           orders_->RecordEvents(context_, request));
  EXPECT_EQ(again.recorded_count(), 0);
  EXPECT_EQ(again.duplicate_count(), 4);
  EXPECT_EQ(Feed().size(), 3u);  // A repeat appends nothing.

  v1::RecordEventsRequest bad = request;
  bad.mutable_events(0)->set_event_id("fresh");
  bad.mutable_events(2)->set_type(v1::InteractionEvent::TYPE_UNSPECIFIED);
  absl::StatusOr<v1::RecordEventsResponse> untyped =
      orders_->RecordEvents(context_, bad);
  EXPECT_THAT(untyped, StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_EQ(FieldOf(untyped), "events[2].type");
  EXPECT_EQ(ReasonOf(untyped.status()), crm::type::v1::FIELD_REQUIRED);
  bad = request;
  bad.mutable_events(0)->set_event_id("fresh");
  bad.mutable_events(1)->set_customer("customers/ghost");
  absl::StatusOr<v1::RecordEventsResponse> ghost =
      orders_->RecordEvents(context_, bad);
  EXPECT_THAT(ghost, StatusIs(absl::StatusCode::kNotFound));
  EXPECT_EQ(crm::common::ErrorMetadataOf(ghost.status())["resource"],
            "customers/ghost");
  EXPECT_EQ(FieldOf(ghost), "events[1].customer");
  EXPECT_EQ(CountRows("interaction_events"), 3);  // Nothing half-written.
  absl::StatusOr<v1::RecordEventsResponse> empty =
      orders_->RecordEvents(context_, v1::RecordEventsRequest());
  EXPECT_THAT(empty, StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_EQ(FieldOf(empty), "events");
  EXPECT_EQ(ReasonOf(empty.status()), crm::type::v1::FIELD_REQUIRED);
}

TEST_F(OrderManagerTest, RolledBackTransactionLeavesNoEventAndNoGap) {
  CRM_ASSERT_OK(orders_->Record(context_, OrderRequest("alice", "T-1", 1)));
  absl::Status rolled_back =
      crm::common::RunInTransaction(*pool_, [&](sql::Connection& c) {
        crm::common::FeedEventRecord record;
        record.type = 1;
        record.key = "alice";
        record.payload = "x";
        absl::Status appended = crm::common::ChangeFeedOutbox::Append(
            c, kCustomerProfileFeed, record, kStart);
        if (!appended.ok()) return appended;
        return absl::AbortedError("roll back on purpose");
      });
  EXPECT_THAT(rolled_back, StatusIs(absl::StatusCode::kAborted));
  // An order whose transaction fails (unknown customer) appends nothing.
  EXPECT_FALSE(orders_->Record(context_, OrderRequest("ghost", "T-2", 1)).ok());
  CRM_ASSERT_OK(orders_->Record(context_, OrderRequest("bob", "T-3", 1)));
  std::vector<crm::common::FeedEventRecord> feed = Feed();
  ASSERT_EQ(feed.size(), 2u);
  EXPECT_EQ(feed[0].sequence, 1);
  EXPECT_EQ(feed[1].sequence, 2);
  v1::ChangeEvent event;
  ASSERT_TRUE(event.ParseFromString(feed[1].payload));
  EXPECT_EQ(event.type(), v1::ChangeEvent::ORDER_RECORDED);
  EXPECT_EQ(event.order().channel_order_id(), "T-3");
  EXPECT_EQ(event.sequence(), 0);  // Filled in by the streamer.
}

// A short deadline against a statement that cannot finish in time (the
// customer's row is locked by another transaction) ends DEADLINE_EXCEEDED,
// and nothing of the write is left: no order, no summary change, no feed
// event.
TEST_F(OrderManagerTest, DeadlineEndsABlockedRecordWithNothingWritten) {
  CRM_ASSERT_OK(orders_->Record(context_, OrderRequest("alice", "D-0", 100)));
  const size_t feed_before = Feed().size();
  const v1::PurchaseSummary summary_before = Summary("alice");

  // Another session holds an exclusive lock on alice's row; resolving the
  // order's customer takes a shared lock on it and waits.
  CRM_ASSERT_OK_AND_ASSIGN(crm::common::PooledConnection holder,
                           pool_->Acquire());
  holder->setAutoCommit(false);
  {
    std::unique_ptr<sql::PreparedStatement> lock(holder->prepareStatement(
        "SELECT id FROM customers WHERE id = 'alice' FOR UPDATE"));
    std::unique_ptr<sql::ResultSet> rows(lock->executeQuery());
    ASSERT_TRUE(rows->next());
  }

  const RequestContext short_deadline =
      RequestContext::WithDeadline(absl::Now() + absl::Milliseconds(300));
  absl::StatusOr<v1::Order> blocked =
      orders_->Record(short_deadline, OrderRequest("alice", "D-1", 500));
  EXPECT_THAT(blocked, StatusIs(absl::StatusCode::kDeadlineExceeded));
  // The reason as the client receives it (google.rpc.Status details).
  EXPECT_EQ(ReasonOf(crm::common::FromRpcStatus(
                crm::common::ToRpcStatus(blocked.status()))),
            crm::type::v1::REQUEST_DEADLINE_EXCEEDED);

  holder->rollback();
  holder->setAutoCommit(true);

  EXPECT_EQ(CountRows("orders WHERE channel_order_id = 'D-1'"), 0);
  EXPECT_EQ(Summary("alice").SerializeAsString(),
            summary_before.SerializeAsString());
  EXPECT_EQ(Feed().size(), feed_before);
  // The lock gone, the same order goes through.
  CRM_ASSERT_OK(orders_->Record(context_, OrderRequest("alice", "D-1", 500)));
  EXPECT_EQ(Feed().size(), feed_before + 1);
}

// Five calls queue behind a running transaction as one batch, four of them
// orders whose set fails (an unknown customer, a repeat): each call then
// runs alone, the unknown customer's fails, the repeat returns the stored
// order without a second event, and the others commit once each.
TEST_F(GroupCommitOrderManagerTest, MixedBatchCommitsEachGoodCallOnce) {
  CRM_ASSERT_OK_AND_ASSIGN(
      v1::Order earlier,
      orders_->Record(context_, OrderRequest("alice", "PRE", 300)));
  QueuedOutcomes outcomes = RunQueued(
      {OrderRequest("alice", "N-1", 100), OrderRequest("bob", "N-2", 200),
       OrderRequest("nobody", "N-3", 400), OrderRequest("alice", "PRE", 300)},
      PageViewOf("bob", "ev-batched"));
  const std::vector<absl::StatusOr<v1::Order>>& recorded = outcomes.orders;
  ASSERT_TRUE(outcomes.events.has_value());
  const absl::StatusOr<v1::RecordEventsResponse>& events_recorded =
      *outcomes.events;

  ASSERT_THAT(recorded[0], IsOk());
  ASSERT_THAT(recorded[1], IsOk());
  EXPECT_THAT(recorded[2], StatusIs(absl::StatusCode::kNotFound));
  ASSERT_THAT(recorded[3], IsOk());
  EXPECT_EQ(recorded[3]->SerializeAsString(), earlier.SerializeAsString());
  ASSERT_THAT(events_recorded, IsOk());
  EXPECT_EQ(events_recorded->recorded_count(), 1);
  // The four orders' combined write failed (an unknown buyer, a repeat), so
  // each of them ran alone for its own outcome; the events then ran alone.
  EXPECT_EQ(batched_->stats().batched_requests, 0);
  EXPECT_EQ(batched_->stats().combined_requests, 0);
  EXPECT_EQ(batched_->stats().largest_batch, 5);

  EXPECT_EQ(CountRows("orders"), 3);
  EXPECT_EQ(CountRows("interaction_events"), 1);
  // PRE, N-1, N-2 and the interaction.
  EXPECT_EQ(Feed().size(), 4u);
  EXPECT_EQ(Summary("alice").order_count(), 2);
  EXPECT_EQ(Summary("bob").order_count(), 1);
}

// Orders queued behind a running batch are written together (one read of
// their buyers, one statement each for orders, summaries and events) next
// to another call's body, with the outcome each would have alone.
TEST_F(GroupCommitOrderManagerTest, QueuedOrdersAreWrittenTogether) {
  const std::vector<v1::RecordOrderRequest> requests = {
      OrderRequest("alice", "T-1", 100), OrderRequest("bob", "T-2", 200),
      OrderRequest("alice", "T-3", 400)};
  QueuedOutcomes outcomes =
      RunQueued(requests, PageViewOf("bob", "ev-together"));
  const std::vector<absl::StatusOr<v1::Order>>& recorded = outcomes.orders;
  ASSERT_TRUE(outcomes.events.has_value());
  const absl::StatusOr<v1::RecordEventsResponse>& events_recorded =
      *outcomes.events;

  const char* const owners[3] = {"alice", "bob", "alice"};
  const int64_t amounts[3] = {100, 200, 400};
  std::set<std::string> names;
  for (int i = 0; i < 3; ++i) {
    ASSERT_THAT(recorded[i], IsOk());
    EXPECT_THAT(recorded[i]->name(), ::testing::StartsWith(absl::StrCat(
                                         "customers/", owners[i], "/orders/")));
    EXPECT_EQ(recorded[i]->amount().amount_minor(), amounts[i]);
    EXPECT_EQ(recorded[i]->line_items(0).product_name(), "绿茶 green tea");
    names.insert(recorded[i]->name());
  }
  EXPECT_EQ(names.size(), 3u);
  ASSERT_THAT(events_recorded, IsOk());
  EXPECT_EQ(events_recorded->recorded_count(), 1);
  EXPECT_EQ(batched_->stats().batched_requests, 4);
  EXPECT_EQ(batched_->stats().combined_requests, 3);

  EXPECT_EQ(CountRows("orders"), 3);
  // One ORDER_RECORDED event per order, and the interaction's event.
  std::vector<crm::common::FeedEventRecord> feed = Feed();
  ASSERT_EQ(feed.size(), 4u);
  std::set<std::string> events_of_orders;
  for (const crm::common::FeedEventRecord& record : feed) {
    v1::ChangeEvent change;
    ASSERT_TRUE(change.ParseFromString(record.payload));
    if (change.type() == v1::ChangeEvent::ORDER_RECORDED) {
      events_of_orders.insert(change.order().name());
    }
  }
  EXPECT_EQ(events_of_orders, names);
  const v1::PurchaseSummary alice = Summary("alice");
  EXPECT_EQ(alice.order_count(), 2);
  ASSERT_EQ(alice.total_spent_size(), 1);
  EXPECT_EQ(alice.total_spent(0).amount_minor(), 500);
  EXPECT_EQ(Summary("bob").order_count(), 1);

  // A repeat of one of them, alone, returns the order the set stored.
  CRM_ASSERT_OK_AND_ASSIGN(v1::Order again,
                           orders_->Record(context_, requests[1]));
  EXPECT_EQ(again.SerializeAsString(), recorded[1]->SerializeAsString());
}

// A set holding a repeat of a stored order fails as a whole (the repeat
// inserts nothing), and each of its orders then runs alone.
TEST_F(GroupCommitOrderManagerTest, SetWithAStoredRepeatRunsEachAlone) {
  CRM_ASSERT_OK_AND_ASSIGN(
      v1::Order earlier,
      orders_->Record(context_, OrderRequest("alice", "PRE", 300)));
  const std::vector<absl::StatusOr<v1::Order>> recorded =
      RunQueued({OrderRequest("bob", "S-1", 200),
                 OrderRequest("alice", "PRE", 300),
                 OrderRequest("alice", "S-2", 50)})
          .orders;

  for (const absl::StatusOr<v1::Order>& order : recorded) {
    ASSERT_THAT(order, IsOk());
  }
  EXPECT_EQ(recorded[1]->SerializeAsString(), earlier.SerializeAsString());
  EXPECT_EQ(batched_->stats().combined_requests, 0);
  EXPECT_EQ(CountRows("orders"), 3);
  EXPECT_EQ(Feed().size(), 3u);
  const v1::PurchaseSummary alice = Summary("alice");
  EXPECT_EQ(alice.order_count(), 2);
  ASSERT_EQ(alice.total_spent_size(), 1);
  EXPECT_EQ(alice.total_spent(0).amount_minor(), 350);
  EXPECT_EQ(Summary("bob").order_count(), 1);
}

// Many writers over few customers: every acknowledged order is stored once,
// every stored order has one feed event, and each customer's purchase
// summary equals the orders stored for them.
TEST_P(ConcurrentOrderManagerTest, SummariesEqualTheOrdersStored) {
  AddCustomer("carol");
  const std::string customers[3] = {"alice", "bob", "carol"};
  constexpr int kThreads = 8;
  constexpr int kPerThread = 12;
  std::vector<std::vector<v1::Order>> acknowledged(kThreads);
  std::atomic<int> failures{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kPerThread; ++i) {
        // Every fourth call repeats the thread's previous order.
        const int n = i % 4 == 3 ? i - 1 : i;
        absl::StatusOr<v1::Order> order = orders_->Record(
            context_, OrderRequest(customers[(t + n) % 3],
                                   absl::StrCat("T", t, "-", n), 100 + n));
        if (order.ok()) {
          acknowledged[t].push_back(*order);
        } else {
          ++failures;
        }
      }
    });
  }
  for (std::thread& t : threads) t.join();
  EXPECT_EQ(failures.load(), 0);
  std::set<std::string> names;
  for (const auto& orders : acknowledged) {
    for (const v1::Order& order : orders) names.insert(order.name());
  }
  const int64_t distinct = kThreads * (kPerThread - kPerThread / 4);
  EXPECT_EQ(static_cast<int64_t>(names.size()), distinct);
  EXPECT_EQ(CountRows("orders"), distinct);
  EXPECT_EQ(static_cast<int64_t>(Feed().size()), distinct);
  for (const std::string& customer : customers) {
    const v1::PurchaseSummary summary = Summary(customer);
    EXPECT_EQ(
        summary.order_count(),
        CountRows(absl::StrCat("orders WHERE customer_id = '", customer, "'")));
    absl::StatusOr<int64_t> total = crm::common::WithConnection<int64_t>(
        *pool_, [&](sql::Connection& c) -> absl::StatusOr<int64_t> {
          std::unique_ptr<sql::PreparedStatement> st(c.prepareStatement(
              "SELECT COALESCE(SUM(amount_minor), 0) FROM orders "
              "WHERE customer_id = ?"));
          st->setString(1, customer);
          std::unique_ptr<sql::ResultSet> rows(st->executeQuery());
          rows->next();
          return static_cast<int64_t>(rows->getInt64(1));
        });
    ASSERT_THAT(total.status(), IsOk());
    ASSERT_EQ(summary.total_spent_size(), 1);
    EXPECT_EQ(summary.total_spent(0).amount_minor(), *total);
  }
}

}  // namespace
}  // namespace crm::customer_profile
