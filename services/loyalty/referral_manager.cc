#include "services/loyalty/referral_manager.h"

#include <optional>
#include <string>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "services/common/error_details.h"
#include "services/common/field_behavior.h"
#include "services/common/page_token.h"
#include "services/common/resource_name.h"
#include "services/common/status_macros.h"
#include "services/common/timestamps.h"
#include "services/loyalty/account_family.h"
#include "services/loyalty/account_rules.h"
#include "services/loyalty/referral_filter.h"
#include "services/loyalty/referral_rules.h"

namespace crm::loyalty {
namespace {

constexpr char kCreateReferralMethod[] = "CreateReferral";
constexpr char kReferredField[] = "referral.referred";
constexpr char kReferralCodeField[] = "referral.referral_code";
// A clash of 100-bit codes is practically impossible; retried anyway.
constexpr int kReferralCodeAttempts = 5;

}  // namespace

absl::StatusOr<v1::ReferralCode> ReferralManager::GetReferralCode(
    const crm::common::RequestContext& context,
    const v1::GetReferralCodeRequest& request) {
  CRM_RETURN_IF_ERROR(crm::common::CheckRequiredFields(request));
  CRM_ASSIGN_OR_RETURN(std::string customer_id,
                       ParseReferralCodeName(request.name(), "name"));
  return unit_of_work_.Run<v1::ReferralCode>(
      context,
      [&](crm::common::Transaction& tx) -> absl::StatusOr<v1::ReferralCode> {
        CRM_ASSIGN_OR_RETURN(std::string member,
                             ResolveSurvivor(accounts_, tx, customer_id));
        CRM_ASSIGN_OR_RETURN(std::optional<ReferralCodeRecord> existing,
                             referrals_.FindCode(tx, member, /*lock=*/false));
        if (existing.has_value()) return ToReferralCodeProto(*existing);
        ReferralCodeRecord code;
        code.customer_id = member;
        code.create_time = crm::common::TruncateToMicros(clock_.Now());
        for (int attempt = 0; attempt < kReferralCodeAttempts; ++attempt) {
          CRM_ASSIGN_OR_RETURN(code.code, codes_.NewCode());
          absl::Status inserted = referrals_.InsertCode(tx, code);
          if (inserted.ok()) return ToReferralCodeProto(code);
          if (!absl::IsAlreadyExists(inserted)) return inserted;
          // Created meanwhile by another call, or the code is taken.
          CRM_ASSIGN_OR_RETURN(existing,
                               referrals_.FindCode(tx, member, /*lock=*/true));
          if (existing.has_value()) return ToReferralCodeProto(*existing);
        }
        return absl::InternalError("no free referral code found");
      });
}

absl::StatusOr<v1::Referral> ReferralManager::CreateReferral(
    const crm::common::RequestContext& context,
    const v1::CreateReferralRequest& request) {
  CRM_RETURN_IF_ERROR(crm::common::CheckRequiredFields(request));
  absl::StatusOr<std::string> referred_id = crm::common::ParseResourceName(
      request.referral().referred(), "customers", kReferredField);
  if (!referred_id.ok()) {
    return crm::common::InvalidFieldError(
        kReferredField, "must be of the form customers/{customer}");
  }
  CRM_ASSIGN_OR_RETURN(std::string code,
                       NormalizeReferralCode(request.referral().referral_code(),
                                             kReferralCodeField));
  return crm::common::RunIdempotent<v1::Referral>(
      unit_of_work_, idempotency_, clock_, context, kCreateReferralMethod,
      request.request_id(), request,
      [&](crm::common::Transaction& tx) -> absl::StatusOr<v1::Referral> {
        const absl::Time now = crm::common::TruncateToMicros(clock_.Now());
        CRM_ASSIGN_OR_RETURN(std::optional<ReferralCodeRecord> holder,
                             referrals_.FindCodeByCode(tx, code));
        if (!holder.has_value()) {
          // The code is not echoed: it is the referrer's to share.
          return crm::common::ErrorWithReason(
              absl::NotFoundError(absl::StrCat(
                  kReferralCodeField, ": no member has this referral code")),
              crm::type::v1::RESOURCE_NOT_FOUND,
              {{"field", kReferralCodeField}, {"resource", "referrals/-"}});
        }
        CRM_ASSIGN_OR_RETURN(std::string referred,
                             ResolveSurvivor(accounts_, tx, *referred_id));
        if (holder->customer_id == referred) {
          return crm::common::InvalidFieldError(
              kReferralCodeField, "is the referred customer's own code");
        }
        // The referred customer's first order takes the same lock, so the
        // checks below cannot race it.
        CRM_RETURN_IF_ERROR(accounts_.LockOrCreate(tx, referred, now).status());
        CRM_ASSIGN_OR_RETURN(
            std::vector<ReferralRecord> existing,
            referrals_.ReferralsOfReferred(tx, referred, /*lock=*/true));
        for (const ReferralRecord& referral : existing) {
          if (referral.state == v1::Referral::CANCELLED) continue;
          return crm::common::ErrorWithReason(
              absl::AlreadyExistsError(absl::StrCat(
                  kReferredField, ": the customer was already referred")),
              crm::type::v1::RESOURCE_ALREADY_EXISTS,
              {{"field", kReferredField},
               {"resource", ReferralName(referral.id)}});
        }
        CRM_ASSIGN_OR_RETURN(bool ordered, referrals_.HasOrdered(tx, referred));
        if (ordered) {
          return crm::common::ErrorWithReason(
              absl::FailedPreconditionError(absl::StrCat(
                  kReferredField, ": the customer has already ordered")),
              crm::type::v1::RESOURCE_STATE_CONFLICT,
              {{"field", kReferredField},
               {"resource", CustomerName(referred)}});
        }
        ReferralRecord referral;
        referral.id = ids_.NewId();
        referral.referrer_id = holder->customer_id;
        referral.referred_id = referred;
        referral.state = v1::Referral::PENDING;
        referral.create_time = now;
        CRM_RETURN_IF_ERROR(referrals_.InsertReferral(tx, referral));
        return ToReferralProto(referral);
      });
}

absl::StatusOr<v1::ListReferralsResponse> ReferralManager::ListReferrals(
    const crm::common::RequestContext& context,
    const v1::ListReferralsRequest& request) {
  ReferralQuery query;
  CRM_ASSIGN_OR_RETURN(query.filter, ParseReferralFilter(request.filter()));
  CRM_ASSIGN_OR_RETURN(int page_size,
                       crm::common::NormalizePageSize(request.page_size()));
  const std::string fingerprint = absl::StrCat("referrals\n", request.filter());
  if (!request.page_token().empty()) {
    CRM_ASSIGN_OR_RETURN(
        crm::common::PageCursor cursor,
        crm::common::DecodePageToken(request.page_token(), fingerprint));
    int64_t create_micros = 0;
    if (!absl::SimpleAtoi(cursor.sort_key, &create_micros) ||
        cursor.id.empty()) {
      return crm::common::ErrorWithReason(
          absl::InvalidArgumentError("page_token: not a token of this list"),
          crm::type::v1::PAGE_TOKEN_INVALID, {{"field", "page_token"}});
    }
    query.after.emplace(absl::FromUnixMicros(create_micros), cursor.id);
  }
  query.limit = page_size + 1;
  return unit_of_work_.Read<v1::ListReferralsResponse>(
      context,
      [&](crm::common::Transaction& tx)
          -> absl::StatusOr<v1::ListReferralsResponse> {
        CRM_ASSIGN_OR_RETURN(std::vector<ReferralRecord> referrals,
                             referrals_.ListReferrals(tx, query));
        v1::ListReferralsResponse response;
        const bool more = static_cast<int>(referrals.size()) > page_size;
        if (more) referrals.resize(page_size);
        for (const ReferralRecord& referral : referrals) {
          *response.add_referrals() = ToReferralProto(referral);
        }
        if (more && !referrals.empty()) {
          response.set_next_page_token(crm::common::EncodePageToken(
              {absl::StrCat(absl::ToUnixMicros(referrals.back().create_time)),
               referrals.back().id},
              fingerprint));
        }
        return response;
      });
}

}  // namespace crm::loyalty
