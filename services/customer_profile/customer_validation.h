// The rules a customer record must satisfy, as pure functions (no database,
// no keys), following the field comments of
// crm/customerprofile/v1/customer.proto and customer_profile_service.proto.
// Standardisation itself is core/standardizer.h; this file applies it to
// every field of a Customer, and parses update masks and orders (filters:
// customer_filter.h).
//
//   CRM_ASSIGN_OR_RETURN(v1::Customer customer,
//       StandardizeCustomer(request.customer(), {.phone_default_region = "CN",
//                                                .now = absl::Now()}));
//   CRM_ASSIGN_OR_RETURN(std::string id, ParseCustomerName(request.name()));
//
// Errors are INVALID_ARGUMENT with reason FIELD_INVALID or FIELD_REQUIRED
// naming the field path (e.g. "customer.email"; error_details.h) and never
// echo the rejected value (it may be PII).
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <vector>

#include <google/protobuf/field_mask.pb.h>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "crm/customerprofile/v1/customer.pb.h"
#include "services/customer_profile/customer_repository.h"

namespace crm::customer_profile {

namespace v1 = ::crm::customerprofile::v1;

inline constexpr char kCustomersCollection[] = "customers";

inline constexpr size_t kMaxGivenNameLength = 100;
inline constexpr size_t kMaxFamilyNameLength = 100;
inline constexpr size_t kMaxDisplayNameLength = 200;
inline constexpr size_t kMaxLocaleLength = 35;
inline constexpr size_t kMaxTagLength = 64;
inline constexpr size_t kMaxTags = 50;
inline constexpr size_t kMaxAttributes = 100;
inline constexpr size_t kMaxAttributeKeyLength = 64;
inline constexpr size_t kMaxAttributeValueLength = 1000;
inline constexpr size_t kMaxConsentSourceLength = 64;
inline constexpr size_t kMaxChannelLength = 32;
inline constexpr size_t kMaxIdentityIdLength = 128;
inline constexpr size_t kMaxIdentities = 100;
inline constexpr size_t kMaxSourceChannelLength = 64;
inline constexpr size_t kMaxCompanyNameLength = 200;
// A tax id: this many of [A-Za-z0-9-] (letters stored upper-cased).
inline constexpr size_t kMinTaxIdLength = 1;
inline constexpr size_t kMaxTaxIdLength = 32;

struct StandardizeOptions {
  std::string phone_default_region = "CN";
  bool strict_phone = false;
  // Default for consents without update_time, and "today" for birth dates.
  absl::Time now;
};

// The customer as it is to be stored: every writable field standardised
// (core/standardizer.h): names and address lines whitespace-collapsed and
// limited, email trimmed/lower-cased/validated, phone E.164 (or kept as
// given unless strict), locale BCP 47-shaped, birth date ISO 8601 and
// plausible, country ISO 3166-1, gender a known value, tags trimmed, sorted
// and de-duplicated, attributes and consents checked (consent time defaults
// to `now`), external identities' channels lower-cased and de-duplicated;
// display_name defaulted from the names; customer_type a known value,
// company_name whitespace-collapsed (at most kMaxCompanyNameLength), tax_id
// trimmed, kMinTaxIdLength to kMaxTaxIdLength of letters, digits and '-'
// (letters upper-cased), both allowed and company_name required only on a
// BUSINESS customer (CheckCustomerTypeFields). Output-only fields are
// cleared.
absl::StatusOr<v1::Customer> StandardizeCustomer(
    const v1::Customer& input, const StandardizeOptions& options);

// OK unless `customer` has a company_name or tax_id without being BUSINESS
// (unstated counts as INDIVIDUAL), or is BUSINESS without a company_name:
// the rule every stored record keeps, checked again after a merge or a
// resolving write folds two records (customer_merge_policy.h), since either
// may change the type or bring a company. INVALID_ARGUMENT naming
// `customer.company_name` or `customer.tax_id` (FIELD_INVALID: only a
// BUSINESS customer has one) or `customer.company_name` (FIELD_REQUIRED).
absl::Status CheckCustomerTypeFields(const v1::Customer& customer);

// OK if `locale` is empty or shaped like a BCP 47 tag: 1 to 8 letter or digit
// subtags joined by '-', the first of 2 to 8 letters, at most 35 characters.
absl::Status ValidateLocale(absl::string_view locale, absl::string_view field);

// The display name used when none is given: family name then given name,
// joined by a space unless both sides of the join are CJK characters
// ("王" + "小明" -> "王小明", "Smith" + "Anna" -> "Smith Anna").
std::string DefaultDisplayName(absl::string_view family_name,
                               absl::string_view given_name);

// The field paths UpdateCustomer accepts: every scalar of Customer that is
// not output-only ("given_name", ..., "address.city", ...), "address" (all
// of it), "tags", "attributes", "consents", "external_identities".
const std::vector<std::string>& UpdatablePaths();

// The updatable paths whose value is set (non-empty) in `body`.
std::vector<std::string> PathsSetIn(const v1::Customer& body);

// The paths UpdateCustomer changes: those of `mask` with "*" expanded to
// UpdatablePaths(), "address" to its fields, duplicates removed and
// output-only paths (name, state, create_time, update_time, etag,
// merged_into, purchase_summary and their sub-paths) ignored (AIP-203); an
// empty mask means PathsSetIn(body) (AIP-134). INVALID_ARGUMENT
// (FIELD_INVALID, field "update_mask") naming an unknown path.
absl::StatusOr<std::vector<std::string>> UpdatePaths(
    const google::protobuf::FieldMask& mask, const v1::Customer& body);

// MergeCustomers' pinned_fields: paths as in UpdatePaths' mask (output-only
// ones ignored); INVALID_ARGUMENT (field "pinned_fields") for unknown ones.
absl::StatusOr<std::vector<std::string>> ValidatePinnedFields(
    const google::protobuf::RepeatedPtrField<std::string>& paths);

// Copies the fields named by `paths` (from UpdatePaths or
// UpdatablePaths) from `from` into `to`.
void CopyFields(const v1::Customer& from, const std::vector<std::string>& paths,
                v1::Customer* to);

// The scalar field paths subject to merge precedence ("given_name", ...,
// "address.address_line"): a value that is "" or unspecified is empty.
const std::vector<std::string>& ScalarPaths();
// The value at scalar `path` as text ("" when empty; enums as their number).
std::string ScalarValue(const v1::Customer& customer, absl::string_view path);

// "create_time desc" (also ""), "create_time", "create_time asc",
// "update_time desc", "update_time", "update_time asc"; INVALID_ARGUMENT
// "order_by: ..." otherwise.
absl::StatusOr<CustomerOrder> ParseCustomerOrder(absl::string_view order_by);

// A ListCustomers `read_mask` (AIP-157): `mask` unset when empty (every
// field); `name_only` when it names `name` alone, so nothing needs
// decrypting.
struct CustomerReadMask {
  std::optional<google::protobuf::FieldMask> mask;
  bool name_only = false;
};
// INVALID_ARGUMENT (FIELD_INVALID, field "read_mask") when a path is not a
// Customer field path.
absl::StatusOr<CustomerReadMask> ParseCustomerReadMask(
    const google::protobuf::FieldMask& mask);

// "<channel>:<id>" of an external identity, the text its blind index is
// computed over.
std::string ExternalIdentityKey(const v1::ExternalIdentity& identity);

// The id in a `customers/{customer}` name; INVALID_ARGUMENT naming `field`
// (FIELD_REQUIRED when empty, FIELD_INVALID when malformed).
absl::StatusOr<std::string> ParseCustomerName(absl::string_view name,
                                              absl::string_view field = "name");

// `customers/{id}`.
std::string CustomerName(absl::string_view id);

}  // namespace crm::customer_profile
