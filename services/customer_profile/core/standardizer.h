// Standardisation of customer data on every write path (create, update,
// import, ingestion): one canonical form per value, or INVALID_ARGUMENT.
//
//   PhoneOptions phone_options{.default_region = "CN", .strict = false};
//   CRM_ASSIGN_OR_RETURN(std::string email, StandardizeEmail(raw.email()));
//   CRM_ASSIGN_OR_RETURN(StandardizedPhone phone,
//                        StandardizePhone(raw.phone(), phone_options));
//   CRM_ASSIGN_OR_RETURN(std::string given,
//                        StandardizeName(raw.given_name(), "given_name", 100));
//   CRM_ASSIGN_OR_RETURN(absl::CivilDay birth,
//                        ParseBirthDate(raw.birth_date(), "birth_date",
//                                       absl::Now()));
//
// Contract shared by every function here:
//  - Errors are absl::InvalidArgumentError("<field>: <reason>"), where
//    <field> is the proto field path the caller passes (defaults given below)
//    and <reason> never repeats the rejected value (it may be PII).
//  - For string results, empty input (after trimming) is not an error: it
//    yields an empty result meaning "absent", and callers decide whether the
//    field is required. Parsers of amounts and dates reject empty input.
//  - Pure functions, thread-safe, no I/O.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/civil_time.h"
#include "absl/time/time.h"
#include "services/common/text_validation.h"
#include "services/customer_profile/core/iso_codes.h"

