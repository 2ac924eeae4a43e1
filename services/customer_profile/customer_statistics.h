// The customer base's figures (GetCustomerStatistics) as pure functions over
// the repository's aggregates (customer_repository.h: ACTIVE customers per
// source channel and per creation month).
//
//   CRM_RETURN_IF_ERROR(CheckCustomerStatisticsName(request.name()));
//   CRM_ASSIGN_OR_RETURN(int months,
//   NormalizeStatisticsMonths(request.months())); v1::CustomerStatistics
//   statistics =
//       BuildCustomerStatistics(channels, created, first, current, now);
//
// Customers are the ACTIVE records: merged and erased ones are in no figure,
// including the months they were created in. A month's customer_count is
// the customers now that were created before its end, so the current
// month's is the count now.
#pragma once

#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/civil_time.h"
#include "absl/time/time.h"
#include "crm/customerprofile/v1/customer_profile_service.pb.h"
#include "services/customer_profile/customer_repository.h"

namespace crm::customer_profile {

inline constexpr char kCustomerStatisticsName[] = "customerStatistics";
inline constexpr int kDefaultStatisticsMonths = 12;
inline constexpr int kMaxStatisticsMonths = 120;

// OK if `name` is exactly `customerStatistics`; INVALID_ARGUMENT
// (FIELD_INVALID) naming `name` otherwise.
absl::Status CheckCustomerStatisticsName(absl::string_view name);

// How many months a request asks for: 0 -> 12, above 120 -> 120;
// INVALID_ARGUMENT (FIELD_INVALID) naming `months` when negative.
absl::StatusOr<int> NormalizeStatisticsMonths(int months);

// The statistics of months [first, current], oldest first: `channels` as
// given (largest first), customer_count their sum, each month's
// new_customers from `created` (ACTIVE customers per creation month, every
// month from `first` on) and its customer_count = the sum less the
// customers created in later months. compute_time = `now`.
v1::CustomerStatistics BuildCustomerStatistics(
    const std::vector<ChannelCount>& channels,
    const std::vector<MonthCount>& created, absl::CivilMonth first,
    absl::CivilMonth current, absl::Time now);

}  // namespace crm::customer_profile
