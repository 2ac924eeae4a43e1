// Turns the values of a parsed ListCustomers filter (customer_filter.h) into
// what customer-profile stores, so the repository can compare them directly:
// each value is standardised exactly as a write would store it
// (StandardizeCustomer), and email, phone and external identities are then
// replaced by their blind indexes.
//
//   CRM_ASSIGN_OR_RETURN(Filter filter, ParseFilter(request.filter(),
//                                                   CustomerFilterSchema()));
//   CRM_RETURN_IF_ERROR(PrepareCustomerFilterValues(
//       filter, codec_, options_.phone_default_region));
//   ... customers.List(tx, filter, order, page) ...
//
// | Path                          | Becomes |
// |-------------------------------|---------------------------------------------|
// | `email`                       | blind index of the trimmed, lower-cased
// address | | `phone`                       | blind index of the E.164 form (or
// the trimmed text, as lenient writes keep it) | | `external_identities` |
// blind index of "<channel>:<id>", channel lower-cased | |
// `external_identities.channel` | lower-cased                                 |
// | `tags`, `locale`, `source_channel` | standardised text | |
// `address.country_code`        | upper case ("" stays "": no country)        |
//
// `birthday` ("MM-DD", a day some year has) becomes its blind index
// (CustomerPiiCodec::BirthdayIndex).
//
// A value that a write would reject is FILTER_INVALID at the value's column
// (the message names the field, never the value).
#pragma once

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "services/common/filter/filter_ast.h"
#include "services/customer_profile/customer_pii_codec.h"

namespace crm::customer_profile {

absl::Status PrepareCustomerFilterValues(
    crm::common::filter::Filter& filter, const CustomerPiiCodec& codec,
    absl::string_view phone_default_region);

}  // namespace crm::customer_profile
