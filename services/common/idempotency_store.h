// `request_id` idempotency for mutations (AIP-155), stored in the service's
// own database table `idempotency_keys` (see common migrations), written in
// the same transaction as the mutation it records.
//
//   return RunIdempotent<Customer>(pool, clock, "CreateCustomer",
//       request.request_id(), request,
//       [&](sql::Connection& c) -> absl::StatusOr<Customer> { ... });
//
// The first call runs the body and stores its response; a repeat with the same
// request id and an identical request returns the stored response without
// running the body; the same request id with a different request fails with
// INVALID_ARGUMENT ("request_id ... was used with a different request").
// Concurrent repeats serialise on the key row: LookupForUpdate() reserves the
// key with a placeholder row inserted in the caller's transaction, so a repeat
// waits until the first commits (and then finds the stored response) or rolls
// back (and then runs the body itself). The body runs only in the transaction
// that holds the key. Stores and lookups map MySQL errors to statuses that
// RunInTransaction() retries on deadlock or lock-wait timeout.
// An empty request id runs the body in a transaction without recording it.
#pragma once

#include <cppconn/connection.h>

#include <functional>
#include <optional>
#include <string>

#include <google/protobuf/message.h>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "services/common/clock.h"
#include "services/common/mysql_pool.h"
#include "services/common/transaction.h"

namespace crm::common {

inline constexpr int kMaxRequestIdLength = 64;

struct StoredResponse {
  std::string request_fingerprint;
  std::string response_bytes;
};

// SQL access to `idempotency_keys`; all calls run on the caller's connection
// inside the caller's transaction.
class IdempotencyStore {
 public:
  // The stored response for (method, request_id), locking the key row; nullopt
  // if none, in which case the key is now reserved by the caller's
  // transaction (until it commits with Save() or rolls back).
  static absl::StatusOr<std::optional<StoredResponse>> LookupForUpdate(
      sql::Connection& connection, absl::string_view method,
      absl::string_view request_id);
  // Stores a response (filling in this transaction's reservation, if any).
  // ALREADY_EXISTS if the key is already stored.
  static absl::Status Save(sql::Connection& connection,
                           absl::string_view method,
                           absl::string_view request_id,
                           const StoredResponse& response, absl::Time now);
  // Deletes keys created before `cutoff`; returns how many.
  static absl::StatusOr<int> DeleteOlderThan(sql::Connection& connection,
                                             absl::Time cutoff);
};

// SHA-256 (hex) of the deterministic serialization of `request`.
std::string RequestFingerprint(const google::protobuf::Message& request);

// INVALID_ARGUMENT naming `request_id` (reason FIELD_INVALID) if longer than
// kMaxRequestIdLength or not printable ASCII.
absl::Status ValidateRequestId(absl::string_view request_id);

// INVALID_ARGUMENT with reason REQUEST_ID_REUSED (field `request_id`): the
// request id was already used with a different request.
absl::Status RequestIdReusedError();

template <typename Response>
absl::StatusOr<Response> RunIdempotent(
    MySqlPool& pool, const Clock& clock, absl::string_view method,
    absl::string_view request_id, const google::protobuf::Message& request,
    const std::function<absl::StatusOr<Response>(sql::Connection&)>& body) {
  if (absl::Status valid = ValidateRequestId(request_id); !valid.ok()) {
    return valid;
  }
  if (request_id.empty()) return RunInTransaction<Response>(pool, body);
  const std::string fingerprint = RequestFingerprint(request);
  return RunInTransaction<Response>(
      pool, [&](sql::Connection& connection) -> absl::StatusOr<Response> {
        absl::StatusOr<std::optional<StoredResponse>> stored =
            IdempotencyStore::LookupForUpdate(connection, method, request_id);
        if (!stored.ok()) return stored.status();
        if (stored->has_value()) {
          if ((*stored)->request_fingerprint != fingerprint) {
            return RequestIdReusedError();
          }
          Response response;
          if (!response.ParseFromString((*stored)->response_bytes)) {
            return absl::InternalError("stored idempotent response is corrupt");
          }
          return response;
        }
        absl::StatusOr<Response> response = body(connection);
        if (!response.ok()) return response;
        absl::Status saved = IdempotencyStore::Save(
            connection, method, request_id,
            StoredResponse{fingerprint, response->SerializeAsString()},
            clock.Now());
        if (!saved.ok()) return saved;
        return response;
      });
}

}  // namespace crm::common
