// Storage side of GetProgramStatistics (program_statistics.h): aggregate
// reads over every account and lot, each one SQL statement, for the figures
// of the whole programme. The MySQL implementation is
// MySqlProgramStatisticsRepository.
//
//   CRM_ASSIGN_OR_RETURN(auto members, statistics.MembersByTier(tx));
//   CRM_ASSIGN_OR_RETURN(OutstandingPointsRecord points,
//                        statistics.OutstandingPoints(tx, now, until));
#pragma once

#include <cstdint>
#include <map>
#include <string>

#include "absl/status/statusor.h"
#include "absl/time/civil_time.h"
#include "absl/time/time.h"
#include "services/common/unit_of_work.h"

namespace crm::loyalty {

// The points liability at one moment.
struct OutstandingPointsRecord {
  // Remaining points of every lot not expired at `now`.
  int64_t outstanding_points = 0;
  // Of those, the lots expiring before `until`, summed per UTC calendar
  // month of their expire_time; months without such points are absent.
  std::map<absl::CivilMonth, int64_t> expiring_by_month;
};

class ProgramStatisticsRepository {
 public:
  ProgramStatisticsRepository(const ProgramStatisticsRepository&) = delete;
  ProgramStatisticsRepository& operator=(const ProgramStatisticsRepository&) =
      delete;
  virtual ~ProgramStatisticsRepository() = default;

  // The number of members per stored tier id ("" for untiered). A member is
  // an account that is neither merged into another (`merged_into` set) nor
  // an erasure's tombstone (customer id starting kErasedIdPrefix,
  // member_lifecycle.h); tiers without members are absent.
  virtual absl::StatusOr<std::map<std::string, int64_t>> MembersByTier(
      crm::common::Transaction& tx) = 0;

  // The liability at `now`: a lot counts while its expire_time is unset or
  // after `now` (a lot is expired at its expire_time, as points_expiry.h);
  // `until` bounds the months reported (exclusive).
  virtual absl::StatusOr<OutstandingPointsRecord> OutstandingPoints(
      crm::common::Transaction& tx, absl::Time now, absl::Time until) = 0;

 protected:
  ProgramStatisticsRepository() = default;
};

}  // namespace crm::loyalty
