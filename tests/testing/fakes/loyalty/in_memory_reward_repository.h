// An in-memory RewardRepository (services/loyalty/reward_repository.h) for
// unit tests of the reward manager; rolled back with the FakeUnitOfWork it
// enlists in. Follows the interface's contracts (ALREADY_EXISTS for a taken
// id or code, NOT_FOUND for updating a missing row); locks need no
// modelling (FakeUnitOfWork runs one unit of work at a time).
//
//   crm::testing::InMemoryRewardRepository rewards(&unit_of_work);
//   RewardManager manager(unit_of_work, rewards, accounts, keys, clock, ids,
//                         codes);
#pragma once

#include <algorithm>
#include <map>
#include <optional>
#include <string>
#include <tuple>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "services/common/filter/filter_predicate.h"
#include "services/loyalty/reward_manager.h"
#include "services/loyalty/reward_repository.h"
#include "tests/testing/fakes/fake_unit_of_work.h"

namespace crm::testing {

class InMemoryRewardRepository final : public crm::loyalty::RewardRepository {
 public:
  using RewardRecord = crm::loyalty::RewardRecord;
  using CouponRecord = crm::loyalty::CouponRecord;

  explicit InMemoryRewardRepository(FakeUnitOfWork* unit_of_work) {
    if (unit_of_work != nullptr) {
      unit_of_work->Enlist([this] {
        State saved = state_;
        return [this, saved] { state_ = saved; };
      });
    }
  }

  absl::Status InsertReward(crm::common::Transaction& /*tx*/,
                            const RewardRecord& reward) override {
    if (!state_.rewards.emplace(reward.id, reward).second) {
      return absl::AlreadyExistsError("reward exists");
    }
    return absl::OkStatus();
  }
  absl::StatusOr<std::optional<RewardRecord>> FindReward(
      crm::common::Transaction& /*tx*/, absl::string_view id,
      bool /*lock*/) override {
    auto it = state_.rewards.find(std::string(id));
    if (it == state_.rewards.end()) return std::nullopt;
    return it->second;
  }
  absl::Status UpdateReward(crm::common::Transaction& /*tx*/,
                            const RewardRecord& reward) override {
    auto it = state_.rewards.find(reward.id);
    if (it == state_.rewards.end()) return absl::NotFoundError("no reward");
    it->second.stock = reward.stock;
    it->second.version = reward.version;
    return absl::OkStatus();
  }
  absl::StatusOr<std::vector<RewardRecord>> ListRewards(
      crm::common::Transaction& /*tx*/, absl::string_view after,
      int limit) override {
    std::vector<RewardRecord> page;
    for (auto it = state_.rewards.upper_bound(std::string(after));
         it != state_.rewards.end() && static_cast<int>(page.size()) < limit;
         ++it) {
      page.push_back(it->second);
    }
    return page;
  }
  absl::Status InsertCoupon(crm::common::Transaction& /*tx*/,
                            const CouponRecord& coupon) override {
    for (const auto& [id, existing] : state_.coupons) {
      if (id == coupon.id || existing.code == coupon.code ||
          (!coupon.issue_key.empty() &&
           existing.issue_key == coupon.issue_key &&
           existing.customer_id == coupon.customer_id)) {
        return absl::AlreadyExistsError("coupon id or code exists");
      }
    }
    state_.coupons[coupon.id] = coupon;
    return absl::OkStatus();
  }
  absl::StatusOr<std::optional<CouponRecord>> FindCoupon(
      crm::common::Transaction& /*tx*/, absl::string_view id) override {
    auto it = state_.coupons.find(std::string(id));
    if (it == state_.coupons.end()) return std::nullopt;
    return it->second;
  }
  absl::StatusOr<std::optional<CouponRecord>> FindCouponByCode(
      crm::common::Transaction& /*tx*/, absl::string_view code,
      bool /*lock*/) override {
    for (const auto& [id, coupon] : state_.coupons) {
      if (coupon.code == code) return coupon;
    }
    return std::nullopt;
  }
  absl::Status UpdateCoupon(crm::common::Transaction& /*tx*/,
                            const CouponRecord& coupon) override {
    auto it = state_.coupons.find(coupon.id);
    if (it == state_.coupons.end()) return absl::NotFoundError("no coupon");
    it->second.state = coupon.state;
    it->second.redeem_time = coupon.redeem_time;
    return absl::OkStatus();
  }

