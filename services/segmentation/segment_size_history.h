// A segment's size at the end of each UTC day (GetSegmentSizeHistory), as
// pure functions over its current member count and the net daily changes of
// its membership history (membership_repository.h).
//
//   CRM_ASSIGN_OR_RETURN(std::string id, ParseSegmentSizeHistoryName(name));
//   std::vector<int64_t> sizes =
//       DailySegmentSizes(current, first_day, today, net_changes);
//
// The size at the end of day d is the current member count less the net
// entries (ENTERED minus LEFT) of the days after d, so today's size is the
// current member count by construction and every other day differs from the
// next by that day's net change. A customer erased since has no history and
// no membership, so is in no day.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/civil_time.h"
#include "services/segmentation/membership_repository.h"

namespace crm::segmentation {

inline constexpr int kDefaultSizeHistoryDays = 30;
inline constexpr int kMaxSizeHistoryDays = 366;

// The segment id in `segments/{segment}/sizeHistory`; INVALID_ARGUMENT
// (FIELD_INVALID) naming `name` otherwise.
absl::StatusOr<std::string> ParseSegmentSizeHistoryName(absl::string_view name);

// `segments/{id}/sizeHistory`.
std::string SegmentSizeHistoryName(absl::string_view segment_id);

// How many days a request asks for: 0 -> 30, above 366 -> 366;
// INVALID_ARGUMENT (FIELD_INVALID) naming `days` when negative.
absl::StatusOr<int> NormalizeSizeHistoryDays(int days);

// The sizes at the end of each day of [first, last], oldest first, given the
// size at the end of `last` and the net changes of the days after `first`
// (days outside (first, last] are ignored).
std::vector<int64_t> DailySegmentSizes(
    int64_t size_at_last, absl::CivilDay first, absl::CivilDay last,
    const std::vector<DailyNetChange>& net_changes);

}  // namespace crm::segmentation
