#include "services/common/filter/proto_field_values.h"

#include <utility>
#include <variant>

#include "absl/strings/match.h"
#include "services/common/filter/filter_error.h"

namespace crm::common::filter {

std::vector<std::string> EnumValueNames(
    const google::protobuf::EnumDescriptor& descriptor, bool with_unspecified) {
  std::vector<std::string> names;
  for (int i = 0; i < descriptor.value_count(); ++i) {
    const std::string& name = descriptor.value(i)->name();
    if (!with_unspecified && absl::EndsWith(name, "_UNSPECIFIED")) continue;
    names.push_back(name);
  }
  return names;
}

absl::Status RewriteResourceNameValues(
    Filter& filter, absl::string_view path,
    const std::function<absl::StatusOr<std::string>(const std::string&)>& to_id,
    absl::string_view message) {
  return RewriteValues(filter, [&](Restriction& restriction) -> absl::Status {
    if (restriction.field->path != path) return absl::OkStatus();
    const std::string* value = std::get_if<std::string>(&restriction.value);
    absl::StatusOr<std::string> id =
        value == nullptr ? absl::InvalidArgumentError(message) : to_id(*value);
    if (!id.ok()) return FilterError(restriction.value_column, message);
    restriction.value = *std::move(id);
    return absl::OkStatus();
  });
}

}  // namespace crm::common::filter
