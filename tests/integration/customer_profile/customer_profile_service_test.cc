// customer-profile's customer records on a fresh MariaDB database:
// CustomerManager over the MySQL repositories directly (standardisation,
// resolution, update, list and filters, merge, erasure, export, privacy at
// rest, feed events), and the gRPC adapter over an in-process channel with
// fakes of the order, import and feed interfaces.
#include <cppconn/prepared_statement.h>
#include <cppconn/resultset.h>
#include <cppconn/statement.h>

#include <memory>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include <gmock/gmock.h>
#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>

#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "crm/customerprofile/v1/change_event.pb.h"
#include "services/common/change_feed_outbox.h"
#include "services/common/change_feed_sequencer.h"
#include "services/common/clock.h"
#include "services/common/error_details.h"
#include "services/common/grpc_status.h"
#include "services/common/id_generator.h"
#include "services/common/migrations.h"
#include "services/common/status_macros.h"
#include "services/common/transaction.h"
#include "services/customer_profile/customer_manager.h"
#include "services/customer_profile/customer_profile_feed.h"
#include "services/customer_profile/customer_profile_service.h"
#include "services/customer_profile/migrations.h"
#include "services/customer_profile/mysql_customer_repository.h"
#include "tests/integration/customer_profile/mysql_customer_stack.h"
#include "tests/testing/status_matchers.h"
#include "tests/testing/test_database.h"

namespace crm::customer_profile {
namespace {

using ::crm::testing::IsOk;
using ::crm::testing::StatusIs;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::Not;

using ::crm::common::ReasonOf;
using ::crm::common::RequestContext;
constexpr char kEmail[] = "ann.lee@example.com";
constexpr char kPhoneDigits[] = "13800138000";

class CustomerManagerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    CRM_ASSERT_OK_AND_ASSIGN(database_,
                             crm::testing::TestDatabase::Create("customers"));
    CRM_ASSERT_OK_AND_ASSIGN(pool_,
                             database_->NewMigratedPool(Migrations(), 12));
    CRM_ASSERT_OK_AND_ASSIGN(stack_,
                             MySqlCustomerStack::Create(*pool_, notifier_));
    manager_ = stack_->manager.get();
  }

  absl::StatusOr<v1::ResolveCustomerResponse> Resolve(
      const v1::Customer& customer) {
    v1::ResolveCustomerRequest request;
    *request.mutable_customer() = customer;
    return manager_->Resolve(RequestContext(), request);
  }

  static v1::Customer Ann() {
    v1::Customer customer;
    customer.set_given_name(" Ann ");
    customer.set_family_name("Lee");
    customer.set_email("  Ann.Lee@Example.COM ");
    customer.set_phone("138 0013 8000");
    customer.set_birth_date("1990-05-17");
    customer.mutable_address()->set_country_code("cn");
    customer.mutable_address()->set_city("  Shanghai   Pudong ");
    customer.add_tags("vip");
    customer.add_tags("vip");
    customer.add_tags("new");
    v1::ExternalIdentity* identity = customer.add_external_identities();
    identity->set_channel("WeChat_OpenID");
    identity->set_id("o-123");
    return customer;
  }

  absl::StatusOr<v1::Customer> Create(const v1::Customer& customer,
                                      const std::string& request_id = "") {
    v1::CreateCustomerRequest request;
    *request.mutable_customer() = customer;
    request.set_request_id(request_id);
    return manager_->Create(RequestContext(), request);
  }

  absl::StatusOr<v1::Customer> Get(const std::string& name) {
    v1::GetCustomerRequest request;
    request.set_name(name);
    return manager_->Get(RequestContext(), request);
  }

  absl::StatusOr<v1::ListCustomersResponse> List(
      const std::string& filter, int page_size = 0,
      const std::string& token = "", const std::string& order = "") {
    v1::ListCustomersRequest request;
    request.set_filter(filter);
    request.set_page_size(page_size);
    request.set_page_token(token);
    request.set_order_by(order);
    return manager_->List(RequestContext(), request);
  }

  // Every value of every row of every table of the test database.
  std::vector<std::string> DumpDatabase() {
    std::vector<std::string> values;
    absl::Status status = crm::common::WithConnection(
        *pool_, [&](sql::Connection& connection) -> absl::Status {
          std::unique_ptr<sql::Statement> statement(
              connection.createStatement());
          std::vector<std::string> tables;
          {
            std::unique_ptr<sql::ResultSet> rows(statement->executeQuery(
                "SELECT table_name FROM information_schema.tables WHERE "
                "table_schema = DATABASE()"));
            while (rows->next()) tables.push_back(rows->getString(1));
          }
          EXPECT_GE(tables.size(), 4u);
          for (const std::string& table : tables) {
            std::unique_ptr<sql::ResultSet> rows(statement->executeQuery(
                absl::StrCat("SELECT * FROM `", table, "`")));
            const unsigned columns = rows->getMetaData()->getColumnCount();
            while (rows->next()) {
              for (unsigned i = 1; i <= columns; ++i) {
                if (!rows->isNull(i)) values.push_back(rows->getString(i));
              }
            }
          }
          return absl::OkStatus();
        });
    EXPECT_THAT(status, IsOk());
    return values;
  }

  // Numbers the committed events first (the service's sequencer would).
  std::vector<v1::ChangeEvent> FeedEvents() {
    std::vector<v1::ChangeEvent> events;
    EXPECT_THAT(
        crm::common::ChangeFeedSequencer(
            *pool_, std::string(kCustomerProfileFeed), notifier_, notifier_)
            .SequencePending()
            .status(),
        IsOk());
    absl::Status status = crm::common::WithConnection(
        *pool_, [&](sql::Connection& connection) -> absl::Status {
          CRM_ASSIGN_OR_RETURN(
              std::vector<crm::common::FeedEventRecord> records,
              crm::common::ChangeFeedOutbox::ReadAfter(
                  connection, kCustomerProfileFeed, 0, 1000, {}));
          for (const auto& record : records) {
            v1::ChangeEvent event;
            EXPECT_TRUE(event.ParseFromString(record.payload));
            events.push_back(event);
          }
          return absl::OkStatus();
        });
    EXPECT_THAT(status, IsOk());
    return events;
  }

