// ConsentRepository on a service's MySQL/MariaDB database (table
// `customer_consents`, in each service's own migrations: loyalty's
// 0007_customer_consents.sql, feedback's 0007_survey_invitations.sql and
// 0011_customer_consent_answer_times.sql): all SQL and row mapping, prepared
// statements only, on the caller's unit of work. Purposes and statuses are
// stored by their enum names.
//
//   MySqlConsentRepository consents;
//   ConsentTracker tracker(consents);
#pragma once

#include <cstdint>
#include <vector>

#include "services/consents/consent_repository.h"

namespace crm::consents {

class MySqlConsentRepository final : public ConsentRepository {
 public:
  MySqlConsentRepository() = default;

  absl::StatusOr<std::vector<ConsentAnswer>> Find(
      crm::common::Transaction& tx, absl::string_view customer_id) override;
  absl::StatusOr<bool> Replace(crm::common::Transaction& tx,
                               absl::string_view customer_id,
                               const std::vector<ConsentAnswer>& answers,
                               int64_t feed_sequence) override;
  absl::Status Forget(crm::common::Transaction& tx,
                      absl::string_view customer_id) override;
};

}  // namespace crm::consents
