// An in-memory ProgramRepository (services/loyalty/program_repository.h) for
// unit tests; rolled back with the FakeUnitOfWork it enlists in.
//
//   crm::testing::FakeUnitOfWork unit_of_work;
//   crm::testing::InMemoryProgramRepository programs(&unit_of_work);
//   ProgramManager manager(unit_of_work, programs, keys, clock);
#pragma once

#include <map>
#include <optional>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "services/loyalty/program_repository.h"
#include "tests/testing/fakes/fake_unit_of_work.h"

namespace crm::testing {

class InMemoryProgramRepository final : public crm::loyalty::ProgramRepository {
 public:
  using ProgramRecord = crm::loyalty::ProgramRecord;

  // Enlists in `unit_of_work` (if not null) to be rolled back with it.
  explicit InMemoryProgramRepository(FakeUnitOfWork* unit_of_work) {
    if (unit_of_work != nullptr) {
      unit_of_work->Enlist([this] {
        auto saved = programs_;
        return [this, saved] { programs_ = saved; };
      });
    }
  }

  absl::StatusOr<std::optional<ProgramRecord>> Find(
      crm::common::Transaction& /*tx*/, absl::string_view id) override {
    auto it = programs_.find(std::string(id));
    if (it == programs_.end()) return std::nullopt;
    return it->second;
  }
  absl::StatusOr<std::optional<ProgramRecord>> FindForUpdate(
      crm::common::Transaction& tx, absl::string_view id) override {
    return Find(tx, id);
  }
  absl::Status Save(crm::common::Transaction& /*tx*/,
                    const ProgramRecord& program) override {
    programs_[program.id] = program;
    return absl::OkStatus();
  }

  // Stores `program` as if committed earlier.
  void Put(ProgramRecord program) {
    std::string id = program.id;
    programs_[id] = std::move(program);
  }

 private:
  std::map<std::string, ProgramRecord> programs_;
};

}  // namespace crm::testing
