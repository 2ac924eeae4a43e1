// The segments of a member as campaign bonuses need them (campaign_bonus.h),
// asked of segmentation (segmentation_client.h) with a short deadline and
// remembered per customer, so a slow or unavailable segmentation never
// holds the order feed's transaction longer than the deadline.
//
// SegmentsOf(customer):
// - an answer younger than `fresh_for` is used without asking;
// - otherwise segmentation is asked with a deadline of `call_timeout`
//   (300 ms), unless it failed less than `retry_after` ago (then it is
//   treated as failed at once: a down segmentation costs one deadline per
//   `retry_after`, not one per order);
// - when it fails, the last answer is used if younger than `usable_for`;
// - with no usable answer the membership is unknown (nullopt): the caller
//   treats the member as outside every segment (a segment campaign does not
//   reach them) and it is counted.
// At most `max_customers` answers are kept; the least recently used goes
// first. Thread-safe; the call to segmentation is made without the lock.
//
// Metric crm_loyalty_segment_membership_lookups_total{outcome=...}: `cached`
// (fresh answer), `answered` (segmentation answered), `stale` (failed, an
// older answer used), `unknown` (failed, none usable).
//
//   CachedSegmentMembership membership(client, clock, {});
//   std::optional<std::vector<std::string>> segments =
//       membership.SegmentsOf("c1");
#pragma once

#include <cstddef>
#include <list>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "services/common/clock.h"
#include "services/common/metrics.h"
#include "services/loyalty/segmentation_client.h"

namespace crm::loyalty {

struct SegmentMembershipOptions {
  absl::Duration call_timeout = absl::Milliseconds(300);
  absl::Duration fresh_for = absl::Minutes(1);
  absl::Duration usable_for = absl::Hours(24);
  absl::Duration retry_after = absl::Seconds(5);
  size_t max_customers = 100000;
  crm::common::Metrics* metrics = nullptr;  // nullptr: Metrics::Default().
};

class CachedSegmentMembership {
 public:
  // `client` and `clock` must outlive this object.
  CachedSegmentMembership(SegmentationClient& client,
                          const crm::common::Clock& clock,
                          SegmentMembershipOptions options = {});
  CachedSegmentMembership(const CachedSegmentMembership&) = delete;
  CachedSegmentMembership& operator=(const CachedSegmentMembership&) = delete;

  // The ids of the segments `customer_id` belongs to, or nullopt when
  // unknown (see above).
  std::optional<std::vector<std::string>> SegmentsOf(
      absl::string_view customer_id);

  // Answers held (for tests and the metric).
  size_t size() const;

 private:
  struct Entry {
    std::vector<std::string> segments;
    absl::Time answer_time;
    std::list<std::string>::iterator recency;  // Into recency_.
  };

  // The held answer of `customer_id` younger than `max_age` at `now`;
  // marks it recently used.
  std::optional<std::vector<std::string>> Held(const std::string& customer_id,
                                               absl::Time now,
                                               absl::Duration max_age)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  void Store(const std::string& customer_id, std::vector<std::string> segments,
             absl::Time now) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  void Count(absl::string_view outcome);

  SegmentationClient& client_;
  const crm::common::Clock& clock_;
  const SegmentMembershipOptions options_;
  crm::common::Metrics& metrics_;

  mutable absl::Mutex mu_;
  std::unordered_map<std::string, Entry> entries_ ABSL_GUARDED_BY(mu_);
  std::list<std::string> recency_ ABSL_GUARDED_BY(mu_);  // Most recent first.
  absl::Time failed_at_ ABSL_GUARDED_BY(mu_) = absl::InfinitePast();
};

}  // namespace crm::loyalty
