#include "services/common/text_validation.h"

#include <cstdint>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "services/common/error_details.h"

namespace crm::common {
namespace {

bool IsContinuation(unsigned char c) { return (c & 0xC0) == 0x80; }

// Length of the whitespace character (IsUnicodeWhitespace) at the start of
// `text`, or 0. Malformed UTF-8 is never whitespace.
size_t WhitespaceLength(absl::string_view text) {
  if (text.empty()) return 0;
  const unsigned char lead = static_cast<unsigned char>(text[0]);
  if (lead < 0x80) return IsUnicodeWhitespace(lead) ? 1 : 0;
  size_t length = 0;
  char32_t code_point = 0;
  if ((lead & 0xE0) == 0xC0) {
    length = 2;
    code_point = lead & 0x1F;
  } else if ((lead & 0xF0) == 0xE0) {
    length = 3;
    code_point = lead & 0x0F;
  } else {
    return 0;  // Every Unicode whitespace character fits in 3 bytes.
  }
  if (text.size() < length) return 0;
  for (size_t k = 1; k < length; ++k) {
    const unsigned char next = static_cast<unsigned char>(text[k]);
    if (!IsContinuation(next)) return 0;
    code_point = (code_point << 6) | (next & 0x3F);
  }
  // Overlong forms decode below their minimum and match no whitespace
  // above 0x7F with the wrong length, so reject them explicitly.
  if ((length == 2 && code_point < 0x80) ||
      (length == 3 && code_point < 0x800)) {
    return 0;
  }
  return IsUnicodeWhitespace(code_point) ? length : 0;
}

}  // namespace

bool IsValidUtf8(absl::string_view text) {
  size_t i = 0;
  while (i < text.size()) {
    const unsigned char c = static_cast<unsigned char>(text[i]);
    if (c < 0x80) {
      ++i;
      continue;
    }
    size_t length = 0;
    uint32_t code_point = 0;
    uint32_t minimum = 0;
    if ((c & 0xE0) == 0xC0) {
      length = 2;
      code_point = c & 0x1F;
      minimum = 0x80;
    } else if ((c & 0xF0) == 0xE0) {
      length = 3;
      code_point = c & 0x0F;
      minimum = 0x800;
    } else if ((c & 0xF8) == 0xF0) {
      length = 4;
      code_point = c & 0x07;
      minimum = 0x10000;
    } else {
      return false;
    }
    if (i + length > text.size()) return false;
    for (size_t k = 1; k < length; ++k) {
      const unsigned char next = static_cast<unsigned char>(text[i + k]);
      if (!IsContinuation(next)) return false;
      code_point = (code_point << 6) | (next & 0x3F);
    }
    if (code_point < minimum || code_point > 0x10FFFF ||
        (code_point >= 0xD800 && code_point <= 0xDFFF)) {
      return false;
    }
    i += length;
  }
  return true;
}

bool IsUnicodeWhitespace(char32_t c) {
  return (c >= 0x09 && c <= 0x0D) || c == 0x20 || c == 0x85 || c == 0xA0 ||
         c == 0x1680 || (c >= 0x2000 && c <= 0x200A) || c == 0x2028 ||
         c == 0x2029 || c == 0x202F || c == 0x205F || c == 0x3000;
}

size_t Utf8Length(absl::string_view text) {
  size_t count = 0;
  for (char c : text) {
    if (!IsContinuation(static_cast<unsigned char>(c))) ++count;
  }
  return count;
}

absl::Status ValidateText(absl::string_view text, absl::string_view field,
                          size_t max_chars, Presence presence) {
  if (!IsValidUtf8(text)) {
    return InvalidFieldError(field, "is not valid UTF-8");
  }
  if (presence == Presence::kRequired &&
      absl::StripAsciiWhitespace(text).empty()) {
    return RequiredFieldError(field);
  }
  if (Utf8Length(text) > max_chars) {
    return InvalidFieldError(
        field, absl::StrCat("must be at most ", max_chars, " characters"));
  }
  return absl::OkStatus();
}

std::string CollapseWhitespace(absl::string_view text) {
  std::string out;
  out.reserve(text.size());
  bool pending_space = false;
  size_t i = 0;
  while (i < text.size()) {
    const size_t space = WhitespaceLength(text.substr(i));
    if (space > 0) {
      pending_space = !out.empty();
      i += space;
      continue;
    }
    if (pending_space) {
      out.push_back(' ');
      pending_space = false;
    }
    out.push_back(text[i]);
    ++i;
  }
  return out;
}

}  // namespace crm::common
