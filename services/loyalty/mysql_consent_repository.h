// ConsentRepository on the service's MySQL/MariaDB database (table
// `customer_consents`, migrations/0007_customer_consents.sql): all SQL and
// row mapping, prepared statements only, on the caller's unit of work.
// Purposes and statuses are stored by their enum names.
//
//   MySqlConsentRepository consents;
//   ConsentTracker tracker(consents);
#pragma once

#include "services/loyalty/consent_repository.h"

namespace crm::loyalty {

class MySqlConsentRepository final : public ConsentRepository {
 public:
  MySqlConsentRepository() = default;

  absl::StatusOr<std::vector<ConsentRecord>> Find(
      crm::common::Transaction& tx, absl::string_view customer_id) override;
  absl::StatusOr<bool> Replace(crm::common::Transaction& tx,
                               absl::string_view customer_id,
                               const std::vector<ConsentRecord>& consents,
                               int64_t feed_sequence) override;
  absl::Status Forget(crm::common::Transaction& tx,
                      absl::string_view customer_id) override;
};

}  // namespace crm::loyalty