  std::unique_ptr<crm::testing::TestDatabase> database_;
  std::unique_ptr<crm::common::MySqlPool> pool_;
  crm::common::FeedNotifier notifier_;
  std::unique_ptr<MySqlCustomerStack> stack_;
  CustomerManager* manager_ = nullptr;
};

TEST_F(CustomerManagerTest, CreateStandardisesEveryFieldAndReadsBack) {
  v1::Customer input = Ann();
  input.set_given_name("\xE3\x80\x80小明 ");
  input.set_family_name("王");
  CRM_ASSERT_OK_AND_ASSIGN(v1::Customer created, Create(input));
  EXPECT_THAT(created.name(), HasSubstr("customers/"));
  EXPECT_EQ(created.state(), v1::Customer::ACTIVE);
  EXPECT_EQ(created.given_name(), "小明");
  EXPECT_EQ(created.display_name(), "王小明");
  EXPECT_EQ(created.email(), kEmail);
  EXPECT_EQ(created.phone(), "+8613800138000");
  EXPECT_EQ(created.address().country_code(), "CN");
  EXPECT_EQ(created.address().city(), "Shanghai Pudong");
  EXPECT_THAT(created.tags(), ElementsAre("new", "vip"));
  ASSERT_EQ(created.external_identities_size(), 1);
  EXPECT_EQ(created.external_identities(0).channel(), "wechat_openid");
  EXPECT_FALSE(created.etag().empty());

  CRM_ASSERT_OK_AND_ASSIGN(v1::Customer read, Get(created.name()));
  EXPECT_EQ(read.SerializeAsString(), created.SerializeAsString());

  v1::Customer bad = Ann();
  bad.set_phone("12");
  v1::CreateCustomerRequest strict;
  *strict.mutable_customer() = bad;
  strict.set_strict_phone(true);
  EXPECT_THAT(manager_->Create(RequestContext(), strict),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("customer.phone")));
}

TEST_F(CustomerManagerTest, RejectsBadInputNamingTheField) {
  v1::Customer customer;
  customer.set_given_name("bad \xC3\x28");
  EXPECT_THAT(Create(customer), StatusIs(absl::StatusCode::kInvalidArgument,
                                         HasSubstr("customer.given_name")));
  customer.set_given_name(std::string(101, 'a'));
  EXPECT_THAT(Create(customer), StatusIs(absl::StatusCode::kInvalidArgument,
                                         HasSubstr("customer.given_name")));
  customer.set_given_name("Ann");
  customer.set_email("not-an-email");
  EXPECT_THAT(Create(customer), StatusIs(absl::StatusCode::kInvalidArgument,
                                         HasSubstr("customer.email")));
  customer.clear_email();
  customer.mutable_address()->set_country_code("XX");
  EXPECT_THAT(Create(customer),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("customer.address.country_code")));
  customer.clear_address();
  customer.set_birth_date("2999-01-01");
  EXPECT_THAT(Create(customer), StatusIs(absl::StatusCode::kInvalidArgument,
                                         HasSubstr("customer.birth_date")));
  customer.clear_birth_date();
  customer.add_consents()->set_status(v1::Consent::GRANTED);
  absl::StatusOr<v1::Customer> no_purpose = Create(customer);
  EXPECT_THAT(no_purpose, StatusIs(absl::StatusCode::kInvalidArgument,
                                   HasSubstr("customer.consents[0].purpose")));
  EXPECT_EQ(crm::common::ReasonOf(no_purpose.status()),
            crm::type::v1::FIELD_REQUIRED);
  EXPECT_THAT(List("", -1), StatusIs(absl::StatusCode::kInvalidArgument,
                                     HasSubstr("page_size")));
  // Nothing was written.
  CRM_ASSERT_OK_AND_ASSIGN(v1::ListCustomersResponse all, List(""));
  EXPECT_EQ(all.customers_size(), 0);
}

TEST_F(CustomerManagerTest, KnownIdentifierUpdatesInsteadOfDuplicating) {
  CRM_ASSERT_OK_AND_ASSIGN(v1::Customer first, Create(Ann()));
  v1::Customer again;
  again.set_email("ANN.LEE@example.com");
  again.set_locale("zh-CN");
  again.add_tags("returning");
  CRM_ASSERT_OK_AND_ASSIGN(v1::ResolveCustomerResponse outcome, Resolve(again));
  EXPECT_EQ(outcome.outcome(), v1::ResolveCustomerResponse::MATCHED);
  EXPECT_EQ(outcome.matched_by(), v1::ResolveCustomerResponse::EMAIL);
  EXPECT_EQ(outcome.customer().name(), first.name());
  EXPECT_EQ(outcome.customer().locale(), "zh-CN");
  EXPECT_EQ(outcome.customer().given_name(), "Ann");  // Empty never wins.
  EXPECT_THAT(outcome.customer().tags(),
              ElementsAre("new", "returning", "vip"));

  // External identity wins over email (default order).
  v1::Customer other;
  other.set_email("someone.else@example.com");
  CRM_ASSERT_OK_AND_ASSIGN(v1::Customer second, Create(other));
  v1::Customer by_identity;
  by_identity.set_email("someone.else@example.com");
  *by_identity.add_external_identities() = first.external_identities(0);
  CRM_ASSERT_OK_AND_ASSIGN(v1::ResolveCustomerResponse resolved,
                           Resolve(by_identity));
  EXPECT_EQ(resolved.customer().name(), first.name());
  EXPECT_EQ(resolved.matched_by(),
            v1::ResolveCustomerResponse::EXTERNAL_IDENTITY);
  CRM_ASSERT_OK_AND_ASSIGN(v1::ListCustomersResponse all, List(""));
  EXPECT_EQ(all.customers_size(), 2);
  // The email now on two records makes them duplicate candidates.
  CRM_ASSERT_OK_AND_ASSIGN(
      v1::FindDuplicateCandidatesResponse candidates,
      manager_->FindDuplicateCandidates(RequestContext(),
                                        v1::FindDuplicateCandidatesRequest()));
  ASSERT_EQ(candidates.candidates_size(), 1);
  EXPECT_EQ(candidates.candidates(0).customer(), first.name());
  EXPECT_EQ(candidates.candidates(0).other_customer(), second.name());
  EXPECT_THAT(candidates.candidates(0).reasons(),
              ElementsAre(v1::DuplicateCandidate::SAME_EMAIL));
}

