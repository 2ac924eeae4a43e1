#include "services/customer_profile/customer_validation.h"

#include <cstdint>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "services/common/resource_name.h"
#include "services/common/status_macros.h"
#include "services/common/text_validation.h"

namespace crm::customer_profile {
namespace {

using ::crm::common::CollapseWhitespace;
using ::crm::common::Presence;
using ::crm::common::ValidateText;

constexpr size_t kMaxEmailLocalPartLength = 64;

// Decodes the code point starting at `text[i]` of valid UTF-8 text.
uint32_t DecodeAt(absl::string_view text, size_t i) {
  const unsigned char c = static_cast<unsigned char>(text[i]);
  if (c < 0x80) return c;
  size_t length = (c & 0xE0) == 0xC0 ? 2 : (c & 0xF0) == 0xE0 ? 3 : 4;
  uint32_t code_point = c & (0xFF >> (length + 1));
  for (size_t k = 1; k < length && i + k < text.size(); ++k) {
    code_point = (code_point << 6) | (text[i + k] & 0x3F);
  }
  return code_point;
}

uint32_t FirstCodePoint(absl::string_view text) {
  return text.empty() ? 0 : DecodeAt(text, 0);
}

uint32_t LastCodePoint(absl::string_view text) {
  if (text.empty()) return 0;
  size_t i = text.size() - 1;
  while (i > 0 && (static_cast<unsigned char>(text[i]) & 0xC0) == 0x80) --i;
  return DecodeAt(text, i);
}

// Scripts whose names are written without a space between family and given
// name: Han ideographs, kana, Hangul.
bool IsCjk(uint32_t c) {
  return (c >= 0x3040 && c <= 0x30FF) || (c >= 0x3400 && c <= 0x4DBF) ||
         (c >= 0x4E00 && c <= 0x9FFF) || (c >= 0xAC00 && c <= 0xD7AF) ||
         (c >= 0xF900 && c <= 0xFAFF) || (c >= 0x20000 && c <= 0x3134F);
}

bool IsEmailForbidden(unsigned char c) {
  return c <= 0x20 || c == 0x7F || c == '"' || c == '(' || c == ')' ||
         c == ',' || c == ':' || c == ';' || c == '<' || c == '>' || c == '[' ||
         c == '\\' || c == ']';
}

// The first `max_chars` code points of valid UTF-8 `text`, without a
// trailing space.
std::string TruncateToCharacters(absl::string_view text, size_t max_chars) {
  size_t chars = 0;
  size_t end = 0;
  while (end < text.size()) {
    if ((static_cast<unsigned char>(text[end]) & 0xC0) != 0x80) {
      if (chars == max_chars) break;
      ++chars;
    }
    ++end;
  }
  return std::string(absl::StripTrailingAsciiWhitespace(text.substr(0, end)));
}

}  // namespace

std::string NormalizeEmail(absl::string_view email) {
  return absl::AsciiStrToLower(absl::StripAsciiWhitespace(email));
}

absl::Status ValidateEmailShape(absl::string_view email,
                                absl::string_view field) {
  if (email.empty()) return absl::OkStatus();
  auto invalid = [&] {
    return absl::InvalidArgumentError(
        absl::StrCat(field, " is not a valid email address"));
  };
  for (char c : email) {
    if (IsEmailForbidden(static_cast<unsigned char>(c))) return invalid();
  }
  const size_t at = email.find('@');
  if (at == absl::string_view::npos || email.find('@', at + 1) != email.npos) {
    return invalid();
  }
  absl::string_view local = email.substr(0, at);
  absl::string_view domain = email.substr(at + 1);
  if (local.empty() ||
      crm::common::Utf8Length(local) > kMaxEmailLocalPartLength ||
      local.front() == '.' || local.back() == '.' ||
      local.find("..") != local.npos) {
    return invalid();
  }
  std::vector<absl::string_view> labels = absl::StrSplit(domain, '.');
  if (labels.size() < 2) return invalid();
  for (absl::string_view label : labels) {
    if (label.empty() || label.front() == '-' || label.back() == '-') {
      return invalid();
    }
  }
  return absl::OkStatus();
}

absl::Status ValidateLocale(absl::string_view locale, absl::string_view field) {
  if (locale.empty()) return absl::OkStatus();
  auto invalid = [&] {
    return absl::InvalidArgumentError(
        absl::StrCat(field, " must be a BCP 47 language tag such as zh-CN"));
  };
  if (locale.size() > kMaxLocaleLength) return invalid();
  std::vector<absl::string_view> subtags = absl::StrSplit(locale, '-');
  for (size_t i = 0; i < subtags.size(); ++i) {
    absl::string_view subtag = subtags[i];
    if (subtag.empty() || subtag.size() > 8) return invalid();
    for (char c : subtag) {
      const unsigned char u = static_cast<unsigned char>(c);
      if (i == 0 ? !absl::ascii_isalpha(u) : !absl::ascii_isalnum(u)) {
        return invalid();
      }
    }
    if (i == 0 && subtag.size() < 2) return invalid();
  }
  return absl::OkStatus();
}

std::string DefaultDisplayName(absl::string_view family_name,
                               absl::string_view given_name) {
  if (family_name.empty()) return std::string(given_name);
  if (given_name.empty()) return std::string(family_name);
  const bool join_tight =
      IsCjk(LastCodePoint(family_name)) && IsCjk(FirstCodePoint(given_name));
  return absl::StrCat(family_name, join_tight ? "" : " ", given_name);
}

absl::StatusOr<v1::Customer> NormalizeNewCustomer(const v1::Customer& input) {
  v1::Customer customer;
  customer.set_given_name(CollapseWhitespace(input.given_name()));
  customer.set_family_name(CollapseWhitespace(input.family_name()));
  customer.set_display_name(CollapseWhitespace(input.display_name()));
  customer.set_email(NormalizeEmail(input.email()));
  customer.set_phone(CollapseWhitespace(input.phone()));
  customer.set_locale(std::string(absl::StripAsciiWhitespace(input.locale())));

  CRM_RETURN_IF_ERROR(ValidateText(customer.given_name(), "customer.given_name",
                                   kMaxGivenNameLength, Presence::kOptional));
  CRM_RETURN_IF_ERROR(ValidateText(customer.family_name(),
                                   "customer.family_name", kMaxFamilyNameLength,
                                   Presence::kOptional));
  CRM_RETURN_IF_ERROR(ValidateText(customer.display_name(),
                                   "customer.display_name",
                                   kMaxDisplayNameLength, Presence::kOptional));
  CRM_RETURN_IF_ERROR(ValidateText(customer.email(), "customer.email",
                                   kMaxEmailLength, Presence::kOptional));
  CRM_RETURN_IF_ERROR(ValidateEmailShape(customer.email(), "customer.email"));
  CRM_RETURN_IF_ERROR(ValidateText(customer.phone(), "customer.phone",
                                   kMaxPhoneLength, Presence::kOptional));
  CRM_RETURN_IF_ERROR(ValidateLocale(customer.locale(), "customer.locale"));

  if (customer.display_name().empty()) {
    customer.set_display_name(TruncateToCharacters(
        DefaultDisplayName(customer.family_name(), customer.given_name()),
        kMaxDisplayNameLength));
  }
  return customer;
}

absl::StatusOr<std::string> ParseCustomerName(absl::string_view name) {
  return crm::common::ParseResourceName(name, kCustomersCollection, "name");
}

std::string CustomerName(absl::string_view id) {
  return crm::common::FormatResourceName(kCustomersCollection, id);
}

}  // namespace crm::customer_profile
