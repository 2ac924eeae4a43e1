// SummarizeAccount: one customer's loyalty at a glance — the account, its
// newest ledger entries and its ISSUED coupons — answered by the managers
// that serve GetAccount, ListLedgerEntries and ListCoupons, so the three
// parts are exactly what those calls return. One call instead of three
// for a caller that shows them together (the gateway's customer view).
//
//   AccountSummarizer summarizer(accounts, rewards);
//   absl::StatusOr<v1::AccountSummary> summary =
//       summarizer.SummarizeAccount(context, request);
#pragma once

#include "absl/status/statusor.h"
#include "crm/loyalty/v1/loyalty_service.pb.h"
#include "services/common/request_context.h"
#include "services/loyalty/account_manager.h"
#include "services/loyalty/reward_manager.h"

namespace crm::loyalty {

// The most ledger entries or coupons one summary may include.
inline constexpr int kMaxSummaryItems = 50;

class AccountSummarizer {
 public:
  // Both managers must outlive this object.
  AccountSummarizer(AccountManager& accounts, RewardManager& rewards)
      : accounts_(accounts), rewards_(rewards) {}
  AccountSummarizer(const AccountSummarizer&) = delete;
  AccountSummarizer& operator=(const AccountSummarizer&) = delete;

  // INVALID_ARGUMENT naming the field for a malformed `name` or a count
  // outside 0..kMaxSummaryItems; otherwise the first error of the reads.
  // A part whose count is 0 is not read.
  absl::StatusOr<v1::AccountSummary> SummarizeAccount(
      const crm::common::RequestContext& context,
      const v1::SummarizeAccountRequest& request);

 private:
  AccountManager& accounts_;
  RewardManager& rewards_;
};

}  // namespace crm::loyalty
