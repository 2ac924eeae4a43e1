// A ValueTierSource (services/feedback/value_tier_source.h) answering from a
// map the test fills; every other customer is kUnknown, as when segmentation
// is down. Counts the questions asked.
//
//   crm::testing::FakeValueTiers tiers;
//   tiers.Set("c1", crm::feedback::ValueTier::kHigh);
#pragma once

#include <map>
#include <string>

#include "absl/synchronization/mutex.h"
#include "services/feedback/value_tier_source.h"

namespace crm::testing {

class FakeValueTiers final : public crm::feedback::ValueTierSource {
 public:
  crm::feedback::ValueTier TierOf(const std::string& customer_id) override {
    absl::MutexLock lock(&mu_);
    ++asked_;
    auto found = tiers_.find(customer_id);
    return found == tiers_.end() ? crm::feedback::ValueTier::kUnknown
                                 : found->second;
  }

  void Set(const std::string& customer_id, crm::feedback::ValueTier tier) {
    absl::MutexLock lock(&mu_);
    tiers_[customer_id] = tier;
  }

  int asked() const {
    absl::MutexLock lock(&mu_);
    return asked_;
  }

 private:
  mutable absl::Mutex mu_;
  std::map<std::string, crm::feedback::ValueTier> tiers_;
  int asked_ = 0;
};

}  // namespace crm::testing
