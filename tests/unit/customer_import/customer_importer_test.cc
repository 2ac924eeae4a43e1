// CustomerImporterImpl over a fake CustomerManager: outcomes, order,
// concurrency rules and failure handling.
#include "services/customer_profile/customer_importer_impl.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <atomic>
#include <map>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "tests/testing/status_matchers.h"

namespace crm::customer_profile {
namespace {

using ::crm::testing::StatusIs;

// Resolves by email only. Emails containing "bad" are INVALID_ARGUMENT,
// "down" UNAVAILABLE, "flaky" ABORTED twice then OK, "conflict" always
// ABORTED. Detects two concurrent writes of the same email.
class FakeCustomerManager : public CustomerManager {
 public:
  absl::StatusOr<v1::Customer> Create(
      const v1::CreateCustomerRequest&) override {
    return absl::UnimplementedError("");
  }
  absl::StatusOr<IngestOutcome> Ingest(const v1::Customer& customer,
                                       bool strict_phone) override {
    const std::string& email = customer.email();
    {
      absl::MutexLock lock(&mu_);
      ++calls_;
      strict_phones_.insert(strict_phone);
      if (!in_flight_.insert(email).second) overlap_ = true;
      max_in_flight_ = std::max<int>(max_in_flight_, in_flight_.size());
    }
    // Give other workers a chance to run concurrently.
    std::this_thread::sleep_for(std::chrono::microseconds(300));
    absl::StatusOr<IngestOutcome> result = Resolve(email);
    absl::MutexLock lock(&mu_);
    in_flight_.erase(email);
    return result;
  }
  absl::StatusOr<v1::Customer> Get(const v1::GetCustomerRequest&) override {
    return absl::UnimplementedError("");
  }
  absl::StatusOr<v1::ListCustomersResponse> List(
      const v1::ListCustomersRequest&) override {
    return absl::UnimplementedError("");
  }
  absl::StatusOr<v1::Customer> Update(
      const v1::UpdateCustomerRequest&) override {
    return absl::UnimplementedError("");
  }
  absl::StatusOr<v1::FindDuplicateCandidatesResponse> FindDuplicateCandidates(
      const v1::FindDuplicateCandidatesRequest&) override {
    return absl::UnimplementedError("");
  }
  absl::StatusOr<v1::Customer> Merge(
      const v1::MergeCustomersRequest&) override {
    return absl::UnimplementedError("");
  }
  absl::StatusOr<v1::Customer> Erase(const v1::EraseCustomerRequest&) override {
    return absl::UnimplementedError("");
  }
  absl::StatusOr<v1::ExportCustomerDataResponse> Export(
      const v1::ExportCustomerDataRequest&) override {
    return absl::UnimplementedError("");
  }

  int calls() {
    absl::MutexLock lock(&mu_);
    return calls_;
  }
  bool overlap() {
    absl::MutexLock lock(&mu_);
    return overlap_;
  }
  int max_in_flight() {
    absl::MutexLock lock(&mu_);
    return max_in_flight_;
  }
  std::set<bool> strict_phones() {
    absl::MutexLock lock(&mu_);
    return strict_phones_;
  }

 private:
  absl::StatusOr<IngestOutcome> Resolve(const std::string& email) {
    if (absl::StrContains(email, "bad")) {
      return absl::InvalidArgumentError("email: not a valid address");
    }
    if (absl::StrContains(email, "down")) {
      return absl::UnavailableError("database unavailable");
    }
    absl::MutexLock lock(&mu_);
    if (absl::StrContains(email, "conflict")) {
      return absl::AbortedError("concurrent change");
    }
    if (absl::StrContains(email, "flaky") && flaky_failures_++ < 2) {
      return absl::AbortedError("concurrent change");
    }
    IngestOutcome outcome;
    auto it = by_email_.find(email);
    outcome.created = it == by_email_.end();
    if (outcome.created) {
      it = by_email_
               .emplace(email, absl::StrCat("customers/c", by_email_.size()))
               .first;
    }
    outcome.customer.set_name(it->second);
    return outcome;
  }

