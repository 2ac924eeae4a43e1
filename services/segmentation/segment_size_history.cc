#include "services/segmentation/segment_size_history.h"

#include <algorithm>
#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "services/common/error_details.h"
#include "services/common/resource_name.h"
#include "services/segmentation/segment_validation.h"

namespace crm::segmentation {
namespace {

constexpr absl::string_view kSizeHistorySuffix = "/sizeHistory";

}  // namespace

absl::StatusOr<std::string> ParseSegmentSizeHistoryName(
    absl::string_view name) {
  absl::StatusOr<std::string> id = absl::InvalidArgumentError("not checked");
  if (absl::EndsWith(name, kSizeHistorySuffix)) {
    id = crm::common::ParseResourceName(
        name.substr(0, name.size() - kSizeHistorySuffix.size()),
        kSegmentsCollection, "name");
  }
  if (!id.ok()) {
    return crm::common::InvalidFieldError(
        "name", "must be of the form segments/{segment}/sizeHistory");
  }
  return id;
}

std::string SegmentSizeHistoryName(absl::string_view segment_id) {
  return absl::StrCat(SegmentName(segment_id), kSizeHistorySuffix);
}

absl::StatusOr<int> NormalizeSizeHistoryDays(int days) {
  if (days < 0) {
    return crm::common::InvalidFieldError("days", "must not be negative");
  }
  if (days == 0) return kDefaultSizeHistoryDays;
  return std::min(days, kMaxSizeHistoryDays);
}

std::vector<int64_t> DailySegmentSizes(
    int64_t size_at_last, absl::CivilDay first, absl::CivilDay last,
    const std::vector<DailyNetChange>& net_changes) {
  if (last < first) return {};
  absl::flat_hash_map<absl::CivilDay, int64_t> net_of_day;
  for (const DailyNetChange& change : net_changes) {
    if (change.day > first && change.day <= last) {
      net_of_day[change.day] += change.net;
    }
  }
  std::vector<int64_t> sizes(static_cast<size_t>(last - first) + 1);
  int64_t size = size_at_last;
  for (absl::CivilDay day = last;; --day) {
    sizes[static_cast<size_t>(day - first)] = size;
    if (day == first) break;
    auto it = net_of_day.find(day);
    if (it != net_of_day.end()) size -= it->second;
  }
  return sizes;
}

}  // namespace crm::segmentation
