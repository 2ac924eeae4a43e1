// Storage of rewarded referral edges (referral_edges, migration 0007) that
// segmentation keeps from loyalty's change feed (loyalty_feed_applier.h),
// and the per-page read of customer referral value (referral_value.h). The
// MySQL implementation is MySqlReferralEdgeRepository; unit tests use the
// in-memory fake in tests/testing/fakes/segmentation/.
//
//   CRM_RETURN_IF_ERROR(edges.Insert(tx, {.referral_id = "r1",
//       .referrer_id = "a", .referred_id = "b", .reward_time = t}));
//   CRM_ASSIGN_OR_RETURN(auto values, edges.ValuesOf(tx, {"a", "c"}));
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "services/common/unit_of_work.h"

namespace crm::segmentation {

// One rewarded referral: `referrer_id` brought `referred_id` in.
struct ReferralEdge {
  std::string referral_id;  // loyalty's `referrals/{id}` without the prefix.
  std::string referrer_id;
  std::string referred_id;
  absl::Time reward_time;
};

// A referrer's referral value: the distinct customers it referred and the
// sum of their stored CLV (customer_scores.clv_minor; 0 for one without).
struct ReferralValue {
  int64_t referral_count = 0;
  int64_t value_minor = 0;
};

class ReferralEdgeRepository {
 public:
  ReferralEdgeRepository(const ReferralEdgeRepository&) = delete;
  ReferralEdgeRepository& operator=(const ReferralEdgeRepository&) = delete;
  virtual ~ReferralEdgeRepository() = default;

  // Stores `edge` with each side replaced by its survivor when
  // merged_customers records it as merged away (read with a shared lock, so
  // a merge committing concurrently is ordered wholly before or after, and
  // its re-keying sees the edge). Not stored: an edge that then refers a
  // customer to itself, or whose referral id is stored already.
  virtual absl::Status Insert(crm::common::Transaction& tx,
                              const ReferralEdge& edge) = 0;
  // Removes the edge of `referral_id`, if any.
  virtual absl::Status Delete(crm::common::Transaction& tx,
                              absl::string_view referral_id) = 0;
  // Merge: every edge naming `duplicate_id` on either side names
  // `survivor_id` instead; edges that now refer a customer to itself are
  // removed.
  virtual absl::Status ReKeyCustomer(crm::common::Transaction& tx,
                                     absl::string_view duplicate_id,
                                     absl::string_view survivor_id) = 0;
  // Erasure: every edge naming `customer_id` on either side is removed.
  virtual absl::Status DeleteCustomer(crm::common::Transaction& tx,
                                      absl::string_view customer_id) = 0;
  // The edges naming `customer_id` on either side, by referral id.
  virtual absl::StatusOr<std::vector<ReferralEdge>> EdgesOf(
      crm::common::Transaction& tx, absl::string_view customer_id) = 0;
  // One read for a page: the referral value of each of `referrer_ids` that
  // referred anyone (absent: none), counting each referred customer once.
  virtual absl::StatusOr<std::map<std::string, ReferralValue>> ValuesOf(
      crm::common::Transaction& tx,
      const std::vector<std::string>& referrer_ids) = 0;

 protected:
  ReferralEdgeRepository() = default;
};

}  // namespace crm::segmentation
