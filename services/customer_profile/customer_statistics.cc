#include "services/customer_profile/customer_statistics.h"

#include <algorithm>
#include <cstdint>
#include <map>
#include <vector>

#include "services/common/error_details.h"
#include "services/common/timestamps.h"

namespace crm::customer_profile {

absl::Status CheckCustomerStatisticsName(absl::string_view name) {
  if (name != kCustomerStatisticsName) {
    return crm::common::InvalidFieldError("name", "must be customerStatistics");
  }
  return absl::OkStatus();
}

absl::StatusOr<int> NormalizeStatisticsMonths(int months) {
  if (months < 0) {
    return crm::common::InvalidFieldError("months", "must not be negative");
  }
  if (months == 0) return kDefaultStatisticsMonths;
  return std::min(months, kMaxStatisticsMonths);
}

v1::CustomerStatistics BuildCustomerStatistics(
    const std::vector<ChannelCount>& channels,
    const std::vector<MonthCount>& created, absl::CivilMonth first,
    absl::CivilMonth current, absl::Time now) {
  v1::CustomerStatistics statistics;
  statistics.set_name(kCustomerStatisticsName);
  int64_t total = 0;
  for (const ChannelCount& channel : channels) {
    v1::CustomerStatistics::ChannelCount* out = statistics.add_channels();
    out->set_channel(channel.channel);
    out->set_customer_count(channel.count);
    total += channel.count;
  }
  statistics.set_customer_count(total);
  std::map<absl::CivilMonth, int64_t> created_in;
  for (const MonthCount& month : created) {
    if (month.month >= first) created_in[month.month] += month.count;
  }
  // Customers created before `first`: everyone less those created since.
  int64_t count = total;
  for (const auto& [month, n] : created_in) count -= n;
  for (absl::CivilMonth month = first; month <= current; ++month) {
    auto it = created_in.find(month);
    const int64_t joined = it == created_in.end() ? 0 : it->second;
    count += joined;
    v1::CustomerStatistics::MonthlyGrowth* out =
        statistics.add_monthly_growth();
    *out->mutable_month_start_time() = crm::common::ToProtoTimestamp(
        absl::FromCivil(month, absl::UTCTimeZone()));
    out->set_new_customers(joined);
    out->set_customer_count(count);
  }
  *statistics.mutable_compute_time() = crm::common::ToProtoTimestamp(now);
  return statistics;
}

}  // namespace crm::customer_profile
