#include "services/loyalty/account_manager.h"

#include <optional>
#include <string>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "services/common/error_details.h"
#include "services/common/etag.h"
#include "services/common/field_behavior.h"
#include "services/common/filter/filter_parser.h"
#include "services/common/page_token.h"
#include "services/common/status_macros.h"
#include "services/common/timestamps.h"
#include "services/loyalty/account_family.h"
#include "services/loyalty/coupon_issue_keys.h"
#include "services/loyalty/coupon_minting.h"
#include "services/loyalty/earning_rules.h"
#include "services/loyalty/ledger_entry_filter.h"
#include "services/loyalty/ledger_rules.h"
#include "services/loyalty/program_manager.h"
#include "services/loyalty/reward_manager.h"
#include "services/loyalty/tier_rules.h"

namespace crm::loyalty {

namespace {

using ::crm::common::RequestContext;
using ::crm::common::Transaction;

// The idempotency key namespaces of the mutations' request ids.
constexpr char kAdjustPointsMethod[] = "AdjustPoints";
constexpr char kRedeemPointsMethod[] = "RedeemPoints";
constexpr char kReverseRedemptionMethod[] = "ReverseRedemption";
constexpr char kIssueCompensationMethod[] = "IssueCompensation";
constexpr int kMaxBulkRows = 10'000;

// The error for a source the ledger already holds although the request's
// stored response is gone: applying it again would count it twice.
absl::Status AlreadyAppliedError(absl::string_view customer_id) {
  return crm::common::AlreadyExistsError(
      AccountName(customer_id),
      "request_id was already applied to this account");
}

// `status`, with a repository's bare ALREADY_EXISTS (a repeated ledger
// source) turned into AlreadyAppliedError.
absl::Status MapRepeatedSource(absl::Status status,
                               absl::string_view customer_id) {
  if (absl::IsAlreadyExists(status) &&
      crm::common::ReasonOf(status) ==
          crm::type::v1::ERROR_REASON_UNSPECIFIED) {
    return AlreadyAppliedError(customer_id);
  }
  return status;
}

}  // namespace

v1::Account ToAccountProto(const AccountRecord& account) {
  v1::Account proto;
  proto.set_name(AccountName(account.customer_id));
  proto.set_points_balance(account.points_balance);
  if (account.version > 0) {
    *proto.mutable_create_time() =
        crm::common::ToProtoTimestamp(account.create_time);
    *proto.mutable_update_time() =
        crm::common::ToProtoTimestamp(account.update_time);
  }
  proto.set_etag(crm::common::EncodeEtag(account.version));
  proto.set_customer(CustomerName(account.customer_id));
  proto.set_tier(account.tier);
  if (account.tier_grace_end_time.has_value()) {
    *proto.mutable_tier_grace_end_time() =
        crm::common::ToProtoTimestamp(*account.tier_grace_end_time);
  }
  proto.set_points_debt(account.points_debt);
  if (!account.merged_into.empty()) {
    proto.set_merged_into(AccountName(account.merged_into));
  }
  if (account.merge_time.has_value()) {
    *proto.mutable_merge_time() =
        crm::common::ToProtoTimestamp(*account.merge_time);
  }
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
  proto.set_sequence(entry.sequence);
  proto.set_source(entry.idempotency_key);
  if (entry.expire_time.has_value()) {
    *proto.mutable_expire_time() =
        crm::common::ToProtoTimestamp(*entry.expire_time);
  }
  return proto;
}

absl::StatusOr<v1::Account> AccountManager::GetAccount(
    const RequestContext& context, const v1::GetAccountRequest& request) {
  CRM_RETURN_IF_ERROR(crm::common::CheckRequiredFields(request));
  CRM_ASSIGN_OR_RETURN(std::string customer_id,
                       ParseAccountName(request.name(), "name"));
  const absl::Time now = clock_.Now();
  return unit_of_work_.Read<v1::Account>(
      context, [&](Transaction& tx) -> absl::StatusOr<v1::Account> {
        CRM_ASSIGN_OR_RETURN(std::optional<AccountRecord> account,
                             accounts_.Find(tx, customer_id));
        if (!account.has_value()) {
          AccountRecord empty;
          empty.customer_id = customer_id;
          return ToAccountProto(empty);
        }
        CRM_ASSIGN_OR_RETURN(v1::Program program,
                             LoadProgramSettings(programs_, tx));
        CRM_ASSIGN_OR_RETURN(
            int64_t qualifying,
            MemberQualifyingPoints(accounts_, tx, customer_id,
                                   QualificationWindowStart(program, now)));
        v1::Account proto = ToAccountProto(*account);
        proto.set_qualifying_points(qualifying);
        return proto;
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
        // Held until the unit of work ends: movements of one account
        // serialise here, so the balance read below is the latest.
        CRM_ASSIGN_OR_RETURN(
            AccountRecord account,
            accounts_.LockOrCreate(tx, adjustment.customer_id, now));
        Posting posting;
        posting.type = v1::LedgerEntry::ADJUST;
        posting.reason = adjustment.reason;
        posting.source = AdjustmentIdempotencyKey(adjustment.request_id);
        posting.time = now;
        absl::StatusOr<LedgerEntryRecord> entry;
        if (adjustment.points_delta > 0) {
          CRM_ASSIGN_OR_RETURN(v1::Program program,
                               LoadProgramSettings(programs_, tx));
          posting.points = adjustment.points_delta;
          posting.expire_time = LotExpireTime(program.expiry_policy(), now);
          entry = poster_.Credit(tx, account, posting);
        } else {
          posting.points = -adjustment.points_delta;
          entry = poster_.Debit(tx, account, posting, "points_delta");
        }
        if (!entry.ok()) {
          return MapRepeatedSource(entry.status(), adjustment.customer_id);
        }
        v1::AdjustPointsResponse response;
        *response.mutable_entry() = ToLedgerEntryProto(*entry);
        *response.mutable_account() = ToAccountProto(account);
        return response;
      });
}

absl::StatusOr<v1::RedeemPointsResponse> AccountManager::RedeemPoints(
    const RequestContext& context, const v1::RedeemPointsRequest& request) {
  CRM_RETURN_IF_ERROR(crm::common::CheckRequiredFields(request));
  CRM_ASSIGN_OR_RETURN(Redemption redemption, ValidateRedeemPoints(request));
  return crm::common::RunIdempotent<v1::RedeemPointsResponse>(
      unit_of_work_, idempotency_, clock_, context, kRedeemPointsMethod,
      redemption.request_id, request,
      [&](Transaction& tx) -> absl::StatusOr<v1::RedeemPointsResponse> {
        const absl::Time now = crm::common::TruncateToMicros(clock_.Now());
        CRM_ASSIGN_OR_RETURN(
            AccountRecord account,
            accounts_.LockOrCreate(tx, redemption.customer_id, now));
        Posting posting;
        posting.type = v1::LedgerEntry::REDEEM;
        posting.points = redemption.points;
        posting.reason = redemption.reason;
        posting.source = RedemptionIdempotencyKey(redemption.request_id);
        posting.time = now;
        absl::StatusOr<LedgerEntryRecord> entry =
            poster_.Debit(tx, account, posting, "points");
        if (!entry.ok()) {
          return MapRepeatedSource(entry.status(), redemption.customer_id);
        }
        v1::RedeemPointsResponse response;
        *response.mutable_entry() = ToLedgerEntryProto(*entry);
        *response.mutable_account() = ToAccountProto(account);
        return response;
      });
}

absl::StatusOr<v1::ReverseRedemptionResponse> AccountManager::ReverseRedemption(
    const RequestContext& context,
    const v1::ReverseRedemptionRequest& request) {
  CRM_RETURN_IF_ERROR(crm::common::CheckRequiredFields(request));
  CRM_ASSIGN_OR_RETURN(RedemptionReversal reversal,
                       ValidateReverseRedemption(request));
  return crm::common::RunIdempotent<v1::ReverseRedemptionResponse>(
      unit_of_work_, idempotency_, clock_, context, kReverseRedemptionMethod,
      reversal.request_id, request,
      [&](Transaction& tx) -> absl::StatusOr<v1::ReverseRedemptionResponse> {
        const absl::Time now = crm::common::TruncateToMicros(clock_.Now());
        const std::string entry_name =
            LedgerEntryName(reversal.customer_id, reversal.entry_id);
        CRM_ASSIGN_OR_RETURN(
            AccountRecord account,
            accounts_.LockOrCreate(tx, reversal.customer_id, now));
        CRM_ASSIGN_OR_RETURN(
            std::optional<LedgerEntryRecord> redeemed,
            accounts_.FindEntry(tx, reversal.customer_id, reversal.entry_id));
        if (!redeemed.has_value()) {
          return crm::common::NotFoundError(entry_name);
        }
        if (redeemed->type != v1::LedgerEntry::REDEEM) {
          return crm::common::StateConflictError(
              entry_name, "only a redemption can be given back");
        }
        CRM_ASSIGN_OR_RETURN(v1::Program program,
                             LoadProgramSettings(programs_, tx));
        Posting posting;
        posting.type = v1::LedgerEntry::REVERSE;
        posting.points = -redeemed->points_delta;
        posting.reason = reversal.reason;
        posting.source = ReversalIdempotencyKey(reversal.entry_id);
        posting.time = now;
        posting.expire_time = LotExpireTime(program.expiry_policy(), now);
        absl::StatusOr<LedgerEntryRecord> entry =
            poster_.Credit(tx, account, posting);
        if (absl::IsAlreadyExists(entry.status())) {
          return crm::common::StateConflictError(
              entry_name, "the redemption was already given back");
        }
        if (!entry.ok()) return entry.status();
        v1::ReverseRedemptionResponse response;
        *response.mutable_entry() = ToLedgerEntryProto(*entry);
        *response.mutable_account() = ToAccountProto(account);
        return response;
      });
}

absl::StatusOr<v1::IssueCompensationResponse> AccountManager::IssueCompensation(
    const RequestContext& context,
    const v1::IssueCompensationRequest& request) {
  CRM_RETURN_IF_ERROR(crm::common::CheckRequiredFields(request));
  CRM_ASSIGN_OR_RETURN(Compensation compensation,
                       ValidateIssueCompensation(request));
  return crm::common::RunIdempotent<v1::IssueCompensationResponse>(
      unit_of_work_, idempotency_, clock_, context, kIssueCompensationMethod,
      compensation.request_id, request,
      [&](Transaction& tx) -> absl::StatusOr<v1::IssueCompensationResponse> {
        const absl::Time now = crm::common::TruncateToMicros(clock_.Now());
        CRM_ASSIGN_OR_RETURN(
            AccountRecord account,
            accounts_.LockOrCreate(tx, compensation.customer_id, now));
        // Either kind of compensation closes the ticket for the account.
        CRM_ASSIGN_OR_RETURN(
            bool compensated,
            TicketCompensated(tx, account, compensation.ticket));
        if (compensated) {
          return crm::common::StateConflictError(
              AccountName(compensation.customer_id),
              "ticket: this ticket was already compensated");
        }
        if (!compensation.reward_id.empty()) {
          return CompensateWithCoupon(tx, account, compensation, now);
        }
        CRM_ASSIGN_OR_RETURN(v1::Program program,
                             LoadProgramSettings(programs_, tx));
        Posting posting;
        posting.type = v1::LedgerEntry::BONUS;
        posting.points = compensation.points;
        posting.reason = compensation.reason;
        posting.source = CompensationIdempotencyKey(compensation.ticket);
        posting.time = now;
        posting.expire_time = LotExpireTime(program.expiry_policy(), now);
        absl::StatusOr<LedgerEntryRecord> entry =
            poster_.Credit(tx, account, posting);
        if (absl::IsAlreadyExists(entry.status())) {
          return crm::common::StateConflictError(
              AccountName(compensation.customer_id),
              "ticket: this ticket was already compensated");
        }
        if (!entry.ok()) return entry.status();
        v1::IssueCompensationResponse response;
        *response.mutable_entry() = ToLedgerEntryProto(*entry);
        *response.mutable_account() = ToAccountProto(account);
        return response;
      });
}

absl::StatusOr<v1::BulkAdjustPointsResponse> AccountManager::BulkAdjustPoints(
    const RequestContext& context,
    const std::function<std::optional<v1::AdjustPointsRequest>()>& next) {
  v1::BulkAdjustPointsResponse response;
  int64_t row = 0;
  while (std::optional<v1::AdjustPointsRequest> request = next()) {
    CRM_RETURN_IF_ERROR(context.CheckActive(clock_.Now()));
    if (row >= kMaxBulkRows) {
      return crm::common::InvalidFieldError(
          "requests", absl::StrCat("at most ", kMaxBulkRows, " rows per call"));
    }
    v1::BulkAdjustPointsResult* result = response.add_results();
    result->set_row(row++);
    absl::StatusOr<v1::AdjustPointsResponse> adjusted =
        AdjustPoints(context, *request);
    if (adjusted.ok()) {
      *result->mutable_entry() = adjusted->entry();
      response.set_applied_count(response.applied_count() + 1);
    } else {
      *result->mutable_error() = crm::common::ToRpcStatus(adjusted.status());
      response.set_failed_count(response.failed_count() + 1);
    }
  }
  return response;
}

absl::StatusOr<v1::ListLedgerEntriesResponse> AccountManager::ListLedgerEntries(
    const RequestContext& context,
    const v1::ListLedgerEntriesRequest& request) {
  CRM_RETURN_IF_ERROR(crm::common::CheckRequiredFields(request));
  CRM_ASSIGN_OR_RETURN(std::string customer_id,
                       ParseAccountName(request.parent(), "parent"));
  LedgerQuery query;
  CRM_ASSIGN_OR_RETURN(query.filter,
                       crm::common::filter::ParseFilter(
                           request.filter(), LedgerEntryFilterSchema()));
  CRM_ASSIGN_OR_RETURN(query.limit,
                       crm::common::NormalizePageSize(request.page_size()));
  const std::string fingerprint =
      absl::StrCat("ledgerEntries\n", request.parent(), "\n", request.filter());
  if (!request.page_token().empty()) {
    CRM_ASSIGN_OR_RETURN(
        crm::common::PageCursor cursor,
        crm::common::DecodePageToken(request.page_token(), fingerprint));
    int64_t before = 0;
    if (!absl::SimpleAtoi(cursor.sort_key, &before)) {
      return crm::common::ErrorWithReason(
          absl::InvalidArgumentError("page_token: not a token of this list"),
          crm::type::v1::PAGE_TOKEN_INVALID, {{"field", "page_token"}});
    }
    query.before_sequence = before;
  }
  const int page_size = query.limit;
  query.limit = page_size + 1;
  return unit_of_work_.Read<v1::ListLedgerEntriesResponse>(
      context,
      [&](Transaction& tx) -> absl::StatusOr<v1::ListLedgerEntriesResponse> {
        CRM_ASSIGN_OR_RETURN(std::vector<LedgerEntryRecord> entries,
                             accounts_.ListEntries(tx, customer_id, query));
        v1::ListLedgerEntriesResponse response;
        const bool more = static_cast<int>(entries.size()) > page_size;
        if (more) entries.resize(page_size);
        for (const LedgerEntryRecord& entry : entries) {
          *response.add_ledger_entries() = ToLedgerEntryProto(entry);
        }
        if (more && !entries.empty()) {
          response.set_next_page_token(crm::common::EncodePageToken(
              {absl::StrCat(entries.back().sequence), entries.back().id},
              fingerprint));
        }
        return response;
      });
}

absl::StatusOr<v1::LedgerVerification> AccountManager::VerifyLedger(
    const RequestContext& context, const v1::VerifyLedgerRequest& request) {
  CRM_RETURN_IF_ERROR(crm::common::CheckRequiredFields(request));
  CRM_ASSIGN_OR_RETURN(std::string customer_id,
                       ParseAccountName(request.account(), "account"));
  // Run (not Read): one consistent snapshot of account, entries and lots.
  return unit_of_work_.Run<v1::LedgerVerification>(
      context, [&](Transaction& tx) -> absl::StatusOr<v1::LedgerVerification> {
        CRM_ASSIGN_OR_RETURN(std::optional<AccountRecord> account,
                             accounts_.Find(tx, customer_id));
        CRM_ASSIGN_OR_RETURN(std::vector<LedgerEntryRecord> entries,
                             accounts_.AllEntries(tx, customer_id));
        CRM_ASSIGN_OR_RETURN(int64_t lots,
                             accounts_.LotsRemainingSum(tx, customer_id));
        return VerifyLedgerRecords(AccountName(customer_id), account, entries,
                                   lots);
      });
}

absl::StatusOr<bool> AccountManager::TicketCompensated(
    Transaction& tx, const AccountRecord& account, const std::string& ticket) {
  if (rewards_ == nullptr) return false;  // Points only: the ledger decides.
  CRM_ASSIGN_OR_RETURN(
      std::optional<CouponRecord> coupon,
      rewards_->FindCouponByIssueKey(tx, account.customer_id,
                                     CompensationCouponIssueKey(ticket)));
  if (coupon.has_value()) return true;
  CRM_ASSIGN_OR_RETURN(
      std::optional<LedgerEntryRecord> entry,
      accounts_.FindEntryBySource(tx, account.customer_id,
                                  CompensationIdempotencyKey(ticket)));
  return entry.has_value();
}

absl::StatusOr<v1::IssueCompensationResponse>
AccountManager::CompensateWithCoupon(Transaction& tx, AccountRecord& account,
                                     const Compensation& compensation,
                                     absl::Time now) {
  if (rewards_ == nullptr || codes_ == nullptr) {
    return crm::common::ErrorWithReason(
        absl::FailedPreconditionError(
            "reward: compensation with coupons is not available"),
        crm::type::v1::RESOURCE_STATE_CONFLICT, {{"field", "reward"}});
  }
  if (!account.merged_into.empty()) {
    return crm::common::StateConflictError(
        AccountName(account.customer_id),
        absl::StrCat("account: merged into ",
                     AccountName(account.merged_into)));
  }
  CRM_ASSIGN_OR_RETURN(
      std::optional<RewardRecord> reward,
      rewards_->FindReward(tx, compensation.reward_id, /*lock=*/true));
  if (!reward.has_value()) {
    return crm::common::NotFoundError(
        absl::StrCat("rewards/", compensation.reward_id));
  }
  if (reward->stock < 1 || (reward->available_until.has_value() &&
                            now >= *reward->available_until)) {
    return crm::common::ErrorWithReason(
        absl::FailedPreconditionError(
            "reward: out of stock or no longer available"),
        crm::type::v1::RESOURCE_STATE_CONFLICT, {{"field", "reward"}});
  }
  CRM_ASSIGN_OR_RETURN(
      CouponRecord coupon,
      InsertNewCoupon(tx, *rewards_, ids_, *codes_, account.customer_id,
                      *reward, now,
                      CompensationCouponIssueKey(compensation.ticket)));
  reward->stock -= 1;
  reward->version += 1;
  CRM_RETURN_IF_ERROR(rewards_->UpdateReward(tx, *reward));
  v1::IssueCompensationResponse response;
  *response.mutable_coupon() = ToCouponProto(coupon, now);
  *response.mutable_account() = ToAccountProto(account);
  return response;
}

}  // namespace crm::loyalty
