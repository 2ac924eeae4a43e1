// CustomerImporterImpl over a fake CustomerResolver: outcomes, order,
// concurrency rules and failure handling.
#include "services/customer_profile/customer_importer_impl.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <map>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "services/common/clock.h"
#include "services/common/error_details.h"
#include "services/common/request_context.h"
#include "tests/testing/status_matchers.h"

namespace crm::customer_profile {
namespace {

using ::crm::testing::StatusIs;

// Resolves by email only. Emails containing "bad" are INVALID_ARGUMENT,
// "down" UNAVAILABLE, "flaky" ABORTED twice then OK, "conflict" always
// ABORTED. Detects two concurrent writes of the same email.
class FakeCustomerResolver : public CustomerResolver {
 public:
  absl::StatusOr<v1::ResolveCustomerResponse> Resolve(
      const crm::common::RequestContext&,
      const v1::ResolveCustomerRequest& request) override {
    const std::string& email = request.customer().email();
    {
      absl::MutexLock lock(&mu_);
      ++calls_;
      strict_phones_.insert(request.strict_phone());
      if (!in_flight_.insert(email).second) overlap_ = true;
      max_in_flight_ = std::max<int>(max_in_flight_, in_flight_.size());
    }
    // Give other workers a chance to run concurrently.
    std::this_thread::sleep_for(std::chrono::microseconds(300));
    absl::StatusOr<v1::ResolveCustomerResponse> result = ResolveEmail(email);
    absl::MutexLock lock(&mu_);
    in_flight_.erase(email);
    return result;
  }

  // Resolve() for each request in order; records the batch's emails.
  std::vector<absl::StatusOr<v1::ResolveCustomerResponse>> ResolveBatch(
      const crm::common::RequestContext& context,
      const std::vector<v1::ResolveCustomerRequest>& requests) override {
    {
      absl::MutexLock lock(&mu_);
      std::set<std::string> emails;
      for (const v1::ResolveCustomerRequest& request : requests) {
        if (!emails.insert(request.customer().email()).second) {
          shared_in_batch_ = true;
        }
      }
      max_batch_ = std::max<int>(max_batch_, requests.size());
    }
    std::vector<absl::StatusOr<v1::ResolveCustomerResponse>> results;
    for (const v1::ResolveCustomerRequest& request : requests) {
      results.push_back(Resolve(context, request));
    }
    return results;
  }

