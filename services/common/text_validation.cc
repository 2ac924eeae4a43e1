#include "services/common/text_validation.h"

#include <cstdint>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"

namespace crm::common {
namespace {

// U+3000 IDEOGRAPHIC SPACE in UTF-8.
constexpr absl::string_view kIdeographicSpace = "\xE3\x80\x80";

bool IsContinuation(unsigned char c) { return (c & 0xC0) == 0x80; }

// Length of the whitespace character at the start of `text`, or 0.
size_t WhitespaceLength(absl::string_view text) {
  if (text.empty()) return 0;
  if (absl::ascii_isspace(static_cast<unsigned char>(text[0]))) return 1;
  if (text.substr(0, kIdeographicSpace.size()) == kIdeographicSpace) {
    return kIdeographicSpace.size();
  }
  return 0;
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
    return absl::InvalidArgumentError(
        absl::StrCat(field, " is not valid UTF-8"));
  }
  if (presence == Presence::kRequired &&
      absl::StripAsciiWhitespace(text).empty()) {
    return absl::InvalidArgumentError(absl::StrCat(field, " is required"));
  }
  if (Utf8Length(text) > max_chars) {
    return absl::InvalidArgumentError(
        absl::StrCat(field, " must be at most ", max_chars, " characters"));
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
