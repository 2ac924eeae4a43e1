// Customer-profile flows across its managers on a fresh MariaDB database:
// CustomerManager, OrderManagerImpl and CustomerImporterImpl over one
// pool. Merge moves orders, events and identities (also while orders are
// recorded concurrently for the duplicate); erasure shreds personal data but
// keeps orders; a bulk import with duplicates and invalid rows writes whole
// rows only and is repeatable.
#include <cppconn/prepared_statement.h>
#include <cppconn/resultset.h>

#include <atomic>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/synchronization/notification.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "clients/customer_profile/customer_csv.h"
#include "crm/customerprofile/v1/change_event.pb.h"
#include "services/common/change_feed_outbox.h"
#include "services/common/change_feed_sequencer.h"
#include "services/common/clock.h"
#include "services/common/error_details.h"
#include "services/common/id_generator.h"
#include "services/common/migrations.h"
#include "services/common/timestamps.h"
#include "services/common/transaction.h"
#include "services/customer_profile/customer_importer_impl.h"
#include "services/customer_profile/customer_manager.h"
#include "services/customer_profile/customer_profile_feed.h"
#include "services/customer_profile/migrations.h"
#include "services/customer_profile/order_manager_impl.h"
#include "tests/integration/customer_profile/mysql_customer_stack.h"
#include "tests/testing/status_matchers.h"
#include "tests/testing/test_database.h"
#include "tests/testing/wait.h"

namespace crm::customer_profile {
namespace {

using ::crm::customer_profile_client::MergeImportResults;
using ::crm::customer_profile_client::ReadCustomerCsv;
using ::crm::testing::IsOk;
using ::crm::testing::StatusIs;
using ::testing::HasSubstr;
using ::testing::UnorderedElementsAre;

const absl::Time kStart = absl::FromUnixSeconds(1767225600);  // 2026-01-01

class CustomerProfileFlowsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    CRM_ASSERT_OK_AND_ASSIGN(database_,
                             crm::testing::TestDatabase::Create("flows"));
    CRM_ASSERT_OK_AND_ASSIGN(pool_,
                             database_->NewMigratedPool(Migrations(), 24));
    CRM_ASSERT_OK_AND_ASSIGN(stack_,
                             MySqlCustomerStack::Create(*pool_, notifier_));
    customers_ = stack_->manager.get();
    orders_ = std::make_unique<OrderManagerImpl>(
        stack_->unit_of_work, stack_->orders, stack_->active_customers,
        stack_->feed, crm::common::SystemClock::Instance(),
        crm::common::RandomIdGenerator::Instance());
    // Numbers committed feed events in the background, as the service does.
    sequencer_ = std::make_unique<crm::common::ChangeFeedSequencer>(
        *pool_, std::string(kCustomerProfileFeed), notifier_, sequenced_);
    sequencer_->Start();
  }

  void TearDown() override {
    if (sequencer_ != nullptr) sequencer_->Stop();
  }

  v1::Customer NewCustomer(const std::string& given, const std::string& email,
                           const std::string& phone, const std::string& channel,
                           const std::string& identity) {
    v1::CreateCustomerRequest request;
    v1::Customer* customer = request.mutable_customer();
    customer->set_given_name(given);
    customer->set_family_name("Flow");
    customer->set_email(email);
    if (!phone.empty()) customer->set_phone(phone);
    v1::ExternalIdentity* id = customer->add_external_identities();
    id->set_channel(channel);
    id->set_id(identity);
    absl::StatusOr<v1::Customer> created =
        customers_->Create(crm::common::RequestContext(), request);
    EXPECT_THAT(created.status(), IsOk());
    return created.ok() ? *created : v1::Customer();
  }

  static v1::RecordOrderRequest OrderRequest(const std::string& customer,
                                             const std::string& order_id,
                                             int64_t amount,
                                             const std::string& currency,
                                             int minute = 0) {
    v1::RecordOrderRequest request;
    v1::Order* order = request.mutable_order();
    order->set_customer(customer);
    order->set_channel("web");
    order->set_channel_order_id(order_id);
    order->mutable_amount()->set_currency_code(currency);
    order->mutable_amount()->set_amount_minor(amount);
    *order->mutable_order_time() =
        crm::common::ToProtoTimestamp(kStart + absl::Minutes(minute));
    v1::OrderLineItem* line = order->add_line_items();
    line->set_sku("SKU-1");
    line->set_product_name("Tea");
    line->set_quantity(1);
    line->mutable_unit_price()->set_currency_code(currency);
    line->mutable_unit_price()->set_amount_minor(amount);
    return request;
  }

