#include "services/customer_profile/core/standardizer.h"

#include <phonenumbers/phonenumber.pb.h>
#include <phonenumbers/phonenumberutil.h>

#include <cstdint>
#include <limits>
#include <string>

#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_split.h"
#include "services/common/error_details.h"
#include "services/common/text_validation.h"

namespace crm::customer_profile {
namespace {

using ::crm::common::InvalidFieldError;
using ::i18n::phonenumbers::PhoneNumber;
using ::i18n::phonenumbers::PhoneNumberUtil;

// Decodes the code point at `text[*pos]` of valid UTF-8 and advances `*pos`.
char32_t NextCodePoint(absl::string_view text, size_t* pos) {
  const unsigned char lead = static_cast<unsigned char>(text[*pos]);
  size_t length = 1;
  char32_t code_point = lead;
  if (lead >= 0xF0) {
    length = 4;
    code_point = lead & 0x07;
  } else if (lead >= 0xE0) {
    length = 3;
    code_point = lead & 0x0F;
  } else if (lead >= 0xC0) {
    length = 2;
    code_point = lead & 0x1F;
  }
  for (size_t k = 1; k < length && *pos + k < text.size(); ++k) {
    code_point =
        (code_point << 6) | (static_cast<unsigned char>(text[*pos + k]) & 0x3F);
  }
  *pos += length;
  return code_point;
}

bool IsControl(char32_t code_point) {
  return code_point < 0x20 || (code_point >= 0x7F && code_point <= 0x9F);
}

// Whitespace trimming that also knows the Unicode spaces; `text` must be
// valid UTF-8.
absl::string_view TrimUnicode(absl::string_view text) {
  size_t begin = 0;
  while (begin < text.size()) {
    size_t next = begin;
    if (!IsUnicodeWhitespace(NextCodePoint(text, &next))) break;
    begin = next;
  }
  text.remove_prefix(begin);
  // Scan forward, remembering where the last non-space character ended.
  size_t end = 0;
  size_t pos = 0;
  while (pos < text.size()) {
    const char32_t code_point = NextCodePoint(text, &pos);
    if (!IsUnicodeWhitespace(code_point)) end = pos;
  }
  return text.substr(0, end);
}

bool IsAsciiAtext(char c) {
  if (absl::ascii_isalnum(static_cast<unsigned char>(c))) return true;
  constexpr absl::string_view kSpecials = "!#$%&'*+/=?^_`{|}~-";
  return kSpecials.find(c) != absl::string_view::npos;
}

absl::Status ValidateEmailLocalPart(absl::string_view local,
                                    absl::string_view field) {
  if (local.empty())
    return InvalidFieldError(field, "local part before '@' is empty");
  if (local.size() > kEmailMaxLocalLength) {
    return InvalidFieldError(field, "local part is longer than 64 characters");
  }
  if (local.front() == '.' || local.back() == '.' ||
      local.find("..") != absl::string_view::npos) {
    return InvalidFieldError(
        field,
        "local part must not start or end with '.' or contain "
        "'..'");
  }
  for (char c : local) {
    if (c != '.' && !IsAsciiAtext(c)) {
      return InvalidFieldError(field,
                               "local part contains a character that is not "
                               "allowed");
    }
  }
  return absl::OkStatus();
}

absl::Status ValidateEmailDomain(absl::string_view domain,
                                 absl::string_view field) {
  if (domain.empty())
    return InvalidFieldError(field, "domain after '@' is empty");
  if (domain.size() > 253) {
    return InvalidFieldError(field, "domain is longer than 253 characters");
  }
  if (domain.front() == '[') {
    return InvalidFieldError(field,
                             "IP address literals are not accepted as domain");
  }
  if (domain.find('.') == absl::string_view::npos) {
    return InvalidFieldError(field, "domain must contain a dot");
  }
  absl::string_view last_label;
  for (absl::string_view label : absl::StrSplit(domain, '.')) {
    if (label.empty())
      return InvalidFieldError(field, "domain has an empty label");
    if (label.size() > 63) {
      return InvalidFieldError(field,
                               "domain label is longer than 63 characters");
    }
    for (char c : label) {
      const unsigned char u = static_cast<unsigned char>(c);
      if (!(absl::ascii_islower(u) || absl::ascii_isdigit(u) || c == '-')) {
        return InvalidFieldError(
            field,
            "domain labels may contain only letters, digits "
            "and '-'");
      }
    }
    if (label.front() == '-' || label.back() == '-') {
      return InvalidFieldError(field,
                               "domain label must not start or end with '-'");
    }
    last_label = label;
  }
  bool all_digits = true;
  for (char c : last_label) {
    all_digits =
        all_digits && absl::ascii_isdigit(static_cast<unsigned char>(c));
  }
  if (all_digits) {
    return InvalidFieldError(field, "top-level domain must not be numeric");
  }
  return absl::OkStatus();
}

std::string ParseErrorCause(PhoneNumberUtil::ErrorType error) {
  switch (error) {
    case PhoneNumberUtil::INVALID_COUNTRY_CODE_ERROR:
      return "unknown country calling code";
    case PhoneNumberUtil::NOT_A_NUMBER:
      return "not a phone number";
    case PhoneNumberUtil::TOO_SHORT_AFTER_IDD:
    case PhoneNumberUtil::TOO_SHORT_NSN:
      return "too short";
    case PhoneNumberUtil::TOO_LONG_NSN:
      return "too long";
    case PhoneNumberUtil::NO_PARSING_ERROR:
      break;
  }
  return "cannot be parsed";
}

// Upper-cased `input` after trimming ASCII whitespace, or an error if it is
// not `length` ASCII letters.
absl::StatusOr<std::string> UpperAsciiCode(absl::string_view input,
                                           size_t length,
                                           absl::string_view field,
                                           absl::string_view what) {
  const absl::string_view trimmed = absl::StripAsciiWhitespace(input);
  bool letters = trimmed.size() == length;
  for (char c : trimmed) {
    letters = letters && absl::ascii_isalpha(static_cast<unsigned char>(c));
  }
  if (!letters) {
    return InvalidFieldError(
        field, absl::StrCat("must be ", length, " letters (", what, ")"));
  }
  return absl::AsciiStrToUpper(trimmed);
}

bool ParseFixedDigits(absl::string_view text, int* out) {
  int value = 0;
  for (char c : text) {
    if (!absl::ascii_isdigit(static_cast<unsigned char>(c))) return false;
    value = value * 10 + (c - '0');
  }
  *out = value;
  return true;
}

}  // namespace

// ---------------------------------------------------------------- text

absl::Status ValidateUtf8(absl::string_view field, absl::string_view text,
                          size_t max_chars) {
  if (!common::IsValidUtf8(text))
    return InvalidFieldError(field, "not valid UTF-8");
  if (common::Utf8Length(text) > max_chars) {
    return InvalidFieldError(
        field, absl::StrCat("longer than ", max_chars, " characters"));
  }
  return absl::OkStatus();
}

absl::StatusOr<std::string> StandardizeName(absl::string_view input,
                                            absl::string_view field,
                                            size_t max_chars) {
  if (!common::IsValidUtf8(input)) {
    return InvalidFieldError(field, "not valid UTF-8");
  }
  std::string collapsed = CollapseWhitespace(input);
  size_t pos = 0;
  while (pos < collapsed.size()) {
    if (IsControl(NextCodePoint(collapsed, &pos))) {
      return InvalidFieldError(field, "contains control characters");
    }
  }
  if (common::Utf8Length(collapsed) > max_chars) {
    return InvalidFieldError(
        field, absl::StrCat("longer than ", max_chars, " characters"));
  }
  return collapsed;
}

// ---------------------------------------------------------------- email

absl::StatusOr<std::string> StandardizeEmail(absl::string_view input,
                                             absl::string_view field) {
  if (!common::IsValidUtf8(input))
    return InvalidFieldError(field, "not valid UTF-8");
  const absl::string_view trimmed = TrimUnicode(input);
  if (trimmed.empty()) return std::string();
  for (char c : trimmed) {
    const unsigned char u = static_cast<unsigned char>(c);
    if (u >= 0x80) {
      return InvalidFieldError(field,
                               "only ASCII addresses are accepted (write "
                               "international domains in punycode form)");
    }
    if (absl::ascii_isspace(u))
      return InvalidFieldError(field, "contains whitespace");
    if (absl::ascii_iscntrl(u)) {
      return InvalidFieldError(field, "contains control characters");
    }
  }
  if (trimmed.size() > kEmailMaxTotalLength) {
    return InvalidFieldError(field, "longer than 254 characters");
  }
  const size_t at = trimmed.find('@');
  if (at == absl::string_view::npos)
    return InvalidFieldError(field, "missing '@'");
  if (trimmed.find('@', at + 1) != absl::string_view::npos) {
    return InvalidFieldError(field, "contains more than one '@'");
  }
  std::string email = absl::AsciiStrToLower(trimmed);
  const absl::string_view view(email);
  if (absl::Status s = ValidateEmailLocalPart(view.substr(0, at), field);
      !s.ok()) {
    return s;
  }
  if (absl::Status s = ValidateEmailDomain(view.substr(at + 1), field);
      !s.ok()) {
    return s;
  }
  return email;
}

// ---------------------------------------------------------------- phone

absl::Status ValidatePhoneRegion(absl::string_view region,
                                 absl::string_view field) {
  const PhoneNumberUtil* util = PhoneNumberUtil::GetInstance();
  if (region.size() != 2 ||
      util->GetCountryCodeForRegion(std::string(region)) == 0) {
    return InvalidFieldError(field,
                             "not a region with phone number metadata (use an "
                             "upper-case ISO 3166-1 alpha-2 code such as CN)");
  }
  return absl::OkStatus();
}

absl::StatusOr<StandardizedPhone> StandardizePhone(absl::string_view input,
                                                   const PhoneOptions& options,
                                                   absl::string_view field) {
  if (absl::Status s =
          ValidatePhoneRegion(options.default_region, "phone default region");
      !s.ok()) {
    return s;
  }
  if (!common::IsValidUtf8(input))
    return InvalidFieldError(field, "not valid UTF-8");
  StandardizedPhone result;
  result.value = CollapseWhitespace(input);
  if (result.value.empty()) return result;
  if (common::Utf8Length(result.value) > kPhoneMaxInputLength) {
    return InvalidFieldError(field, "longer than 32 characters");
  }

  const PhoneNumberUtil* util = PhoneNumberUtil::GetInstance();
  const std::string invalid_reason =
      absl::StrCat("not a valid number for region ", options.default_region);
  PhoneNumber number;
  const PhoneNumberUtil::ErrorType error =
      util->Parse(result.value, options.default_region, &number);
  if (error != PhoneNumberUtil::NO_PARSING_ERROR) {
    result.reason =
        absl::StrCat(invalid_reason, " (", ParseErrorCause(error), ")");
  } else if (number.has_extension()) {
    result.reason = absl::StrCat(invalid_reason,
                                 " (extensions cannot be written in E.164)");
  } else if (!util->IsValidNumber(number)) {
    result.reason = invalid_reason;
  } else {
    std::string e164;
    util->Format(number, PhoneNumberUtil::E164, &e164);
    result.value = std::move(e164);
    result.is_e164 = true;
    return result;
  }
  if (options.strict) return InvalidFieldError(field, result.reason);
  return result;
}

// ---------------------------------------------------------------- codes

absl::StatusOr<std::string> StandardizeCountryCode(absl::string_view input,
                                                   absl::string_view field) {
  if (absl::StripAsciiWhitespace(input).empty()) return std::string();
  absl::StatusOr<std::string> code =
      UpperAsciiCode(input, 2, field, "ISO 3166-1 alpha-2");
  if (!code.ok()) return code;
  if (!IsAssignedCountryCode(*code)) {
    return InvalidFieldError(field, "not an assigned ISO 3166-1 alpha-2 code");
  }
  return code;
}

absl::StatusOr<std::string> StandardizeCurrencyCode(absl::string_view input,
                                                    absl::string_view field) {
  if (absl::StripAsciiWhitespace(input).empty()) return std::string();
  absl::StatusOr<std::string> code =
      UpperAsciiCode(input, 3, field, "ISO 4217");
  if (!code.ok()) return code;
  if (!FindCurrencyMinorUnits(*code).has_value()) {
    return InvalidFieldError(field, "not an active ISO 4217 currency code");
  }
  return code;
}

absl::StatusOr<int> CurrencyMinorUnits(absl::string_view code) {
  std::optional<int> units = FindCurrencyMinorUnits(code);
  if (!units.has_value()) {
    return InvalidFieldError("currency_code",
                             "not an active ISO 4217 currency code");
  }
  return *units;
}

absl::StatusOr<int64_t> ParseAmountInMinorUnits(absl::string_view input,
                                                absl::string_view currency,
                                                absl::string_view field) {
  absl::StatusOr<int> exponent = CurrencyMinorUnits(currency);
  if (!exponent.ok()) return exponent.status();
  const absl::string_view text = absl::StripAsciiWhitespace(input);
  const size_t dot = text.find('.');
  const absl::string_view whole = text.substr(0, dot);
  const absl::string_view fraction = dot == absl::string_view::npos
                                         ? absl::string_view()
                                         : text.substr(dot + 1);
  if (whole.empty() || (dot != absl::string_view::npos && fraction.empty())) {
    return InvalidFieldError(field, "must be a decimal number such as 12.34");
  }
  if (fraction.size() > static_cast<size_t>(*exponent)) {
    return InvalidFieldError(
        field, absl::StrCat("has more than ", *exponent, " decimal places for ",
                            currency));
  }
  int64_t value = 0;
  constexpr int64_t kMax = std::numeric_limits<int64_t>::max();
  auto append_digit = [&](char c) {
    if (!absl::ascii_isdigit(static_cast<unsigned char>(c))) return false;
    const int digit = c - '0';
    if (value > (kMax - digit) / 10) return false;
    value = value * 10 + digit;
    return true;
  };
  for (char c : whole) {
    if (!append_digit(c)) {
      return InvalidFieldError(field,
                               "must be a non-negative decimal number that "
                               "fits in 64 bits of minor units");
    }
  }
  for (int i = 0; i < *exponent; ++i) {
    const char c = i < static_cast<int>(fraction.size()) ? fraction[i] : '0';
    if (!append_digit(c)) {
      return InvalidFieldError(field,
                               "must be a non-negative decimal number that "
                               "fits in 64 bits of minor units");
    }
  }
  return value;
}

// ---------------------------------------------------------------- dates

absl::StatusOr<absl::CivilDay> ParseIsoDate(absl::string_view input,
                                            absl::string_view field) {
  const absl::string_view text = absl::StripAsciiWhitespace(input);
  int year = 0;
  int month = 0;
  int day = 0;
  if (text.size() != 10 || text[4] != '-' || text[7] != '-' ||
      !ParseFixedDigits(text.substr(0, 4), &year) ||
      !ParseFixedDigits(text.substr(5, 2), &month) ||
      !ParseFixedDigits(text.substr(8, 2), &day)) {
    return InvalidFieldError(field, "must be an ISO 8601 date YYYY-MM-DD");
  }
  const absl::CivilDay civil(year, month, day);
  if (year < 1 || civil.year() != year || civil.month() != month ||
      civil.day() != day) {
    return InvalidFieldError(field, "is not a real calendar date");
  }
  return civil;
}

absl::StatusOr<absl::CivilDay> ParseBirthDate(absl::string_view input,
                                              absl::string_view field,
                                              absl::Time now) {
  absl::StatusOr<absl::CivilDay> day = ParseIsoDate(input, field);
  if (!day.ok()) return day;
  // The date furthest ahead anywhere on Earth (UTC+14, Line Islands).
  const absl::CivilDay latest_today =
      absl::ToCivilDay(now, absl::FixedTimeZone(14 * 60 * 60));
  if (*day > latest_today) return InvalidFieldError(field, "is in the future");
  const absl::CivilDay oldest(latest_today.year() - 150, latest_today.month(),
                              latest_today.day());
  if (*day < oldest) {
    return InvalidFieldError(field, "is more than 150 years ago");
  }
  return day;
}

std::string FormatIsoDate(absl::CivilDay day) {
  return absl::StrFormat("%04d-%02d-%02d", day.year(), day.month(), day.day());
}

}  // namespace crm::customer_profile
