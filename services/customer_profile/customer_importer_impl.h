// CustomerImporter over CustomerResolver (customer_resolver.h): each row is
// one resolving write (standardisation + identity resolution, whole or
// nothing), made with the import's RequestContext; concurrent imports write
// rows in batches (ResolveBatch), a sequential one row by row (Resolve).
//
//   CustomerImporterImpl importer(customer_manager, SystemClock::Instance());
//   CRM_ASSIGN_OR_RETURN(
//       v1::ImportCustomersResponse response,
//       importer.Import(ctx, [&] { return NextRowFromStream(); }));
//
// Throughput: rows are written by up to `parallelism` worker threads, each
// taking up to `batch_size` rows that are ready at once and writing them
// with one ResolveBatch call (standardisation and encryption of the batch,
// one identifier look-up, multi-row inserts and one commit: see
// CustomerManager::ResolveBatch); a batch is as large as the rows waiting
// when a worker becomes free (waiting at most `linger` for a full batch), so
// a slow stream is written in small batches and a fast one in full ones. Rows
// that may resolve to the same customer are never written concurrently nor in
// one batch, and keep their stream order: a row waits while an earlier,
// unfinished row shares an identifier key with it (external identity, email
// lower-cased, phone by its last 8 digits). Results are reported in stream
// order whatever the parallelism. With parallelism 1 the import is strictly
// sequential, one Resolve per row.
//
// Row outcomes: Resolve OK -> CREATED (outcome CREATED) or UPDATED
// (MATCHED) with the customer's name; INVALID_ARGUMENT, FAILED_PRECONDITION,
// NOT_FOUND, ALREADY_EXISTS, OUT_OF_RANGE -> REJECTED with the status
// message (which names the field; the resolver's messages never carry
// values); ABORTED (a concurrent change) is retried up to twice, then
// REJECTED. Any other code (UNAVAILABLE, DEADLINE_EXCEEDED, INTERNAL, ...)
// stops the import: no further row is started, rows in flight finish, and
// Import returns that status. So does a cancelled context or a passed
// deadline, checked (on `clock`) before every row is started.
#pragma once

#include "absl/time/time.h"
#include "services/common/clock.h"
#include "services/customer_profile/customer_importer.h"
#include "services/customer_profile/customer_resolver.h"

namespace crm::customer_profile {

struct CustomerImporterOptions {
  // Worker threads writing rows concurrently (1..64).
  int parallelism = 4;
  // Rows one worker writes together at most (1..1024; 1 = row by row).
  int batch_size = 64;
  // How long a free worker waits for batch_size rows to be ready while the
  // stream is still being read (then it takes what is ready).
  absl::Duration linger = absl::Milliseconds(50);
  // Rows read ahead of the oldest unfinished row (bounds memory); at least
  // parallelism * batch_size keeps every worker's batches full.
  int window = 1024;
};

class CustomerImporterImpl final : public CustomerImporter {
 public:
  // `resolver` (thread-safe) and `clock` must outlive the importer.
  CustomerImporterImpl(CustomerResolver& resolver,
                       const crm::common::Clock& clock,
                       CustomerImporterOptions options = {});

  absl::StatusOr<v1::ImportCustomersResponse> Import(
      const crm::common::RequestContext& context,
      const std::function<std::optional<v1::ImportCustomersRequest>()>&
          next_row) override;

 private:
  CustomerResolver& resolver_;
  const crm::common::Clock& clock_;
  CustomerImporterOptions options_;
};

}  // namespace crm::customer_profile
