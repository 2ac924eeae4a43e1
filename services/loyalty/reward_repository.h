// Storage of the rewards catalogue and the coupons issued for it: the
// records as stored and the interface the reward manager
// (reward_manager.h) uses inside a unit of work. The MySQL implementation
// is MySqlRewardRepository; unit tests use the in-memory fake in
// tests/testing/fakes/loyalty/.
//
//   CRM_ASSIGN_OR_RETURN(std::optional<RewardRecord> reward,
//                        rewards.FindReward(tx, id, /*lock=*/true));
//   ... take one unit of stock ...
//   CRM_RETURN_IF_ERROR(rewards.UpdateReward(tx, *reward));
//   CRM_RETURN_IF_ERROR(rewards.InsertCoupon(tx, coupon));
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "crm/loyalty/v1/reward.pb.h"
#include "services/common/filter/filter_ast.h"
#include "services/common/unit_of_work.h"

namespace crm::loyalty {

// One reward of the catalogue; `version` is its etag.
struct RewardRecord {
  std::string id;
  std::string display_name;
  int64_t point_cost = 0;
  int64_t stock = 0;  // >= 0.
  int coupon_validity_days = 0;
  std::optional<absl::Time> available_until;
  absl::Time create_time;
  int64_t version = 0;
};

// One coupon. `code` is unique across all coupons.
struct CouponRecord {
  std::string id;
  std::string code;
  std::string customer_id;
  std::string reward_id;
  ::crm::loyalty::v1::Coupon::State state =
      ::crm::loyalty::v1::Coupon::STATE_UNSPECIFIED;
  absl::Time issue_time;
  absl::Time expire_time;
  std::optional<absl::Time> redeem_time;
  // For a coupon issued to a segment (coupon_issue.h): the key of the
  // (request, member) it was issued for, unique per customer; empty
  // otherwise and after an erasure.
  std::string issue_key;
};

// A page of coupons, newest issue first (issue_time, then id, descending).
struct CouponQuery {
  // Parsed by ParseCouponFilter() (coupon_filter.h): `customer` and `reward`
  // values are ids; `state` is evaluated as read at `now`.
  crm::common::filter::Filter filter;
  absl::Time now;
  // Only coupons after this (issue_time, id) in the listing's order, i.e.
  // issued earlier, or at the same time with a lower id.
  std::optional<std::pair<absl::Time, std::string>> after;
  int limit = 50;
};

class RewardRepository {
 public:
  RewardRepository(const RewardRepository&) = delete;
  RewardRepository& operator=(const RewardRepository&) = delete;
  virtual ~RewardRepository() = default;

  // Stores a new reward. ALREADY_EXISTS if its id is taken.
  virtual absl::Status InsertReward(crm::common::Transaction& tx,
                                    const RewardRecord& reward) = 0;

  // The reward `id`, nullopt if none; with `lock`, locked until `tx` ends
  // (redemptions of one reward serialise, so its stock is read fresh).
  virtual absl::StatusOr<std::optional<RewardRecord>> FindReward(
      crm::common::Transaction& tx, absl::string_view id, bool lock) = 0;

  // Stores `reward`'s stock and version over the reward of its id.
  // NOT_FOUND if there is none.
  virtual absl::Status UpdateReward(crm::common::Transaction& tx,
                                    const RewardRecord& reward) = 0;

  // Up to `limit` rewards with id above `after`, in id order.
  virtual absl::StatusOr<std::vector<RewardRecord>> ListRewards(
      crm::common::Transaction& tx, absl::string_view after, int limit) = 0;

  // Stores a new coupon. ALREADY_EXISTS if its id or code is taken.
  virtual absl::Status InsertCoupon(crm::common::Transaction& tx,
                                    const CouponRecord& coupon) = 0;

  // The coupon `id`; nullopt if none.
  virtual absl::StatusOr<std::optional<CouponRecord>> FindCoupon(
      crm::common::Transaction& tx, absl::string_view id) = 0;

  // The coupon with `code`, nullopt if none; with `lock`, locked until `tx`
  // ends (a coupon is redeemed by one transaction only).
  virtual absl::StatusOr<std::optional<CouponRecord>> FindCouponByCode(
      crm::common::Transaction& tx, absl::string_view code, bool lock) = 0;

  // Stores `coupon`'s state and redeem_time. NOT_FOUND if there is none.
  virtual absl::Status UpdateCoupon(crm::common::Transaction& tx,
                                    const CouponRecord& coupon) = 0;

  // Every coupon of `customer_id`, in issue order.
  virtual absl::StatusOr<std::vector<CouponRecord>> CouponsOfCustomer(
      crm::common::Transaction& tx, absl::string_view customer_id) = 0;

  // Up to `query.limit` coupons matching `query.filter` after
  // `query.after`, newest issue first (ties by id, descending).
  // INVALID_ARGUMENT (FILTER_INVALID) for a field storage cannot filter on.
  virtual absl::StatusOr<std::vector<CouponRecord>> ListCoupons(
      crm::common::Transaction& tx, const CouponQuery& query) = 0;

  // The coupon of `customer_id` issued under `issue_key`; nullopt if none.
  virtual absl::StatusOr<std::optional<CouponRecord>> FindCouponByIssueKey(
      crm::common::Transaction& tx, absl::string_view customer_id,
      absl::string_view issue_key) = 0;

  // Clears the issue keys of every coupon of `customer_id` (erasure).
  virtual absl::Status ForgetIssueKeys(crm::common::Transaction& tx,
                                       absl::string_view customer_id) = 0;

  // Gives every coupon of `from_customer_id` to `to_customer_id` (merges;
  // erasure re-keys them to the tombstone id).
  virtual absl::Status ReassignCoupons(crm::common::Transaction& tx,
                                       absl::string_view from_customer_id,
                                       absl::string_view to_customer_id) = 0;

 protected:
  RewardRepository() = default;
};

}  // namespace crm::loyalty