namespace crm::customer_profile {

// ---------------------------------------------------------------- text

// OK if `text` is well-formed UTF-8 (no overlong forms, surrogates, code
// points above U+10FFFF or truncated sequences) of at most `max_chars` code
// points. Otherwise "<field>: not valid UTF-8" or
// "<field>: longer than <max_chars> characters".
absl::Status ValidateUtf8(absl::string_view field, absl::string_view text,
                          size_t max_chars);

// Whitespace handling is shared with every service: IsUnicodeWhitespace()
// and CollapseWhitespace() live in services/common/text_validation.h
// (Unicode White_Space, inner runs become one ASCII space, CJK kept byte for
// byte) and are re-exported here.
using ::crm::common::CollapseWhitespace;
using ::crm::common::IsUnicodeWhitespace;

// A person's name or other free text: validated as UTF-8, whitespace
// collapsed (see above), then checked to be at most `max_chars` code points
// and free of control characters. "王 小明" with a U+3000 between the parts
// becomes "王 小明" with an ASCII space; "王小明" is returned unchanged.
absl::StatusOr<std::string> StandardizeName(absl::string_view input,
                                            absl::string_view field,
                                            size_t max_chars);

// ---------------------------------------------------------------- email

inline constexpr size_t kEmailMaxTotalLength = 254;
inline constexpr size_t kEmailMaxLocalLength = 64;

// Trims whitespace, lower-cases, and validates an address:
//  - exactly one '@'; at most 254 characters in all;
//  - local part of 1..64 characters of RFC 5322 dot-atom text
//    (letters, digits and !#$%&'*+/=?^_`{|}~- with single inner dots);
//    quoted local parts are rejected;
//  - domain of at least two dot-separated labels, each 1..63 characters of
//    [a-z0-9-] not starting or ending with '-', the last not all digits,
//    at most 253 characters; IP literals are rejected.
// ASCII only: internationalised addresses (UTF-8 local parts or domains) are
// rejected; an IDN domain is accepted in its punycode form ("xn--...").
absl::StatusOr<std::string> StandardizeEmail(absl::string_view input,
                                             absl::string_view field = "email");

// ---------------------------------------------------------------- phone

inline constexpr size_t kPhoneMaxInputLength = 32;

struct PhoneOptions {
  // ISO 3166-1 region used for numbers written without a country calling
  // code, e.g. "CN" turns "138 0013 8000" into "+8613800138000".
  std::string default_region = "CN";
  // When false (lenient), a value that is not a valid number is kept as given
  // (trimmed, whitespace collapsed) and flagged; when true it is rejected.
  bool strict = false;
};

struct StandardizedPhone {
  // The E.164 form ("+8613800138000") or, when `is_e164` is false, the
  // trimmed original. Empty when the input was empty.
  std::string value;
  // True when `value` is a valid number in E.164 form.
  bool is_e164 = false;
  // Why the original was kept (e.g. "not a valid number for region CN"),
  // empty when `is_e164` or the input was empty. Contains no digits of the
  // input, so it can be returned to callers as a warning.
  std::string reason;
};

// OK if libphonenumber has metadata for `region` (upper-case alpha-2, e.g.
// "CN"); INVALID_ARGUMENT naming `field` otherwise. Check configuration with
// it at start-up.
absl::Status ValidatePhoneRegion(absl::string_view region,
                                 absl::string_view field = "default_region");

// Parses `input` with libphonenumber and formats it as E.164 when it is a
// valid number (IsValidNumber: the number plan says it exists, not merely
// that it has a plausible length). Numbers with extensions are not
// representable in E.164 and are treated as not standardisable.
// Strict mode: INVALID_ARGUMENT "phone: not a valid number for region CN"
// (with a short cause when the parser gives one). Both modes reject input
// that is not valid UTF-8 or longer than 32 characters, and an unsupported
// `options.default_region`.
absl::StatusOr<StandardizedPhone> StandardizePhone(
    absl::string_view input, const PhoneOptions& options,
    absl::string_view field = "phone");

// ---------------------------------------------------------------- codes

// Trims, upper-cases and checks that the code is one of the 249 officially
// assigned ISO 3166-1 alpha-2 codes ("cn" -> "CN"; "XX", "UK", "EU" are
// rejected: not officially assigned).
absl::StatusOr<std::string> StandardizeCountryCode(
    absl::string_view input, absl::string_view field = "address.country_code");

// Trims, upper-cases and checks that the code is an active ISO 4217
// currency with a defined minor unit ("cny" -> "CNY"). Codes without a minor
// unit (precious metals XAU/XAG/XPD/XPT, XDR, XSU, XUA, bond units XBA-XBD,
// the test and no-currency codes XTS/XXX) and withdrawn codes are rejected.
absl::StatusOr<std::string> StandardizeCurrencyCode(
    absl::string_view input, absl::string_view field = "currency_code");

// The ISO 4217 minor-unit exponent of an active currency code (upper-case):
// CNY 2, JPY 0, KWD 3, CLF 4. INVALID_ARGUMENT "currency_code: ..." for any
// other code.
absl::StatusOr<int> CurrencyMinorUnits(absl::string_view code);

// A non-negative decimal amount ("12.34", "100", "0.5") in minor units of
// `currency` (already standardised): 12.34 CNY -> 1234, 100 JPY -> 100.
// Rejects signs, exponents, thousands separators, more fractional digits than
// the currency has, values that overflow int64, and empty input (an
// amount is never optional).
absl::StatusOr<int64_t> ParseAmountInMinorUnits(absl::string_view input,
                                                absl::string_view currency,
                                                absl::string_view field);

// ---------------------------------------------------------------- dates

// A calendar date in ISO 8601 extended form YYYY-MM-DD with a year from 0001
// to 9999 that exists in the proleptic Gregorian calendar ("2024-02-29" is
// accepted, "2023-02-29" and "2024-02-30" are not). Surrounding whitespace is
// trimmed; no other forms (basic "20240229", week or ordinal dates, times)
// are accepted.
absl::StatusOr<absl::CivilDay> ParseIsoDate(absl::string_view input,
                                            absl::string_view field);

// ParseIsoDate() plus plausibility for a birth date: not in the future and
// not more than 150 years before `now`. "Future" means after today's date in
// every time zone (i.e. compared with the date at UTC+14), so a customer born
// "today" somewhere on Earth is never rejected.
absl::StatusOr<absl::CivilDay> ParseBirthDate(absl::string_view input,
                                              absl::string_view field,
                                              absl::Time now);

// "YYYY-MM-DD" for a day with a year from 1 to 9999.
std::string FormatIsoDate(absl::CivilDay day);

}  // namespace crm::customer_profile
