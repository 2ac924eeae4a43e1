#include "services/common/idempotency.h"

#include "services/common/mysql_unit_of_work.h"

namespace crm::common {

absl::StatusOr<std::optional<StoredResponse>>
MySqlIdempotencyRepository::LookupForUpdate(Transaction& tx,
                                            absl::string_view method,
                                            absl::string_view request_id) {
  return IdempotencyStore::LookupForUpdate(MySqlConnectionOf(tx), method,
                                           request_id);
}

absl::Status MySqlIdempotencyRepository::Save(Transaction& tx,
                                              absl::string_view method,
                                              absl::string_view request_id,
                                              const StoredResponse& response,
                                              absl::Time now) {
  return IdempotencyStore::Save(MySqlConnectionOf(tx), method, request_id,
                                response, now);
}

absl::Status MySqlIdempotencyRepository::ForgetSubjects(
    Transaction& tx, const std::vector<std::string>& subjects) {
  return IdempotencyStore::ForgetSubjects(MySqlConnectionOf(tx), subjects)
      .status();
}

}  // namespace crm::common
