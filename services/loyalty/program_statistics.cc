#include "services/loyalty/program_statistics.h"

#include <map>
#include <string>

#include "services/common/field_behavior.h"
#include "services/common/status_macros.h"
#include "services/common/timestamps.h"
#include "services/loyalty/program_manager.h"
#include "services/loyalty/program_statistics_rules.h"

namespace crm::loyalty {

absl::StatusOr<v1::ProgramStatistics>
ProgramStatisticsReader::GetProgramStatistics(
    const crm::common::RequestContext& context,
    const v1::GetProgramStatisticsRequest& request) {
  CRM_RETURN_IF_ERROR(crm::common::CheckRequiredFields(request));
  CRM_ASSIGN_OR_RETURN(std::string id,
                       ParseProgramStatisticsName(request.name(), "name"));
  const absl::Time now = crm::common::TruncateToMicros(clock_.Now());
  // Run, not Read: the three statements see one snapshot, so member counts
  // and points belong to the same moment.
  return unit_of_work_.Run<v1::ProgramStatistics>(
      context,
      [&](crm::common::Transaction& tx)
          -> absl::StatusOr<v1::ProgramStatistics> {
        CRM_ASSIGN_OR_RETURN(v1::Program program,
                             LoadProgramSettings(programs_, tx));
        std::map<std::string, int64_t> members;
        CRM_ASSIGN_OR_RETURN(members, statistics_.MembersByTier(tx));
        CRM_ASSIGN_OR_RETURN(
            OutstandingPointsRecord points,
            statistics_.OutstandingPoints(tx, now, ExpiringPointsHorizon(now)));
        return BuildProgramStatistics(id, program, members, points, now);
      });
}

}  // namespace crm::loyalty