  void RecordOrder(const std::string& customer, const std::string& order_id,
                   int64_t amount, const std::string& currency, int minute) {
    EXPECT_THAT(
        orders_
            ->Record(crm::common::RequestContext(),
                     OrderRequest(customer, order_id, amount, currency, minute))
            .status(),
        IsOk())
        << order_id;
  }

  void RecordEvents(const std::string& customer, const std::string& prefix,
                    int count) {
    v1::RecordEventsRequest request;
    for (int i = 0; i < count; ++i) {
      v1::InteractionEvent* event = request.add_events();
      event->set_customer(customer);
      event->set_event_id(absl::StrCat(prefix, "-", i));
      event->set_type(v1::InteractionEvent::PAGE_VIEW);
      event->set_channel("web");
      *event->mutable_event_time() =
          crm::common::ToProtoTimestamp(kStart + absl::Minutes(i));
    }
    absl::StatusOr<v1::RecordEventsResponse> response =
        orders_->RecordEvents(crm::common::RequestContext(), request);
    ASSERT_THAT(response.status(), IsOk());
    EXPECT_EQ(response->recorded_count(), count);
  }

  // Every order of `customer` (all pages); the status when a page fails.
  absl::StatusOr<std::vector<v1::Order>> AllOrders(
      const std::string& customer) {
    std::vector<v1::Order> all;
    v1::ListOrdersRequest request;
    request.set_parent(customer);
    request.set_page_size(7);
    for (int page = 0; page < 100; ++page) {
      absl::StatusOr<v1::ListOrdersResponse> response =
          orders_->List(crm::common::RequestContext(), request);
      if (!response.ok()) return response.status();
      for (const v1::Order& order : response->orders()) all.push_back(order);
      if (response->next_page_token().empty()) return all;
      request.set_page_token(response->next_page_token());
    }
    return absl::InternalError("too many pages");
  }

  static std::set<std::string> OrderIds(const std::vector<v1::Order>& orders) {
    std::set<std::string> ids;
    for (const v1::Order& order : orders) ids.insert(order.channel_order_id());
    return ids;
  }

  v1::Customer Get(const std::string& name) {
    v1::GetCustomerRequest request;
    request.set_name(name);
    absl::StatusOr<v1::Customer> customer =
        customers_->Get(crm::common::RequestContext(), request);
    EXPECT_THAT(customer.status(), IsOk()) << name;
    return customer.ok() ? *customer : v1::Customer();
  }

  // Customers matching `filter` (all pages).
  std::vector<v1::Customer> ListAll(const std::string& filter) {
    std::vector<v1::Customer> all;
    v1::ListCustomersRequest request;
    request.set_filter(filter);
    request.set_page_size(1000);
    for (int page = 0; page < 100; ++page) {
      absl::StatusOr<v1::ListCustomersResponse> response =
          customers_->List(crm::common::RequestContext(), request);
      EXPECT_THAT(response.status(), IsOk()) << filter;
      if (!response.ok()) break;
      for (const v1::Customer& c : response->customers()) all.push_back(c);
      if (response->next_page_token().empty()) break;
      request.set_page_token(response->next_page_token());
    }
    return all;
  }

  // The feed events of `type`, waiting (within a generous deadline) for at
  // least `at_least` of them: the sequencer numbers events after their
  // commit.
  std::vector<v1::ChangeEvent> FeedEvents(
      v1::ChangeEvent::Type type, size_t at_least,
      std::vector<std::string>* payloads = nullptr) {
    std::vector<v1::ChangeEvent> events;
    crm::testing::WaitUntil([&] {
      events.clear();
      if (payloads != nullptr) payloads->clear();
      absl::StatusOr<std::vector<crm::common::FeedEventRecord>> records =
          crm::common::WithConnection<
              std::vector<crm::common::FeedEventRecord>>(
              *pool_, [&](sql::Connection& c) {
                return crm::common::ChangeFeedOutbox::ReadAfter(
                    c, kCustomerProfileFeed, 0, 100000,
                    {static_cast<int>(type)});
              });
      EXPECT_THAT(records.status(), IsOk());
      if (!records.ok()) return true;  // Give up; the failure is reported.
      for (const crm::common::FeedEventRecord& record : *records) {
        v1::ChangeEvent event;
        EXPECT_TRUE(event.ParseFromString(record.payload));
        EXPECT_EQ(static_cast<int>(event.type()), record.type);
        if (event.type() != type) continue;
        events.push_back(event);
        if (payloads != nullptr) payloads->push_back(record.payload);
      }
      return events.size() >= at_least;
    });
    return events;
  }

