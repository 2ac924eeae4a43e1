// Removes a customer's identifiers from free text when the customer is
// erased (customer_profile_events.h): feedback's own records keep no
// customer-profile data to compare with (names, e-mail and phone numbers
// live there, crypto-shredded), so identifiers are found by their shape.
//
//   item.text = ScrubIdentifiers(item.text, customer_id);
//
// Replaced by "[removed]": e-mail addresses (text@domain.tld); runs of 7 or
// more digits, also when spaced by single spaces, dashes, dots or
// parentheses and led by "+" (phone, card, ID and order numbers), with
// full-width digits counted as digits (dates written in digits go too); and
// the customer's id itself when it has 6 or more characters. Other text,
// Chinese included, is kept byte for byte.
#pragma once

#include <string>

#include "absl/strings/string_view.h"

namespace crm::feedback {

inline constexpr char kRemovedIdentifier[] = "[removed]";

std::string ScrubIdentifiers(absl::string_view text,
                             absl::string_view customer_id);

}  // namespace crm::feedback
