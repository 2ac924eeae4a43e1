#include "services/loyalty/account_rules.h"

#include <limits>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
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

namespace {

// The trimmed reason, or the error for `reason`.
absl::StatusOr<std::string> ValidReason(absl::string_view text) {
  std::string reason = std::string(absl::StripAsciiWhitespace(text));
  if (reason.empty()) return RequiredFieldError("reason");
  if (!crm::common::ValidateText(reason, "reason", kMaxReasonLength,
                                 crm::common::Presence::kRequired)
           .ok()) {
    return InvalidFieldError("reason",
                             absl::StrCat("must be valid UTF-8 of at most ",
                                          kMaxReasonLength, " characters"));
  }
  return reason;
}

absl::Status ValidRequestId(absl::string_view request_id) {
  if (!crm::common::ValidateRequestId(request_id).ok()) {
    return InvalidFieldError(
        "request_id",
        absl::StrCat("must be at most ", crm::common::kMaxRequestIdLength,
                     " printable ASCII characters"));
  }
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<Redemption> ValidateRedeemPoints(
    const v1::RedeemPointsRequest& request) {
  Redemption redemption;
  CRM_ASSIGN_OR_RETURN(redemption.customer_id,
                       ParseAccountName(request.account(), "account"));
  if (request.points() < 1 || request.points() > kMaxPointsDeltaMagnitude) {
    return InvalidFieldError(
        "points", absl::StrCat("must be 1 to ", kMaxPointsDeltaMagnitude));
  }
  redemption.points = request.points();
  CRM_ASSIGN_OR_RETURN(redemption.reason, ValidReason(request.reason()));
  CRM_RETURN_IF_ERROR(ValidRequestId(request.request_id()));
  redemption.request_id = request.request_id();
  return redemption;
}

absl::StatusOr<Compensation> ValidateIssueCompensation(
    const v1::IssueCompensationRequest& request) {
  Compensation compensation;
  CRM_ASSIGN_OR_RETURN(compensation.customer_id,
                       ParseAccountName(request.account(), "account"));
  if (!request.reward().empty()) {
    if (request.points() != 0) {
      return InvalidFieldError("reward",
                               "must not be set together with points");
    }
    absl::StatusOr<std::string> reward =
        crm::common::ParseResourceName(request.reward(), "rewards", "reward");
    if (!reward.ok()) {
      return InvalidFieldError("reward",
                               "must be of the form rewards/{reward}");
    }
    compensation.reward_id = *reward;
  } else if (request.points() == 0) {
    return crm::common::RequiredFieldError("points");
  } else if (request.points() < 1 ||
             request.points() > kMaxPointsDeltaMagnitude) {
    return InvalidFieldError(
        "points", absl::StrCat("must be 1 to ", kMaxPointsDeltaMagnitude));
  }
  compensation.points = request.points();
  bool printable = !request.ticket().empty() && request.ticket().size() <= 100;
  for (char c : request.ticket()) {
    if (c < 0x21 || c > 0x7e) printable = false;
  }
  if (!printable) {
    return InvalidFieldError("ticket",
                             "must be 1 to 100 printable ASCII characters");
  }
  compensation.ticket = request.ticket();
  CRM_ASSIGN_OR_RETURN(compensation.reason, ValidReason(request.reason()));
  CRM_RETURN_IF_ERROR(ValidRequestId(request.request_id()));
  compensation.request_id = request.request_id();
  return compensation;
}

absl::StatusOr<RedemptionReversal> ValidateReverseRedemption(
    const v1::ReverseRedemptionRequest& request) {
  RedemptionReversal reversal;
  CRM_ASSIGN_OR_RETURN(auto names,
                       ParseLedgerEntryName(request.name(), "name"));
  reversal.customer_id = std::move(names.first);
  reversal.entry_id = std::move(names.second);
  CRM_ASSIGN_OR_RETURN(reversal.reason, ValidReason(request.reason()));
  CRM_RETURN_IF_ERROR(ValidRequestId(request.request_id()));
  reversal.request_id = request.request_id();
  return reversal;
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

std::string RedemptionIdempotencyKey(absl::string_view request_id) {
  return absl::StrCat("redeem:", request_id);
}

std::string CompensationIdempotencyKey(absl::string_view ticket) {
  return absl::StrCat("compensation:", ticket);
}

std::string ReversalIdempotencyKey(absl::string_view entry_id) {
  return absl::StrCat("reverse:", entry_id);
}

absl::StatusOr<std::pair<std::string, std::string>> ParseLedgerEntryName(
    absl::string_view name, absl::string_view field) {
  const std::vector<absl::string_view> parts = absl::StrSplit(name, '/');
  if (parts.size() != 4 || parts[0] != kAccountsCollection ||
      parts[2] != "ledgerEntries" ||
      !crm::common::ParseResourceName(
           absl::StrCat(kAccountsCollection, "/", parts[1]),
           kAccountsCollection, field)
           .ok() ||
      !crm::common::ParseResourceName(absl::StrCat("ledgerEntries/", parts[3]),
                                      "ledgerEntries", field)
           .ok()) {
    return InvalidFieldError(
        field, "must be of the form accounts/{customer}/ledgerEntries/{entry}");
  }
  return std::make_pair(std::string(parts[1]), std::string(parts[3]));
}

}  // namespace crm::loyalty
