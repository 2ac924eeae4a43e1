#include "services/loyalty/segment_membership_cache.h"

#include <utility>

#include "absl/status/statusor.h"
#include "services/common/logging.h"

namespace crm::loyalty {

CachedSegmentMembership::CachedSegmentMembership(
    SegmentationClient& client, const crm::common::Clock& clock,
    SegmentMembershipOptions options)
    : client_(client),
      clock_(clock),
      options_(options),
      metrics_(options.metrics != nullptr ? *options.metrics
                                          : crm::common::Metrics::Default()) {}

std::optional<std::vector<std::string>> CachedSegmentMembership::SegmentsOf(
    absl::string_view customer_id) {
  const std::string id(customer_id);
  const absl::Time now = clock_.Now();
  std::optional<std::vector<std::string>> fresh;
  bool ask = true;
  {
    absl::MutexLock lock(&mu_);
    fresh = Held(id, now, options_.fresh_for);
    ask = now - failed_at_ >= options_.retry_after;
  }
  if (fresh.has_value()) {
    Count("cached");
    return fresh;
  }
  absl::Status failure = absl::UnavailableError(
      "segmentation failed moments ago; not asked again yet");
  if (ask) {
    absl::StatusOr<std::vector<std::string>> answer =
        client_.SegmentsOfCustomer(id, now + options_.call_timeout);
    if (answer.ok()) {
      {
        absl::MutexLock lock(&mu_);
        Store(id, *answer, clock_.Now());
      }
      Count("answered");
      return *std::move(answer);
    }
    failure = answer.status();
  }
  std::optional<std::vector<std::string>> stale;
  {
    absl::MutexLock lock(&mu_);
    if (ask) failed_at_ = clock_.Now();
    stale = Held(id, now, options_.usable_for);
  }
  if (stale.has_value()) {
    Count("stale");
    return stale;
  }
  Count("unknown");
  crm::common::LogWarning(
      "segment membership unknown: segment campaigns do not reach the member",
      {{"customer", id}, {"error", std::string(failure.message())}});
  return std::nullopt;
}

size_t CachedSegmentMembership::size() const {
  absl::MutexLock lock(&mu_);
  return entries_.size();
}

std::optional<std::vector<std::string>> CachedSegmentMembership::Held(
    const std::string& customer_id, absl::Time now, absl::Duration max_age) {
  auto it = entries_.find(customer_id);
  if (it == entries_.end() || now - it->second.answer_time >= max_age) {
    return std::nullopt;
  }
  recency_.splice(recency_.begin(), recency_, it->second.recency);
  return it->second.segments;
}

void CachedSegmentMembership::Store(const std::string& customer_id,
                                    std::vector<std::string> segments,
                                    absl::Time now) {
  auto it = entries_.find(customer_id);
  if (it != entries_.end()) {
    it->second.segments = std::move(segments);
    it->second.answer_time = now;
    recency_.splice(recency_.begin(), recency_, it->second.recency);
    return;
  }
  while (!recency_.empty() && entries_.size() >= options_.max_customers) {
    entries_.erase(recency_.back());
    recency_.pop_back();
  }
  if (options_.max_customers == 0) return;
  recency_.push_front(customer_id);
  entries_.emplace(customer_id,
                   Entry{std::move(segments), now, recency_.begin()});
}

void CachedSegmentMembership::Count(absl::string_view outcome) {
  metrics_.IncrementCounter(
      "crm_loyalty_segment_membership_lookups_total",
      "Segment membership lookups for campaign bonuses, by outcome.",
      {{"outcome", std::string(outcome)}});
}

}  // namespace crm::loyalty