TEST_F(CustomerManagerTest, ConcurrentCreatesOfOneEmailMakeOneCustomer) {
  constexpr int kThreads = 8;
  std::vector<std::thread> threads;
  absl::Mutex mu;
  std::vector<absl::StatusOr<v1::Customer>> results;
  for (int i = 0; i < kThreads; ++i) {
    threads.emplace_back([&, i] {
      v1::Customer customer;
      customer.set_email(kEmail);
      customer.add_tags(absl::StrCat("t", i));
      absl::StatusOr<v1::Customer> result = Create(customer);
      absl::MutexLock lock(&mu);
      results.push_back(std::move(result));
    });
  }
  for (std::thread& thread : threads) thread.join();
  std::set<std::string> names;
  for (const auto& result : results) {
    ASSERT_THAT(result, IsOk());
    names.insert(result->name());
  }
  EXPECT_EQ(names.size(), 1u);
  CRM_ASSERT_OK_AND_ASSIGN(v1::ListCustomersResponse all, List(""));
  ASSERT_EQ(all.customers_size(), 1);
  EXPECT_EQ(all.customers(0).tags_size(), kThreads);  // Every write landed.
}

TEST_F(CustomerManagerTest, RequestIdMakesCreateIdempotent) {
  CRM_ASSERT_OK_AND_ASSIGN(v1::Customer first, Create(Ann(), "req-1"));
  CRM_ASSERT_OK_AND_ASSIGN(v1::Customer repeat, Create(Ann(), "req-1"));
  EXPECT_EQ(repeat.SerializeAsString(), first.SerializeAsString());
  v1::Customer other = Ann();
  other.set_locale("en");
  EXPECT_THAT(
      Create(other, "req-1"),
      StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("request_id")));
}

