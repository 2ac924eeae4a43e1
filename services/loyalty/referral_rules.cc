#include "services/loyalty/referral_rules.h"

#include <algorithm>
#include <map>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "services/common/error_details.h"
#include "services/common/resource_name.h"
#include "services/common/timestamps.h"
#include "services/loyalty/account_rules.h"
#include "services/loyalty/coupon_codes.h"

namespace crm::loyalty {
namespace {

constexpr char kReferralCodeSuffix[] = "/referralCode";

bool ReferralOlder(const ReferralRecord& a, const ReferralRecord& b) {
  if (a.create_time != b.create_time) return a.create_time < b.create_time;
  return a.id < b.id;
}

void CancelReferral(ReferralRecord& referral, absl::Time now) {
  referral.state = v1::Referral::CANCELLED;
  referral.cancel_time = now;
}

}  // namespace

std::string ReferralName(absl::string_view id) {
  return crm::common::FormatResourceName(kReferralsCollection, id);
}

std::string ReferralCodeName(absl::string_view customer_id) {
  return absl::StrCat(CustomerName(customer_id), kReferralCodeSuffix);
}

absl::StatusOr<std::string> ParseReferralCodeName(absl::string_view name,
                                                  absl::string_view field) {
  if (absl::ConsumeSuffix(&name, kReferralCodeSuffix)) {
    absl::StatusOr<std::string> id =
        crm::common::ParseResourceName(name, "customers", field);
    if (id.ok()) return id;
  }
  return crm::common::InvalidFieldError(
      field, "must be of the form customers/{customer}/referralCode");
}

absl::StatusOr<std::string> NormalizeReferralCode(absl::string_view code,
                                                  absl::string_view field) {
  if (!IsCouponCodeShape(code)) {
    return crm::common::InvalidFieldError(field, "is not a referral code");
  }
  return absl::AsciiStrToUpper(code);
}

std::string ReferrerRewardSource(absl::string_view referral_id) {
  return absl::StrCat("referral:", referral_id, ":referrer");
}

std::string ReferredRewardSource(absl::string_view referral_id) {
  return absl::StrCat("referral:", referral_id, ":referred");
}

v1::Referral ToReferralProto(const ReferralRecord& referral) {
  v1::Referral proto;
  proto.set_name(ReferralName(referral.id));
  proto.set_referrer(CustomerName(referral.referrer_id));
  proto.set_referred(CustomerName(referral.referred_id));
  proto.set_state(referral.state);
  *proto.mutable_create_time() =
      crm::common::ToProtoTimestamp(referral.create_time);
  if (referral.reward_time.has_value()) {
    *proto.mutable_reward_time() =
        crm::common::ToProtoTimestamp(*referral.reward_time);
  }
  if (referral.cancel_time.has_value()) {
    *proto.mutable_cancel_time() =
        crm::common::ToProtoTimestamp(*referral.cancel_time);
  }
  proto.set_referrer_points(referral.referrer_points);
  proto.set_referred_points(referral.referred_points);
  return proto;
}

v1::ReferralCode ToReferralCodeProto(const ReferralCodeRecord& code) {
  v1::ReferralCode proto;
  proto.set_name(ReferralCodeName(code.customer_id));
  proto.set_code(code.code);
  *proto.mutable_create_time() =
      crm::common::ToProtoTimestamp(code.create_time);
  return proto;
}

std::vector<ReferralRecord> ReferralsAfterMerge(
    const std::vector<ReferralRecord>& rows, absl::string_view survivor_id,
    absl::string_view duplicate_id, bool survivor_has_ordered, absl::Time now) {
  // By id, so a referral named twice in `rows` is handled once.
  std::map<std::string, ReferralRecord> merged;
  std::map<std::string, bool> changed;
  for (const ReferralRecord& row : rows) {
    ReferralRecord referral = row;
    bool moved = false;
    if (referral.referrer_id == duplicate_id) {
      referral.referrer_id = std::string(survivor_id);
      moved = true;
    }
    if (referral.referred_id == duplicate_id) {
      referral.referred_id = std::string(survivor_id);
      moved = true;
    }
    if (referral.referrer_id == referral.referred_id &&
        referral.state != v1::Referral::CANCELLED) {
      CancelReferral(referral, now);
      moved = true;
    }
    changed[referral.id] = changed[referral.id] || moved;
    merged[referral.id] = std::move(referral);
  }

  std::vector<ReferralRecord*> pending;
  bool rewarded = false;
  for (auto& [id, referral] : merged) {
    if (referral.referred_id != survivor_id) continue;
    if (referral.state == v1::Referral::REWARDED) rewarded = true;
    if (referral.state == v1::Referral::PENDING) pending.push_back(&referral);
  }
  std::sort(pending.begin(), pending.end(),
            [](const ReferralRecord* a, const ReferralRecord* b) {
              return ReferralOlder(*a, *b);
            });
  const size_t keep = rewarded || survivor_has_ordered ? 0 : 1;
  for (size_t i = keep; i < pending.size(); ++i) {
    CancelReferral(*pending[i], now);
    changed[pending[i]->id] = true;
  }

  std::vector<ReferralRecord> out;
  for (auto& [id, referral] : merged) {
    if (changed[id]) out.push_back(std::move(referral));
  }
  return out;
}

std::vector<ReferralRecord> ReferralsAfterErasure(
    const std::vector<ReferralRecord>& rows, absl::string_view customer_id,
    absl::string_view tombstone_id, absl::Time now) {
  std::vector<ReferralRecord> out;
  for (const ReferralRecord& row : rows) {
    ReferralRecord referral = row;
    if (referral.referrer_id == customer_id) {
      referral.referrer_id = std::string(tombstone_id);
    }
    if (referral.referred_id == customer_id) {
      referral.referred_id = std::string(tombstone_id);
    }
    if (referral.state == v1::Referral::PENDING) CancelReferral(referral, now);
    out.push_back(std::move(referral));
  }
  return out;
}

}  // namespace crm::loyalty
