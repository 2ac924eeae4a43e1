// The rules of the programme's settings (program.proto), as pure functions:
// the resource name, validation, and applying an update mask.
//
//   CRM_ASSIGN_OR_RETURN(std::string id, ParseProgramName(request.name()));
//   CRM_RETURN_IF_ERROR(ValidateProgramSettings(request.program()));
//   CRM_ASSIGN_OR_RETURN(v1::Program merged,
//       MergeProgramUpdate(stored, request.program(), request.update_mask()));
#pragma once

#include <string>

#include <google/protobuf/field_mask.pb.h>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "crm/loyalty/v1/program.pb.h"

namespace crm::loyalty {

inline constexpr char kProgramsCollection[] = "programs";
// The one programme there is.
inline constexpr char kDefaultProgramId[] = "default";
// The qualification window when the settings leave it 0.
inline constexpr int kDefaultQualificationWindowDays = 365;

// `programs/{id}`.
std::string ProgramName(absl::string_view id);

// The programme id of `name`: INVALID_ARGUMENT (FIELD_INVALID, naming
// `field`) unless it is `programs/{id}`; NOT_FOUND (RESOURCE_NOT_FOUND) for
// any programme but `programs/default`.
absl::StatusOr<std::string> ParseProgramName(absl::string_view name,
                                             absl::string_view field);

// OK when `program`'s settings are within the documented ranges of
// program.proto: earn rates (ISO 4217-shaped code, one per currency, points
// 1..1e6, per_amount_minor 1..1e9), tiers (ids [a-z0-9_-]{1,32} unique,
// thresholds >= 0 strictly ascending, multiplier 0 or 100..1000, display
// name <= 100 characters, <= 20 benefits of <= 200), windows (qualification
// 0..3660 days, grace 0..3660 days), expiry months (1..120, or 0..120 at
// end of month; 0 for NEVER), referral points (each 0..1e6). Otherwise
// INVALID_ARGUMENT (FIELD_INVALID) naming the first offending field under
// `program.`.
absl::Status ValidateProgramSettings(const v1::Program& program);

// Whether `id` has a tier id's form: 1 to 32 of [a-z0-9_-].
bool IsTierId(absl::string_view id);

// `stored` with the updatable top-level fields of `incoming` named by
// `mask` replaced ("*": all of them; an empty mask: the ones set in
// `incoming`). Output-only and identifying paths (name, etag, update_time)
// are ignored; an unknown path is INVALID_ARGUMENT (FIELD_INVALID,
// `update_mask`). The result has no name, etag or update_time.
absl::StatusOr<v1::Program> MergeProgramUpdate(
    const v1::Program& stored, const v1::Program& incoming,
    const google::protobuf::FieldMask& mask);

}  // namespace crm::loyalty