  int64_t Count(const std::string& sql, const std::string& arg) {
    absl::StatusOr<int64_t> count = crm::common::WithConnection<int64_t>(
        *pool_, [&](sql::Connection& c) -> absl::StatusOr<int64_t> {
          std::unique_ptr<sql::PreparedStatement> st(c.prepareStatement(sql));
          st->setString(1, arg);
          std::unique_ptr<sql::ResultSet> rows(st->executeQuery());
          rows->next();
          return static_cast<int64_t>(rows->getInt64(1));
        });
    EXPECT_THAT(count.status(), IsOk()) << sql;
    return count.ok() ? *count : -1;
  }

  static std::string IdOf(const std::string& name) {
    return name.substr(std::string("customers/").size());
  }

  static std::map<std::string, int64_t> Totals(const v1::PurchaseSummary& s) {
    std::map<std::string, int64_t> totals;
    for (const auto& money : s.total_spent()) {
      totals[money.currency_code()] += money.amount_minor();
    }
    return totals;
  }

  static std::set<std::string> Identities(const v1::Customer& customer) {
    std::set<std::string> ids;
    for (const v1::ExternalIdentity& id : customer.external_identities()) {
      ids.insert(absl::StrCat(id.channel(), ":", id.id()));
    }
    return ids;
  }

  std::unique_ptr<crm::testing::TestDatabase> database_;
  std::unique_ptr<crm::common::MySqlPool> pool_;
  crm::common::FeedNotifier notifier_;
  std::unique_ptr<MySqlCustomerStack> stack_;
  CustomerManager* customers_ = nullptr;
  std::unique_ptr<OrderManagerImpl> orders_;
  crm::common::FeedNotifier sequenced_;
  // Declared last: stopped before the managers and the pool go away.
  std::unique_ptr<crm::common::ChangeFeedSequencer> sequencer_;
};

