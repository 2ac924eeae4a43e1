// Where the ticket manager learns a customer's value tier for the priority
// (ticket_rules.h, TicketPriorityOf). The production source asks
// segmentation (segmentation_value_tiers.h) with a short deadline; any
// failure is ValueTier::kUnknown, which the rules treat as medium, so a
// complaint is never refused because segmentation is down or slow.
//
//   const ValueTier tier = tiers.TierOf(customer_id);
#pragma once

#include <string>

#include "services/feedback/ticket_rules.h"

namespace crm::feedback {

class ValueTierSource {
 public:
  ValueTierSource(const ValueTierSource&) = delete;
  ValueTierSource& operator=(const ValueTierSource&) = delete;
  virtual ~ValueTierSource() = default;

  // The tier of `customer_id` (non-empty); kUnknown when it cannot be
  // learnt in time. Never blocks longer than the source's deadline.
  virtual ValueTier TierOf(const std::string& customer_id) = 0;

 protected:
  ValueTierSource() = default;
};

// Knows no tier: every customer is kUnknown (no segmentation configured).
class UnknownValueTiers final : public ValueTierSource {
 public:
  UnknownValueTiers() = default;
  ValueTier TierOf(const std::string& /*customer_id*/) override {
    return ValueTier::kUnknown;
  }
};

}  // namespace crm::feedback
