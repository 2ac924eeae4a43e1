#include "services/loyalty/reward_manager.h"

#include <optional>
#include <string>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "services/common/error_details.h"
#include "services/common/etag.h"
#include "services/common/field_behavior.h"
#include "services/common/keyset_page.h"
#include "services/common/page_token.h"
#include "services/common/resource_name.h"
#include "services/common/status_macros.h"
#include "services/common/text_validation.h"
#include "services/common/timestamps.h"
#include "services/loyalty/account_manager.h"
#include "services/loyalty/account_rules.h"
#include "services/loyalty/coupon_filter.h"
#include "services/loyalty/coupon_minting.h"
#include "services/loyalty/id_order_page.h"

namespace crm::loyalty {
namespace {

using ::crm::common::InvalidFieldError;
using ::crm::common::RequestContext;
using ::crm::common::Transaction;

constexpr char kRewardsCollection[] = "rewards";
constexpr char kCouponsCollection[] = "coupons";
constexpr char kCreateRewardMethod[] = "CreateReward";
constexpr char kRedeemRewardMethod[] = "RedeemReward";
constexpr char kRedeemCouponMethod[] = "RedeemCoupon";
constexpr int64_t kMaxPoints = 1'000'000'000;
constexpr int kMaxValidityDays = 3660;
constexpr int kDefaultValidityDays = 30;

std::string RewardName(absl::string_view id) {
  return crm::common::FormatResourceName(kRewardsCollection, id);
}
std::string CouponName(absl::string_view id) {
  return crm::common::FormatResourceName(kCouponsCollection, id);
}

v1::Reward ToRewardProto(const RewardRecord& reward) {
  v1::Reward proto;
  proto.set_name(RewardName(reward.id));
  proto.set_display_name(reward.display_name);
  proto.set_point_cost(reward.point_cost);
  proto.set_stock(reward.stock);
  proto.set_coupon_validity_days(reward.coupon_validity_days);
  if (reward.available_until.has_value()) {
    *proto.mutable_available_until() =
        crm::common::ToProtoTimestamp(*reward.available_until);
  }
  *proto.mutable_create_time() =
      crm::common::ToProtoTimestamp(reward.create_time);
  proto.set_etag(crm::common::EncodeEtag(reward.version));
  return proto;
}

}  // namespace

v1::Coupon ToCouponProto(const CouponRecord& coupon, absl::Time now) {
  v1::Coupon proto;
  proto.set_name(CouponName(coupon.id));
  proto.set_code(coupon.code);
  proto.set_customer(CustomerName(coupon.customer_id));
  if (!coupon.reward_id.empty()) proto.set_reward(RewardName(coupon.reward_id));
  proto.set_state(coupon.state == v1::Coupon::ISSUED &&
                          now >= coupon.expire_time
                      ? v1::Coupon::EXPIRED
                      : coupon.state);
  *proto.mutable_issue_time() =
      crm::common::ToProtoTimestamp(coupon.issue_time);
  *proto.mutable_expire_time() =
      crm::common::ToProtoTimestamp(coupon.expire_time);
  if (coupon.redeem_time.has_value()) {
    *proto.mutable_redeem_time() =
        crm::common::ToProtoTimestamp(*coupon.redeem_time);
  }
  return proto;
}

namespace {

absl::StatusOr<RewardRecord> ValidateNewReward(const v1::Reward& reward) {
  RewardRecord record;
  record.display_name = crm::common::CollapseWhitespace(reward.display_name());
  if (record.display_name.empty()) {
    return crm::common::RequiredFieldError("reward.display_name");
  }
  if (!crm::common::ValidateText(record.display_name, "reward.display_name",
                                 100, crm::common::Presence::kRequired)
           .ok()) {
    return InvalidFieldError("reward.display_name",
                             "must be valid UTF-8 of at most 100 characters");
  }
  if (reward.point_cost() < 1 || reward.point_cost() > kMaxPoints) {
    return InvalidFieldError("reward.point_cost", "must be 1 to 1000000000");
  }
  if (reward.stock() < 0 || reward.stock() > kMaxPoints) {
    return InvalidFieldError("reward.stock", "must be 0 to 1000000000");
  }
  if (reward.coupon_validity_days() < 0 ||
      reward.coupon_validity_days() > kMaxValidityDays) {
    return InvalidFieldError("reward.coupon_validity_days",
                             "must be 0 to 3660");
  }
  record.point_cost = reward.point_cost();
  record.stock = reward.stock();
  record.coupon_validity_days = reward.coupon_validity_days() > 0
                                    ? reward.coupon_validity_days()
                                    : kDefaultValidityDays;
  if (reward.has_available_until()) {
    record.available_until =
        crm::common::FromProtoTimestamp(reward.available_until());
  }
  return record;
}

absl::StatusOr<std::string> ParseCode(absl::string_view code) {
  if (!IsCouponCodeShape(code)) {
    return InvalidFieldError("code", "is not a coupon code");
  }
  return absl::AsciiStrToUpper(code);
}

// The error for a coupon that cannot be redeemed at `now`, or OK.
absl::Status CheckRedeemable(const CouponRecord& coupon, absl::Time now) {
  if (coupon.state == v1::Coupon::REDEEMED) {
    return crm::common::StateConflictError(CouponName(coupon.id),
                                           "code: the coupon was redeemed");
  }
  if (coupon.state == v1::Coupon::CANCELLED) {
    return crm::common::StateConflictError(CouponName(coupon.id),
                                           "code: the coupon was cancelled");
  }
  if (coupon.state != v1::Coupon::ISSUED || now >= coupon.expire_time) {
    return crm::common::StateConflictError(CouponName(coupon.id),
                                           "code: the coupon has expired");
  }
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<v1::Reward> RewardManager::CreateReward(
    const RequestContext& context, const v1::CreateRewardRequest& request) {
  CRM_RETURN_IF_ERROR(crm::common::CheckRequiredFields(request));
  CRM_ASSIGN_OR_RETURN(RewardRecord record,
                       ValidateNewReward(request.reward()));
  return crm::common::RunIdempotent<v1::Reward>(
      unit_of_work_, idempotency_, clock_, context, kCreateRewardMethod,
      request.request_id(), request,
      [&](Transaction& tx) -> absl::StatusOr<v1::Reward> {
        RewardRecord reward = record;
        reward.id = ids_.NewId();
        reward.create_time = crm::common::TruncateToMicros(clock_.Now());
        reward.version = 1;
        CRM_RETURN_IF_ERROR(rewards_.InsertReward(tx, reward));
        return ToRewardProto(reward);
      });
}

absl::StatusOr<v1::Reward> RewardManager::GetReward(
    const RequestContext& context, const v1::GetRewardRequest& request) {
  CRM_RETURN_IF_ERROR(crm::common::CheckRequiredFields(request));
  absl::StatusOr<std::string> id = crm::common::ParseResourceName(
      request.name(), kRewardsCollection, "name");
  if (!id.ok()) {
    return InvalidFieldError("name", "must be of the form rewards/{reward}");
  }
  return unit_of_work_.Read<v1::Reward>(
      context, [&](Transaction& tx) -> absl::StatusOr<v1::Reward> {
        CRM_ASSIGN_OR_RETURN(std::optional<RewardRecord> reward,
                             rewards_.FindReward(tx, *id, /*lock=*/false));
        if (!reward.has_value()) {
          return crm::common::NotFoundError(request.name());
        }
        return ToRewardProto(*reward);
      });
}

absl::StatusOr<v1::ListRewardsResponse> RewardManager::ListRewards(
    const RequestContext& context, const v1::ListRewardsRequest& request) {
  CRM_ASSIGN_OR_RETURN(
      IdOrderPage page,
      ParseIdOrderPage(request.page_size(), request.page_token(), "rewards"));
  return unit_of_work_.Read<v1::ListRewardsResponse>(
      context, [&](Transaction& tx) -> absl::StatusOr<v1::ListRewardsResponse> {
        CRM_ASSIGN_OR_RETURN(
            std::vector<RewardRecord> rewards,
            rewards_.ListRewards(tx, page.after, page.page_size + 1));
        v1::ListRewardsResponse response;
        response.set_next_page_token(TrimToPage(rewards, page));
        for (const RewardRecord& reward : rewards) {
          *response.add_rewards() = ToRewardProto(reward);
        }
        return response;
      });
}

absl::StatusOr<v1::RedeemRewardResponse> RewardManager::RedeemReward(
    const RequestContext& context, const v1::RedeemRewardRequest& request) {
  CRM_RETURN_IF_ERROR(crm::common::CheckRequiredFields(request));
  CRM_ASSIGN_OR_RETURN(std::string customer_id,
                       ParseAccountName(request.account(), "account"));
  absl::StatusOr<std::string> reward_id = crm::common::ParseResourceName(
      request.reward(), kRewardsCollection, "reward");
  if (!reward_id.ok()) {
    return InvalidFieldError("reward", "must be of the form rewards/{reward}");
  }
  return crm::common::RunIdempotent<v1::RedeemRewardResponse>(
      unit_of_work_, idempotency_, clock_, context, kRedeemRewardMethod,
      request.request_id(), request,
      [&](Transaction& tx) -> absl::StatusOr<v1::RedeemRewardResponse> {
        const absl::Time now = crm::common::TruncateToMicros(clock_.Now());
        CRM_ASSIGN_OR_RETURN(AccountRecord account,
                             accounts_.LockOrCreate(tx, customer_id, now));
        CRM_ASSIGN_OR_RETURN(std::optional<RewardRecord> reward,
                             rewards_.FindReward(tx, *reward_id, true));
        if (!reward.has_value()) {
          return crm::common::NotFoundError(request.reward());
        }
        if (reward->stock <= 0 || (reward->available_until.has_value() &&
                                   now >= *reward->available_until)) {
          return crm::common::ErrorWithReason(
              absl::FailedPreconditionError(
                  "reward: out of stock or no longer available"),
              crm::type::v1::RESOURCE_STATE_CONFLICT, {{"field", "reward"}});
        }
        Posting posting;
        posting.type = v1::LedgerEntry::REDEEM;
        posting.points = reward->point_cost;
        posting.reason = absl::StrCat("reward ", RewardName(reward->id));
        posting.source = absl::StrCat("reward:", request.request_id());
        posting.time = now;
        absl::StatusOr<LedgerEntryRecord> entry =
            poster_.Debit(tx, account, posting, "reward");
        if (!entry.ok()) return entry.status();
        reward->stock -= 1;
        reward->version += 1;
        CRM_RETURN_IF_ERROR(rewards_.UpdateReward(tx, *reward));

        CRM_ASSIGN_OR_RETURN(CouponRecord coupon,
                             InsertNewCoupon(tx, rewards_, ids_, codes_,
                                             customer_id, *reward, now));
        v1::RedeemRewardResponse response;
        *response.mutable_coupon() = ToCouponProto(coupon, now);
        *response.mutable_entry() = ToLedgerEntryProto(*entry);
        *response.mutable_account() = ToAccountProto(account);
        return response;
      });
}

absl::StatusOr<v1::Coupon> RewardManager::GetCoupon(
    const RequestContext& context, const v1::GetCouponRequest& request) {
  CRM_RETURN_IF_ERROR(crm::common::CheckRequiredFields(request));
  absl::StatusOr<std::string> id = crm::common::ParseResourceName(
      request.name(), kCouponsCollection, "name");
  if (!id.ok()) {
    return InvalidFieldError("name", "must be of the form coupons/{coupon}");
  }
  const absl::Time now = clock_.Now();
  return unit_of_work_.Read<v1::Coupon>(
      context, [&](Transaction& tx) -> absl::StatusOr<v1::Coupon> {
        CRM_ASSIGN_OR_RETURN(std::optional<CouponRecord> coupon,
                             rewards_.FindCoupon(tx, *id));
        if (!coupon.has_value()) {
          return crm::common::NotFoundError(request.name());
        }
        return ToCouponProto(*coupon, now);
      });
}

absl::StatusOr<v1::ListCouponsResponse> RewardManager::ListCoupons(
    const RequestContext& context, const v1::ListCouponsRequest& request) {
  CouponQuery query;
  CRM_ASSIGN_OR_RETURN(query.filter, ParseCouponFilter(request.filter()));
  const std::string fingerprint = absl::StrCat("coupons\n", request.filter());
  CRM_ASSIGN_OR_RETURN(
      crm::common::PageRequest page,
      crm::common::ParsePageRequest(request.page_size(), request.page_token(),
                                    fingerprint));
  if (page.after.has_value()) {
    query.after.emplace(page.after->create_time, page.after->id);
  }
  query.now = clock_.Now();
  query.limit = page.page_size + 1;
  return unit_of_work_.Read<v1::ListCouponsResponse>(
      context, [&](Transaction& tx) -> absl::StatusOr<v1::ListCouponsResponse> {
        CRM_ASSIGN_OR_RETURN(std::vector<CouponRecord> rows,
                             rewards_.ListCoupons(tx, query));
        const crm::common::Page<CouponRecord> coupons = crm::common::MakePage<
            CouponRecord>(
            std::move(rows), page.page_size, [](const CouponRecord& coupon) {
              return crm::common::KeysetPosition{coupon.issue_time, coupon.id};
            });
        v1::ListCouponsResponse response;
        for (const CouponRecord& coupon : coupons.items) {
          *response.add_coupons() = ToCouponProto(coupon, query.now);
        }
        response.set_next_page_token(
            crm::common::NextPageToken(coupons.next, fingerprint));
        return response;
      });
}

absl::StatusOr<v1::Coupon> RewardManager::ValidateCoupon(
    const RequestContext& context, const v1::ValidateCouponRequest& request) {
  CRM_RETURN_IF_ERROR(crm::common::CheckRequiredFields(request));
  CRM_ASSIGN_OR_RETURN(std::string code, ParseCode(request.code()));
  const absl::Time now = clock_.Now();
  return unit_of_work_.Read<v1::Coupon>(
      context, [&](Transaction& tx) -> absl::StatusOr<v1::Coupon> {
        CRM_ASSIGN_OR_RETURN(std::optional<CouponRecord> coupon,
                             rewards_.FindCouponByCode(tx, code, false));
        // The code is not echoed: a coupon code is a bearer secret.
        if (!coupon.has_value()) return crm::common::NotFoundError("coupons/-");
        CRM_RETURN_IF_ERROR(CheckRedeemable(*coupon, now));
        return ToCouponProto(*coupon, now);
      });
}

absl::StatusOr<v1::Coupon> RewardManager::RedeemCoupon(
    const RequestContext& context, const v1::RedeemCouponRequest& request) {
  CRM_RETURN_IF_ERROR(crm::common::CheckRequiredFields(request));
  CRM_ASSIGN_OR_RETURN(std::string code, ParseCode(request.code()));
  return crm::common::RunIdempotent<v1::Coupon>(
      unit_of_work_, idempotency_, clock_, context, kRedeemCouponMethod,
      request.request_id(), request,
      [&](Transaction& tx) -> absl::StatusOr<v1::Coupon> {
        const absl::Time now = crm::common::TruncateToMicros(clock_.Now());
        CRM_ASSIGN_OR_RETURN(std::optional<CouponRecord> coupon,
                             rewards_.FindCouponByCode(tx, code, true));
        if (!coupon.has_value()) return crm::common::NotFoundError("coupons/-");
        CRM_RETURN_IF_ERROR(CheckRedeemable(*coupon, now));
        coupon->state = v1::Coupon::REDEEMED;
        coupon->redeem_time = now;
        CRM_RETURN_IF_ERROR(rewards_.UpdateCoupon(tx, *coupon));
        return ToCouponProto(*coupon, now);
      });
}

}  // namespace crm::loyalty
