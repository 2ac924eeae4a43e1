// Filter fields that mirror protobuf messages: the value names of an enum
// field, and resource-name values rewritten to the ids that storage keeps.
//
//   FieldSpec::Enum("state", EnumValueNames(*v1::Ticket::State_descriptor()))
//   CRM_RETURN_IF_ERROR(RewriteResourceNameValues(
//       query.filter, "customer", CustomerIdFromName,
//       "customer must be customers/{id}"));
#pragma once

#include <functional>
#include <string>
#include <vector>

#include <google/protobuf/descriptor.h>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "services/common/filter/filter_ast.h"

namespace crm::common::filter {

// The names of `descriptor`'s values in declaration order, leaving out the
// *_UNSPECIFIED value unless `with_unspecified`.
std::vector<std::string> EnumValueNames(
    const google::protobuf::EnumDescriptor& descriptor,
    bool with_unspecified = false);

// Replaces the string value of every restriction on the field `path` with
// `to_id(value)`. A value `to_id` rejects is INVALID_ARGUMENT
// (FILTER_INVALID) pointing at that value's column, with `message`; no
// restriction after it is rewritten.
absl::Status RewriteResourceNameValues(
    Filter& filter, absl::string_view path,
    const std::function<absl::StatusOr<std::string>(const std::string&)>& to_id,
    absl::string_view message);

}  // namespace crm::common::filter
