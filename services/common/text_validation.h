// Validation and normalisation of free-text request fields. Limits are in
// characters (Unicode code points), as the protos state them, not bytes.
//
//   std::string given = CollapseWhitespace(input.given_name());
//   CRM_RETURN_IF_ERROR(
//       ValidateText(given, "customer.given_name", 100, Presence::kOptional));
//
// Error messages start with the field path and never echo the value.
#pragma once

#include <cstddef>
#include <string>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"

namespace crm::common {

enum class Presence { kOptional, kRequired };

// True if `text` is well-formed UTF-8: no overlong forms, no surrogates,
// nothing above U+10FFFF, no truncated sequences.
bool IsValidUtf8(absl::string_view text);

// Number of code points in `text`, which must be valid UTF-8.
size_t Utf8Length(absl::string_view text);

// INVALID_ARGUMENT naming `field` if `text` is not valid UTF-8, is longer
// than `max_chars` characters, or is required and empty or only whitespace.
absl::Status ValidateText(absl::string_view text, absl::string_view field,
                          size_t max_chars, Presence presence);

// Removes leading and trailing whitespace and replaces every inner run of
// whitespace by one ASCII space. Whitespace is ASCII whitespace and U+3000
// (ideographic space). Other bytes, including invalid UTF-8, are kept as
// they are so that ValidateText() still sees them.
std::string CollapseWhitespace(absl::string_view text);

}  // namespace crm::common
