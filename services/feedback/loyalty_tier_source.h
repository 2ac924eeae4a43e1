// Where the survey manager learns a customer's loyalty tier at answer time
// (SurveyResponse.loyalty_tier). The production source asks loyalty
// (grpc_loyalty_tiers.h) with a short deadline; any failure is an unknown
// tier (""), so a response is never refused because loyalty is down, slow
// or not configured. Unit tests use the fake in
// tests/testing/fakes/feedback/fake_loyalty_tier_source.h.
//
//   const std::string tier = loyalty_tiers.LoyaltyTierOf(customer_id);
#pragma once

#include <string>

namespace crm::feedback {

class LoyaltyTierSource {
 public:
  LoyaltyTierSource(const LoyaltyTierSource&) = delete;
  LoyaltyTierSource& operator=(const LoyaltyTierSource&) = delete;
  virtual ~LoyaltyTierSource() = default;

  // The tier id (loyalty's `Tier.tier_id`) of `customer_id` (non-empty);
  // empty when the customer has no tier or it cannot be learnt in time.
  // Never blocks longer than the source's deadline.
  virtual std::string LoyaltyTierOf(const std::string& customer_id) = 0;

 protected:
  LoyaltyTierSource() = default;
};

// Knows no tier: every customer's is "" (no loyalty configured).
class UnknownLoyaltyTiers final : public LoyaltyTierSource {
 public:
  UnknownLoyaltyTiers() = default;
  std::string LoyaltyTierOf(const std::string& /*customer_id*/) override {
    return std::string();
  }
};

}  // namespace crm::feedback
