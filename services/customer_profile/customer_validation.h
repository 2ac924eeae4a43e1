// The rules a customer record must satisfy, as pure functions (no database),
// following the field comments of crm/customerprofile/v1/customer.proto.
//
//   CRM_ASSIGN_OR_RETURN(v1::Customer customer,
//                        NormalizeNewCustomer(request.customer()));
//   CRM_ASSIGN_OR_RETURN(std::string id, ParseCustomerName(request.name()));
//
// Errors are INVALID_ARGUMENT with a message that starts with the field path
// (e.g. "customer.email") and never echoes the rejected value (it may be PII).
#pragma once

#include <cstddef>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "crm/customerprofile/v1/customer.pb.h"

namespace crm::customer_profile {

namespace v1 = ::crm::customerprofile::v1;

inline constexpr char kCustomersCollection[] = "customers";

inline constexpr size_t kMaxGivenNameLength = 100;
inline constexpr size_t kMaxFamilyNameLength = 100;
inline constexpr size_t kMaxDisplayNameLength = 200;
inline constexpr size_t kMaxEmailLength = 254;
inline constexpr size_t kMaxPhoneLength = 32;
inline constexpr size_t kMaxLocaleLength = 35;

// The customer as it is to be stored on create: names and phone with
// whitespace collapsed, email trimmed and lower-cased, display_name defaulted
// from the names (cut to 200 characters), locale trimmed; output-only fields
// (name, state, times, etag) cleared. INVALID_ARGUMENT naming
// `customer.<field>` when a field is not valid UTF-8, too long (in characters),
// or malformed (email, locale).
absl::StatusOr<v1::Customer> NormalizeNewCustomer(const v1::Customer& input);

// Trims and lower-cases `email` (ASCII letters only). Empty stays empty.
std::string NormalizeEmail(absl::string_view email);

// OK if `email` (already normalised) is empty or looks like an address:
// one '@', a local part of 1 to 64 characters, a domain of dot-separated
// non-empty labels with at least one dot, no whitespace or control
// characters. INVALID_ARGUMENT naming `field` otherwise.
absl::Status ValidateEmailShape(absl::string_view email,
                                absl::string_view field);

// OK if `locale` is empty or shaped like a BCP 47 tag: 1 to 8 letter or digit
// subtags joined by '-', the first of 2 to 8 letters, at most 35 characters.
absl::Status ValidateLocale(absl::string_view locale, absl::string_view field);

// The display name used when none is given: family name then given name,
// joined by a space unless both sides of the join are CJK characters
// ("王" + "小明" -> "王小明", "Smith" + "Anna" -> "Smith Anna").
std::string DefaultDisplayName(absl::string_view family_name,
                               absl::string_view given_name);

// The id in a `customers/{customer}` name; INVALID_ARGUMENT naming `name`.
absl::StatusOr<std::string> ParseCustomerName(absl::string_view name);

// `customers/{id}`.
std::string CustomerName(absl::string_view id);

}  // namespace crm::customer_profile