TEST_F(CustomerManagerTest, UpdateAppliesTheMaskAndChecksTheEtag) {
  CRM_ASSERT_OK_AND_ASSIGN(v1::Customer created, Create(Ann()));
  v1::UpdateCustomerRequest request;
  request.mutable_customer()->set_name(created.name());
  request.mutable_customer()->set_etag(created.etag());
  request.mutable_customer()->mutable_address()->set_city("Beijing");
  request.mutable_customer()->set_locale("fr");  // Not in the mask.
  request.mutable_customer()->set_email("new@example.com");
  request.mutable_update_mask()->add_paths("address.city");
  request.mutable_update_mask()->add_paths("email");
  request.set_request_id("upd-1");
  CRM_ASSERT_OK_AND_ASSIGN(v1::Customer updated,
                           manager_->Update(RequestContext(), request));
  EXPECT_EQ(updated.address().city(), "Beijing");
  EXPECT_EQ(updated.address().country_code(), "CN");
  EXPECT_EQ(updated.locale(), "");
  EXPECT_EQ(updated.email(), "new@example.com");
  EXPECT_EQ(updated.given_name(), "Ann");
  EXPECT_NE(updated.etag(), created.etag());
  // Repeat with the same request id: the stored response.
  CRM_ASSERT_OK_AND_ASSIGN(v1::Customer repeat,
                           manager_->Update(RequestContext(), request));
  EXPECT_EQ(repeat.etag(), updated.etag());
  // Stale etag.
  request.set_request_id("");
  EXPECT_THAT(manager_->Update(RequestContext(), request),
              StatusIs(absl::StatusCode::kAborted, HasSubstr("etag")));
  absl::StatusOr<v1::Customer> stale =
      manager_->Update(RequestContext(), request);
  EXPECT_EQ(ReasonOf(stale.status()), crm::type::v1::ETAG_MISMATCH);
  // Unknown paths are rejected; output-only ones ignored (AIP-203).
  request.mutable_customer()->clear_etag();
  request.mutable_update_mask()->add_paths("nowhere");
  absl::StatusOr<v1::Customer> unknown =
      manager_->Update(RequestContext(), request);
  EXPECT_THAT(unknown, StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_EQ(crm::common::ErrorMetadataOf(unknown.status())["field"],
            "update_mask");
  request.mutable_update_mask()->Clear();
  request.mutable_update_mask()->add_paths("state");
  request.mutable_customer()->set_state(v1::Customer::ERASED);
  CRM_ASSERT_OK_AND_ASSIGN(v1::Customer unchanged,
                           manager_->Update(RequestContext(), request));
  EXPECT_EQ(unchanged.state(), v1::Customer::ACTIVE);
  // The new email resolves; the old one no longer does.
  CRM_ASSERT_OK_AND_ASSIGN(v1::ListCustomersResponse by_new,
                           List("email = \"NEW@example.com\""));
  ASSERT_EQ(by_new.customers_size(), 1);
  CRM_ASSERT_OK_AND_ASSIGN(v1::ListCustomersResponse by_old,
                           List(absl::StrCat("email = \"", kEmail, "\"")));
  EXPECT_EQ(by_old.customers_size(), 0);
}

TEST_F(CustomerManagerTest, FiltersOrdersAndPages) {
  std::vector<std::string> names;
  for (int i = 0; i < 5; ++i) {
    v1::Customer customer;
    customer.set_email(absl::StrCat("c", i, "@example.com"));
    customer.add_tags(i % 2 == 0 ? "even" : "odd");
    customer.mutable_address()->set_country_code(i < 3 ? "CN" : "US");
    CRM_ASSERT_OK_AND_ASSIGN(v1::Customer created, Create(customer));
    names.push_back(created.name());
  }
  // Pages of 2, newest first, no repeats.
  std::vector<std::string> seen;
  std::string token;
  int pages = 0;
  do {
    CRM_ASSERT_OK_AND_ASSIGN(v1::ListCustomersResponse page,
                             List("", 2, token));
    for (const auto& customer : page.customers()) {
      seen.push_back(customer.name());
    }
    token = page.next_page_token();
    ++pages;
  } while (!token.empty() && pages < 10);
  EXPECT_EQ(pages, 3);
  EXPECT_EQ(seen, std::vector<std::string>(names.rbegin(), names.rend()));
  CRM_ASSERT_OK_AND_ASSIGN(v1::ListCustomersResponse ascending,
                           List("", 10, "", "create_time"));
  ASSERT_EQ(ascending.customers_size(), 5);
  EXPECT_EQ(ascending.customers(0).name(), names[0]);
  // A token is bound to its filter.
  CRM_ASSERT_OK_AND_ASSIGN(v1::ListCustomersResponse first, List("", 2));
  EXPECT_THAT(
      List("tag = \"odd\"", 2, first.next_page_token()),
      StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("page_token")));

  CRM_ASSERT_OK_AND_ASSIGN(v1::ListCustomersResponse even_cn,
                           List("tag = \"even\" AND country_code = \"cn\""));
  EXPECT_EQ(even_cn.customers_size(), 2);
  CRM_ASSERT_OK_AND_ASSIGN(
      v1::ListCustomersResponse recent,
      List("create_time >= \"2000-01-01T00:00:00Z\" AND state = ACTIVE"));
  EXPECT_EQ(recent.customers_size(), 5);
  CRM_ASSERT_OK_AND_ASSIGN(v1::ListCustomersResponse none,
                           List("update_time < \"2000-01-01T00:00:00Z\""));
  EXPECT_EQ(none.customers_size(), 0);
  // SQL metacharacters are just data.
  CRM_ASSERT_OK_AND_ASSIGN(v1::ListCustomersResponse injected,
                           List("tag = \"x' OR '1'='1\" AND tag = \"\\\"; DROP "
                                "TABLE customers; --\""));
  EXPECT_EQ(injected.customers_size(), 0);
  CRM_ASSERT_OK_AND_ASSIGN(v1::ListCustomersResponse still, List(""));
  EXPECT_EQ(still.customers_size(), 5);

  // The filter language (services/common/filter): OR is supported; errors
  // are FILTER_INVALID with the position of the offending token.
  CRM_ASSERT_OK_AND_ASSIGN(v1::ListCustomersResponse odd_or_even,
                           List("tags:\"odd\" OR tag = \"even\""));
  EXPECT_EQ(odd_or_even.customers_size(), 5);
  auto filter_error = [&](const std::string& filter) {
    absl::StatusOr<v1::ListCustomersResponse> response = List(filter);
    EXPECT_THAT(response, StatusIs(absl::StatusCode::kInvalidArgument))
        << filter;
    EXPECT_EQ(ReasonOf(response.status()), crm::type::v1::FILTER_INVALID)
        << filter;
    return crm::common::ErrorMetadataOf(response.status())["position"];
  };
  EXPECT_EQ(filter_error("colour = \"red\""), "1");
  EXPECT_EQ(filter_error("tag = \"a\" AND email > \"a@b.co\""), "21");
  filter_error("create_time >= \"yesterday\"");
  filter_error("state = GONE");
  filter_error("tag = \"open");
  filter_error("email = \"not an address\"");
  EXPECT_THAT(
      List("", 0, "", "name"),
      StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("order_by")));
}

TEST_F(CustomerManagerTest, ListShowsEachCustomersPurchaseSummary) {
  std::vector<std::string> ids;
  for (int i = 0; i < 3; ++i) {
    v1::Customer customer;
    customer.set_email(absl::StrCat("buyer", i, "@example.com"));
    CRM_ASSERT_OK_AND_ASSIGN(v1::Customer created, Create(customer));
    ids.push_back(created.name().substr(std::string("customers/").size()));
  }
  // Customer 0 bought in two currencies, customer 1 in one, customer 2 never.
  const absl::Time first = absl::FromUnixSeconds(1700000000);
  const std::vector<PurchaseSummaryDelta> deltas = {
      {ids[0], "EUR", 2, 1500, first, first + absl::Hours(1)},
      {ids[0], "CNY", 1, 9900, first, first},
      {ids[1], "USD", 3, 4200, first + absl::Hours(2), first + absl::Hours(3)},
  };
  ASSERT_THAT(stack_->unit_of_work.Run(
                  RequestContext(),
                  [&](crm::common::Transaction& tx) -> absl::Status {
                    for (const PurchaseSummaryDelta& delta : deltas) {
                      CRM_RETURN_IF_ERROR(
                          stack_->orders.AddToPurchaseSummary(tx, delta));
                    }
                    return absl::OkStatus();
                  }),
              IsOk());

  CRM_ASSERT_OK_AND_ASSIGN(v1::ListCustomersResponse listed, List(""));
  ASSERT_EQ(listed.customers_size(), 3);
  for (const v1::Customer& customer : listed.customers()) {
    CRM_ASSERT_OK_AND_ASSIGN(v1::Customer got, Get(customer.name()));
    EXPECT_EQ(customer.purchase_summary().SerializeAsString(),
              got.purchase_summary().SerializeAsString())
        << customer.name();
    const std::string id =
        customer.name().substr(std::string("customers/").size());
    if (id == ids[0]) {
      EXPECT_EQ(customer.purchase_summary().order_count(), 3);
      ASSERT_EQ(customer.purchase_summary().total_spent_size(), 2);
      EXPECT_EQ(customer.purchase_summary().total_spent(0).currency_code(),
                "CNY");
      EXPECT_EQ(customer.purchase_summary().total_spent(1).currency_code(),
                "EUR");
      EXPECT_EQ(customer.purchase_summary().total_spent(1).amount_minor(),
                1500);
    } else if (id == ids[1]) {
      EXPECT_EQ(customer.purchase_summary().order_count(), 3);
      ASSERT_EQ(customer.purchase_summary().total_spent_size(), 1);
      EXPECT_EQ(customer.purchase_summary().total_spent(0).currency_code(),
                "USD");
      EXPECT_EQ(customer.purchase_summary().total_spent(0).amount_minor(),
                4200);
    } else {
      EXPECT_FALSE(customer.has_purchase_summary());
    }
  }
}

