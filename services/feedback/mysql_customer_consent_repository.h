// CustomerConsentRepository on the service's MySQL/MariaDB database (table
// `customer_consents`, migrations/0007_survey_invitations.sql): all of its
// SQL, prepared statements only, on the connection of the caller's unit of
// work.
//
//   MySqlCustomerConsentRepository consents;
//   CustomerConsentTracker tracker(consents);
#pragma once

#include "services/feedback/customer_consent_repository.h"

namespace crm::feedback {

class MySqlCustomerConsentRepository final : public CustomerConsentRepository {
 public:
  MySqlCustomerConsentRepository() = default;

  absl::StatusOr<std::vector<ConsentAnswer>> Find(
      crm::common::Transaction& tx, const std::string& customer_id) override;
  absl::StatusOr<bool> Replace(crm::common::Transaction& tx,
                               const std::string& customer_id,
                               const std::vector<ConsentAnswer>& answers,
                               int64_t feed_sequence) override;
  absl::Status Forget(crm::common::Transaction& tx,
                      const std::string& customer_id) override;
};

}  // namespace crm::feedback
