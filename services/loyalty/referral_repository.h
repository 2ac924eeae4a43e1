// Storage of referral codes and referrals (the referral graph): the records
// as stored and the interface the referral manager (referral_manager.h),
// the order earning (referral_reward.h) and the member lifecycle
// (member_lifecycle.h) use inside a unit of work. The MySQL implementation
// is MySqlReferralRepository; unit tests use the in-memory fake in
// tests/testing/fakes/loyalty/.
//
//   CRM_ASSIGN_OR_RETURN(std::optional<ReferralCodeRecord> code,
//                        referrals.FindCodeByCode(tx, "7K3M..."));
//   CRM_RETURN_IF_ERROR(referrals.InsertReferral(tx, referral));
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "crm/loyalty/v1/referral.pb.h"
#include "services/common/filter/filter_ast.h"
#include "services/common/unit_of_work.h"

namespace crm::loyalty {

// A member's code; one per customer, `code` unique across all members.
struct ReferralCodeRecord {
  std::string customer_id;
  std::string code;
  absl::Time create_time;
};

// One referral: `referrer_id` referred `referred_id` (stored as the row's
// customer id, its shard key).
struct ReferralRecord {
  std::string id;
  std::string referrer_id;
  std::string referred_id;
  ::crm::loyalty::v1::Referral::State state =
      ::crm::loyalty::v1::Referral::STATE_UNSPECIFIED;
  absl::Time create_time;
  std::optional<absl::Time> reward_time;
  std::optional<absl::Time> cancel_time;
  int64_t referrer_points = 0;
  int64_t referred_points = 0;
};

// A page of referrals, newest first (create_time, then id, descending).
struct ReferralQuery {
  // Parsed by ParseReferralFilter() (referral_filter.h): `referrer` and
  // `referred` values are customer ids.
  crm::common::filter::Filter filter;
  // Only referrals after this (create_time, id) in the listing's order.
  std::optional<std::pair<absl::Time, std::string>> after;
  int limit = 50;
};

class ReferralRepository {
 public:
  ReferralRepository(const ReferralRepository&) = delete;
  ReferralRepository& operator=(const ReferralRepository&) = delete;
  virtual ~ReferralRepository() = default;

  // The code of `customer_id`, nullopt if none; with `lock`, locked (or the
  // gap where it would be) until `tx` ends.
  virtual absl::StatusOr<std::optional<ReferralCodeRecord>> FindCode(
      crm::common::Transaction& tx, absl::string_view customer_id,
      bool lock) = 0;

  // The code record whose code is `code` (upper case), nullopt if none.
  virtual absl::StatusOr<std::optional<ReferralCodeRecord>> FindCodeByCode(
      crm::common::Transaction& tx, absl::string_view code) = 0;

  // Stores a new code. ALREADY_EXISTS (nothing written) if the customer
  // has a code or the code is taken.
  virtual absl::Status InsertCode(crm::common::Transaction& tx,
                                  const ReferralCodeRecord& code) = 0;

  // Gives the code of `from_customer_id` to `to_customer_id` (who must have
  // none); nothing if `from_customer_id` has none.
  virtual absl::Status MoveCode(crm::common::Transaction& tx,
                                absl::string_view from_customer_id,
                                absl::string_view to_customer_id) = 0;

  // Deletes the code of `customer_id`, if any.
  virtual absl::Status DeleteCode(crm::common::Transaction& tx,
                                  absl::string_view customer_id) = 0;

  // Stores a new referral. ALREADY_EXISTS if its id is taken.
  virtual absl::Status InsertReferral(crm::common::Transaction& tx,
                                      const ReferralRecord& referral) = 0;

  // Stores every field of `referral` but its id and create_time over the
  // referral of its id. NOT_FOUND if there is none.
  virtual absl::Status UpdateReferral(crm::common::Transaction& tx,
                                      const ReferralRecord& referral) = 0;

  // The referrals whose referred customer is `customer_id`, oldest first
  // (create_time, then id); with `lock`, locked until `tx` ends.
  virtual absl::StatusOr<std::vector<ReferralRecord>> ReferralsOfReferred(
      crm::common::Transaction& tx, absl::string_view customer_id,
      bool lock) = 0;

  // ReferralsOfReferred() of each of `customer_ids`, keyed by customer id
  // (every one present, with no referrals: empty). The default asks per
  // customer; implementations answer in fewer statements.
  virtual absl::StatusOr<std::map<std::string, std::vector<ReferralRecord>>>
  ReferralsOfReferredMany(crm::common::Transaction& tx,
                          const std::vector<std::string>& customer_ids,
                          bool lock);

  // The referrals naming `customer_id` on either side, oldest first; with
  // `lock`, locked until `tx` ends.
  virtual absl::StatusOr<std::vector<ReferralRecord>> ReferralsOfCustomer(
      crm::common::Transaction& tx, absl::string_view customer_id,
      bool lock) = 0;

  // Up to `query.limit` referrals matching `query.filter` after
  // `query.after`, newest first (ties by id, descending).
  virtual absl::StatusOr<std::vector<ReferralRecord>> ListReferrals(
      crm::common::Transaction& tx, const ReferralQuery& query) = 0;

  // Whether an order of `customer_id` has been recorded (an order earning,
  // also one that earned nothing).
  virtual absl::StatusOr<bool> HasOrdered(crm::common::Transaction& tx,
                                          absl::string_view customer_id) = 0;

 protected:
  ReferralRepository() = default;
};

}  // namespace crm::loyalty
