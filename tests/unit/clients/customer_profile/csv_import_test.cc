// ImportCustomersFromCsv against an in-process fake customer-profile that
// answers ImportCustomers: what is sent, what comes back, deadlines, metadata,
// progress and every kind of failure.
#include "clients/customer_profile/csv_import.h"

#include <gmock/gmock.h>
#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>

#include <chrono>
#include <memory>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "services/common/error_details.h"
#include "tests/testing/status_matchers.h"
#include "tests/testing/wait.h"

namespace crm::customer_profile_client {
namespace {

using ::crm::testing::IsOk;
using ::crm::testing::StatusIs;
using ::testing::ElementsAre;
using ::testing::HasSubstr;

// Answers ImportCustomers like the real service does in shape: one result
// per row in stream order, CREATED for every row except those whose email
// contains "dup", which are UPDATED. Records what it received.
class FakeImportService final : public v1::CustomerProfileService::Service {
 public:
  grpc::Status ImportCustomers(
      grpc::ServerContext* context,
      grpc::ServerReader<v1::ImportCustomersRequest>* reader,
      v1::ImportCustomersResponse* response) override {
    {
      absl::MutexLock lock(&mu_);
      ++calls_;
      deadline_ = absl::FromChrono(context->deadline());
      for (const auto& [key, value] : context->client_metadata()) {
        metadata_.emplace_back(std::string(key.data(), key.size()),
                               std::string(value.data(), value.size()));
      }
    }
    v1::ImportCustomersRequest row;
    int64_t read = 0;
    while (reader->Read(&row)) {
      ++read;
      {
        absl::MutexLock lock(&mu_);
        rows_.push_back(row);
      }
      if (fail_after_rows_.has_value() && read == *fail_after_rows_) {
        return grpc::Status(grpc::StatusCode::UNAVAILABLE,
                            "the database is unavailable");
      }
      v1::ImportRowResult* result = response->add_results();
      result->set_line_number(row.line_number());
      result->set_customer(absl::StrCat("customers/c", row.line_number()));
      if (row.customer().email().find("dup") != std::string::npos) {
        result->set_outcome(v1::ImportRowResult::UPDATED);
        response->set_updated_count(response->updated_count() + 1);
      } else {
        result->set_outcome(v1::ImportRowResult::CREATED);
        response->set_created_count(response->created_count() + 1);
      }
    }
    if (hold_until_cancelled_) {
      // Stands for a server slower than the client's deadline: answers only
      // once the client has given up (bounded so a broken client cannot
      // hang the test).
      crm::testing::WaitUntil([context] { return context->IsCancelled(); },
                              absl::Seconds(30));
    }
    return grpc::Status::OK;
  }

  void FailAfterRows(int64_t rows) { fail_after_rows_ = rows; }
  void HoldUntilCancelled() { hold_until_cancelled_ = true; }

  int calls() const {
    absl::MutexLock lock(&mu_);
    return calls_;
  }
  std::vector<v1::ImportCustomersRequest> rows() const {
    absl::MutexLock lock(&mu_);
    return rows_;
  }
  absl::Time deadline() const {
    absl::MutexLock lock(&mu_);
    return deadline_;
  }
  std::vector<std::pair<std::string, std::string>> metadata() const {
    absl::MutexLock lock(&mu_);
    return metadata_;
  }

 private:
  // Set before the server starts serving calls.
  std::optional<int64_t> fail_after_rows_;
  bool hold_until_cancelled_ = false;

  mutable absl::Mutex mu_;
  int calls_ ABSL_GUARDED_BY(mu_) = 0;
  std::vector<v1::ImportCustomersRequest> rows_ ABSL_GUARDED_BY(mu_);
  absl::Time deadline_ ABSL_GUARDED_BY(mu_);
  std::vector<std::pair<std::string, std::string>> metadata_
      ABSL_GUARDED_BY(mu_);
};

class CsvImportTest : public ::testing::Test {
 protected:
  // Starts the fake; configure `service_` before calling it.
  void StartServer() {
    grpc::ServerBuilder builder;
    builder.RegisterService(&service_);
    server_ = builder.BuildAndStart();
    ASSERT_NE(server_, nullptr);
    stub_ = v1::CustomerProfileService::NewStub(
        server_->InProcessChannel(grpc::ChannelArguments()));
  }

  void TearDown() override {
    if (server_ != nullptr) server_->Shutdown();
  }

