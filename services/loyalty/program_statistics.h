// GetProgramStatistics: the programme's figures computed on each call over
// the storage seam, in one transaction (one consistent snapshot) of three
// statements: the programme's settings (tier order), members per tier and
// the points liability by expiry month (program_statistics_repository.h).
//
//   ProgramStatisticsReader reader(unit_of_work, statistics, programs, clock);
//   absl::StatusOr<v1::ProgramStatistics> stats =
//       reader.GetProgramStatistics(context, request);
//
// Members are accounts, without merged-away duplicates (their points and
// coupons are the survivor's) and without erasure tombstones: a customer
// who earned, redeemed or was adjusted at least once and is still a
// customer. outstanding_points counts every unexpired lot's remaining
// points, so it equals the sum of the balances once due lots are expired
// (debts are not subtracted: an account with a debt holds no points).
#pragma once

#include "absl/status/statusor.h"
#include "crm/loyalty/v1/loyalty_service.pb.h"
#include "crm/loyalty/v1/program.pb.h"
#include "services/common/clock.h"
#include "services/common/request_context.h"
#include "services/common/unit_of_work.h"
#include "services/loyalty/program_repository.h"
#include "services/loyalty/program_statistics_repository.h"

namespace crm::loyalty {

class ProgramStatisticsReader {
 public:
  // Every argument must outlive the reader.
  ProgramStatisticsReader(crm::common::UnitOfWork& unit_of_work,
                          ProgramStatisticsRepository& statistics,
                          ProgramRepository& programs,
                          const crm::common::Clock& clock)
      : unit_of_work_(unit_of_work),
        statistics_(statistics),
        programs_(programs),
        clock_(clock) {}
  ProgramStatisticsReader(const ProgramStatisticsReader&) = delete;
  ProgramStatisticsReader& operator=(const ProgramStatisticsReader&) = delete;

  // The statistics `request.name()` at the clock's now
  // (BuildProgramStatistics, program_statistics_rules.h). INVALID_ARGUMENT
  // (FIELD_INVALID, `name`) for a malformed name, NOT_FOUND for any
  // programme but `programs/default`.
  absl::StatusOr<v1::ProgramStatistics> GetProgramStatistics(
      const crm::common::RequestContext& context,
      const v1::GetProgramStatisticsRequest& request);

 private:
  crm::common::UnitOfWork& unit_of_work_;
  ProgramStatisticsRepository& statistics_;
  ProgramRepository& programs_;
  const crm::common::Clock& clock_;
};

}  // namespace crm::loyalty
