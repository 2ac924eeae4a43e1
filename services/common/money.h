// Money as the APIs carry it: integer minor units with an ISO 4217 code.
#pragma once

#include <cstdint>

#include "absl/strings/string_view.h"
#include "crm/type/v1/money.pb.h"

namespace crm::common {

// `amount_minor` of `currency_code` (for example 12345 "CNY" is 123.45 CNY).
// The code is copied as given: callers pass validated, stored codes.
crm::type::v1::Money MoneyOf(absl::string_view currency_code,
                             int64_t amount_minor);

}  // namespace crm::common