  absl::StatusOr<CsvImportOutcome> Import(const std::string& csv,
                                          CsvImportOptions options) {
    std::istringstream input(csv);
    return ImportCustomersFromCsv(input, *stub_, options);
  }

  static CsvImportOptions DefaultOptions() {
    CsvImportOptions options;
    options.deadline = absl::Seconds(30);
    return options;
  }

  static std::vector<int64_t> Lines(const v1::ImportCustomersResponse& r) {
    std::vector<int64_t> lines;
    for (const v1::ImportRowResult& result : r.results()) {
      lines.push_back(result.line_number());
    }
    return lines;
  }

  FakeImportService service_;
  std::unique_ptr<grpc::Server> server_;
  std::unique_ptr<v1::CustomerProfileService::Stub> stub_;
};

// Lines 2, 4 and 6 map; line 3 has too few fields and line 5 an invalid
// gender, so they are rejected locally; line 6 resolves to an existing
// customer on the fake.
constexpr char kMixedCsv[] =
    "email,gender\n"
    "a@x.com,f\n"
    "b@x.com\n"
    "c@x.com,m\n"
    "d@x.com,robot\n"
    "dup@x.com,\n";

TEST_F(CsvImportTest, StreamsMappedRowsAndMergesLocalRejectionsInLineOrder) {
  StartServer();
  CsvImportOptions options = DefaultOptions();
  options.strict_phone = true;
  CRM_ASSERT_OK_AND_ASSIGN(CsvImportOutcome outcome,
                           Import(kMixedCsv, options));

  std::vector<v1::ImportCustomersRequest> sent = service_.rows();
  ASSERT_EQ(sent.size(), 3u);
  EXPECT_EQ(sent[0].line_number(), 2);
  EXPECT_EQ(sent[0].customer().email(), "a@x.com");
  EXPECT_EQ(sent[0].customer().gender(), v1::Customer::FEMALE);
  EXPECT_EQ(sent[1].line_number(), 4);
  EXPECT_EQ(sent[2].line_number(), 6);
  for (const v1::ImportCustomersRequest& row : sent) {
    EXPECT_TRUE(row.strict_phone());
  }

  EXPECT_EQ(outcome.rows_sent, 3);
  EXPECT_EQ(outcome.rows_rejected_locally, 2);
  const v1::ImportCustomersResponse& response = outcome.response;
  EXPECT_EQ(response.created_count(), 2);
  EXPECT_EQ(response.updated_count(), 1);
  EXPECT_EQ(response.rejected_count(), 2);
  EXPECT_THAT(Lines(response), ElementsAre(2, 3, 4, 5, 6));
  EXPECT_EQ(response.results(1).outcome(), v1::ImportRowResult::REJECTED);
  EXPECT_THAT(response.results(3).error(), HasSubstr("gender"));
  EXPECT_THAT(response.results(3).error(), ::testing::Not(HasSubstr("robot")));
  EXPECT_EQ(response.results(4).outcome(), v1::ImportRowResult::UPDATED);
  EXPECT_EQ(response.results(4).customer(), "customers/c6");
}

TEST_F(CsvImportTest, CallCarriesTheDeadlineAndTheMetadata) {
  StartServer();
  CsvImportOptions options = DefaultOptions();
  options.deadline = absl::Seconds(45);
  options.metadata = {{"x-request-id", "req-123"},
                      {"traceparent", "00-abc-def-01"}};
  const absl::Time before = absl::Now();
  ASSERT_THAT(Import("email\na@x.com\n", options), IsOk());
  const absl::Time after = absl::Now();

  EXPECT_GE(service_.deadline(), before + absl::Seconds(44));
  EXPECT_LE(service_.deadline(), after + absl::Seconds(46));
  EXPECT_THAT(
      service_.metadata(),
      ::testing::IsSupersetOf(
          {std::make_pair(std::string("x-request-id"), std::string("req-123")),
           std::make_pair(std::string("traceparent"),
                          std::string("00-abc-def-01"))}));
}

TEST_F(CsvImportTest, WithoutReportRowsOnlyTheCountsComeBack) {
  StartServer();
  CsvImportOptions options = DefaultOptions();
  options.report_rows = false;
  CRM_ASSERT_OK_AND_ASSIGN(CsvImportOutcome outcome,
                           Import(kMixedCsv, options));
  EXPECT_EQ(outcome.response.results_size(), 0);
  EXPECT_EQ(outcome.response.created_count(), 2);
  EXPECT_EQ(outcome.response.updated_count(), 1);
  EXPECT_EQ(outcome.response.rejected_count(), 2);
}

TEST_F(CsvImportTest, ProgressCountsEveryRowThenReportsAllSent) {
  StartServer();
  CsvImportOptions options = DefaultOptions();
  std::vector<CsvImportProgress> reports;
  options.on_progress = [&](const CsvImportProgress& progress) {
    reports.push_back(progress);
  };
  ASSERT_THAT(Import(kMixedCsv, options), IsOk());

  // One report per row (3 sent, 2 rejected) and the final one.
  ASSERT_EQ(reports.size(), 6u);
  for (size_t i = 1; i < reports.size(); ++i) {
    EXPECT_EQ(reports[i].rows_sent + reports[i].rows_rejected_locally,
              reports[i - 1].rows_sent + reports[i - 1].rows_rejected_locally +
                  (i + 1 < reports.size() ? 1 : 0));
  }
  for (size_t i = 0; i + 1 < reports.size(); ++i) {
    EXPECT_FALSE(reports[i].all_rows_sent);
  }
  EXPECT_TRUE(reports.back().all_rows_sent);
  EXPECT_EQ(reports.back().rows_sent, 3);
  EXPECT_EQ(reports.back().rows_rejected_locally, 2);
}

TEST_F(CsvImportTest, InvalidHeaderFailsBeforeAnyCall) {
  StartServer();
  absl::StatusOr<CsvImportOutcome> unknown_column =
      Import("email,shoe_size\na@x.com,44\n", DefaultOptions());
  EXPECT_THAT(unknown_column, StatusIs(absl::StatusCode::kInvalidArgument));
  // The details name the column, for the gateway's error body.
  EXPECT_EQ(common::ErrorMetadataOf(unknown_column.status())["field"],
            "shoe_size");
  EXPECT_THAT(Import("", DefaultOptions()),
              StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(
      Import(std::string("\xFF\xFE"
                         "e\0m\0",
                         6),
             DefaultOptions()),
      StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("UTF-16")));
  EXPECT_EQ(service_.calls(), 0);
}

TEST_F(CsvImportTest, FileWithNoSendableRowMakesNoCall) {
  StartServer();
  CRM_ASSERT_OK_AND_ASSIGN(
      CsvImportOutcome outcome,
      Import("email,gender\na@x.com,robot\n", DefaultOptions()));
  EXPECT_EQ(service_.calls(), 0);
  EXPECT_EQ(outcome.rows_sent, 0);
  EXPECT_EQ(outcome.response.rejected_count(), 1);
  EXPECT_THAT(Lines(outcome.response), ElementsAre(2));
}

TEST_F(CsvImportTest, DeadlineIsRequired) {
  StartServer();
  CsvImportOptions options = DefaultOptions();
  for (absl::Duration deadline :
       {absl::ZeroDuration(), absl::Seconds(-1), absl::InfiniteDuration()}) {
    options.deadline = deadline;
    EXPECT_THAT(
        Import("email\na@x.com\n", options),
        StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("deadline")));
  }
  EXPECT_EQ(service_.calls(), 0);
}

TEST_F(CsvImportTest, ServerFailureIsReturnedWithItsCode) {
  service_.FailAfterRows(2);
  StartServer();
  EXPECT_THAT(Import("email\na@x.com\nb@x.com\nc@x.com\n", DefaultOptions()),
              StatusIs(absl::StatusCode::kUnavailable, HasSubstr("database")));
}

TEST_F(CsvImportTest, SlowServerEndsWithDeadlineExceeded) {
  service_.HoldUntilCancelled();
  StartServer();
  CsvImportOptions options = DefaultOptions();
  options.deadline = absl::Milliseconds(200);
  EXPECT_THAT(Import("email\na@x.com\n", options),
              StatusIs(absl::StatusCode::kDeadlineExceeded));
}

TEST_F(CsvImportTest, UnreachableServerIsUnavailable) {
  // A channel to a port nothing listens on (port 1 is privileged and unused
  // here), with wait-for-ready off: the call fails fast.
  std::unique_ptr<v1::CustomerProfileService::Stub> stub =
      v1::CustomerProfileService::NewStub(grpc::CreateChannel(
          "127.0.0.1:1", grpc::InsecureChannelCredentials()));
  std::istringstream input("email\na@x.com\n");
  EXPECT_THAT(ImportCustomersFromCsv(input, *stub, DefaultOptions()),
              StatusIs(absl::StatusCode::kUnavailable));
}

}  // namespace
}  // namespace crm::customer_profile_client
