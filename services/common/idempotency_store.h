// The SQL side of `request_id` idempotency (AIP-155): the service's own table
// `idempotency_keys` (see common migrations), written in the same transaction
// as the mutation it records. Managers do not call this directly: they use
// RunIdempotent() over the storage seam (idempotency.h), whose
// MySqlIdempotencyRepository calls IdempotencyStore.
//
// Concurrent repeats serialise on the key row: LookupForUpdate() reserves the
// key with a placeholder row inserted in the caller's transaction, so a repeat
// waits until the first commits (and then finds the stored response) or rolls
// back (and then runs the body itself). Stores and lookups map MySQL errors to
// statuses that RunInTransaction() retries on deadlock or lock-wait timeout.
#pragma once

#include <cppconn/connection.h>

#include <functional>
#include <optional>
#include <string>
#include <vector>

#include <google/protobuf/message.h>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "services/common/clock.h"
#include "services/common/mysql_pool.h"

namespace crm::common {

inline constexpr int kMaxRequestIdLength = 64;
// Keys one IdempotencyStore::DeleteOlderThan() deletes by default.
inline constexpr int kIdempotencyPurgeBatch = 500;

struct StoredResponse {
  std::string request_fingerprint;
  std::string response_bytes;
  // The resource names the response mentions (ResponseSubjects()), stored
  // with it so that ForgetSubjects() can find it; not read back by lookups.
  std::vector<std::string> subjects;
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
  // Deletes at most `limit` (>= 1) of the oldest keys created before
  // `cutoff`, with all of their subject rows; returns how many keys. Fewer
  // than `limit` means none is left but those other transactions hold: keys
  // locked by another transaction (a repeat reading its response, another
  // replica's purge) are skipped, not waited for, so concurrent purges
  // delete disjoint keys. Locks only the rows it deletes when run at READ
  // COMMITTED (IdempotencyPurger does); bound the transaction with a
  // deadline so that no statement runs long.
  static absl::StatusOr<int> DeleteOlderThan(
      sql::Connection& connection, absl::Time cutoff,
      int limit = kIdempotencyPurgeBatch);
  // Deletes every stored response one of whose subjects is in `subjects`
  // (resource names such as "customers/c1", "tickets/t9"), with all of that
  // response's subject rows; returns how many responses. For erasures: a
  // repeat of a forgotten request runs its body again.
  static absl::StatusOr<int> ForgetSubjects(
      sql::Connection& connection, const std::vector<std::string>& subjects);
};

// The subjects a stored response is filed under: for every string field of
// `response` (nested and repeated ones included) whose value is shaped like a
// resource name — an even number of non-empty `/`-separated segments,
// collections of ASCII letters, ids of printable ASCII without spaces, at
// most kMaxSubjectLength characters —, every prefix of it that ends with an
// id: "tickets/t9/events/e2" gives "tickets/t9" and "tickets/t9/events/e2".
// Sorted, without repeats. Pure.
inline constexpr int kMaxSubjectLength = 255;
std::vector<std::string> ResponseSubjects(
    const google::protobuf::Message& response);

// SHA-256 (hex) of the deterministic serialization of `request`.
std::string RequestFingerprint(const google::protobuf::Message& request);

// INVALID_ARGUMENT naming `request_id` (reason FIELD_INVALID) if longer than
// kMaxRequestIdLength or not printable ASCII.
absl::Status ValidateRequestId(absl::string_view request_id);

// INVALID_ARGUMENT with reason REQUEST_ID_REUSED (field `request_id`): the
// request id was already used with a different request.
absl::Status RequestIdReusedError();

}  // namespace crm::common
