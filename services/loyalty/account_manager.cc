#include "services/loyalty/account_manager.h"

#include <optional>
#include <string>

#include "services/common/error_details.h"
#include "services/common/etag.h"
#include "services/common/field_behavior.h"
#include "services/common/status_macros.h"
#include "services/common/timestamps.h"

namespace crm::loyalty {

namespace {

using ::crm::common::RequestContext;
using ::crm::common::Transaction;

// The idempotency key namespace of AdjustPoints request ids.
constexpr char kAdjustPointsMethod[] = "AdjustPoints";

}  // namespace

v1::Account ToAccountProto(const AccountRecord& account) {
  v1::Account proto;
  proto.set_name(AccountName(account.customer_id));
  proto.set_points_balance(account.points_balance);
  *proto.mutable_create_time() =
      crm::common::ToProtoTimestamp(account.create_time);
  *proto.mutable_update_time() =
      crm::common::ToProtoTimestamp(account.update_time);
  proto.set_etag(crm::common::EncodeEtag(account.version));
  proto.set_customer(CustomerName(account.customer_id));
  return proto;
}

v1::LedgerEntry ToLedgerEntryProto(const LedgerEntryRecord& entry) {
  v1::LedgerEntry proto;
  proto.set_name(LedgerEntryName(entry.customer_id, entry.id));
  proto.set_type(entry.type);
  proto.set_points_delta(entry.points_delta);
  proto.set_balance_after(entry.balance_after);
  proto.set_reason(entry.reason);
  *proto.mutable_create_time() =
      crm::common::ToProtoTimestamp(entry.create_time);
  return proto;
}

absl::StatusOr<v1::Account> AccountManager::GetAccount(
    const RequestContext& context, const v1::GetAccountRequest& request) {
  CRM_RETURN_IF_ERROR(crm::common::CheckRequiredFields(request));
  CRM_ASSIGN_OR_RETURN(std::string customer_id,
                       ParseAccountName(request.name(), "name"));
  return unit_of_work_.Read<v1::Account>(
      context, [&](Transaction& tx) -> absl::StatusOr<v1::Account> {
        CRM_ASSIGN_OR_RETURN(std::optional<AccountRecord> account,
                             accounts_.Find(tx, customer_id));
        if (!account.has_value()) {
          return crm::common::NotFoundError(AccountName(customer_id));
        }
        return ToAccountProto(*account);
      });
}

absl::StatusOr<v1::AdjustPointsResponse> AccountManager::AdjustPoints(
    const RequestContext& context, const v1::AdjustPointsRequest& request) {
  CRM_RETURN_IF_ERROR(crm::common::CheckRequiredFields(request));
  CRM_ASSIGN_OR_RETURN(Adjustment adjustment, ValidateAdjustPoints(request));
  return crm::common::RunIdempotent<v1::AdjustPointsResponse>(
      unit_of_work_, idempotency_, clock_, context, kAdjustPointsMethod,
      adjustment.request_id, request,
      [&](Transaction& tx) -> absl::StatusOr<v1::AdjustPointsResponse> {
        const absl::Time now = crm::common::TruncateToMicros(clock_.Now());
        // Held until the unit of work ends: adjustments of one account
        // serialise here, so the balance read below is the latest.
        CRM_ASSIGN_OR_RETURN(
            AccountRecord account,
            accounts_.LockOrCreate(tx, adjustment.customer_id, now));
        CRM_ASSIGN_OR_RETURN(
            int64_t balance_after,
            ApplyDelta(account.points_balance, adjustment.points_delta));

        LedgerEntryRecord entry;
        entry.customer_id = adjustment.customer_id;
        entry.id = ids_.NewId();
        entry.type = v1::LedgerEntry::ADJUST;
        entry.points_delta = adjustment.points_delta;
        entry.balance_after = balance_after;
        entry.reason = adjustment.reason;
        entry.idempotency_key = AdjustmentIdempotencyKey(adjustment.request_id);
        entry.create_time = now;
        if (absl::Status appended = accounts_.AppendEntry(tx, entry);
            !appended.ok()) {
          if (!absl::IsAlreadyExists(appended)) return appended;
          // The ledger holds this request id although its stored response
          // has expired: applying it again would count it twice.
          return crm::common::AlreadyExistsError(
              AccountName(adjustment.customer_id),
              "request_id was already applied to this account");
        }

        account.points_balance = balance_after;
        account.update_time = now;
        account.version += 1;
        CRM_RETURN_IF_ERROR(accounts_.Update(tx, account));

        v1::AdjustPointsResponse response;
        *response.mutable_entry() = ToLedgerEntryProto(entry);
        *response.mutable_account() = ToAccountProto(account);
        return response;
      });
}

}  // namespace crm::loyalty
