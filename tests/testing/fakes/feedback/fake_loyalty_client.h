// A LoyaltyClient (services/feedback/loyalty_client.h) for unit tests: a
// loyalty that keeps its compensation entries by request_id (a repeated
// request_id with the same body answers the first entry, with another body
// INVALID_ARGUMENT REQUEST_ID_REUSED, as loyalty does), can be taken down
// (UNAVAILABLE) and knows the tier standing it is told.
//
//   crm::testing::FakeLoyaltyClient loyalty;
//   loyalty.set_available(false);
//   loyalty.SetStanding("c1", LoyaltyTierStanding::kTopTier);
#pragma once

#include <functional>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "services/common/error_details.h"
#include "services/feedback/loyalty_client.h"

namespace crm::testing {

class FakeLoyaltyClient final : public crm::feedback::LoyaltyClient {
 public:
  using CompensationRequest = crm::feedback::CompensationRequest;
  using IssuedCompensation = crm::feedback::IssuedCompensation;
  using LoyaltyTierStanding = crm::feedback::LoyaltyTierStanding;

  absl::StatusOr<IssuedCompensation> IssueCompensation(
      const CompensationRequest& request) override {
    absl::StatusOr<IssuedCompensation> issued = Issue(request);
    if (issued.ok() && after_issue_) after_issue_();
    return issued;
  }

  // Called after every successful IssueCompensation (for example to make
  // the caller's next commit fail).
  void set_after_issue(std::function<void()> after_issue) {
    after_issue_ = std::move(after_issue);
  }

 private:
  absl::StatusOr<IssuedCompensation> Issue(const CompensationRequest& request) {
    absl::MutexLock lock(&mu_);
    calls_.push_back(request);
    if (!available_) {
      return crm::common::ErrorWithReason(
          absl::UnavailableError("loyalty did not answer in time"),
          crm::type::v1::BACKEND_UNAVAILABLE, {{"backend", "loyalty"}});
    }
    auto found = issued_.find(request.request_id);
    if (found != issued_.end()) {
      const CompensationRequest& first = found->second.request;
      if (first.customer_id != request.customer_id ||
          first.ticket_id != request.ticket_id ||
          first.points != request.points || first.reason != request.reason) {
        return crm::common::ErrorWithReason(
            absl::InvalidArgumentError("request_id: reused with another body"),
            crm::type::v1::REQUEST_ID_REUSED);
      }
      return found->second.entry;
    }
    Issued issued;
    issued.request = request;
    issued.entry.points = request.points;
    issued.entry.entry_name =
        absl::StrCat("accounts/", request.customer_id, "/ledgerEntries/e",
                     issued_.size() + 1);
    issued_.emplace(request.request_id, issued);
    balances_[request.customer_id] += request.points;
    return issued.entry;
  }

 public:
  LoyaltyTierStanding TierStandingOf(const std::string& customer_id) override {
    absl::MutexLock lock(&mu_);
    ++standing_lookups_;
    if (!available_) return LoyaltyTierStanding::kUnknown;
    auto found = standings_.find(customer_id);
    return found == standings_.end() ? LoyaltyTierStanding::kUnknown
                                     : found->second;
  }

  // While false, every call fails as an unreachable loyalty does.
  void set_available(bool available) {
    absl::MutexLock lock(&mu_);
    available_ = available;
  }
  void SetStanding(const std::string& customer_id,
                   LoyaltyTierStanding standing) {
    absl::MutexLock lock(&mu_);
    standings_[customer_id] = standing;
  }
  // Points credited to `customer_id` (each request_id once).
  int64_t balance(const std::string& customer_id) const {
    absl::MutexLock lock(&mu_);
    auto found = balances_.find(customer_id);
    return found == balances_.end() ? 0 : found->second;
  }
  // Every IssueCompensation call received, failed ones included.
  std::vector<CompensationRequest> calls() const {
    absl::MutexLock lock(&mu_);
    return calls_;
  }
  int standing_lookups() const {
    absl::MutexLock lock(&mu_);
    return standing_lookups_;
  }

 private:
  struct Issued {
    CompensationRequest request;
    IssuedCompensation entry;
  };

  std::function<void()> after_issue_;
  mutable absl::Mutex mu_;
  bool available_ ABSL_GUARDED_BY(mu_) = true;
  std::map<std::string, Issued> issued_ ABSL_GUARDED_BY(mu_);
  std::map<std::string, int64_t> balances_ ABSL_GUARDED_BY(mu_);
  std::map<std::string, LoyaltyTierStanding> standings_ ABSL_GUARDED_BY(mu_);
  std::vector<CompensationRequest> calls_ ABSL_GUARDED_BY(mu_);
  int standing_lookups_ ABSL_GUARDED_BY(mu_) = 0;
};

}  // namespace crm::testing
