#include "services/loyalty/account_summary.h"

#include <string>
#include <utility>

#include "absl/strings/str_cat.h"
#include "services/common/error_details.h"
#include "services/common/field_behavior.h"
#include "services/common/status_macros.h"
#include "services/loyalty/account_rules.h"

namespace crm::loyalty {
namespace {

absl::Status CheckCount(int count, absl::string_view field) {
  if (count < 0 || count > kMaxSummaryItems) {
    return crm::common::InvalidFieldError(
        field, absl::StrCat("must be 0 to ", kMaxSummaryItems));
  }
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<v1::AccountSummary> AccountSummarizer::SummarizeAccount(
    const crm::common::RequestContext& context,
    const v1::SummarizeAccountRequest& request) {
  CRM_RETURN_IF_ERROR(crm::common::CheckRequiredFields(request));
  CRM_ASSIGN_OR_RETURN(std::string customer_id,
                       ParseAccountName(request.name(), "name"));
  CRM_RETURN_IF_ERROR(
      CheckCount(request.ledger_entry_count(), "ledger_entry_count"));
  CRM_RETURN_IF_ERROR(CheckCount(request.coupon_count(), "coupon_count"));

  v1::AccountSummary summary;
  v1::GetAccountRequest get_account;
  get_account.set_name(request.name());
  CRM_ASSIGN_OR_RETURN(*summary.mutable_account(),
                       accounts_.GetAccount(context, get_account));
  if (request.ledger_entry_count() > 0) {
    v1::ListLedgerEntriesRequest list_entries;
    list_entries.set_parent(request.name());
    list_entries.set_page_size(request.ledger_entry_count());
    CRM_ASSIGN_OR_RETURN(v1::ListLedgerEntriesResponse entries,
                         accounts_.ListLedgerEntries(context, list_entries));
    *summary.mutable_recent_ledger_entries() =
        std::move(*entries.mutable_ledger_entries());
  }
  if (request.coupon_count() > 0) {
    v1::ListCouponsRequest list_coupons;
    list_coupons.set_page_size(request.coupon_count());
    list_coupons.set_filter(absl::StrCat(
        "customer = \"", CustomerName(customer_id), "\" AND state = ISSUED"));
    CRM_ASSIGN_OR_RETURN(v1::ListCouponsResponse coupons,
                         rewards_.ListCoupons(context, list_coupons));
    *summary.mutable_issued_coupons() = std::move(*coupons.mutable_coupons());
  }
  return summary;
}

}  // namespace crm::loyalty