  int calls() {
    absl::MutexLock lock(&mu_);
    return calls_;
  }
  bool shared_in_batch() {
    absl::MutexLock lock(&mu_);
    return shared_in_batch_;
  }
  int max_batch() {
    absl::MutexLock lock(&mu_);
    return max_batch_;
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
  absl::StatusOr<v1::ResolveCustomerResponse> ResolveEmail(
      const std::string& email) {
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
    v1::ResolveCustomerResponse outcome;
    auto it = by_email_.find(email);
    const bool created = it == by_email_.end();
    outcome.set_outcome(created ? v1::ResolveCustomerResponse::CREATED
                                : v1::ResolveCustomerResponse::MATCHED);
    if (created) {
      it = by_email_
               .emplace(email, absl::StrCat("customers/c", by_email_.size()))
               .first;
    }
    outcome.mutable_customer()->set_name(it->second);
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
  bool shared_in_batch_ = false;
  int max_batch_ = 0;
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
  const crm::common::RequestContext context_;
  crm::common::FakeClock clock_{absl::FromUnixSeconds(1767225600)};

  CustomerImporterOptions Options() {
    CustomerImporterOptions options;
    options.parallelism = GetParam();
    options.batch_size = 4;
    options.window = 16;
    return options;
  }
};

TEST_P(ImporterTest, ReportsEveryRowInStreamOrder) {
  FakeCustomerResolver resolver;
  CustomerImporterImpl importer(resolver, clock_, Options());
  auto response = importer.Import(
      context_,
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
  EXPECT_EQ(resolver.strict_phones(), std::set<bool>{true});
}

TEST_P(ImporterTest, RowsSharingAnIdentifierNeverRunConcurrently) {
  FakeCustomerResolver resolver;
  CustomerImporterImpl importer(resolver, clock_, Options());
  std::vector<std::string> emails;
  for (int i = 0; i < 300; ++i) emails.push_back(absl::StrCat(i % 7, "@x"));
  auto response = importer.Import(context_, Rows(emails));
  ASSERT_TRUE(response.ok()) << response.status();
  EXPECT_FALSE(resolver.overlap());
  // In stream order, the first row of each email created it.
  EXPECT_EQ(response->created_count(), 7);
  for (int i = 0; i < 7; ++i) {
    EXPECT_EQ(response->results(i).outcome(), v1::ImportRowResult::CREATED);
  }
  EXPECT_EQ(response->updated_count(), 293);
}

TEST_P(ImporterTest, BatchesNeverHoldTwoRowsSharingAnIdentifier) {
  FakeCustomerResolver resolver;
  CustomerImporterImpl importer(resolver, clock_, Options());
  std::vector<std::string> emails;
  for (int i = 0; i < 300; ++i) {
    emails.push_back(i % 3 == 0 ? absl::StrCat(i % 5, "@x")
                                : absl::StrCat("d", i, "@x"));
  }
  auto response = importer.Import(context_, Rows(emails));
  ASSERT_TRUE(response.ok()) << response.status();
  EXPECT_FALSE(resolver.shared_in_batch());
  EXPECT_FALSE(resolver.overlap());
  EXPECT_EQ(response->created_count(), 5 + 200);
  EXPECT_EQ(response->updated_count(), 100 - 5);
  if (GetParam() > 1) {
    // Rows waiting when a worker frees up go together, up to batch_size.
    EXPECT_GT(resolver.max_batch(), 1);
    EXPECT_LE(resolver.max_batch(), 4);
  }
}

TEST_P(ImporterTest, OneBadRowInABatchRejectsOnlyItself) {
  FakeCustomerResolver resolver;
  CustomerImporterImpl importer(resolver, clock_, Options());
  std::vector<std::string> emails;
  for (int i = 0; i < 40; ++i) {
    emails.push_back(i == 17 ? "bad17@x" : absl::StrCat("r", i, "@x"));
  }
  auto response = importer.Import(context_, Rows(emails));
  ASSERT_TRUE(response.ok()) << response.status();
  EXPECT_EQ(response->created_count(), 39);
  ASSERT_EQ(response->rejected_count(), 1);
  EXPECT_EQ(response->results(17).outcome(), v1::ImportRowResult::REJECTED);
  EXPECT_EQ(response->results(16).outcome(), v1::ImportRowResult::CREATED);
  EXPECT_EQ(response->results(18).outcome(), v1::ImportRowResult::CREATED);
}

TEST_P(ImporterTest, DistinctRowsRunInParallel) {
  FakeCustomerResolver resolver;
  CustomerImporterImpl importer(resolver, clock_, Options());
  std::vector<std::string> emails;
  for (int i = 0; i < 400; ++i) emails.push_back(absl::StrCat(i, "@x"));
  auto response = importer.Import(context_, Rows(emails));
  ASSERT_TRUE(response.ok()) << response.status();
  EXPECT_EQ(response->created_count(), 400);
  if (GetParam() > 1) {
    EXPECT_GT(resolver.max_in_flight(), 1);
  } else {
    EXPECT_EQ(resolver.max_in_flight(), 1);
  }
}

TEST_P(ImporterTest, UnavailableStopsTheImport) {
  FakeCustomerResolver resolver;
  CustomerImporterImpl importer(resolver, clock_, Options());
  std::vector<std::string> emails = {"a@x", "b@x", "down@x"};
  for (int i = 0; i < 500; ++i) emails.push_back(absl::StrCat(i, "@y"));
  auto response = importer.Import(context_, Rows(emails));
  EXPECT_THAT(response.status(), StatusIs(absl::StatusCode::kUnavailable));
  // Rows after the failure were not started (beyond those already in flight).
  EXPECT_LT(resolver.calls(), 3 + 2 * GetParam() + 16);
}

TEST_P(ImporterTest, EmptyStream) {
  FakeCustomerResolver resolver;
  CustomerImporterImpl importer(resolver, clock_, Options());
  auto response = importer.Import(context_, Rows({}));
  ASSERT_TRUE(response.ok());
  EXPECT_EQ(response->results_size(), 0);
}

TEST_P(ImporterTest, StopsBetweenRowsOnceCancelled) {
  FakeCustomerResolver resolver;
  CustomerImporterImpl importer(resolver, clock_, Options());
  std::atomic<int> rows_read{0};
  std::atomic<bool> cancelled{false};
  crm::common::RequestContext context;
  context.set_cancellation([&] { return cancelled.load(); });
  std::function<std::optional<v1::ImportCustomersRequest>()> rows =
      Rows({"a@x", "b@x", "c@x", "d@x", "e@x"});
  auto response = importer.Import(
      context, [&]() -> std::optional<v1::ImportCustomersRequest> {
        // The caller goes away while the third row is read.
        if (++rows_read == 3) cancelled = true;
        return rows();
      });
  EXPECT_THAT(response, StatusIs(absl::StatusCode::kCancelled));
  EXPECT_EQ(crm::common::ReasonOf(response.status()),
            crm::type::v1::REQUEST_CANCELLED);
  // The third row was read but never started; nothing after it was read.
  // Sequentially both earlier rows ran; in parallel, queued rows that had
  // not started yet are dropped too.
  EXPECT_EQ(rows_read.load(), 3);
  if (GetParam() == 1) {
    EXPECT_EQ(resolver.calls(), 2);
  } else {
    EXPECT_LE(resolver.calls(), 2);
  }
}

TEST_P(ImporterTest, PassedDeadlineStartsNoRow) {
  FakeCustomerResolver resolver;
  CustomerImporterImpl importer(resolver, clock_, Options());
  const crm::common::RequestContext expired =
      crm::common::RequestContext::WithDeadline(clock_.Now());
  auto response = importer.Import(expired, Rows({"a@x", "b@x"}));
  EXPECT_THAT(response, StatusIs(absl::StatusCode::kDeadlineExceeded));
  EXPECT_EQ(crm::common::ReasonOf(response.status()),
            crm::type::v1::REQUEST_DEADLINE_EXCEEDED);
  EXPECT_EQ(resolver.calls(), 0);
}

INSTANTIATE_TEST_SUITE_P(Parallelism, ImporterTest, ::testing::Values(1, 4));

}  // namespace
}  // namespace crm::customer_profile
