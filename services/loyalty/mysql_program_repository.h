// ProgramRepository on the service's MySQL/MariaDB database (table
// `programs`, migrations/0002_program_lots_and_tiers.sql): the settings are
// stored as a serialized crm.loyalty.v1.Program; all SQL and row mapping,
// prepared statements only, on the caller's unit of work.
//
//   MySqlProgramRepository programs;
//   ProgramManager manager(unit_of_work, programs, idempotency, clock);
#pragma once

#include "services/loyalty/program_repository.h"

namespace crm::loyalty {

class MySqlProgramRepository final : public ProgramRepository {
 public:
  MySqlProgramRepository() = default;

  absl::StatusOr<std::optional<ProgramRecord>> Find(
      crm::common::Transaction& tx, absl::string_view id) override;
  absl::StatusOr<std::optional<ProgramRecord>> FindForUpdate(
      crm::common::Transaction& tx, absl::string_view id) override;
  absl::Status Save(crm::common::Transaction& tx,
                    const ProgramRecord& program) override;
};

}  // namespace crm::loyalty