TEST_F(CustomerManagerTest, MergeMovesIdentitiesIsIdempotentAndRedirects) {
  v1::Customer a;
  a.set_display_name("Ann Lee");
  a.set_birth_date("1990-05-17");
  a.set_email("ann@example.com");
  a.add_tags("a");
  v1::ExternalIdentity* wechat = a.add_external_identities();
  wechat->set_channel("wechat_openid");
  wechat->set_id("o-1");
  CRM_ASSERT_OK_AND_ASSIGN(v1::Customer survivor, Create(a));
  v1::Customer b;
  b.set_display_name("ann lee");
  b.set_birth_date("1990-05-17");
  b.set_phone("+8613900139000");
  b.set_locale("zh-CN");
  b.add_tags("b");
  v1::ExternalIdentity* card = b.add_external_identities();
  card->set_channel("store_card");
  card->set_id("S-9");
  CRM_ASSERT_OK_AND_ASSIGN(v1::Customer duplicate, Create(b));

  CRM_ASSERT_OK_AND_ASSIGN(
      v1::FindDuplicateCandidatesResponse candidates,
      manager_->FindDuplicateCandidates(RequestContext(),
                                        v1::FindDuplicateCandidatesRequest()));
  ASSERT_EQ(candidates.candidates_size(), 1);
  EXPECT_THAT(candidates.candidates(0).reasons(),
              ElementsAre(v1::DuplicateCandidate::SAME_NAME_AND_BIRTH_DATE));

  v1::MergeCustomersRequest merge;
  merge.set_survivor(survivor.name());
  merge.set_duplicate(duplicate.name());
  merge.add_pinned_fields("display_name");
  CRM_ASSERT_OK_AND_ASSIGN(v1::Customer merged,
                           manager_->Merge(RequestContext(), merge));
  EXPECT_EQ(merged.name(), survivor.name());
  EXPECT_EQ(merged.display_name(), "Ann Lee");  // Pinned.
  EXPECT_EQ(merged.locale(), "zh-CN");          // Filled from the duplicate.
  EXPECT_EQ(merged.phone(), "+8613900139000");
  EXPECT_EQ(merged.email(), "ann@example.com");
  EXPECT_THAT(merged.tags(), ElementsAre("a", "b"));
  EXPECT_EQ(merged.external_identities_size(), 2);

  // Reads of the duplicate redirect; its identity now resolves to the
  // survivor.
  CRM_ASSERT_OK_AND_ASSIGN(v1::Customer redirected, Get(duplicate.name()));
  EXPECT_EQ(redirected.name(), survivor.name());
  v1::Customer by_card;
  *by_card.add_external_identities() = duplicate.external_identities(0);
  CRM_ASSERT_OK_AND_ASSIGN(v1::ResolveCustomerResponse outcome,
                           Resolve(by_card));
  EXPECT_EQ(outcome.customer().name(), survivor.name());
  CRM_ASSERT_OK_AND_ASSIGN(v1::ListCustomersResponse by_identity,
                           List("external_identity = \"store_card:S-9\""));
  ASSERT_EQ(by_identity.customers_size(), 1);
  EXPECT_EQ(by_identity.customers(0).name(), survivor.name());

  // Idempotent; the reverse and self merges are rejected.
  CRM_ASSERT_OK_AND_ASSIGN(v1::Customer again,
                           manager_->Merge(RequestContext(), merge));
  EXPECT_EQ(again.name(), survivor.name());
  v1::MergeCustomersRequest reverse;
  reverse.set_survivor(duplicate.name());
  reverse.set_duplicate(survivor.name());
  EXPECT_THAT(manager_->Merge(RequestContext(), reverse),
              StatusIs(absl::StatusCode::kFailedPrecondition));
  reverse.set_duplicate(duplicate.name());
  EXPECT_THAT(manager_->Merge(RequestContext(), reverse),
              StatusIs(absl::StatusCode::kInvalidArgument));
  merge.add_pinned_fields("nowhere");
  absl::StatusOr<v1::Customer> bad_pin =
      manager_->Merge(RequestContext(), merge);
  EXPECT_THAT(bad_pin, StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_EQ(crm::common::ErrorMetadataOf(bad_pin.status())["field"],
            "pinned_fields");

  CRM_ASSERT_OK_AND_ASSIGN(v1::ListCustomersResponse active, List(""));
  EXPECT_EQ(active.customers_size(), 1);
  CRM_ASSERT_OK_AND_ASSIGN(v1::ListCustomersResponse merged_list,
                           List("state = MERGED"));
  ASSERT_EQ(merged_list.customers_size(), 1);
  EXPECT_EQ(merged_list.customers(0).merged_into(), survivor.name());

  v1::ExportCustomerDataRequest export_request;
  export_request.set_name(survivor.name());
  CRM_ASSERT_OK_AND_ASSIGN(v1::ExportCustomerDataResponse exported,
                           manager_->Export(RequestContext(), export_request));
  EXPECT_EQ(exported.customer().email(), "ann@example.com");
  EXPECT_THAT(exported.merged_customers(), ElementsAre(duplicate.name()));

  std::vector<v1::ChangeEvent> events = FeedEvents();
  int merged_events = 0;
  for (const auto& event : events) {
    if (event.type() != v1::ChangeEvent::CUSTOMER_MERGED) continue;
    ++merged_events;
    EXPECT_EQ(event.merge().survivor(), survivor.name());
    EXPECT_EQ(event.merge().duplicate(), duplicate.name());
    EXPECT_EQ(event.customer().phone(), "");
  }
  EXPECT_EQ(merged_events, 1);  // The repeat emitted nothing.
}

TEST_F(CustomerManagerTest, EraseShredsTheCustomerAndIsIdempotent) {
  CRM_ASSERT_OK_AND_ASSIGN(v1::Customer created, Create(Ann()));
  v1::EraseCustomerRequest erase;
  erase.set_name(created.name());
  CRM_ASSERT_OK_AND_ASSIGN(v1::Customer tombstone,
                           manager_->Erase(RequestContext(), erase));
  EXPECT_EQ(tombstone.state(), v1::Customer::ERASED);
  CRM_ASSERT_OK_AND_ASSIGN(v1::Customer read, Get(created.name()));
  EXPECT_EQ(read.state(), v1::Customer::ERASED);
  EXPECT_EQ(read.email(), "");
  EXPECT_EQ(read.phone(), "");
  EXPECT_EQ(read.given_name(), "");
  EXPECT_EQ(read.external_identities_size(), 0);
  CRM_ASSERT_OK_AND_ASSIGN(v1::Customer again,
                           manager_->Erase(RequestContext(), erase));
  EXPECT_EQ(again.etag(), tombstone.etag());

  CRM_ASSERT_OK_AND_ASSIGN(
      v1::ListCustomersResponse by_email,
      List(absl::StrCat("email = \"", kEmail, "\" AND state = ERASED")));
  EXPECT_EQ(by_email.customers_size(), 0);
  CRM_ASSERT_OK_AND_ASSIGN(v1::ListCustomersResponse erased,
                           List("state = ERASED"));
  EXPECT_EQ(erased.customers_size(), 1);
  // Data key and identifiers gone.
  absl::Status status = crm::common::WithConnection(
      *pool_, [&](sql::Connection& connection) -> absl::Status {
        std::unique_ptr<sql::Statement> statement(connection.createStatement());
        std::unique_ptr<sql::ResultSet> rows(statement->executeQuery(
            "SELECT wrapped_key IS NULL AND pii IS NULL FROM customers"));
        EXPECT_TRUE(rows->next());
        EXPECT_TRUE(rows->getBoolean(1));
        std::unique_ptr<sql::ResultSet> ids(statement->executeQuery(
            "SELECT COUNT(*) FROM customer_identifiers"));
        EXPECT_TRUE(ids->next());
        EXPECT_EQ(ids->getInt(1), 0);
        return absl::OkStatus();
      });
  EXPECT_THAT(status, IsOk());
  // A new write with the same email creates a new customer.
  CRM_ASSERT_OK_AND_ASSIGN(v1::Customer reborn, Create(Ann()));
  EXPECT_NE(reborn.name(), created.name());
  // Updates of an erased customer are refused.
  v1::UpdateCustomerRequest update;
  update.mutable_customer()->set_name(created.name());
  update.mutable_update_mask()->add_paths("locale");
  EXPECT_THAT(manager_->Update(RequestContext(), update),
              StatusIs(absl::StatusCode::kFailedPrecondition));
  std::vector<v1::ChangeEvent> events = FeedEvents();
  int erased_events = 0;
  for (const auto& event : events) {
    erased_events += event.type() == v1::ChangeEvent::CUSTOMER_ERASED;
  }
  EXPECT_EQ(erased_events, 1);
}

TEST_F(CustomerManagerTest, NoPlaintextPersonalDataAtRestOrInTheFeed) {
  CRM_ASSERT_OK_AND_ASSIGN(v1::Customer created, Create(Ann()));
  v1::UpdateCustomerRequest update;
  update.mutable_customer()->set_name(created.name());
  update.mutable_customer()->set_locale("en");
  update.mutable_update_mask()->add_paths("locale");
  update.set_request_id("u1");
  ASSERT_THAT(manager_->Update(RequestContext(), update), IsOk());
  std::vector<std::string> values = DumpDatabase();
  ASSERT_FALSE(values.empty());
  for (const std::string& value : values) {
    EXPECT_THAT(value, Not(HasSubstr(kEmail)));
    EXPECT_THAT(value, Not(HasSubstr(kPhoneDigits)));
    EXPECT_THAT(value, Not(HasSubstr("o-123")));
  }
  std::vector<v1::ChangeEvent> events = FeedEvents();
  ASSERT_EQ(events.size(), 2u);
  EXPECT_EQ(events[0].type(), v1::ChangeEvent::CUSTOMER_CREATED);
  EXPECT_EQ(events[1].type(), v1::ChangeEvent::CUSTOMER_UPDATED);
  for (const auto& event : events) {
    EXPECT_EQ(event.customer().email(), "");
    EXPECT_EQ(event.customer().given_name(), "");
    EXPECT_EQ(event.customer().birth_date(), "");
    EXPECT_EQ(event.customer_name(), created.name());
  }
  EXPECT_EQ(events[1].customer().locale(), "en");
}

TEST_F(CustomerManagerTest, BusinessCustomersKeepCompanyAndTaxIdEncrypted) {
  v1::Customer company = Ann();
  company.set_customer_type(v1::Customer::BUSINESS);
  company.set_company_name("Lee Garden Trading Ltd");
  company.set_tax_id("9131-0000-ma1fl0000x");
  CRM_ASSERT_OK_AND_ASSIGN(v1::Customer created, Create(company));
  EXPECT_EQ(created.customer_type(), v1::Customer::BUSINESS);
  EXPECT_EQ(created.company_name(), "Lee Garden Trading Ltd");
  EXPECT_EQ(created.tax_id(), "9131-0000-MA1FL0000X");
  CRM_ASSERT_OK_AND_ASSIGN(v1::Customer read, Get(created.name()));
  EXPECT_EQ(read.customer_type(), v1::Customer::BUSINESS);
  EXPECT_EQ(read.company_name(), "Lee Garden Trading Ltd");
  EXPECT_EQ(read.tax_id(), "9131-0000-MA1FL0000X");

  // At rest: the customer's `pii` column is ciphertext, and no column of
  // any table holds the company or the tax id in plain.
  const std::string id = created.name().substr(sizeof("customers/") - 1);
  std::string pii;
  ASSERT_THAT(
      crm::common::WithConnection(
          *pool_,
          [&](sql::Connection& connection) -> absl::Status {
            std::unique_ptr<sql::PreparedStatement> select(
                connection.prepareStatement(
                    "SELECT pii FROM customers WHERE id = ?"));
            select->setString(1, id);
            std::unique_ptr<sql::ResultSet> rows(select->executeQuery());
            if (rows->next()) pii = rows->getString(1).asStdString();
            return absl::OkStatus();
          }),
      IsOk());
  EXPECT_GT(pii.size(), 16u);
  EXPECT_THAT(pii, Not(HasSubstr("Lee Garden")));
  EXPECT_THAT(pii, Not(HasSubstr("MA1FL0000X")));
  for (const std::string& value : DumpDatabase()) {
    EXPECT_THAT(value, Not(HasSubstr("Lee Garden")));
    EXPECT_THAT(value, Not(HasSubstr("MA1FL000")));
  }

  // An update through the mask, with the etag: a new tax id, the company
  // kept.
  v1::UpdateCustomerRequest update;
  update.mutable_customer()->set_name(created.name());
  update.mutable_customer()->set_etag(created.etag());
  update.mutable_customer()->set_tax_id("91310000MA1FL0001Y");
  update.mutable_update_mask()->add_paths("tax_id");
  update.set_request_id("tax");
  CRM_ASSERT_OK_AND_ASSIGN(v1::Customer updated,
                           manager_->Update(RequestContext(), update));
  EXPECT_EQ(updated.tax_id(), "91310000MA1FL0001Y");
  EXPECT_EQ(updated.company_name(), "Lee Garden Trading Ltd");
  // The old etag is stale now.
  update.set_request_id("tax-stale");
  EXPECT_THAT(manager_->Update(RequestContext(), update),
              StatusIs(absl::StatusCode::kAborted, HasSubstr("etag")));
  update.mutable_customer()->clear_etag();
  // Clearing the company of a BUSINESS customer names the field.
  update.mutable_customer()->clear_tax_id();
  update.mutable_update_mask()->set_paths(0, "company_name");
  update.set_request_id("no-company");
  EXPECT_THAT(manager_->Update(RequestContext(), update),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("customer.company_name")));
  // Becoming an individual while keeping the company names it too.
  update.mutable_customer()->set_customer_type(v1::Customer::INDIVIDUAL);
  update.mutable_update_mask()->set_paths(0, "customer_type");
  update.set_request_id("individual-with-company");
  EXPECT_THAT(manager_->Update(RequestContext(), update),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("customer.company_name")));
  // A resolving write stating INDIVIDUAL for this business is refused, and
  // one that states no type leaves it a business.
  v1::Customer individual_again = Ann();
  individual_again.set_customer_type(v1::Customer::INDIVIDUAL);
  EXPECT_THAT(Resolve(individual_again),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("customer.customer_type")));
  CRM_ASSERT_OK_AND_ASSIGN(v1::ResolveCustomerResponse matched, Resolve(Ann()));
  EXPECT_EQ(matched.customer().name(), created.name());
  EXPECT_EQ(matched.customer().customer_type(), v1::Customer::BUSINESS);
  EXPECT_EQ(matched.customer().company_name(), "Lee Garden Trading Ltd");

  // The feed carries the type, never the company or the tax id.
  for (const v1::ChangeEvent& event : FeedEvents()) {
    EXPECT_EQ(event.customer().customer_type(), v1::Customer::BUSINESS);
    EXPECT_EQ(event.customer().company_name(), "");
    EXPECT_EQ(event.customer().tax_id(), "");
  }

  // Erasure removes them with the rest.
  v1::EraseCustomerRequest erase;
  erase.set_name(created.name());
  ASSERT_THAT(manager_->Erase(RequestContext(), erase), IsOk());
  CRM_ASSERT_OK_AND_ASSIGN(v1::Customer erased, Get(created.name()));
  EXPECT_EQ(erased.company_name(), "");
  EXPECT_EQ(erased.tax_id(), "");
}

