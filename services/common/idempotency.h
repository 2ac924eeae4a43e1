// `request_id` idempotency (AIP-155) over the storage seam: managers wrap a
// mutation in RunIdempotent(), which records the response under
// (method, request_id) in the same transaction as the mutation.
//
//   return RunIdempotent<Account>(unit_of_work_, idempotency_, clock_, ctx,
//       "AdjustPoints", request.request_id(), request,
//       [&](Transaction& tx) -> absl::StatusOr<Account> { ... });
//
// The first call runs the body and stores its response; a repeat with the
// same request id and an identical request returns the stored response
// without running the body; the same request id with a different request is
// INVALID_ARGUMENT with reason REQUEST_ID_REUSED (field `request_id`). The
// stored response is filed under the resource names it mentions
// (ResponseSubjects()), so an erasure can forget it (ForgetSubjects()).
// Concurrent repeats serialise on the key (see IdempotencyRepository). An
// empty request id runs the body in a transaction without recording it.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <vector>

#include <google/protobuf/message.h>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "services/common/clock.h"
#include "services/common/idempotency_store.h"
#include "services/common/unit_of_work.h"

namespace crm::common {

// Storage of idempotency keys; every call runs inside the caller's
// transaction.
class IdempotencyRepository {
 public:
  IdempotencyRepository(const IdempotencyRepository&) = delete;
  IdempotencyRepository& operator=(const IdempotencyRepository&) = delete;
  virtual ~IdempotencyRepository() = default;

  // The stored response for (method, request_id); nullopt if none, in which
  // case the key is now reserved by the caller's transaction: a concurrent
  // caller with the same key waits until it commits (and then finds the
  // response) or rolls back (and then gets the reservation).
  virtual absl::StatusOr<std::optional<StoredResponse>> LookupForUpdate(
      Transaction& tx, absl::string_view method,
      absl::string_view request_id) = 0;
  // Stores the response of the reserved key, filed under its `subjects`.
  // ALREADY_EXISTS if stored.
  virtual absl::Status Save(Transaction& tx, absl::string_view method,
                            absl::string_view request_id,
                            const StoredResponse& response, absl::Time now) = 0;
  // Deletes every stored response filed under one of `subjects` (resource
  // names, see ResponseSubjects()); erasure handlers call it with the names
  // of the erased customer and of the resources that were theirs, so no
  // stored response keeps their data. A repeat of a forgotten request runs
  // its body again.
  virtual absl::Status ForgetSubjects(
      Transaction& tx, const std::vector<std::string>& subjects) = 0;

 protected:
  IdempotencyRepository() = default;
};

// The `idempotency_keys` table (common migrations); see idempotency_store.h.
class MySqlIdempotencyRepository final : public IdempotencyRepository {
 public:
  absl::StatusOr<std::optional<StoredResponse>> LookupForUpdate(
      Transaction& tx, absl::string_view method,
      absl::string_view request_id) override;
  absl::Status Save(Transaction& tx, absl::string_view method,
                    absl::string_view request_id,
                    const StoredResponse& response, absl::Time now) override;
  absl::Status ForgetSubjects(
      Transaction& tx, const std::vector<std::string>& subjects) override;
};

// The error for a request id reused with a different request.
absl::Status RequestIdReusedError();

// The response `stored` holds for a request with `fingerprint`:
// INVALID_ARGUMENT (REQUEST_ID_REUSED) if it was stored for another request,
// INTERNAL if it does not parse.
template <typename Response>
absl::StatusOr<Response> StoredAnswer(const StoredResponse& stored,
                                      absl::string_view fingerprint) {
  if (stored.request_fingerprint != fingerprint) return RequestIdReusedError();
  Response response;
  if (!response.ParseFromString(stored.response_bytes)) {
    return absl::InternalError("stored idempotent response is corrupt");
  }
  return response;
}

// The response stored for a repeat of `request` under (method, request_id),
// in a transaction of its own; nullopt for an empty request id or none
// stored. INVALID_ARGUMENT (REQUEST_ID_REUSED) for the request id of a
// different request. For work that must not run again before RunIdempotent
// (a call to another service, a long computation): a repeat is answered
// without it.
template <typename Response>
absl::StatusOr<std::optional<Response>> FindStoredResponse(
    UnitOfWork& unit_of_work, IdempotencyRepository& keys,
    const RequestContext& context, absl::string_view method,
    absl::string_view request_id, const google::protobuf::Message& request) {
  using Stored = std::optional<Response>;
  if (request_id.empty()) return Stored();
  return unit_of_work.Run<Stored>(
      context, [&](Transaction& tx) -> absl::StatusOr<Stored> {
        absl::StatusOr<std::optional<StoredResponse>> stored =
            keys.LookupForUpdate(tx, method, request_id);
        if (!stored.ok()) return stored.status();
        if (!stored->has_value()) return Stored();
        absl::StatusOr<Response> answer =
            StoredAnswer<Response>(**stored, RequestFingerprint(request));
        if (!answer.ok()) return answer.status();
        return Stored(*std::move(answer));
      });
}

template <typename Response>
absl::StatusOr<Response> RunIdempotent(
    UnitOfWork& unit_of_work, IdempotencyRepository& keys, const Clock& clock,
    const RequestContext& context, absl::string_view method,
    absl::string_view request_id, const google::protobuf::Message& request,
    const std::function<absl::StatusOr<Response>(Transaction&)>& body) {
  if (absl::Status valid = ValidateRequestId(request_id); !valid.ok()) {
    return valid;
  }
  if (request_id.empty()) return unit_of_work.Run<Response>(context, body);
  const std::string fingerprint = RequestFingerprint(request);
  return unit_of_work.Run<Response>(
      context, [&](Transaction& tx) -> absl::StatusOr<Response> {
        absl::StatusOr<std::optional<StoredResponse>> stored =
            keys.LookupForUpdate(tx, method, request_id);
        if (!stored.ok()) return stored.status();
        if (stored->has_value()) {
          return StoredAnswer<Response>(**stored, fingerprint);
        }
        absl::StatusOr<Response> response = body(tx);
        if (!response.ok()) return response;
        absl::Status saved =
            keys.Save(tx, method, request_id,
                      StoredResponse{fingerprint, response->SerializeAsString(),
                                     ResponseSubjects(*response)},
                      clock.Now());
        if (!saved.ok()) return saved;
        return response;
      });
}

}  // namespace crm::common
