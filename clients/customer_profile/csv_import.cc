#include "clients/customer_profile/csv_import.h"

#include <grpcpp/client_context.h>
#include <grpcpp/support/sync_stream.h>

#include <cstdint>
#include <memory>

#include "absl/status/status.h"
#include "absl/time/clock.h"
#include "clients/customer_profile/customer_csv.h"
#include "services/common/grpc_status.h"

namespace crm::customer_profile_client {
namespace {

// Rows sent per flush of the request stream (the rows between are written
// with gRPC's buffer hint).
constexpr int64_t kFlushEvery = 64;

}  // namespace

absl::StatusOr<CsvImportOutcome> ImportCustomersFromCsv(
    std::istream& input, v1::CustomerProfileService::StubInterface& stub,
    const CsvImportOptions& options) {
  if (options.deadline <= absl::ZeroDuration() ||
      options.deadline == absl::InfiniteDuration()) {
    return absl::InvalidArgumentError(
        "deadline: must be a positive, finite duration");
  }
  grpc::ClientContext context;
  context.set_deadline(absl::ToChronoTime(absl::Now() + options.deadline));
  for (const auto& [key, value] : options.metadata) {
    context.AddMetadata(key, value);
  }

  CsvImportProgress progress;
  auto report_progress = [&] {
    if (options.on_progress) options.on_progress(progress);
  };
  v1::ImportCustomersResponse server_response;
  std::unique_ptr<grpc::ClientWriterInterface<v1::ImportCustomersRequest>>
      writer;
  std::vector<v1::ImportRowResult> local_rejections;
  absl::Status read = ReadCustomerCsv(
      input, options.strict_phone,
      [&](const v1::ImportCustomersRequest& row) {
        if (writer == nullptr) {
          writer = stub.ImportCustomers(&context, &server_response);
        }
        // Rows may wait in gRPC's buffer and go out together (fewer frames
        // and wake-ups on both sides); every kFlushEvery-th row is sent at
        // once, so a slow reader never holds rows back for long.
        grpc::WriteOptions write_options;
        if ((progress.rows_sent + 1) % kFlushEvery != 0) {
          write_options.set_buffer_hint();
        }
        if (!writer->Write(row, write_options)) return false;
        ++progress.rows_sent;
        report_progress();
        return true;
      },
      [&](const v1::ImportRowResult& rejected) {
        if (options.report_rows) local_rejections.push_back(rejected);
        ++progress.rows_rejected_locally;
        report_progress();
      });
  if (read.ok()) {
    progress.all_rows_sent = true;
    report_progress();
  }

  if (writer != nullptr) {
    // After a failed Write the stream is broken: Finish() alone tells why.
    if (read.ok()) writer->WritesDone();
    const grpc::Status call = writer->Finish();
    if (!call.ok()) return common::FromGrpcStatus(call);
  }
  if (!read.ok()) return read;

  CsvImportOutcome outcome;
  outcome.rows_sent = progress.rows_sent;
  outcome.rows_rejected_locally = progress.rows_rejected_locally;
  if (options.report_rows) {
    outcome.response = MergeImportResults(server_response, local_rejections);
  } else {
    outcome.response.set_created_count(server_response.created_count());
    outcome.response.set_updated_count(server_response.updated_count());
    outcome.response.set_rejected_count(server_response.rejected_count() +
                                        progress.rows_rejected_locally);
  }
  return outcome;
}

}  // namespace crm::customer_profile_client
