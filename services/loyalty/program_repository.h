// Storage of the loyalty programme's settings (program.proto): the record as
// stored and the interface the program manager (program_manager.h) and the
// earning paths use inside a unit of work. The MySQL implementation is
// MySqlProgramRepository (mysql_program_repository.h); unit tests use the
// in-memory fake in tests/testing/fakes/loyalty/.
//
//   CRM_ASSIGN_OR_RETURN(std::optional<ProgramRecord> stored,
//                        programs.Find(tx, "default"));
//   v1::Program settings = stored ? stored->settings : DefaultProgram();
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "crm/loyalty/v1/program.pb.h"
#include "services/common/unit_of_work.h"

namespace crm::loyalty {

// A programme's settings. `settings` holds everything but name, etag and
// update_time, which are `id`, `version` and `update_time`.
struct ProgramRecord {
  std::string id;
  ::crm::loyalty::v1::Program settings;
  int64_t version = 0;
  absl::Time update_time;
};

class ProgramRepository {
 public:
  ProgramRepository(const ProgramRepository&) = delete;
  ProgramRepository& operator=(const ProgramRepository&) = delete;
  virtual ~ProgramRepository() = default;

  // The programme `id` as committed; nullopt if it was never saved.
  virtual absl::StatusOr<std::optional<ProgramRecord>> Find(
      crm::common::Transaction& tx, absl::string_view id) = 0;

  // The programme `id` (nullopt if never saved), locked until `tx` ends so
  // that read-modify-write of the settings serialises.
  virtual absl::StatusOr<std::optional<ProgramRecord>> FindForUpdate(
      crm::common::Transaction& tx, absl::string_view id) = 0;

  // Inserts `program`, or replaces the stored programme of the same id.
  // Times are stored with microsecond precision.
  virtual absl::Status Save(crm::common::Transaction& tx,
                            const ProgramRecord& program) = 0;

 protected:
  ProgramRepository() = default;
};

}  // namespace crm::loyalty
