#include "services/feedback/identifier_scrubber.h"

#include <cstddef>
#include <string>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"

namespace crm::feedback {
namespace {

constexpr size_t kMinDigitRun = 7;
constexpr size_t kMinScrubbedIdLength = 6;

// The byte length of the digit at `i` (ASCII 1, full-width U+FF10..U+FF19
// 3), 0 if there is none.
size_t DigitAt(absl::string_view text, size_t i) {
  if (i < text.size() &&
      absl::ascii_isdigit(static_cast<unsigned char>(text[i]))) {
    return 1;
  }
  if (i + 2 < text.size() && static_cast<unsigned char>(text[i]) == 0xEF &&
      static_cast<unsigned char>(text[i + 1]) == 0xBC &&
      static_cast<unsigned char>(text[i + 2]) >= 0x90 &&
      static_cast<unsigned char>(text[i + 2]) <= 0x99) {
    return 3;
  }
  return 0;
}

bool IsNumberSeparator(char c) {
  return c == ' ' || c == '-' || c == '.' || c == '(' || c == ')';
}

bool IsEmailLocalChar(char c) {
  return absl::ascii_isalnum(static_cast<unsigned char>(c)) || c == '.' ||
         c == '_' || c == '%' || c == '+' || c == '-';
}

bool IsDomainChar(char c) {
  return absl::ascii_isalnum(static_cast<unsigned char>(c)) || c == '.' ||
         c == '-';
}

// Replaces e-mail addresses.
std::string ScrubEmails(absl::string_view text) {
  std::string out;
  size_t copied = 0;
  for (size_t at = text.find('@'); at != absl::string_view::npos;
       at = text.find('@', at + 1)) {
    if (at < copied) continue;
    size_t start = at;
    while (start > copied && IsEmailLocalChar(text[start - 1])) --start;
    size_t end = at + 1;
    while (end < text.size() && IsDomainChar(text[end])) ++end;
    while (end > at + 1 && (text[end - 1] == '.' || text[end - 1] == '-')) {
      --end;
    }
    const absl::string_view domain = text.substr(at + 1, end - at - 1);
    if (start == at || domain.find('.') == absl::string_view::npos) continue;
    absl::StrAppend(&out, text.substr(copied, start - copied));
    out.append(kRemovedIdentifier);
    copied = end;
    at = end - 1;
  }
  absl::StrAppend(&out, text.substr(copied));
  return out;
}

// Replaces long digit runs.
std::string ScrubNumbers(absl::string_view text) {
  std::string out;
  size_t i = 0;
  while (i < text.size()) {
    size_t start = i;
    if (text[i] == '+' && DigitAt(text, i + 1) > 0) ++i;
    size_t digits = 0;
    size_t end = i;
    size_t j = i;
    while (j < text.size()) {
      const size_t width = DigitAt(text, j);
      if (width > 0) {
        ++digits;
        j += width;
        end = j;
        continue;
      }
      // A single separator between digits keeps the run going.
      if (digits > 0 && IsNumberSeparator(text[j]) &&
          DigitAt(text, j + 1) > 0) {
        ++j;
        continue;
      }
      break;
    }
    if (digits >= kMinDigitRun) {
      out.append(kRemovedIdentifier);
      i = end;
      continue;
    }
    const size_t step = digits > 0 ? end - start : 1;
    absl::StrAppend(&out, text.substr(start, step));
    i = start + step;
  }
  return out;
}

}  // namespace

std::string ScrubIdentifiers(absl::string_view text,
                             absl::string_view customer_id) {
  std::string scrubbed = ScrubNumbers(ScrubEmails(text));
  // Short ids would cut ordinary words; generated ids are long.
  if (customer_id.size() >= kMinScrubbedIdLength) {
    scrubbed =
        absl::StrReplaceAll(scrubbed, {{customer_id, kRemovedIdentifier}});
  }
  return scrubbed;
}

}  // namespace crm::feedback
