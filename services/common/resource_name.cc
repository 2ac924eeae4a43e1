#include "services/common/resource_name.h"

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "services/common/error_details.h"

namespace crm::common {
namespace {

bool IsIdCharacter(char c) {
  return absl::ascii_isalnum(static_cast<unsigned char>(c)) || c == '-' ||
         c == '_' || c == '.' || c == '~';
}

}  // namespace

absl::Status ValidateResourceId(absl::string_view id, absl::string_view field) {
  if (id.empty()) return RequiredFieldError(field);
  if (id.size() > static_cast<size_t>(kMaxResourceIdLength)) {
    return InvalidFieldError(
        field,
        absl::StrCat("must be at most ", kMaxResourceIdLength, " characters"));
  }
  for (char c : id) {
    if (!IsIdCharacter(c)) {
      return InvalidFieldError(field,
                               "may contain only letters, digits and \"-_.~\"");
    }
  }
  return absl::OkStatus();
}

absl::StatusOr<std::string> ParseResourceName(absl::string_view name,
                                              absl::string_view collection,
                                              absl::string_view field) {
  const std::string prefix = absl::StrCat(collection, "/");
  auto malformed = [&] {
    return InvalidFieldError(
        field, absl::StrCat("must have the form ", prefix, "{id} (id: 1 to ",
                            kMaxResourceIdLength,
                            " characters of letters, digits and \"-_.~\")"));
  };
  if (name.empty()) return RequiredFieldError(field);
  if (!absl::StartsWith(name, prefix)) return malformed();
  absl::string_view id = name.substr(prefix.size());
  if (!ValidateResourceId(id, field).ok()) return malformed();
  return std::string(id);
}

std::string FormatResourceName(absl::string_view collection,
                               absl::string_view id) {
  return absl::StrCat(collection, "/", id);
}

std::string CustomerResourceName(absl::string_view customer_id) {
  return FormatResourceName("customers", customer_id);
}

}  // namespace crm::common
