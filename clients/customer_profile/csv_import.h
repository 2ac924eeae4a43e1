// ImportCustomersFromCsv: imports a header-mapped customer CSV file into
// customer-profile over its client-streaming ImportCustomers RPC. The one
// import loop of the suite: crm-import and the gateway's
// POST /v1/customers:import both call it.
//
//   std::ifstream file(path, std::ios::binary);
//   CsvImportOptions options;
//   options.deadline = absl::Minutes(2);
//   options.metadata = {{"x-request-id", request_id}};
//   options.on_progress = [&](const CsvImportProgress& p) {
//     rows_sent.store(p.rows_sent);
//   };
//   CRM_ASSIGN_OR_RETURN(CsvImportOutcome outcome,
//                        ImportCustomersFromCsv(file, *stub, options));
//   Print(outcome.response.created_count(), outcome.response.rejected_count());
//
// How rows travel: the file is read as a stream (csv_reader.h) and each row
// is mapped to a Customer (customer_csv.h, which names the columns). A row
// that cannot be read or mapped is REJECTED locally with its line number and
// never sent; every other row is streamed as one ImportCustomersRequest, in
// file order, and the server standardises, validates and resolves it exactly
// as CreateCustomer would. The call is opened with the first row to send, so
// a file with no sendable row makes no call at all. Memory use is bounded by
// the size of one record plus the results.
#pragma once

#include <cstdint>
#include <functional>
#include <istream>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "crm/customerprofile/v1/customer_profile_service.grpc.pb.h"
#include "crm/customerprofile/v1/customer_profile_service.pb.h"

namespace crm::customer_profile_client {

namespace v1 = ::crm::customerprofile::v1;

// Where an import stands; passed to CsvImportOptions::on_progress.
struct CsvImportProgress {
  // Rows accepted by the stream's transport (the server may still be
  // working through the rows buffered in flow control).
  int64_t rows_sent = 0;
  // Rows rejected locally: unreadable or unmappable, never sent.
  int64_t rows_rejected_locally = 0;
  // True once the whole file has been read and every row sent; the import
  // then waits for the server's answer.
  bool all_rows_sent = false;
};

struct CsvImportOptions {
  // Deadline of the whole ImportCustomers call, counted from the start of
  // ImportCustomersFromCsv. Required: must be positive.
  absl::Duration deadline = absl::ZeroDuration();
  // Sets ImportCustomersRequest.strict_phone on every row.
  bool strict_phone = false;
  // Metadata sent with the call, e.g. {"x-request-id", id}, {"traceparent",
  // value}. Keys must be lower-case.
  std::vector<std::pair<std::string, std::string>> metadata;
  // When false, CsvImportOutcome::response holds the counts only (no
  // per-row results), which saves memory on large files.
  bool report_rows = true;
  // If set, called on the calling thread after every row sent or rejected
  // locally, and once more with all_rows_sent = true. It must return quickly.
  std::function<void(const CsvImportProgress&)> on_progress;
};

struct CsvImportOutcome {
  // The server's answer with the locally rejected rows merged in: counts of
  // the whole file (rejected_count includes the local rejections) and, when
  // CsvImportOptions::report_rows is set, one result per row ordered by line
  // number. Results hold line numbers, outcomes, customer names and error
  // texts that name fields, never values.
  v1::ImportCustomersResponse response;
  int64_t rows_sent = 0;
  int64_t rows_rejected_locally = 0;
};

// Reads `input` (a header-mapped CSV document, see customer_csv.h) to its end
// and imports its rows through `stub`'s ImportCustomers.
//
// Errors:
//  - INVALID_ARGUMENT: `options.deadline` is not positive, or the input has
//    no header, an invalid header (an unknown or repeated column) or is not
//    UTF-8. No call was made. (The server reports invalid rows as REJECTED
//    results, never by failing the call, so INVALID_ARGUMENT always means the
//    input or the options.)
//  - any other code: the ImportCustomers call failed (UNAVAILABLE when
//    customer-profile cannot be reached or its database is down,
//    DEADLINE_EXCEEDED when `options.deadline` passed, ...), with the call's
//    message and details. Rows the server acknowledged before the failure
//    stay written, each whole; importing the same file again updates those
//    customers rather than duplicating them.
//
// Thread-safety: uses only its arguments; `stub` may be shared with other
// threads (gRPC stubs are thread-safe). Blocks until the call ends.
absl::StatusOr<CsvImportOutcome> ImportCustomersFromCsv(
    std::istream& input, v1::CustomerProfileService::StubInterface& stub,
    const CsvImportOptions& options);

}  // namespace crm::customer_profile_client
