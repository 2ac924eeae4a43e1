// The programme's settings resource (`programs/default`, program.proto):
// read it and change it with an etag, over the storage seam and the
// programme repository. Until first updated the programme is the default
// (no earn rates, no tiers, points never expire), version 0.
//
//   ProgramManager manager(unit_of_work, programs, idempotency, clock);
//   absl::StatusOr<v1::Program> program = manager.GetProgram(context, request);
//
// Thread-safe: updates serialise on the programme's row lock.
#pragma once

#include "absl/status/statusor.h"
#include "crm/loyalty/v1/loyalty_service.pb.h"
#include "crm/loyalty/v1/program.pb.h"
#include "services/common/clock.h"
#include "services/common/idempotency.h"
#include "services/common/request_context.h"
#include "services/common/unit_of_work.h"
#include "services/loyalty/program_repository.h"

namespace crm::loyalty {

class ProgramManager {
 public:
  // Every argument must outlive the manager.
  ProgramManager(crm::common::UnitOfWork& unit_of_work,
                 ProgramRepository& programs,
                 crm::common::IdempotencyRepository& idempotency,
                 const crm::common::Clock& clock)
      : unit_of_work_(unit_of_work),
        programs_(programs),
        idempotency_(idempotency),
        clock_(clock) {}
  ProgramManager(const ProgramManager&) = delete;
  ProgramManager& operator=(const ProgramManager&) = delete;

  // The programme `request.name()`. INVALID_ARGUMENT (FIELD_INVALID, `name`)
  // for a malformed name, NOT_FOUND for any programme but
  // `programs/default`.
  absl::StatusOr<v1::Program> GetProgram(
      const crm::common::RequestContext& context,
      const v1::GetProgramRequest& request);

  // Replaces the masked settings (program_rules.h MergeProgramUpdate) and
  // returns the programme after the change. INVALID_ARGUMENT naming the
  // field for invalid settings (ValidateProgramSettings) or mask; NOT_FOUND
  // as GetProgram (field `program.name`); ABORTED (ETAG_MISMATCH) when
  // `program.etag` is set and not current. Idempotent on `request_id`.
  absl::StatusOr<v1::Program> UpdateProgram(
      const crm::common::RequestContext& context,
      const v1::UpdateProgramRequest& request);

 private:
  crm::common::UnitOfWork& unit_of_work_;
  ProgramRepository& programs_;
  crm::common::IdempotencyRepository& idempotency_;
  const crm::common::Clock& clock_;
};

// The settings of the default programme in `tx` (the default settings if it
// was never saved), for the earning paths.
absl::StatusOr<v1::Program> LoadProgramSettings(ProgramRepository& programs,
                                                crm::common::Transaction& tx);

}  // namespace crm::loyalty
