// Token-bucket rate limits keyed by a string (an API key's id, a client
// address): each key may make `burst` requests at once and `rate` a second
// on average.
//
//   RateLimiter limiter({.rate_per_second = 50, .burst = 100});
//   RateLimiter::Decision d = limiter.Take("key:ops", absl::Now());
//   if (!d.allowed) { /* 429, Retry-After: d.retry_after (whole seconds) */ }
//
// Buckets live in shards (a mutex each), created on first use; a bucket
// that has refilled completely is forgotten when its shard grows past
// max_keys / shards, so memory stays bounded under many distinct keys (a
// shard that is still full of busy keys refuses new ones: they are limited
// until room frees up). A rate of 0 turns the limiter off.
#pragma once

#include <array>
#include <cstddef>
#include <string>
#include <unordered_map>

#include "absl/base/thread_annotations.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"

namespace crm::gateway::limits {

struct RateLimit {
  double rate_per_second = 0;  // 0: unlimited.
  double burst = 1;            // Bucket size, at least 1.
  size_t max_keys = 100000;    // Buckets kept at most (all shards).
};

class RateLimiter {
 public:
  struct Decision {
    bool allowed = true;
    // When refused: how long until a request would be allowed.
    absl::Duration retry_after = absl::ZeroDuration();
  };

  explicit RateLimiter(RateLimit limit);

  bool enabled() const { return limit_.rate_per_second > 0; }

  // Takes one token from `key`'s bucket at time `now`.
  Decision Take(absl::string_view key, absl::Time now);

  // Buckets currently kept (tests).
  size_t size() const;

 private:
  static constexpr size_t kShards = 16;
  struct Bucket {
    double tokens = 0;
    absl::Time updated;
  };
  struct Shard {
    mutable absl::Mutex mu;
    std::unordered_map<std::string, Bucket> buckets ABSL_GUARDED_BY(mu);
  };

  // Refills `bucket` up to `now`.
  void Refill(Bucket& bucket, absl::Time now) const;
  // Forgets the full buckets of `shard`.
  void Prune(Shard& shard, absl::Time now) const
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(shard.mu);

  const RateLimit limit_;
  const size_t max_keys_per_shard_;
  std::array<Shard, kShards> shards_;
};

}  // namespace crm::gateway::limits
