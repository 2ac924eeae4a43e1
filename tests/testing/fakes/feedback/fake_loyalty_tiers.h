// A LoyaltyTierSource (services/feedback/loyalty_tier_source.h) answering
// from a map the test fills; every other customer's tier is unknown (""),
// as when loyalty is down. Counts the questions asked.
//
//   crm::testing::FakeLoyaltyTiers tiers;
//   tiers.Set("c1", "gold");
#pragma once

#include <map>
#include <string>

#include "absl/synchronization/mutex.h"
#include "services/feedback/loyalty_tier_source.h"

namespace crm::testing {

class FakeLoyaltyTiers final : public crm::feedback::LoyaltyTierSource {
 public:
  std::string LoyaltyTierOf(const std::string& customer_id) override {
    absl::MutexLock lock(&mu_);
    ++asked_;
    auto found = tiers_.find(customer_id);
    return found == tiers_.end() ? std::string() : found->second;
  }

  void Set(const std::string& customer_id, const std::string& tier) {
    absl::MutexLock lock(&mu_);
    tiers_[customer_id] = tier;
  }

  int asked() const {
    absl::MutexLock lock(&mu_);
    return asked_;
  }

 private:
  mutable absl::Mutex mu_;
  std::map<std::string, std::string> tiers_;
  int asked_ = 0;
};

}  // namespace crm::testing
