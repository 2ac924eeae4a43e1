#include "services/loyalty/account_rules.h"

#include <limits>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "services/common/idempotency_store.h"
#include "services/common/resource_name.h"
#include "services/common/status_macros.h"
#include "services/common/text_validation.h"

namespace crm::loyalty {

absl::StatusOr<Adjustment> ValidateAdjustPoints(
    const v1::AdjustPointsRequest& request) {
  Adjustment adjustment;
  CRM_ASSIGN_OR_RETURN(adjustment.customer_id,
                       ParseAccountName(request.account(), "account"));
  if (request.points_delta() == 0) {
    return absl::InvalidArgumentError("points_delta must not be 0");
  }
  if (request.points_delta() > kMaxPointsDeltaMagnitude ||
      request.points_delta() < -kMaxPointsDeltaMagnitude) {
    return absl::InvalidArgumentError(
        absl::StrCat("points_delta must be at most ", kMaxPointsDeltaMagnitude,
                     " in magnitude"));
  }
  adjustment.points_delta = request.points_delta();
  adjustment.reason = std::string(absl::StripAsciiWhitespace(request.reason()));
  CRM_RETURN_IF_ERROR(
      crm::common::ValidateText(adjustment.reason, "reason", kMaxReasonLength,
                                crm::common::Presence::kRequired));
  if (request.request_id().empty()) {
    return absl::InvalidArgumentError(
        "request_id is required: it makes a retried adjustment apply once");
  }
  CRM_RETURN_IF_ERROR(crm::common::ValidateRequestId(request.request_id()));
  adjustment.request_id = request.request_id();
  return adjustment;
}

absl::StatusOr<int64_t> ApplyDelta(int64_t balance, int64_t delta) {
  if (delta > 0 && balance > std::numeric_limits<int64_t>::max() - delta) {
    return absl::FailedPreconditionError(
        "points_balance would exceed the largest balance");
  }
  const int64_t after = balance + delta;
  if (after < 0) {
    return absl::FailedPreconditionError(
        absl::StrCat("insufficient points: the balance is ", balance,
                     " and the adjustment removes ", -delta));
  }
  return after;
}

absl::StatusOr<std::string> ParseAccountName(absl::string_view name,
                                             absl::string_view field) {
  return crm::common::ParseResourceName(name, kAccountsCollection, field);
}

std::string AccountName(absl::string_view customer_id) {
  return crm::common::FormatResourceName(kAccountsCollection, customer_id);
}

std::string LedgerEntryName(absl::string_view customer_id,
                            absl::string_view entry_id) {
  return absl::StrCat(AccountName(customer_id), "/ledgerEntries/", entry_id);
}

std::string AdjustmentIdempotencyKey(absl::string_view request_id) {
  return absl::StrCat("adjust:", request_id);
}

}  // namespace crm::loyalty