TEST_F(CustomerProfileFlowsTest, MergeMovesOrdersEventsAndIdentities) {
  v1::Customer a = NewCustomer("Alice", "alice@example.com", "+8613800000001",
                               "web_cookie", "cookie-a");
  v1::Customer b = NewCustomer("Alicia", "alicia@example.com", "+8613800000002",
                               "app_user", "app-b");
  ASSERT_FALSE(a.name().empty());
  ASSERT_FALSE(b.name().empty());
  {  // A second identity on B, so the merge has several to move.
    v1::UpdateCustomerRequest update;
    *update.mutable_customer() = b;
    update.mutable_customer()->add_external_identities()->set_channel(
        "wechat_openid");
    update.mutable_customer()->mutable_external_identities(1)->set_id(
        "oB-openid");
    update.mutable_update_mask()->add_paths("external_identities");
    ASSERT_THAT(
        customers_->Update(crm::common::RequestContext(), update).status(),
        IsOk());
  }
  RecordOrder(a.name(), "a-1", 100, "CNY", 1);
  RecordOrder(a.name(), "a-2", 200, "CNY", 2);
  RecordOrder(a.name(), "a-3", 300, "CNY", 3);
  RecordOrder(a.name(), "a-4", 50, "USD", 4);
  RecordOrder(b.name(), "b-1", 1000, "CNY", 5);
  RecordOrder(b.name(), "b-2", 70, "EUR", 6);
  RecordOrder(b.name(), "b-3", 30, "EUR", 7);
  RecordEvents(a.name(), "ev-a", 2);
  RecordEvents(b.name(), "ev-b", 3);

  v1::MergeCustomersRequest merge;
  merge.set_survivor(a.name());
  merge.set_duplicate(b.name());
  merge.set_request_id("merge-a-b-0001");
  absl::StatusOr<v1::Customer> merged =
      customers_->Merge(crm::common::RequestContext(), merge);
  ASSERT_THAT(merged.status(), IsOk());
  EXPECT_EQ(merged->name(), a.name());
  EXPECT_EQ(merged->state(), v1::Customer::ACTIVE);

  // Orders: all seven on A; B redirects to A (or fails cleanly).
  const std::set<std::string> all_orders = {"a-1", "a-2", "a-3", "a-4",
                                            "b-1", "b-2", "b-3"};
  absl::StatusOr<std::vector<v1::Order>> on_a = AllOrders(a.name());
  ASSERT_THAT(on_a.status(), IsOk());
  EXPECT_EQ(OrderIds(*on_a), all_orders);
  for (const v1::Order& order : *on_a) EXPECT_EQ(order.customer(), a.name());
  absl::StatusOr<std::vector<v1::Order>> on_b = AllOrders(b.name());
  if (on_b.ok()) {
    EXPECT_EQ(OrderIds(*on_b), all_orders);
  } else {
    EXPECT_THAT(on_b.status(), StatusIs(absl::StatusCode::kFailedPrecondition));
  }
  EXPECT_EQ(Count("SELECT COUNT(*) FROM orders WHERE customer_id = ?",
                  IdOf(b.name())),
            0);

  // Purchase summary: the sum per currency across both customers.
  v1::Customer survivor = Get(a.name());
  EXPECT_EQ(survivor.purchase_summary().order_count(), 7);
  EXPECT_EQ(Totals(survivor.purchase_summary()),
            (std::map<std::string, int64_t>{
                {"CNY", 1600}, {"USD", 50}, {"EUR", 100}}));
  EXPECT_EQ(crm::common::FromProtoTimestamp(
                survivor.purchase_summary().first_order_time()),
            kStart + absl::Minutes(1));
  EXPECT_EQ(crm::common::FromProtoTimestamp(
                survivor.purchase_summary().last_order_time()),
            kStart + absl::Minutes(7));

  // No identity lost; B reads redirect to A.
  EXPECT_THAT(Identities(survivor),
              UnorderedElementsAre("web_cookie:cookie-a", "app_user:app-b",
                                   "wechat_openid:oB-openid"));
  v1::Customer b_read = Get(b.name());
  EXPECT_EQ(b_read.name(), a.name());
  EXPECT_EQ(ListAll("external_identity = \"app_user:app-b\"").size(), 1u);
  for (const v1::Customer& c :
       ListAll("external_identity = \"wechat_openid:oB-openid\"")) {
    EXPECT_EQ(c.name(), a.name());
  }
  // B's email is kept somewhere reachable: a lookup finds A.
  for (const v1::Customer& c : ListAll("email = \"alicia@example.com\"")) {
    EXPECT_EQ(c.name(), a.name());
  }

  // Export of A: every event and order, and B as merged.
  v1::ExportCustomerDataRequest export_request;
  export_request.set_name(a.name());
  absl::StatusOr<v1::ExportCustomerDataResponse> exported =
      customers_->Export(crm::common::RequestContext(), export_request);
  ASSERT_THAT(exported.status(), IsOk());
  std::set<std::string> event_ids;
  for (const v1::InteractionEvent& e : exported->events()) {
    event_ids.insert(e.event_id());
    EXPECT_EQ(e.customer(), a.name());
  }
  EXPECT_EQ(event_ids, (std::set<std::string>{"ev-a-0", "ev-a-1", "ev-b-0",
                                              "ev-b-1", "ev-b-2"}));
  EXPECT_EQ(exported->orders_size(), 7);
  EXPECT_THAT(exported->merged_customers(), UnorderedElementsAre(b.name()));

  // The feed has exactly one CUSTOMER_MERGED naming both.
  std::vector<v1::ChangeEvent> merges =
      FeedEvents(v1::ChangeEvent::CUSTOMER_MERGED, 1);
  ASSERT_EQ(merges.size(), 1u);
  EXPECT_EQ(merges[0].merge().survivor(), a.name());
  EXPECT_EQ(merges[0].merge().duplicate(), b.name());
  EXPECT_EQ(merges[0].customer_name(), a.name());

  // Repeating the same request returns the survivor, changes nothing.
  absl::StatusOr<v1::Customer> again =
      customers_->Merge(crm::common::RequestContext(), merge);
  ASSERT_THAT(again.status(), IsOk());
  EXPECT_EQ(again->name(), a.name());
  // A new request for the same pair is idempotent too (documented).
  merge.set_request_id("merge-a-b-0002");
  again = customers_->Merge(crm::common::RequestContext(), merge);
  ASSERT_THAT(again.status(), IsOk());
  EXPECT_EQ(again->name(), a.name());
  // The other direction: B is MERGED into A, so it is A merged with itself.
  v1::MergeCustomersRequest reverse;
  reverse.set_survivor(b.name());
  reverse.set_duplicate(a.name());
  reverse.set_request_id("merge-b-a-0001");
  absl::StatusOr<v1::Customer> self =
      customers_->Merge(crm::common::RequestContext(), reverse);
  EXPECT_THAT(self, StatusIs(absl::StatusCode::kFailedPrecondition));
  EXPECT_EQ(crm::common::ReasonOf(self.status()),
            crm::type::v1::RESOURCE_STATE_CONFLICT);
  // Nothing moved by the repeats.
  on_a = AllOrders(a.name());
  ASSERT_THAT(on_a.status(), IsOk());
  EXPECT_EQ(OrderIds(*on_a), all_orders);
  EXPECT_EQ(Get(a.name()).purchase_summary().order_count(), 7);
  EXPECT_EQ(Get(a.name()).state(), v1::Customer::ACTIVE);
  // Every merge above has committed: numbering what is pending makes any
  // second CUSTOMER_MERGED event visible before counting.
  CRM_ASSERT_OK(sequencer_->SequencePending().status());
  EXPECT_EQ(FeedEvents(v1::ChangeEvent::CUSTOMER_MERGED, 1).size(), 1u);
}

