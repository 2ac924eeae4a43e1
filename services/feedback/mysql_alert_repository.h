// AlertRepository on the service's MySQL/MariaDB database (tables `alerts`,
// `alert_sequence`, `negative_feedback_hours`, migrations/0005_alerts.sql):
// all of the alerts' SQL and row mapping, prepared statements only, on the
// connection of the caller's unit of work.
#pragma once

#include "services/feedback/alert_repository.h"

namespace crm::feedback {

class MySqlAlertRepository final : public AlertRepository {
 public:
  MySqlAlertRepository() = default;

  absl::StatusOr<int64_t> IncrementNegativeCount(
      crm::common::Transaction& tx, const std::string& category,
      absl::Time hour_start) override;
  absl::StatusOr<std::vector<std::pair<absl::Time, int64_t>>> NegativeCounts(
      crm::common::Transaction& tx, const std::string& category,
      absl::Time from, absl::Time to) override;
  absl::StatusOr<bool> Exists(crm::common::Transaction& tx,
                              const std::string& dedup_key) override;
  absl::StatusOr<bool> InsertIfNew(crm::common::Transaction& tx,
                                   AlertRecord& alert) override;
  absl::StatusOr<AlertRecord> Get(crm::common::Transaction& tx,
                                  const std::string& id,
                                  bool for_update) override;
  absl::Status SaveAcknowledgement(crm::common::Transaction& tx,
                                   const AlertRecord& alert) override;
  absl::StatusOr<crm::common::Page<AlertRecord>> List(
      crm::common::Transaction& tx, const crm::common::filter::Filter& filter,
      const crm::common::PageRequest& page) override;
  absl::StatusOr<std::vector<AlertRecord>> ListAfterSequence(
      crm::common::Transaction& tx, int64_t after_sequence, int limit) override;
};

}  // namespace crm::feedback
