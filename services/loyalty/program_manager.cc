#include "services/loyalty/program_manager.h"

#include <optional>
#include <string>

#include "services/common/error_details.h"
#include "services/common/etag.h"
#include "services/common/field_behavior.h"
#include "services/common/status_macros.h"
#include "services/common/timestamps.h"
#include "services/loyalty/program_rules.h"

namespace crm::loyalty {
namespace {

using ::crm::common::RequestContext;
using ::crm::common::Transaction;

constexpr char kUpdateProgramMethod[] = "UpdateProgram";

v1::Program ToProgramProto(absl::string_view id,
                           const std::optional<ProgramRecord>& stored) {
  v1::Program program;
  if (stored.has_value()) {
    program = stored->settings;
    *program.mutable_update_time() =
        crm::common::ToProtoTimestamp(stored->update_time);
  }
  program.set_name(ProgramName(id));
  program.set_etag(crm::common::EncodeEtag(stored ? stored->version : 0));
  return program;
}

}  // namespace

absl::StatusOr<v1::Program> LoadProgramSettings(ProgramRepository& programs,
                                                Transaction& tx) {
  CRM_ASSIGN_OR_RETURN(std::optional<ProgramRecord> stored,
                       programs.Find(tx, kDefaultProgramId));
  if (!stored.has_value()) return v1::Program();
  return stored->settings;
}

absl::StatusOr<v1::Program> ProgramManager::GetProgram(
    const RequestContext& context, const v1::GetProgramRequest& request) {
  CRM_RETURN_IF_ERROR(crm::common::CheckRequiredFields(request));
  CRM_ASSIGN_OR_RETURN(std::string id,
                       ParseProgramName(request.name(), "name"));
  return unit_of_work_.Read<v1::Program>(
      context, [&](Transaction& tx) -> absl::StatusOr<v1::Program> {
        CRM_ASSIGN_OR_RETURN(std::optional<ProgramRecord> stored,
                             programs_.Find(tx, id));
        return ToProgramProto(id, stored);
      });
}

absl::StatusOr<v1::Program> ProgramManager::UpdateProgram(
    const RequestContext& context, const v1::UpdateProgramRequest& request) {
  CRM_RETURN_IF_ERROR(crm::common::CheckRequiredFields(request));
  CRM_ASSIGN_OR_RETURN(
      std::string id,
      ParseProgramName(request.program().name(), "program.name"));
  std::optional<int64_t> expected_version;
  if (!request.program().etag().empty()) {
    absl::StatusOr<int64_t> version =
        crm::common::DecodeEtag(request.program().etag());
    if (!version.ok()) {
      return crm::common::InvalidFieldError("program.etag",
                                            "is not an etag of this resource");
    }
    expected_version = *version;
  }
  return crm::common::RunIdempotent<v1::Program>(
      unit_of_work_, idempotency_, clock_, context, kUpdateProgramMethod,
      request.request_id(), request,
      [&](Transaction& tx) -> absl::StatusOr<v1::Program> {
        CRM_ASSIGN_OR_RETURN(std::optional<ProgramRecord> stored,
                             programs_.FindForUpdate(tx, id));
        const int64_t version = stored.has_value() ? stored->version : 0;
        if (expected_version.has_value() && *expected_version != version) {
          return crm::common::EtagMismatchError(ProgramName(id));
        }
        CRM_ASSIGN_OR_RETURN(
            v1::Program merged,
            MergeProgramUpdate(stored ? stored->settings : v1::Program(),
                               request.program(), request.update_mask()));
        CRM_RETURN_IF_ERROR(ValidateProgramSettings(merged));
        ProgramRecord record;
        record.id = id;
        record.settings = merged;
        record.version = version + 1;
        record.update_time = crm::common::TruncateToMicros(clock_.Now());
        CRM_RETURN_IF_ERROR(programs_.Save(tx, record));
        return ToProgramProto(id, record);
      });
}

}  // namespace crm::loyalty