TEST_F(CustomerProfileFlowsTest, ConcurrentOrdersDuringMergeEndOnSurvivor) {
  for (int round = 0; round < 3; ++round) {
    SCOPED_TRACE(round);
    v1::Customer c =
        NewCustomer("Chen", absl::StrCat("chen", round, "@example.com"), "",
                    "store_card", absl::StrCat("SC-C", round));
    v1::Customer d =
        NewCustomer("Dong", absl::StrCat("dong", round, "@example.com"), "",
                    "store_card", absl::StrCat("SC-D", round));
    ASSERT_FALSE(c.name().empty());
    ASSERT_FALSE(d.name().empty());
    std::atomic<bool> go{false};
    std::vector<absl::Status> results(16);
    std::vector<std::thread> threads;
    for (int i = 0; i < 16; ++i) {
      threads.emplace_back([&, i] {
        while (!go.load()) std::this_thread::yield();
        results[i] =
            orders_
                ->Record(
                    crm::common::RequestContext(),
                    OrderRequest(d.name(), absl::StrCat("r", round, "-o", i),
                                 100 + i, "CNY", i))
                .status();
      });
    }
    v1::MergeCustomersRequest merge;
    merge.set_survivor(c.name());
    merge.set_duplicate(d.name());
    merge.set_request_id(absl::StrCat("concurrent-merge-", round));
    absl::Status merge_status;
    std::thread merger([&] {
      while (!go.load()) std::this_thread::yield();
      // Part of the behaviour under test: each round starts the merge a
      // little later among the concurrent orders (0, 2, 4 ms).
      absl::SleepFor(absl::Milliseconds(2 * round));
      merge_status =
          customers_->Merge(crm::common::RequestContext(), merge).status();
    });
    go.store(true);
    for (std::thread& t : threads) t.join();
    merger.join();
    ASSERT_THAT(merge_status, IsOk());
    for (int i = 0; i < 16; ++i) EXPECT_THAT(results[i], IsOk()) << i;

    absl::StatusOr<std::vector<v1::Order>> on_c = AllOrders(c.name());
    ASSERT_THAT(on_c.status(), IsOk());
    EXPECT_EQ(on_c->size(), 16u);
    EXPECT_EQ(Count("SELECT COUNT(*) FROM orders WHERE customer_id = ?",
                    IdOf(d.name())),
              0)
        << "orders stranded on the merged duplicate";
    v1::Customer survivor = Get(c.name());
    EXPECT_EQ(survivor.purchase_summary().order_count(), 16);
    int64_t expected = 0;
    for (int i = 0; i < 16; ++i) expected += 100 + i;
    EXPECT_EQ(Totals(survivor.purchase_summary()),
              (std::map<std::string, int64_t>{{"CNY", expected}}));
  }
}

// A read request that holds the only read batch until released, so the
// Get calls made meanwhile queue up and are read together.
struct HeldRead {};
class NeverTogether final : public crm::common::RequestCombinerOf<HeldRead> {
 public:
  absl::Status RunTogether(crm::common::Transaction& /*tx*/,
                           const std::vector<HeldRead*>& /*items*/) override {
    return absl::InternalError("a held read is alone in its batch");
  }
};