TEST_F(CustomerManagerTest, IndividualsAreRefusedACompany) {
  v1::Customer ann = Ann();
  ann.set_company_name("Lee Garden Trading Ltd");
  EXPECT_THAT(Create(ann), StatusIs(absl::StatusCode::kInvalidArgument,
                                    HasSubstr("customer.company_name")));
  ann.clear_company_name();
  ann.set_tax_id("DE123456789");
  EXPECT_THAT(Create(ann), StatusIs(absl::StatusCode::kInvalidArgument,
                                    HasSubstr("customer.tax_id")));
  // Nothing was written.
  CRM_ASSERT_OK_AND_ASSIGN(v1::ListCustomersResponse listed, List(""));
  EXPECT_EQ(listed.customers_size(), 0);
}

// ---------------------------------------------------------------- adapter

class FakeOrders final : public OrderManager {
 public:
  absl::StatusOr<v1::Order> Record(const RequestContext&,
                                   const v1::RecordOrderRequest& r) override {
    return r.order();
  }
  absl::StatusOr<v1::Order> Refund(const RequestContext&,
                                   const v1::RefundOrderRequest&) override {
    return absl::FailedPreconditionError("nothing left to refund");
  }
  absl::StatusOr<v1::ListOrdersResponse> List(
      const RequestContext&, const v1::ListOrdersRequest&) override {
    return v1::ListOrdersResponse();
  }
  absl::StatusOr<v1::RecordEventsResponse> RecordEvents(
      const RequestContext&, const v1::RecordEventsRequest& r) override {
    v1::RecordEventsResponse response;
    response.set_recorded_count(r.events_size());
    return response;
  }
};

