// What feedback asks of loyalty: compensation points for a resolved
// complaint ticket (the closed loop) and whether a customer is in the
// programme's top tier (the DETRACTOR_TOP_TIER alert). The production client
// is GrpcLoyaltyClient (grpc_loyalty_client.h), every call under a deadline;
// without a loyalty address, UnconfiguredLoyalty. Unit tests use the fake in
// tests/testing/fakes/feedback/fake_loyalty_client.h.
//
//   absl::StatusOr<IssuedCompensation> issued =
//       loyalty.IssueCompensation(CompensationRequest{...});
//   if (loyalty.TierStandingOf(customer_id) == LoyaltyTierStanding::kTopTier)
#pragma once

#include <cstdint>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "crm/type/v1/error_reason.pb.h"
#include "services/common/error_details.h"

namespace crm::feedback {

// One IssueCompensation call. The same request_id with the same body is
// answered with the first entry (loyalty's idempotency), so a retry after a
// lost answer credits nothing twice.
struct CompensationRequest {
  std::string customer_id;  // The account's customer (non-empty).
  std::string ticket_id;    // The ticket compensated.
  int64_t points = 0;       // 1 to 1,000,000,000.
  std::string reason;       // At most 500 characters.
  std::string request_id;   // At most 64 characters.
};

// The credit loyalty wrote.
struct IssuedCompensation {
  // `accounts/{customer}/ledgerEntries/{entry}`.
  std::string entry_name;
  int64_t points = 0;
};

// Where a customer stands in loyalty's tiers, as far as the alert rules
// care. kUnknown: loyalty not configured, down, slow, or the programme has
// no tiers.
enum class LoyaltyTierStanding { kUnknown, kTopTier, kBelowTopTier };

class LoyaltyClient {
 public:
  LoyaltyClient(const LoyaltyClient&) = delete;
  LoyaltyClient& operator=(const LoyaltyClient&) = delete;
  virtual ~LoyaltyClient() = default;

  // Credits the points. UNAVAILABLE (reason BACKEND_UNAVAILABLE) when
  // loyalty cannot be reached in time (then nothing may or may not have
  // been credited: retry with the same request); FAILED_PRECONDITION when
  // no loyalty is configured; loyalty's own refusal otherwise (its code and
  // reason, the message saying it came from loyalty).
  virtual absl::StatusOr<IssuedCompensation> IssueCompensation(
      const CompensationRequest& request) = 0;

  // Whether `customer_id` (non-empty) is in the programme's highest tier;
  // never blocks longer than the client's deadline.
  virtual LoyaltyTierStanding TierStandingOf(
      const std::string& customer_id) = 0;

 protected:
  LoyaltyClient() = default;
};

// No loyalty configured: compensation is FAILED_PRECONDITION
// (BACKEND_UNAVAILABLE, field compensation_points), every tier unknown.
class UnconfiguredLoyalty final : public LoyaltyClient {
 public:
  UnconfiguredLoyalty() = default;
  absl::StatusOr<IssuedCompensation> IssueCompensation(
      const CompensationRequest& /*request*/) override {
    return crm::common::ErrorWithReason(
        absl::FailedPreconditionError(
            "compensation_points: compensation is not available: no loyalty "
            "address is configured (FEEDBACK_LOYALTY_ADDR)"),
        crm::type::v1::BACKEND_UNAVAILABLE,
        {{"field", "compensation_points"}, {"backend", "loyalty"}});
  }
  LoyaltyTierStanding TierStandingOf(
      const std::string& /*customer_id*/) override {
    return LoyaltyTierStanding::kUnknown;
  }
};

}  // namespace crm::feedback
