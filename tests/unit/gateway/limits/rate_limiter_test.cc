#include "gateway/limits/rate_limiter.h"

#include <gtest/gtest.h>

#include <string>

namespace crm::gateway::limits {
namespace {

const absl::Time kStart = absl::FromUnixSeconds(1800000000);

TEST(RateLimiterTest, AllowsTheBurstThenTheRate) {
  RateLimiter limiter({.rate_per_second = 2, .burst = 3});
  for (int i = 0; i < 3; ++i) {
    EXPECT_TRUE(limiter.Take("k", kStart).allowed) << i;
  }
  RateLimiter::Decision refused = limiter.Take("k", kStart);
  EXPECT_FALSE(refused.allowed);
  EXPECT_EQ(refused.retry_after, absl::Milliseconds(500));
  // Another key has its own bucket.
  EXPECT_TRUE(limiter.Take("other", kStart).allowed);
  // Half a second later: one token.
  EXPECT_TRUE(limiter.Take("k", kStart + absl::Milliseconds(500)).allowed);
  EXPECT_FALSE(limiter.Take("k", kStart + absl::Milliseconds(500)).allowed);
  // Never more than the burst, however long the pause.
  const absl::Time later = kStart + absl::Hours(1);
  for (int i = 0; i < 3; ++i) EXPECT_TRUE(limiter.Take("k", later).allowed);
  EXPECT_FALSE(limiter.Take("k", later).allowed);
}

TEST(RateLimiterTest, ZeroRateIsOff) {
  RateLimiter limiter({.rate_per_second = 0, .burst = 1});
  EXPECT_FALSE(limiter.enabled());
  for (int i = 0; i < 1000; ++i) EXPECT_TRUE(limiter.Take("k", kStart).allowed);
  EXPECT_EQ(limiter.size(), 0u);
}

TEST(RateLimiterTest, MemoryStaysBoundedUnderManyKeys) {
  RateLimiter limiter({.rate_per_second = 10, .burst = 5, .max_keys = 160});
  // Many one-off callers: their buckets refill and are forgotten.
  for (int i = 0; i < 5000; ++i) {
    limiter.Take("addr-" + std::to_string(i), kStart + absl::Seconds(i));
  }
  EXPECT_LE(limiter.size(), 160u);
  // While every bucket is busy, a new key is refused rather than stored.
  RateLimiter busy({.rate_per_second = 0.001, .burst = 1, .max_keys = 16});
  int refused = 0;
  for (int i = 0; i < 200; ++i) {
    if (!busy.Take("k" + std::to_string(i), kStart).allowed) ++refused;
  }
  EXPECT_LE(busy.size(), 16u);
  EXPECT_GT(refused, 0);
}

}  // namespace
}  // namespace crm::gateway::limits