  absl::Mutex mu_;
  std::map<std::string, std::string> by_email_;
  std::set<std::string> in_flight_;
  std::set<bool> strict_phones_;
  int calls_ = 0;
  int flaky_failures_ = 0;
  bool overlap_ = false;
  int max_in_flight_ = 0;
};

// A next_row over `emails`, line numbers 2, 3, ...; strict_phone only on the
// first message.
std::function<std::optional<v1::ImportCustomersRequest>()> Rows(
    std::vector<std::string> emails) {
  auto index = std::make_shared<size_t>(0);
  return [emails = std::move(emails),
          index]() -> std::optional<v1::ImportCustomersRequest> {
    if (*index >= emails.size()) return std::nullopt;
    v1::ImportCustomersRequest row;
    row.set_strict_phone(*index == 0);
    row.set_line_number(static_cast<int64_t>(*index) + 2);
    row.mutable_customer()->set_email(emails[(*index)++]);
    return row;
  };
}

class ImporterTest : public ::testing::TestWithParam<int> {
 protected:
  CustomerImporterOptions Options() {
    CustomerImporterOptions options;
    options.parallelism = GetParam();
    options.window = 16;
    return options;
  }
};

TEST_P(ImporterTest, ReportsEveryRowInStreamOrder) {
  FakeCustomerManager manager;
  CustomerImporterImpl importer(manager, Options());
  auto response = importer.Import(
      Rows({"a@x", "b@x", "bad@x", "a@x", "flaky@x", "conflict@x", "c@x"}));
  ASSERT_TRUE(response.ok()) << response.status();
  EXPECT_EQ(response->created_count(), 4);
  EXPECT_EQ(response->updated_count(), 1);
  EXPECT_EQ(response->rejected_count(), 2);
  ASSERT_EQ(response->results_size(), 7);
  for (int i = 0; i < 7; ++i) {
    EXPECT_EQ(response->results(i).line_number(), i + 2);
  }
  EXPECT_EQ(response->results(0).outcome(), v1::ImportRowResult::CREATED);
  EXPECT_EQ(response->results(3).outcome(), v1::ImportRowResult::UPDATED);
  EXPECT_EQ(response->results(3).customer(), response->results(0).customer());
  EXPECT_EQ(response->results(2).outcome(), v1::ImportRowResult::REJECTED);
  EXPECT_EQ(response->results(2).error(), "email: not a valid address");
  EXPECT_EQ(response->results(2).customer(), "");
  // ABORTED is retried twice, then the row is rejected.
  EXPECT_EQ(response->results(4).outcome(), v1::ImportRowResult::CREATED);
  EXPECT_EQ(response->results(5).outcome(), v1::ImportRowResult::REJECTED);
  // strict_phone comes from the first message and applies to every row.
  EXPECT_EQ(manager.strict_phones(), std::set<bool>{true});
}

TEST_P(ImporterTest, RowsSharingAnIdentifierNeverRunConcurrently) {
  FakeCustomerManager manager;
  CustomerImporterImpl importer(manager, Options());
  std::vector<std::string> emails;
  for (int i = 0; i < 300; ++i) emails.push_back(absl::StrCat(i % 7, "@x"));
  auto response = importer.Import(Rows(emails));
  ASSERT_TRUE(response.ok()) << response.status();
  EXPECT_FALSE(manager.overlap());
  // In stream order, the first row of each email created it.
  EXPECT_EQ(response->created_count(), 7);
  for (int i = 0; i < 7; ++i) {
    EXPECT_EQ(response->results(i).outcome(), v1::ImportRowResult::CREATED);
  }
  EXPECT_EQ(response->updated_count(), 293);
}

TEST_P(ImporterTest, DistinctRowsRunInParallel) {
  FakeCustomerManager manager;
  CustomerImporterImpl importer(manager, Options());
  std::vector<std::string> emails;
  for (int i = 0; i < 400; ++i) emails.push_back(absl::StrCat(i, "@x"));
  auto response = importer.Import(Rows(emails));
  ASSERT_TRUE(response.ok()) << response.status();
  EXPECT_EQ(response->created_count(), 400);
  if (GetParam() > 1) {
    EXPECT_GT(manager.max_in_flight(), 1);
  } else {
    EXPECT_EQ(manager.max_in_flight(), 1);
  }
}

TEST_P(ImporterTest, UnavailableStopsTheImport) {
  FakeCustomerManager manager;
  CustomerImporterImpl importer(manager, Options());
  std::vector<std::string> emails = {"a@x", "b@x", "down@x"};
  for (int i = 0; i < 500; ++i) emails.push_back(absl::StrCat(i, "@y"));
  auto response = importer.Import(Rows(emails));
  EXPECT_THAT(response.status(), StatusIs(absl::StatusCode::kUnavailable));
  // Rows after the failure were not started (beyond those already in flight).
  EXPECT_LT(manager.calls(), 3 + 2 * GetParam() + 16);
}

TEST_P(ImporterTest, EmptyStream) {
  FakeCustomerManager manager;
  CustomerImporterImpl importer(manager, Options());
  auto response = importer.Import(Rows({}));
  ASSERT_TRUE(response.ok());
  EXPECT_EQ(response->results_size(), 0);
}

INSTANTIATE_TEST_SUITE_P(Parallelism, ImporterTest, ::testing::Values(1, 4));

}  // namespace
}  // namespace crm::customer_profile