TEST_F(CustomerProfileFlowsTest, GetsOfConcurrentCallsAreReadTogether) {
  const v1::Customer a = NewCustomer("Ann", "ann@example.com", "", "web", "a");
  const v1::Customer b = NewCustomer("Ben", "ben@example.com", "", "web", "b");
  const v1::Customer c = NewCustomer("Cai", "cai@example.com", "", "app", "c");
  RecordOrder(a.name(), "a-1", 100, "CNY", 1);
  RecordOrder(a.name(), "a-2", 50, "USD", 2);
  v1::MergeCustomersRequest merge;
  merge.set_survivor(b.name());
  merge.set_duplicate(c.name());
  merge.set_request_id("merge-b-c-0001");
  ASSERT_THAT(customers_->Merge(crm::common::RequestContext(), merge).status(),
              IsOk());
  auto get = [&](const std::string& name) {
    v1::GetCustomerRequest request;
    request.set_name(name);
    return customers_->Get(crm::common::RequestContext(), request);
  };
  CRM_ASSERT_OK_AND_ASSIGN(const v1::Customer a_alone, get(a.name()));
  CRM_ASSERT_OK_AND_ASSIGN(const v1::Customer b_alone, get(b.name()));
  ASSERT_EQ(a_alone.purchase_summary().order_count(), 2);

  // Gets `names` concurrently while a held read keeps them queued.
  auto get_queued = [&](const std::vector<std::string>& names) {
    absl::Notification holding;
    absl::Notification release;
    NeverTogether never;
    HeldRead held;
    std::vector<absl::StatusOr<v1::Customer>> results(names.size());
    std::vector<std::thread> threads;
    threads.emplace_back([&] {
      EXPECT_THAT(stack_->reads.ReadCombinable(
                      crm::common::RequestContext(),
                      [&](crm::common::Transaction&) {
                        holding.Notify();
                        release.WaitForNotification();
                        return absl::OkStatus();
                      },
                      never, held),
                  IsOk());
    });
    holding.WaitForNotification();
    for (size_t i = 0; i < names.size(); ++i) {
      threads.emplace_back([&, i] { results[i] = get(names[i]); });
    }
    EXPECT_TRUE(crm::testing::WaitUntil([&] {
      return stack_->reads.waiting() == static_cast<int>(names.size());
    }));
    release.Notify();
    for (std::thread& thread : threads) thread.join();
    return results;
  };

  std::vector<absl::StatusOr<v1::Customer>> together =
      get_queued({a.name(), b.name(), a.name()});
  for (const auto& result : together) ASSERT_THAT(result, IsOk());
  EXPECT_EQ(together[0]->SerializeAsString(), a_alone.SerializeAsString());
  EXPECT_EQ(together[1]->SerializeAsString(), b_alone.SerializeAsString());
  EXPECT_EQ(together[2]->SerializeAsString(), a_alone.SerializeAsString());
  EXPECT_EQ(stack_->reads.stats().combined_requests, 3);

  // A merged and an absent customer fail the set: each Get reads alone and
  // gets what it gets alone (the survivor; NOT_FOUND).
  std::vector<absl::StatusOr<v1::Customer>> alone =
      get_queued({c.name(), a.name(), "customers/absent"});
  ASSERT_THAT(alone[0], IsOk());
  EXPECT_EQ(alone[0]->SerializeAsString(), b_alone.SerializeAsString());
  ASSERT_THAT(alone[1], IsOk());
  EXPECT_EQ(alone[1]->SerializeAsString(), a_alone.SerializeAsString());
  EXPECT_THAT(alone[2], StatusIs(absl::StatusCode::kNotFound));
  EXPECT_EQ(stack_->reads.stats().combined_requests, 3);
}

