// ProgramStatisticsRepository on the service's MySQL/MariaDB database
// (tables `accounts` and `point_lots`): one aggregate statement per method,
// on the caller's unit of work (so the request's deadline bounds it). Key
// `accounts_by_tier` and `point_lots_liability` (migration 0008) cover them.
//
//   MySqlProgramStatisticsRepository statistics;
//   ProgramStatisticsReader reader(unit_of_work, statistics, programs, clock);
#pragma once

#include "services/loyalty/program_statistics_repository.h"

namespace crm::loyalty {

class MySqlProgramStatisticsRepository final
    : public ProgramStatisticsRepository {
 public:
  MySqlProgramStatisticsRepository() = default;

  absl::StatusOr<std::map<std::string, int64_t>> MembersByTier(
      crm::common::Transaction& tx) override;
  absl::StatusOr<OutstandingPointsRecord> OutstandingPoints(
      crm::common::Transaction& tx, absl::Time now, absl::Time until) override;
};

}  // namespace crm::loyalty