class FakeImporter final : public CustomerImporter {
 public:
  absl::StatusOr<v1::ImportCustomersResponse> Import(
      const RequestContext&,
      const std::function<std::optional<v1::ImportCustomersRequest>()>&
          next_row) override {
    v1::ImportCustomersResponse response;
    while (std::optional<v1::ImportCustomersRequest> row = next_row()) {
      v1::ImportRowResult* result = response.add_results();
      result->set_line_number(row->line_number());
      result->set_outcome(v1::ImportRowResult::CREATED);
    }
    response.set_created_count(response.results_size());
    return response;
  }
};

class FakeFeed final : public ChangeFeedStreamer {
 public:
  absl::Status Watch(
      const RequestContext&, const v1::WatchChangesRequest& request,
      const std::function<bool(const v1::ChangeEvent&)>& write) override {
    for (int i = 1; i <= 3; ++i) {
      v1::ChangeEvent event;
      event.set_sequence(request.after_sequence() + i);
      if (!write(event)) return absl::OkStatus();
    }
    return absl::OkStatus();
  }
};

TEST_F(CustomerManagerTest, AdapterDelegatesEveryRpc) {
  CRM_ASSERT_OK_AND_ASSIGN(std::unique_ptr<MySqlCustomerStack> stack,
                           MySqlCustomerStack::Create(*pool_, notifier_));
  CustomerProfileServiceImpl service(
      std::move(stack->manager), std::make_unique<FakeOrders>(),
      std::make_unique<FakeImporter>(), std::make_unique<FakeFeed>());
  grpc::ServerBuilder builder;
  builder.RegisterService(&service);
  std::unique_ptr<grpc::Server> server = builder.BuildAndStart();
  ASSERT_NE(server, nullptr);
  auto stub = v1::CustomerProfileService::NewStub(
      server->InProcessChannel(grpc::ChannelArguments()));

  {
    grpc::ClientContext context;
    v1::CreateCustomerRequest request;
    *request.mutable_customer() = Ann();
    v1::Customer response;
    ASSERT_TRUE(stub->CreateCustomer(&context, request, &response).ok());
    EXPECT_EQ(response.email(), kEmail);
    grpc::ClientContext resolve_context;
    v1::ResolveCustomerRequest resolve;
    *resolve.mutable_customer() = Ann();
    v1::ResolveCustomerResponse resolved;
    ASSERT_TRUE(
        stub->ResolveCustomer(&resolve_context, resolve, &resolved).ok());
    EXPECT_EQ(resolved.outcome(), v1::ResolveCustomerResponse::MATCHED);
    EXPECT_EQ(resolved.customer().name(), response.name());
    grpc::ClientContext get_context;
    v1::GetCustomerRequest get;
    get.set_name("customers/missing");
    v1::Customer missing;
    EXPECT_EQ(stub->GetCustomer(&get_context, get, &missing).error_code(),
              grpc::StatusCode::NOT_FOUND);
  }
  {
    grpc::ClientContext context;
    v1::RecordOrderRequest request;
    request.mutable_order()->set_channel("web");
    v1::Order response;
    ASSERT_TRUE(stub->RecordOrder(&context, request, &response).ok());
    EXPECT_EQ(response.channel(), "web");
    grpc::ClientContext refund_context;
    EXPECT_EQ(
        stub->RefundOrder(&refund_context, v1::RefundOrderRequest(), &response)
            .error_code(),
        grpc::StatusCode::FAILED_PRECONDITION);
  }
  {
    grpc::ClientContext context;
    v1::ImportCustomersResponse response;
    auto writer = stub->ImportCustomers(&context, &response);
    for (int line = 2; line <= 4; ++line) {
      v1::ImportCustomersRequest row;
      row.set_line_number(line);
      ASSERT_TRUE(writer->Write(row));
    }
    writer->WritesDone();
    ASSERT_TRUE(writer->Finish().ok());
    EXPECT_EQ(response.created_count(), 3);
    EXPECT_EQ(response.results(2).line_number(), 4);
  }
  {
    grpc::ClientContext context;
    v1::WatchChangesRequest request;
    request.set_after_sequence(10);
    auto reader = stub->WatchChanges(&context, request);
    std::vector<int64_t> sequences;
    v1::ChangeEvent event;
    while (reader->Read(&event)) sequences.push_back(event.sequence());
    EXPECT_TRUE(reader->Finish().ok());
    EXPECT_THAT(sequences, ElementsAre(11, 12, 13));
  }
  {
    grpc::ClientContext context;
    v1::GetCustomerStatisticsRequest request;
    request.set_name("customerStatistics");
    request.set_months(1);
    v1::CustomerStatistics statistics;
    ASSERT_TRUE(
        stub->GetCustomerStatistics(&context, request, &statistics).ok());
    EXPECT_EQ(statistics.customer_count(), 1);  // Ann.
    ASSERT_EQ(statistics.monthly_growth_size(), 1);
    EXPECT_EQ(statistics.monthly_growth(0).new_customers(), 1);
    grpc::ClientContext bad_context;
    request.set_name("customers");
    EXPECT_EQ(stub->GetCustomerStatistics(&bad_context, request, &statistics)
                  .error_code(),
              grpc::StatusCode::INVALID_ARGUMENT);
  }
  server->Shutdown();
}

}  // namespace
}  // namespace crm::customer_profile
