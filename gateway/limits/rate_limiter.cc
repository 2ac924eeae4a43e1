#include "gateway/limits/rate_limiter.h"

#include <algorithm>
#include <cmath>
#include <functional>

#include "absl/hash/hash.h"

namespace crm::gateway::limits {

RateLimiter::RateLimiter(RateLimit limit)
    : limit_([&] {
        limit.burst = std::max(1.0, limit.burst);
        limit.max_keys = std::max<size_t>(kShards, limit.max_keys);
        return limit;
      }()),
      max_keys_per_shard_(limit_.max_keys / kShards) {}

void RateLimiter::Refill(Bucket& bucket, absl::Time now) const {
  if (now > bucket.updated) {
    bucket.tokens =
        std::min(limit_.burst,
                 bucket.tokens + absl::ToDoubleSeconds(now - bucket.updated) *
                                     limit_.rate_per_second);
    bucket.updated = now;
  }
}

void RateLimiter::Prune(Shard& shard, absl::Time now) const {
  for (auto it = shard.buckets.begin(); it != shard.buckets.end();) {
    Refill(it->second, now);
    if (it->second.tokens >= limit_.burst) {
      it = shard.buckets.erase(it);
    } else {
      ++it;
    }
  }
}

RateLimiter::Decision RateLimiter::Take(absl::string_view key, absl::Time now) {
  Decision decision;
  if (!enabled()) return decision;
  Shard& shard = shards_[absl::Hash<absl::string_view>()(key) % kShards];
  absl::MutexLock lock(&shard.mu);
  auto it = shard.buckets.find(std::string(key));
  if (it == shard.buckets.end()) {
    if (shard.buckets.size() >= max_keys_per_shard_) Prune(shard, now);
    if (shard.buckets.size() >= max_keys_per_shard_) {
      decision.allowed = false;
      decision.retry_after = absl::Seconds(1);
      return decision;
    }
    it = shard.buckets.emplace(std::string(key), Bucket{limit_.burst, now})
             .first;
  }
  Bucket& bucket = it->second;
  Refill(bucket, now);
  if (bucket.tokens >= 1) {
    bucket.tokens -= 1;
    return decision;
  }
  decision.allowed = false;
  decision.retry_after =
      absl::Seconds((1 - bucket.tokens) / limit_.rate_per_second);
  return decision;
}

size_t RateLimiter::size() const {
  size_t total = 0;
  for (const Shard& shard : shards_) {
    absl::MutexLock lock(&shard.mu);
    total += shard.buckets.size();
  }
  return total;
}

}  // namespace crm::gateway::limits
