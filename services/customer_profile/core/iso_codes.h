// Embedded ISO code lists: ISO 3166-1 alpha-2 country codes (the 249
// officially assigned codes) and ISO 4217 active currency codes with their
// minor-unit exponents (as published in 2024: includes XCG, SLE, VED, ZWG;
// excludes withdrawn HRK, SLL, ZWL, CUC and codes without a minor unit).
//
//   if (!IsAssignedCountryCode("CN")) ...;
//   std::optional<int> exponent = FindCurrencyMinorUnits("JPY");  // 0
//
// Lookups take the code exactly as given (upper-case ASCII); normalisation
// lives in standardizer.h. Pure data, thread-safe.
#pragma once

#include <cstddef>
#include <optional>

#include "absl/strings/string_view.h"

namespace crm::customer_profile {

// True if `code` is an officially assigned ISO 3166-1 alpha-2 code.
bool IsAssignedCountryCode(absl::string_view code);

// Number of codes in the embedded country list (249).
size_t AssignedCountryCodeCount();

// The minor-unit exponent of an active ISO 4217 currency, or nullopt.
std::optional<int> FindCurrencyMinorUnits(absl::string_view code);

// Number of codes in the embedded currency list.
size_t ActiveCurrencyCount();

}  // namespace crm::customer_profile
