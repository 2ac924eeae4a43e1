#include "services/loyalty/coupon_issue.h"

#include <algorithm>
#include <cstdint>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "services/common/error_details.h"
#include "services/common/field_behavior.h"
#include "services/common/resource_name.h"
#include "services/common/status_macros.h"
#include "services/common/timestamps.h"
#include "services/loyalty/account_family.h"
#include "services/loyalty/account_rules.h"
#include "services/loyalty/consent_policy.h"
#include "services/loyalty/coupon_issue_keys.h"
#include "services/loyalty/coupon_minting.h"
#include "services/loyalty/reward_manager.h"

namespace crm::loyalty {
namespace {

using ::crm::common::InvalidFieldError;
using ::crm::common::RequestContext;
using ::crm::common::Transaction;
using ::crm::consents::ConsentAnswer;

constexpr char kIssueCouponsMethod[] = "IssueCoupons";
// The method a segment request's id is claimed under.
constexpr char kIssueSegmentCouponsMethod[] = "IssueCoupons.segment";
// Members read per ListSegmentMembers call.
constexpr int kSegmentPageSize = 1000;
// The most customers a segment response lists (coupons, skipped).
constexpr int kMaxListedInResponse = 1000;

// What one batch of a segment issue did.
struct SegmentBatch {
  std::vector<std::string> reached;  // Holders with a coupon of the request.
  std::vector<v1::Coupon> issued;    // Coupons issued by this batch.
  std::vector<std::string> skipped;  // Members skipped for want of consent.
  int64_t already_issued = 0;        // Holders issued to by an earlier try.
};

// The customer ids of `request.customers()`, validated: 1..1000, each
// `customers/{customer}`, none twice.
absl::StatusOr<std::vector<std::string>> RecipientsOf(
    const v1::IssueCouponsRequest& request) {
  if (request.customers_size() > kMaxCouponRecipients) {
    return InvalidFieldError("customers", "must name at most 1000 customers");
  }
  std::vector<std::string> ids;
  std::set<std::string> seen;
  for (int i = 0; i < request.customers_size(); ++i) {
    const std::string field = absl::StrCat("customers[", i, "]");
    absl::StatusOr<std::string> id = crm::common::ParseResourceName(
        request.customers(i), "customers", field);
    if (!id.ok()) {
      return InvalidFieldError(field,
                               "must be of the form customers/{customer}");
    }
    if (!seen.insert(*id).second) {
      return InvalidFieldError(field, "names a customer already listed");
    }
    ids.push_back(*id);
  }
  return ids;
}

}  // namespace

absl::StatusOr<v1::IssueCouponsResponse> CouponIssuer::IssueCoupons(
    const RequestContext& context, const v1::IssueCouponsRequest& request) {
  CRM_RETURN_IF_ERROR(crm::common::CheckRequiredFields(request));
  absl::StatusOr<std::string> reward_id =
      crm::common::ParseResourceName(request.reward(), "rewards", "reward");
  if (!reward_id.ok()) {
    return InvalidFieldError("reward", "must be of the form rewards/{reward}");
  }
  if (!v1::Campaign::MarketingChannel_IsValid(request.marketing_channel())) {
    return InvalidFieldError("marketing_channel",
                             "must be EMAIL, SMS or unspecified (any)");
  }
  if (!request.segment().empty()) {
    if (request.customers_size() > 0) {
      return InvalidFieldError("segment",
                               "must not be set together with customers");
    }
    absl::StatusOr<std::string> segment_id = crm::common::ParseResourceName(
        request.segment(), "segments", "segment");
    if (!segment_id.ok()) {
      return InvalidFieldError("segment",
                               "must be of the form segments/{segment}");
    }
    return IssueToSegment(context, request, *reward_id, *segment_id);
  }
  if (request.customers_size() == 0) {
    return crm::common::RequiredFieldError("customers");
  }
  CRM_ASSIGN_OR_RETURN(std::vector<std::string> recipients,
                       RecipientsOf(request));
  CampaignRecord rule;  // The consent rule of the channel, as for campaigns.
  rule.marketing_channel = request.marketing_channel();
  return crm::common::RunIdempotent<v1::IssueCouponsResponse>(
      unit_of_work_, idempotency_, clock_, context, kIssueCouponsMethod,
      request.request_id(), request,
      [&](Transaction& tx) -> absl::StatusOr<v1::IssueCouponsResponse> {
        const absl::Time now = crm::common::TruncateToMicros(clock_.Now());
        CRM_ASSIGN_OR_RETURN(std::optional<RewardRecord> reward,
                             rewards_.FindReward(tx, *reward_id, true));
        if (!reward.has_value()) {
          return crm::common::NotFoundError(request.reward());
        }
        v1::IssueCouponsResponse response;
        std::vector<std::string> holders;
        std::set<std::string> reached;
        for (const std::string& recipient : recipients) {
          CRM_ASSIGN_OR_RETURN(std::string holder,
                               ResolveSurvivor(accounts_, tx, recipient));
          // A duplicate listed with its survivor: one coupon for the two.
          if (reached.count(holder) > 0) continue;
          CRM_ASSIGN_OR_RETURN(std::vector<ConsentAnswer> answers,
                               consents_.Find(tx, holder));
          if (!CampaignMayReach(rule, answers)) {
            response.add_skipped_customers(CustomerName(recipient));
            continue;
          }
          reached.insert(holder);
          holders.push_back(holder);
        }
        response.set_skipped_without_consent(response.skipped_customers_size());
        const int64_t needed = static_cast<int64_t>(holders.size());
        if (needed > 0 &&
            (reward->stock < needed || (reward->available_until.has_value() &&
                                        now >= *reward->available_until))) {
          return crm::common::ErrorWithReason(
              absl::FailedPreconditionError(absl::StrCat(
                  "reward: ", needed, " coupons to issue, ", reward->stock,
                  " in stock, or no longer available")),
              crm::type::v1::RESOURCE_STATE_CONFLICT, {{"field", "reward"}});
        }
        for (const std::string& holder : holders) {
          CRM_ASSIGN_OR_RETURN(CouponRecord coupon,
                               InsertNewCoupon(tx, rewards_, ids_, codes_,
                                               holder, *reward, now));
          *response.add_coupons() = ToCouponProto(coupon, now);
        }
        response.set_issued_count(response.coupons_size());
        if (needed > 0) {
          reward->stock -= needed;
          reward->version += 1;
          CRM_RETURN_IF_ERROR(rewards_.UpdateReward(tx, *reward));
        }
        return response;
      });
}

absl::StatusOr<std::vector<std::string>> CouponIssuer::SegmentMembers(
    const RequestContext& context, const std::string& segment_id) {
  std::vector<std::string> members;
  std::string token;
  do {
    const absl::Time now = clock_.Now();
    CRM_RETURN_IF_ERROR(context.CheckActive(now));
    const absl::Time deadline =
        std::min(now + kSegmentPageTimeout, context.deadline());
    absl::StatusOr<SegmentMemberPage> page = segmentation_->SegmentMembersPage(
        segment_id, token, kSegmentPageSize, deadline);
    if (absl::IsNotFound(page.status())) {
      return crm::common::NotFoundError(absl::StrCat("segments/", segment_id));
    }
    if (!page.ok()) {
      return crm::common::ErrorWithReason(
          absl::UnavailableError(
              absl::StrCat("segmentation did not list the segment's members: ",
                           page.status().message())),
          crm::type::v1::BACKEND_UNAVAILABLE, {{"field", "segment"}});
    }
    members.insert(members.end(), page->customer_ids.begin(),
                   page->customer_ids.end());
    if (static_cast<int64_t>(members.size()) > kMaxSegmentRecipients) {
      return crm::common::ErrorWithReason(
          absl::FailedPreconditionError(
              "segment: more than 100000 members; issue to a smaller segment"),
          crm::type::v1::RESOURCE_STATE_CONFLICT, {{"field", "segment"}});
    }
    if (!page->next_page_token.empty() && page->next_page_token == token) {
      return absl::InternalError("segmentation repeated a page token");
    }
    token = page->next_page_token;
  } while (!token.empty());
  return members;
}

absl::StatusOr<v1::IssueCouponsResponse> CouponIssuer::IssueToSegment(
    const RequestContext& context, const v1::IssueCouponsRequest& request,
    const std::string& reward_id, const std::string& segment_id) {
  if (request.request_id().empty()) {
    return crm::common::RequiredFieldError("request_id");
  }
  if (segmentation_ == nullptr) {
    return crm::common::ErrorWithReason(
        absl::UnavailableError("segmentation is not configured"),
        crm::type::v1::BACKEND_UNAVAILABLE, {{"field", "segment"}});
  }
  // Claims the request id for this body (a reuse with another body fails
  // here); the claim stores an empty response, never returned as such.
  CRM_RETURN_IF_ERROR(
      crm::common::RunIdempotent<v1::IssueCouponsResponse>(
          unit_of_work_, idempotency_, clock_, context,
          kIssueSegmentCouponsMethod, request.request_id(), request,
          [&](Transaction& tx) -> absl::StatusOr<v1::IssueCouponsResponse> {
            CRM_ASSIGN_OR_RETURN(std::optional<RewardRecord> reward,
                                 rewards_.FindReward(tx, reward_id, false));
            if (!reward.has_value()) {
              return crm::common::NotFoundError(request.reward());
            }
            return v1::IssueCouponsResponse();
          })
          .status());
  CRM_ASSIGN_OR_RETURN(std::vector<std::string> members,
                       SegmentMembers(context, segment_id));
  CampaignRecord rule;  // The consent rule of the channel, as for campaigns.
  rule.marketing_channel = request.marketing_channel();

  v1::IssueCouponsResponse response;
  response.set_segment_member_count(static_cast<int32_t>(members.size()));
  int64_t issued_count = 0;
  int64_t skipped_count = 0;
  std::set<std::string> reached;  // Holders of committed batches.
  for (size_t begin = 0; begin < members.size(); begin += kSegmentIssueBatch) {
    const size_t end = std::min(
        members.size(), begin + static_cast<size_t>(kSegmentIssueBatch));
    CRM_ASSIGN_OR_RETURN(
        SegmentBatch batch,
        unit_of_work_.Run<SegmentBatch>(
            context, [&](Transaction& tx) -> absl::StatusOr<SegmentBatch> {
              const absl::Time now =
                  crm::common::TruncateToMicros(clock_.Now());
              CRM_ASSIGN_OR_RETURN(std::optional<RewardRecord> reward,
                                   rewards_.FindReward(tx, reward_id, true));
              if (!reward.has_value()) {
                return crm::common::NotFoundError(request.reward());
              }
              SegmentBatch result;
              std::set<std::string> seen;
              std::vector<std::string> holders;
              for (size_t i = begin; i < end; ++i) {
                CRM_ASSIGN_OR_RETURN(
                    std::string holder,
                    ResolveSurvivor(accounts_, tx, members[i]));
                // A duplicate listed with its survivor: one coupon.
                if (reached.count(holder) > 0 || !seen.insert(holder).second) {
                  continue;
                }
                CRM_ASSIGN_OR_RETURN(
                    std::optional<CouponRecord> earlier,
                    rewards_.FindCouponByIssueKey(
                        tx, holder,
                        SegmentCouponIssueKey(request.request_id(), holder)));
                if (earlier.has_value()) {
                  result.reached.push_back(holder);
                  ++result.already_issued;
                  continue;
                }
                CRM_ASSIGN_OR_RETURN(std::vector<ConsentAnswer> answers,
                                     consents_.Find(tx, holder));
                if (!CampaignMayReach(rule, answers)) {
                  result.skipped.push_back(members[i]);
                  continue;
                }
                holders.push_back(holder);
              }
              const int64_t needed = static_cast<int64_t>(holders.size());
              if (needed > 0 && (reward->stock < needed ||
                                 (reward->available_until.has_value() &&
                                  now >= *reward->available_until))) {
                return crm::common::ErrorWithReason(
                    absl::FailedPreconditionError(absl::StrCat(
                        "reward: ", needed, " coupons to issue, ",
                        reward->stock,
                        " in stock, or no longer available; coupons issued "
                        "before stay, a repeat issues the rest")),
                    crm::type::v1::RESOURCE_STATE_CONFLICT,
                    {{"field", "reward"}});
              }
              for (const std::string& holder : holders) {
                CRM_ASSIGN_OR_RETURN(
                    CouponRecord coupon,
                    InsertNewCoupon(
                        tx, rewards_, ids_, codes_, holder, *reward, now,
                        SegmentCouponIssueKey(request.request_id(), holder)));
                result.issued.push_back(ToCouponProto(coupon, now));
                result.reached.push_back(holder);
              }
              if (needed > 0) {
                reward->stock -= needed;
                reward->version += 1;
                CRM_RETURN_IF_ERROR(rewards_.UpdateReward(tx, *reward));
              }
              return result;
            }));
    reached.insert(batch.reached.begin(), batch.reached.end());
    issued_count +=
        batch.already_issued + static_cast<int64_t>(batch.issued.size());
    skipped_count += static_cast<int64_t>(batch.skipped.size());
    for (v1::Coupon& coupon : batch.issued) {
      if (response.coupons_size() >= kMaxListedInResponse) break;
      *response.add_coupons() = std::move(coupon);
    }
    for (const std::string& member : batch.skipped) {
      if (response.skipped_customers_size() >= kMaxListedInResponse) break;
      response.add_skipped_customers(CustomerName(member));
    }
  }
  response.set_issued_count(static_cast<int32_t>(issued_count));
  response.set_skipped_without_consent(static_cast<int32_t>(skipped_count));
  return response;
}

}  // namespace crm::loyalty
