// Pure functions of GetProgramStatistics: the statistics resource name, the
// months whose expiring points are reported, and the response built from the
// programme's settings and the aggregates read (program_statistics.h).
//
//   CRM_ASSIGN_OR_RETURN(std::string id,
//                        ParseProgramStatisticsName(request.name(), "name"));
//   absl::Time until = ExpiringPointsHorizon(now);
//   v1::ProgramStatistics stats =
//       BuildProgramStatistics(id, program, members, points, now);
#pragma once

#include <cstdint>
#include <map>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "crm/loyalty/v1/program.pb.h"
#include "services/loyalty/program_statistics_repository.h"

namespace crm::loyalty {

// The number of calendar months (the current one included) whose expiring
// points are reported.
inline constexpr int kExpiringPointsMonths = 13;

// `programs/{id}/statistics`.
std::string ProgramStatisticsName(absl::string_view program_id);

// The programme id of `name`: INVALID_ARGUMENT (FIELD_INVALID, naming
// `field`) unless it is `programs/{id}/statistics`; NOT_FOUND for any
// programme but `programs/default`.
absl::StatusOr<std::string> ParseProgramStatisticsName(absl::string_view name,
                                                       absl::string_view field);

// The first instant (UTC) of the month kExpiringPointsMonths months after
// the month of `now`: the end (exclusive) of the reported expiries.
absl::Time ExpiringPointsHorizon(absl::Time now);

// The statistics of programme `program_id` at `now`:
// - member_count: the sum of `members_by_tier`;
// - tier_members: the untiered ("") first, then every tier of `program` in
//   its order (0 when none), then tiers members still hold that the
//   programme no longer defines, by id;
// - outstanding_points and expiring_points (ascending months, only months
//   with points, none before the month of `now`) from `points`.
v1::ProgramStatistics BuildProgramStatistics(
    absl::string_view program_id, const v1::Program& program,
    const std::map<std::string, int64_t>& members_by_tier,
    const OutstandingPointsRecord& points, absl::Time now);

}  // namespace crm::loyalty
