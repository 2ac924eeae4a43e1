// CustomerImporterImpl over the real CustomerManager and MariaDB: CSV
// rows in, every row's outcome out, resolution across rows of the same
// stream, nothing half-written, and the outcome independent of parallelism;
// batches (CustomerManager::ResolveBatch) give every row its own outcome,
// also when concurrent batches claim the same identifiers.
#include <cppconn/resultset.h>
#include <cppconn/statement.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <memory>
#include <set>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "clients/customer_profile/customer_csv.h"
#include "services/common/change_feed_outbox.h"
#include "services/common/change_feed_writer.h"
#include "services/common/clock.h"
#include "services/common/id_generator.h"
#include "services/common/idempotency.h"
#include "services/common/migrations.h"
#include "services/common/mysql_unit_of_work.h"
#include "services/customer_profile/customer_importer_impl.h"
#include "services/customer_profile/customer_manager.h"
#include "services/customer_profile/customer_pii_codec.h"
#include "services/customer_profile/customer_profile_feed.h"
#include "services/customer_profile/migrations.h"
#include "services/customer_profile/mysql_customer_repository.h"
#include "services/customer_profile/mysql_order_repository.h"
#include "tests/testing/status_matchers.h"
#include "tests/testing/test_database.h"

namespace crm::customer_profile {
namespace {

using ::crm::customer_profile_client::MergeImportResults;
using ::crm::customer_profile_client::ReadCustomerCsv;
using ::crm::testing::IsOk;
using ::testing::HasSubstr;

constexpr char kMasterKeys[] =
    "k1:AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=";

class CustomerImportTest : public ::testing::TestWithParam<int> {
 protected:
  void SetUp() override {
    CRM_ASSERT_OK_AND_ASSIGN(database_,
                             crm::testing::TestDatabase::Create("import"));
    CRM_ASSERT_OK_AND_ASSIGN(pool_,
                             database_->NewMigratedPool(Migrations(), 12));
    CRM_ASSERT_OK_AND_ASSIGN(KeyRing ring, KeyRing::Parse(kMasterKeys));
    CRM_ASSERT_OK_AND_ASSIGN(CustomerPiiCodec codec,
                             CustomerPiiCodec::Create(std::move(ring)));
    unit_of_work_ = std::make_unique<crm::common::MySqlUnitOfWork>(*pool_);
    CRM_ASSERT_OK_AND_ASSIGN(
        manager_, CustomerManager::Create(
                      {.unit_of_work = *unit_of_work_,
                       .customers = customer_records_,
                       .orders = order_records_,
                       .idempotency = idempotency_keys_,
                       .feed = feed_,
                       .clock = crm::common::SystemClock::Instance(),
                       .ids = crm::common::RandomIdGenerator::Instance()},
                      std::move(codec), CustomerManagerOptions{}));
  }

  // Parses `csv` like crm-import and imports it; returns the merged
  // response.
  v1::ImportCustomersResponse Import(const std::string& csv) {
    std::istringstream input(csv);
    std::vector<v1::ImportCustomersRequest> rows;
    std::vector<v1::ImportRowResult> rejected;
    EXPECT_THAT(
        ReadCustomerCsv(
            input, false,
            [&](const v1::ImportCustomersRequest& row) {
              rows.push_back(row);
              return true;
            },
            [&](const v1::ImportRowResult& r) { rejected.push_back(r); }),
        IsOk());
    CustomerImporterOptions options;
    options.parallelism = GetParam();
    CustomerImporterImpl importer(
        *manager_, crm::common::SystemClock::Instance(), options);
    size_t next = 0;
    absl::StatusOr<v1::ImportCustomersResponse> response =
        importer.Import(crm::common::RequestContext(),
                        [&]() -> std::optional<v1::ImportCustomersRequest> {
                          if (next >= rows.size()) return std::nullopt;
                          return rows[next++];
                        });
    EXPECT_THAT(response.status(), IsOk());
    if (!response.ok()) return {};
    return MergeImportResults(*response, rejected);
  }

  int64_t Count(const std::string& sql) {
    auto connection = pool_->Acquire();
    EXPECT_TRUE(connection.ok());
    std::unique_ptr<sql::Statement> statement(
        connection->get()->createStatement());
    std::unique_ptr<sql::ResultSet> rows(statement->executeQuery(sql));
    rows->next();
    return rows->getInt64(1);
  }

