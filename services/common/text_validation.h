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

// True for the code points treated as whitespace: the Unicode White_Space
// property (ASCII \t \n \v \f \r and space, U+0085, U+00A0, U+1680,
// U+2000..U+200A, U+2028, U+2029, U+202F, U+205F, U+3000 ideographic space).
// Zero-width characters (U+200B, U+FEFF) are not whitespace.
bool IsUnicodeWhitespace(char32_t code_point);

// Removes leading and trailing whitespace (IsUnicodeWhitespace) and replaces
// every inner run of whitespace by one ASCII space. Everything else,
// including CJK text, is kept byte for byte; invalid UTF-8 is kept as it is
// (never treated as whitespace) so that ValidateText() still sees it. No
// Unicode normalisation. The one implementation in the code base
// (customer-profile's standardizer.h re-exports it).
std::string CollapseWhitespace(absl::string_view text);

}  // namespace crm::common
