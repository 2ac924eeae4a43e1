#include "services/loyalty/coupon_issue.h"

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
#include "services/loyalty/coupon_minting.h"
#include "services/loyalty/reward_manager.h"

namespace crm::loyalty {
namespace {

using ::crm::common::InvalidFieldError;
using ::crm::common::RequestContext;
using ::crm::common::Transaction;

constexpr char kIssueCouponsMethod[] = "IssueCoupons";

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
          CRM_ASSIGN_OR_RETURN(std::vector<ConsentRecord> answers,
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
        if (needed > 0) {
          reward->stock -= needed;
          reward->version += 1;
          CRM_RETURN_IF_ERROR(rewards_.UpdateReward(tx, *reward));
        }
        return response;
      });
}

}  // namespace crm::loyalty