  std::unique_ptr<crm::testing::TestDatabase> database_;
  std::unique_ptr<crm::common::MySqlPool> pool_;
  crm::common::FeedNotifier notifier_;
  crm::common::MySqlChangeFeedWriter feed_{std::string(kCustomerProfileFeed),
                                           crm::common::SystemClock::Instance(),
                                           &notifier_};
  MySqlCustomerRepository customer_records_;
  MySqlOrderRepository order_records_;
  crm::common::MySqlIdempotencyRepository idempotency_keys_;
  std::unique_ptr<crm::common::MySqlUnitOfWork> unit_of_work_;
  std::unique_ptr<CustomerManager> manager_;
};

TEST_P(CustomerImportTest, ImportsResolvesAndRejectsRowByRow) {
  std::string csv =
      "\xEF\xBB\xBFgiven_name,family_name,email,phone,birth_date,"
      "identity:store_card\n";
  // 300 people, each appearing twice: once by store card + email, then by
  // the same email in upper case (resolves), plus bad rows.
  for (int i = 0; i < 300; ++i) {
    absl::StrAppend(&csv, "小明,王,p", i, "@example.com,,1990-01-01,SC", i,
                    "\n");
  }
  for (int i = 0; i < 300; ++i) {
    absl::StrAppend(&csv, "Ming,Wang,P", i, "@EXAMPLE.COM,,,\n");
  }
  absl::StrAppend(&csv, "Bad,Email,not-an-email,,,\n");            // line 602
  absl::StrAppend(&csv, "Bad,Date,x@example.com,,1990-02-30,\n");  // 603
  absl::StrAppend(&csv, "too,few\n");                              // 604
  v1::ImportCustomersResponse response = Import(csv);

  EXPECT_EQ(response.created_count(), 300);
  EXPECT_EQ(response.updated_count(), 300);
  EXPECT_EQ(response.rejected_count(), 3);
  ASSERT_EQ(response.results_size(), 603);
  for (int i = 0; i < 603; ++i) {
    EXPECT_EQ(response.results(i).line_number(), i + 2);
  }
  for (int i = 0; i < 300; ++i) {
    EXPECT_EQ(response.results(i).outcome(), v1::ImportRowResult::CREATED);
    EXPECT_EQ(response.results(300 + i).outcome(),
              v1::ImportRowResult::UPDATED);
    EXPECT_EQ(response.results(300 + i).customer(),
              response.results(i).customer());
  }
  EXPECT_THAT(response.results(600).error(), HasSubstr("email"));
  EXPECT_THAT(response.results(601).error(), HasSubstr("birth_date"));
  EXPECT_THAT(response.results(602).error(), HasSubstr("fields"));

  // Exactly one record per person; rejected rows left nothing behind.
  EXPECT_EQ(Count("SELECT COUNT(*) FROM customers"), 300);
  v1::GetCustomerRequest get;
  get.set_name(response.results(0).customer());
  auto customer = manager_->Get(crm::common::RequestContext(), get);
  ASSERT_THAT(customer.status(), IsOk());
  EXPECT_EQ(customer->given_name(), "Ming");  // The later row updated it.
  EXPECT_EQ(customer->email(), "p0@example.com");
}

TEST_P(CustomerImportTest, ReimportingTheSameFileCreatesNothing) {
  std::string csv = "given_name,email,identity:app_user\n";
  for (int i = 0; i < 100; ++i) {
    absl::StrAppend(&csv, "Ann", i, ",a", i, "@example.com,u", i, "\n");
  }
  EXPECT_EQ(Import(csv).created_count(), 100);
  v1::ImportCustomersResponse again = Import(csv);
  EXPECT_EQ(again.created_count(), 0);
  EXPECT_EQ(again.updated_count(), 100);
  EXPECT_EQ(Count("SELECT COUNT(*) FROM customers"), 100);
}

std::vector<v1::ResolveCustomerRequest> RequestsWithEmails(
    const std::vector<std::string>& emails) {
  std::vector<v1::ResolveCustomerRequest> requests;
  for (const std::string& email : emails) {
    v1::ResolveCustomerRequest request;
    request.mutable_customer()->set_given_name("Lin");
    request.mutable_customer()->set_email(email);
    requests.push_back(std::move(request));
  }
  return requests;
}

TEST_P(CustomerImportTest, BusinessRowsCarryTheirCompanyIndividualsNone) {
  const std::string csv =
      "email,customer_type,company_name,tax_id\n"
      "shop@example.com,business,Lee Garden Trading Ltd,de-123456789\n"  // 2
      "ann@example.com,individual,Lee Garden Trading Ltd,\n"             // 3
      "bo@example.com,,,DE-1\n"                                          // 4
      "co@example.com,business,,\n"                                      // 5
      "shop@example.com,individual,,\n"                                  // 6
      "shop@example.com,,,\n";                                           // 7
  v1::ImportCustomersResponse response = Import(csv);
  ASSERT_EQ(response.results_size(), 6);
  EXPECT_EQ(response.results(0).outcome(), v1::ImportRowResult::CREATED);
  EXPECT_THAT(response.results(1).error(), HasSubstr("customer.company_name"));
  EXPECT_THAT(response.results(2).error(), HasSubstr("customer.tax_id"));
  EXPECT_THAT(response.results(3).error(), HasSubstr("customer.company_name"));
  // Stating INDIVIDUAL for the business it resolves to is refused; stating
  // nothing updates it and leaves it a business.
  EXPECT_THAT(response.results(4).error(), HasSubstr("customer.customer_type"));
  EXPECT_EQ(response.results(5).outcome(), v1::ImportRowResult::UPDATED);
  EXPECT_EQ(response.rejected_count(), 4);
  EXPECT_EQ(Count("SELECT COUNT(*) FROM customers"), 1);
  v1::GetCustomerRequest get;
  get.set_name(response.results(0).customer());
  auto shop = manager_->Get(crm::common::RequestContext(), get);
  ASSERT_THAT(shop.status(), IsOk());
  EXPECT_EQ(shop->customer_type(), v1::Customer::BUSINESS);
  EXPECT_EQ(shop->company_name(), "Lee Garden Trading Ltd");
  EXPECT_EQ(shop->tax_id(), "DE-123456789");
}

TEST_P(CustomerImportTest, ABatchGivesEveryRowItsOwnOutcome) {
  std::vector<absl::StatusOr<v1::ResolveCustomerResponse>> first =
      manager_->ResolveBatch(crm::common::RequestContext(),
                             RequestsWithEmails({"old@example.com"}));
  ASSERT_THAT(first[0].status(), IsOk());
  std::vector<absl::StatusOr<v1::ResolveCustomerResponse>> results =
      manager_->ResolveBatch(
          crm::common::RequestContext(),
          RequestsWithEmails({"n0@example.com", "not-an-email",
                              "N0@Example.com", "old@example.com",
                              "n4@example.com"}));
  ASSERT_EQ(results.size(), 5u);
  ASSERT_THAT(results[0].status(), IsOk());
  EXPECT_EQ(results[0]->outcome(), v1::ResolveCustomerResponse::CREATED);
  EXPECT_EQ(results[1].status().code(), absl::StatusCode::kInvalidArgument);
  // A repeat within the batch resolves to the row before it.
  ASSERT_THAT(results[2].status(), IsOk());
  EXPECT_EQ(results[2]->outcome(), v1::ResolveCustomerResponse::MATCHED);
  EXPECT_EQ(results[2]->customer().name(), results[0]->customer().name());
  ASSERT_THAT(results[3].status(), IsOk());
  EXPECT_EQ(results[3]->outcome(), v1::ResolveCustomerResponse::MATCHED);
  EXPECT_EQ(results[3]->customer().name(), first[0]->customer().name());
  ASSERT_THAT(results[4].status(), IsOk());
  EXPECT_EQ(results[4]->outcome(), v1::ResolveCustomerResponse::CREATED);

  EXPECT_EQ(Count("SELECT COUNT(*) FROM customers"), 3);
  EXPECT_EQ(Count("SELECT COUNT(*) FROM customer_identifiers"), 3);
  // One event per write: three created, two updated.
  EXPECT_EQ(Count("SELECT COUNT(*) FROM change_feed_events"), 5);
  v1::GetCustomerRequest get;
  get.set_name(results[4]->customer().name());
  auto customer = manager_->Get(crm::common::RequestContext(), get);
  ASSERT_THAT(customer.status(), IsOk());
  EXPECT_EQ(customer->email(), "n4@example.com");
  EXPECT_EQ(customer->given_name(), "Lin");
}

TEST_P(CustomerImportTest, ConcurrentBatchesSharingEmailsCreateEachOnce) {
  std::vector<std::string> emails;
  for (int i = 0; i < 40; ++i) {
    emails.push_back(absl::StrCat("shared", i, "@example.com"));
  }
  constexpr int kWriters = 4;
  std::vector<std::vector<absl::StatusOr<v1::ResolveCustomerResponse>>> results(
      kWriters);
  std::vector<std::thread> writers;
  for (int w = 0; w < kWriters; ++w) {
    writers.emplace_back([&, w] {
      std::vector<std::string> mine = emails;
      std::rotate(mine.begin(), mine.begin() + 10 * w, mine.end());
      results[w] = manager_->ResolveBatch(crm::common::RequestContext(),
                                          RequestsWithEmails(mine));
    });
  }
  for (std::thread& writer : writers) writer.join();
  int created = 0;
  std::map<std::string, std::set<std::string>> names_by_email;
  for (int w = 0; w < kWriters; ++w) {
    ASSERT_EQ(results[w].size(), emails.size());
    for (size_t i = 0; i < emails.size(); ++i) {
      ASSERT_THAT(results[w][i].status(), IsOk());
      if (results[w][i]->outcome() == v1::ResolveCustomerResponse::CREATED) {
        ++created;
      }
      const std::string& email = emails[(i + 10 * w) % emails.size()];
      names_by_email[email].insert(results[w][i]->customer().name());
    }
  }
  // Every email became one customer, created by exactly one row.
  EXPECT_EQ(created, 40);
  EXPECT_EQ(Count("SELECT COUNT(*) FROM customers"), 40);
  for (const auto& [email, names] : names_by_email) {
    EXPECT_EQ(names.size(), 1u) << email;
  }
}

INSTANTIATE_TEST_SUITE_P(Parallelism, CustomerImportTest,
                         ::testing::Values(1, 4));

}  // namespace
}  // namespace crm::customer_profile
