// JourneyRepository on the service's MySQL/MariaDB database (tables
// `journeys`, `journey_runs`, `journey_order_activity`,
// migrations/0011_journeys.sql, 0013_journey_surveys.sql): all SQL and row
// mapping, prepared statements only, on the caller's unit of work.
//
//   MySqlJourneyRepository journeys;
//   JourneyEngine engine(journeys, accounts, ...);
#pragma once

#include "services/loyalty/journey_repository.h"

namespace crm::loyalty {

class MySqlJourneyRepository final : public JourneyRepository {
 public:
  MySqlJourneyRepository() = default;

  absl::Status InsertJourney(crm::common::Transaction& tx,
                             const JourneyRecord& journey) override;
  absl::StatusOr<std::optional<JourneyRecord>> FindJourney(
      crm::common::Transaction& tx, absl::string_view id, bool lock) override;
  absl::StatusOr<std::vector<JourneyRecord>> ListJourneys(
      crm::common::Transaction& tx, absl::string_view after,
      int limit) override;
  absl::StatusOr<std::vector<JourneyRecord>> ActiveJourneys(
      crm::common::Transaction& tx, v1::JourneyTrigger::Kind kind) override;
  absl::Status UpdateJourneyState(crm::common::Transaction& tx,
                                  const JourneyRecord& journey) override;
  absl::StatusOr<bool> InsertRun(crm::common::Transaction& tx,
                                 const JourneyRunRecord& run) override;
  absl::StatusOr<std::optional<JourneyRunRecord>> LockRun(
      crm::common::Transaction& tx, absl::string_view id) override;
  absl::Status UpdateRun(crm::common::Transaction& tx,
                         const JourneyRunRecord& run) override;
  absl::StatusOr<std::vector<DueRun>> DueRuns(crm::common::Transaction& tx,
                                              absl::Time now,
                                              const DueRun* after,
                                              int limit) override;
  absl::StatusOr<int64_t> CountCompletedSince(crm::common::Transaction& tx,
                                              absl::string_view customer_id,
                                              absl::Time since) override;
  absl::StatusOr<std::vector<JourneyRunRecord>> ListRuns(
      crm::common::Transaction& tx, absl::string_view journey_id,
      absl::string_view customer_id, absl::Time before_time,
      absl::string_view before_id, int limit) override;
  absl::Status RecordOrders(crm::common::Transaction& tx,
                            const std::vector<LastOrder>& orders) override;
  absl::StatusOr<std::vector<LastOrder>> QuietMembers(
      crm::common::Transaction& tx, absl::Time cutoff, absl::string_view after,
      int limit) override;
  absl::Status MoveCustomer(crm::common::Transaction& tx,
                            absl::string_view duplicate,
                            absl::string_view survivor) override;
  absl::Status ForgetCustomer(crm::common::Transaction& tx,
                              absl::string_view customer_id) override;
};

}  // namespace crm::loyalty