TEST_F(CustomerProfileFlowsTest, ErasureShredsPersonalDataAndKeepsOrders) {
  v1::Customer e = NewCustomer("Erin", "erin.erased@example.com",
                               "+8613912345678", "app_user", "erin-app");
  ASSERT_FALSE(e.name().empty());
  RecordOrder(e.name(), "e-1", 500, "CNY", 1);
  RecordOrder(e.name(), "e-2", 700, "CNY", 2);
  RecordEvents(e.name(), "ev-e", 4);

  v1::EraseCustomerRequest erase;
  erase.set_name(e.name());
  erase.set_request_id("erase-erin-0001");
  absl::StatusOr<v1::Customer> erased =
      customers_->Erase(crm::common::RequestContext(), erase);
  ASSERT_THAT(erased.status(), IsOk());
  EXPECT_EQ(erased->state(), v1::Customer::ERASED);

  // Events gone; orders kept under the customer id.
  EXPECT_EQ(Count("SELECT COUNT(*) FROM interaction_events WHERE "
                  "customer_id = ?",
                  IdOf(e.name())),
            0);
  EXPECT_EQ(Count("SELECT COUNT(*) FROM orders WHERE customer_id = ?",
                  IdOf(e.name())),
            2);
  v1::ExportCustomerDataRequest export_request;
  export_request.set_name(e.name());
  absl::StatusOr<v1::ExportCustomerDataResponse> exported =
      customers_->Export(crm::common::RequestContext(), export_request);
  ASSERT_THAT(exported.status(), IsOk());
  EXPECT_EQ(exported->events_size(), 0);
  EXPECT_EQ(exported->orders_size(), 2);
  EXPECT_EQ(exported->customer().email(), "");

  // The tombstone carries no personal data.
  v1::Customer tombstone = Get(e.name());
  EXPECT_EQ(tombstone.state(), v1::Customer::ERASED);
  EXPECT_EQ(tombstone.email(), "");
  EXPECT_EQ(tombstone.phone(), "");
  EXPECT_EQ(tombstone.given_name(), "");
  EXPECT_EQ(tombstone.family_name(), "");
  EXPECT_EQ(tombstone.display_name(), "");
  EXPECT_EQ(tombstone.birth_date(), "");
  EXPECT_EQ(tombstone.external_identities_size(), 0);
  EXPECT_TRUE(ListAll("email = \"erin.erased@example.com\"").empty());

  // Orders for the erased customer are refused.
  EXPECT_THAT(orders_->Record(crm::common::RequestContext(),
                              OrderRequest(e.name(), "e-3", 1, "CNY")),
              StatusIs(absl::StatusCode::kFailedPrecondition));

  // The blind indexes were released: the same email and identity make a new
  // customer.
  v1::Customer again = NewCustomer("Erin", "erin.erased@example.com",
                                   "+8613912345678", "app_user", "erin-app");
  ASSERT_FALSE(again.name().empty());
  EXPECT_NE(again.name(), e.name());
  EXPECT_EQ(again.state(), v1::Customer::ACTIVE);
  EXPECT_EQ(again.email(), "erin.erased@example.com");
  EXPECT_EQ(again.purchase_summary().order_count(), 0);
  std::vector<v1::Customer> by_email =
      ListAll("email = \"erin.erased@example.com\"");
  ASSERT_EQ(by_email.size(), 1u);
  EXPECT_EQ(by_email[0].name(), again.name());

  // The feed's erasure event has no personal data.
  std::vector<std::string> payloads;
  std::vector<v1::ChangeEvent> erasures =
      FeedEvents(v1::ChangeEvent::CUSTOMER_ERASED, 1, &payloads);
  ASSERT_EQ(erasures.size(), 1u);
  EXPECT_EQ(erasures[0].customer_name(), e.name());
  EXPECT_EQ(erasures[0].customer().email(), "");
  EXPECT_EQ(erasures[0].customer().phone(), "");
  EXPECT_EQ(erasures[0].customer().given_name(), "");
  EXPECT_EQ(erasures[0].customer().external_identities_size(), 0);
  for (const std::string& payload : payloads) {
    EXPECT_EQ(payload.find("erin"), std::string::npos);
    EXPECT_EQ(payload.find("Erin"), std::string::npos);
    EXPECT_EQ(payload.find("13912345678"), std::string::npos);
  }
  // No feed event at all carries the erased email or phone.
  absl::StatusOr<std::vector<crm::common::FeedEventRecord>> all =
      crm::common::WithConnection<std::vector<crm::common::FeedEventRecord>>(
          *pool_, [&](sql::Connection& c) {
            return crm::common::ChangeFeedOutbox::ReadAfter(
                c, kCustomerProfileFeed, 0, 100000, {});
          });
  ASSERT_THAT(all.status(), IsOk());
  EXPECT_FALSE(all->empty());
  for (const crm::common::FeedEventRecord& record : *all) {
    EXPECT_EQ(record.payload.find("erin.erased"), std::string::npos)
        << record.sequence;
    EXPECT_EQ(record.payload.find("13912345678"), std::string::npos)
        << record.sequence;
  }
}