  absl::StatusOr<std::vector<CouponRecord>> CouponsOfCustomer(
      crm::common::Transaction& /*tx*/,
      absl::string_view customer_id) override {
    std::vector<CouponRecord> coupons;
    for (const auto& [id, coupon] : state_.coupons) {
      if (coupon.customer_id == customer_id) coupons.push_back(coupon);
    }
    std::sort(coupons.begin(), coupons.end(),
              [](const CouponRecord& a, const CouponRecord& b) {
                return std::tie(a.issue_time, a.id) <
                       std::tie(b.issue_time, b.id);
              });
    return coupons;
  }
  // `state` is matched as read at `query.now` (ToCouponProto), as the SQL.
  absl::StatusOr<std::vector<CouponRecord>> ListCoupons(
      crm::common::Transaction& /*tx*/,
      const crm::loyalty::CouponQuery& query) override {
    std::vector<CouponRecord> coupons;
    for (const auto& [id, coupon] : state_.coupons) coupons.push_back(coupon);
    std::sort(coupons.begin(), coupons.end(),
              [](const CouponRecord& a, const CouponRecord& b) {
                return std::tie(a.issue_time, a.id) >
                       std::tie(b.issue_time, b.id);
              });
    std::vector<CouponRecord> page;
    for (const CouponRecord& coupon : coupons) {
      if (query.after.has_value() &&
          std::tie(coupon.issue_time, coupon.id) >=
              std::tie(query.after->first, query.after->second)) {
        continue;
      }
      crm::common::filter::MapFilterRecord view(
          {{"customer", {coupon.customer_id}},
           {"reward", {coupon.reward_id}},
           {"state",
            {crm::loyalty::v1::Coupon::State_Name(
                crm::loyalty::ToCouponProto(coupon, query.now).state())}},
           {"issue_time", {coupon.issue_time}},
           {"expire_time", {coupon.expire_time}}});
      if (!crm::common::filter::Matches(query.filter, view)) continue;
      if (static_cast<int>(page.size()) >= query.limit) break;
      page.push_back(coupon);
    }
    return page;
  }
  absl::StatusOr<std::optional<CouponRecord>> FindCouponByIssueKey(
      crm::common::Transaction& /*tx*/, absl::string_view customer_id,
      absl::string_view issue_key) override {
    for (const auto& [id, coupon] : state_.coupons) {
      if (coupon.customer_id == customer_id && coupon.issue_key == issue_key) {
        return coupon;
      }
    }
    return std::nullopt;
  }
  absl::Status ForgetIssueKeys(crm::common::Transaction& /*tx*/,
                               absl::string_view customer_id) override {
    for (auto& [id, coupon] : state_.coupons) {
      if (coupon.customer_id == customer_id) coupon.issue_key.clear();
    }
    return absl::OkStatus();
  }
  absl::Status ReassignCoupons(crm::common::Transaction& /*tx*/,
                               absl::string_view from_customer_id,
                               absl::string_view to_customer_id) override {
    for (auto& [id, coupon] : state_.coupons) {
      if (coupon.customer_id == from_customer_id) {
        coupon.customer_id = std::string(to_customer_id);
      }
    }
    return absl::OkStatus();
  }

  // --- Test access ---
  std::optional<CouponRecord> Coupon(const std::string& id) const {
    auto it = state_.coupons.find(id);
    if (it == state_.coupons.end()) return std::nullopt;
    return it->second;
  }
  std::optional<RewardRecord> Reward(const std::string& id) const {
    auto it = state_.rewards.find(id);
    if (it == state_.rewards.end()) return std::nullopt;
    return it->second;
  }
  size_t coupon_count() const { return state_.coupons.size(); }

 private:
  struct State {
    std::map<std::string, RewardRecord> rewards;
    std::map<std::string, CouponRecord> coupons;
  };
  State state_;
};

}  // namespace crm::testing
