#include "services/loyalty/account_rules.h"

#include <limits>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "crm/type/v1/error_reason.pb.h"
#include "services/common/error_details.h"
#include "services/common/idempotency_store.h"
#include "services/common/resource_name.h"
#include "services/common/status_macros.h"
#include "services/common/text_validation.h"

namespace crm::loyalty {

using ::crm::common::InvalidFieldError;
using ::crm::common::RequiredFieldError;

absl::StatusOr<Adjustment> ValidateAdjustPoints(
    const v1::AdjustPointsRequest& request) {
  Adjustment adjustment;
  CRM_ASSIGN_OR_RETURN(adjustment.customer_id,
                       ParseAccountName(request.account(), "account"));
  if (request.points_delta() > kMaxPointsDeltaMagnitude ||
      request.points_delta() < -kMaxPointsDeltaMagnitude) {
    return InvalidFieldError(
        "points_delta",
        absl::StrCat("must be at most ", kMaxPointsDeltaMagnitude,
                     " in magnitude"));
  }
  adjustment.points_delta = request.points_delta();
  adjustment.reason = std::string(absl::StripAsciiWhitespace(request.reason()));
  // A reason of only whitespace counts as unset.
  if (adjustment.reason.empty()) return RequiredFieldError("reason");
  if (!crm::common::ValidateText(adjustment.reason, "reason", kMaxReasonLength,
                                 crm::common::Presence::kRequired)
           .ok()) {
    return InvalidFieldError("reason",
                             absl::StrCat("must be valid UTF-8 of at most ",
                                          kMaxReasonLength, " characters"));
  }
  if (!crm::common::ValidateRequestId(request.request_id()).ok()) {
    return InvalidFieldError(
        "request_id",
        absl::StrCat("must be at most ", crm::common::kMaxRequestIdLength,
                     " printable ASCII characters"));
  }
  adjustment.request_id = request.request_id();
  return adjustment;
}

absl::StatusOr<int64_t> ApplyDelta(int64_t balance, int64_t delta) {
  if (delta > 0 && balance > std::numeric_limits<int64_t>::max() - delta) {
    return crm::common::ErrorWithReason(
        absl::FailedPreconditionError(
            "points_delta: the balance would exceed the largest balance"),
        crm::type::v1::RESOURCE_STATE_CONFLICT, {{"field", "points_delta"}});
  }
  const int64_t after = balance + delta;
  if (after < 0) {
    return crm::common::ErrorWithReason(
        absl::FailedPreconditionError(
            "points_delta: insufficient points; the balance does not cover "
            "the debit"),
        crm::type::v1::INSUFFICIENT_BALANCE, {{"field", "points_delta"}});
  }
  return after;
}

absl::StatusOr<std::string> ParseAccountName(absl::string_view name,
                                             absl::string_view field) {
  absl::StatusOr<std::string> id =
      crm::common::ParseResourceName(name, kAccountsCollection, field);
  if (!id.ok()) {
    return InvalidFieldError(field, "must be of the form accounts/{customer}");
  }
  return id;
}

std::string AccountName(absl::string_view customer_id) {
  return crm::common::FormatResourceName(kAccountsCollection, customer_id);
}

std::string CustomerName(absl::string_view customer_id) {
  return crm::common::FormatResourceName(kCustomersCollection, customer_id);
}

std::string LedgerEntryName(absl::string_view customer_id,
                            absl::string_view entry_id) {
  return absl::StrCat(AccountName(customer_id), "/ledgerEntries/", entry_id);
}

std::string AdjustmentIdempotencyKey(absl::string_view request_id) {
  return absl::StrCat("adjust:", request_id);
}

}  // namespace crm::loyalty