TEST_F(CustomerProfileFlowsTest, ImportWithDuplicatesAndInvalidRows) {
  constexpr int kUnique = 850;
  std::string csv =
      "given_name,family_name,email,phone,birth_date,identity:store_card\n";
  std::set<std::string> rejected_emails;
  int invalid = 0;
  auto add_invalid = [&](int k) {
    std::string email = absl::StrCat("rejected", k, "@example.com");
    rejected_emails.insert(email);
    // Valid email, invalid birth date or country: the whole row must go.
    if (k % 2 == 0) {
      absl::StrAppend(&csv, "Bad,Row,", email, ",,1990-02-30,\n");
    } else {
      absl::StrAppend(&csv, "Bad,Row,", email, ",,2001-13-01,\n");
    }
    ++invalid;
  };
  for (int i = 0; i < kUnique; ++i) {
    absl::StrAppend(&csv, "Given", i, ",Family,user", i, "@example.com,",
                    absl::StrFormat("+86138%08d", i), ",1990-01-01,SC", i,
                    "\n");
    if (i % 17 == 5) add_invalid(invalid);
  }
  int duplicates = 0;
  for (int i = 0; i < kUnique; i += 25) {  // 34 by email (other case)
    absl::StrAppend(&csv, "Again,Family,USER", i, "@EXAMPLE.COM,,,\n");
    ++duplicates;
  }
  for (int i = 1; i < kUnique; i += 26) {  // 33 by phone (national form)
    absl::StrAppend(&csv, "Phone,Dup,,", absl::StrFormat("138%08d", i), ",,\n");
    ++duplicates;
  }
  for (int i = 2; i < kUnique; i += 26) {  // 33 by identity
    absl::StrAppend(&csv, "Card,Dup,,,,SC", i, "\n");
    ++duplicates;
  }
  while (invalid < 50) add_invalid(invalid);
  const int total = kUnique + duplicates + invalid;
  ASSERT_EQ(duplicates, 100);
  ASSERT_EQ(total, 1000);

  auto run_import = [&]() -> v1::ImportCustomersResponse {
    std::istringstream input(csv);
    std::vector<v1::ImportCustomersRequest> rows;
    std::vector<v1::ImportRowResult> local;
    EXPECT_THAT(ReadCustomerCsv(
                    input, false,
                    [&](const v1::ImportCustomersRequest& row) {
                      rows.push_back(row);
                      return true;
                    },
                    [&](const v1::ImportRowResult& r) { local.push_back(r); }),
                IsOk());
    CustomerImporterImpl importer(*customers_,
                                  crm::common::SystemClock::Instance());
    size_t next = 0;
    absl::StatusOr<v1::ImportCustomersResponse> response =
        importer.Import(crm::common::RequestContext(),
                        [&]() -> std::optional<v1::ImportCustomersRequest> {
                          if (next >= rows.size()) return std::nullopt;
                          return rows[next++];
                        });
    EXPECT_THAT(response.status(), IsOk());
    if (!response.ok()) return {};
    return MergeImportResults(*response, local);
  };

  v1::ImportCustomersResponse first = run_import();
  EXPECT_EQ(first.created_count(), kUnique);
  EXPECT_EQ(first.updated_count(), duplicates);
  EXPECT_EQ(first.rejected_count(), invalid);
  ASSERT_EQ(first.results_size(), total);
  for (const v1::ImportRowResult& result : first.results()) {
    if (result.outcome() == v1::ImportRowResult::REJECTED) {
      EXPECT_THAT(result.error(), HasSubstr("birth_date"))
          << result.line_number();
      EXPECT_TRUE(result.customer().empty());
    } else {
      EXPECT_FALSE(result.customer().empty()) << result.line_number();
    }
  }
  EXPECT_EQ(Count("SELECT COUNT(*) FROM customers WHERE state = ?", "ACTIVE"),
            kUnique);
  // No partial row: no rejected row's email is stored anywhere.
  for (const std::string& email : rejected_emails) {
    EXPECT_TRUE(ListAll(absl::StrCat("email = \"", email, "\"")).empty())
        << email;
  }
  // Duplicates resolved onto the right records.
  std::vector<v1::Customer> user0 = ListAll("email = \"user0@example.com\"");
  ASSERT_EQ(user0.size(), 1u);
  EXPECT_EQ(user0[0].given_name(), "Again");
  std::vector<v1::Customer> user1 = ListAll("email = \"user1@example.com\"");
  ASSERT_EQ(user1.size(), 1u);
  EXPECT_EQ(user1[0].given_name(), "Phone");
  std::vector<v1::Customer> user2 =
      ListAll("external_identity = \"store_card:SC2\"");
  ASSERT_EQ(user2.size(), 1u);
  EXPECT_EQ(user2[0].email(), "user2@example.com");
  EXPECT_EQ(user2[0].given_name(), "Card");
  EXPECT_EQ(ListAll("").size(), static_cast<size_t>(kUnique));

  // The same file again creates nothing.
  v1::ImportCustomersResponse second = run_import();
  EXPECT_EQ(second.created_count(), 0);
  EXPECT_EQ(second.updated_count(), kUnique + duplicates);
  EXPECT_EQ(second.rejected_count(), invalid);
  EXPECT_EQ(Count("SELECT COUNT(*) FROM customers WHERE state <> ?", "x"),
            kUnique);
  EXPECT_EQ(ListAll("").size(), static_cast<size_t>(kUnique));
  std::vector<v1::ChangeEvent> created =
      FeedEvents(v1::ChangeEvent::CUSTOMER_CREATED, kUnique);
  EXPECT_EQ(created.size(), static_cast<size_t>(kUnique));
}

}  // namespace
}  // namespace crm::customer_profile
