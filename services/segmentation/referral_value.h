// Customer referral value (CRV): the value of the customers a customer
// brought in, kept beside CLV.
//
// Input: loyalty's change feed (protos/crm/loyalty/v1/change_event.proto),
// followed by a FeedConsumer of its own (consumer name
// `segmentation-loyalty`, main.cc) and applied by LoyaltyFeedApplier in the
// consumer's transaction, so each event counts exactly once:
//   REFERRAL_REWARDED   stores the edge referrer -> referred (referral id,
//                       reward time) in referral_edges; a side that was
//                       merged away here is stored as its survivor
//                       (ReferralEdgeRepository::Insert); an edge
//                       naming an erased customer's tombstone (`erased-...`)
//                       or referring a customer to itself is not stored.
//   REFERRAL_CANCELLED, REFERRAL_ERASED
//                       remove the referral's edge.
//   anything else       ignored.
// customer-profile's merges and erasures reach the edges through
// ReferralEdgeHook (a ReadModelChangeHook, profile_feed_applier.h): a
// merged-away customer's edges are re-keyed to its survivor on both sides
// (a self-referral that results is dropped); an erased customer's edges are
// all deleted.
//
// Output, at read time (nothing is stored per customer, so it is current
// without re-scoring): AddReferralValues fills `referral_count` and
// `referral_value` of the CustomerScores a read returns, with one query per
// page (ReferralEdgeRepository::ValuesOf): referral_count = the distinct
// customers the customer referred (rewarded referrals), referral_value =
// the sum of their current CLV (`customer_scores.clv_minor`, the predicted
// value over the CLV horizon at the CLV discount rate, in minor units of
// the scoring currency; a referred customer without a CLV counts 0).
//
//   LoyaltyFeedApplier applier(edges);
//   ... FeedConsumer(pool, MakeLoyaltyFeedOpener(stub), apply, {...}) ...
//   CRM_RETURN_IF_ERROR(AddReferralValues(&edges, tx, "CNY", {&score}));
#pragma once

#include <cstdint>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "crm/loyalty/v1/change_event.pb.h"
#include "crm/segmentation/v1/customer_score.pb.h"
#include "services/common/unit_of_work.h"
#include "services/segmentation/profile_feed_applier.h"
#include "services/segmentation/read_model_repository.h"
#include "services/segmentation/referral_edge_repository.h"

namespace crm::segmentation {

// The consumer name of segmentation's cursor on loyalty's feed.
inline constexpr char kLoyaltyFeedConsumer[] = "segmentation-loyalty";

class LoyaltyFeedApplier {
 public:
  // `edges` must outlive the applier.
  explicit LoyaltyFeedApplier(ReferralEdgeRepository& edges) : edges_(edges) {}
  LoyaltyFeedApplier(const LoyaltyFeedApplier&) = delete;
  LoyaltyFeedApplier& operator=(const LoyaltyFeedApplier&) = delete;

  // Parses `payload` (a serialized crm.loyalty.v1.ChangeEvent; the type
  // comes with it, as WatchChanges sends it) and applies it. DATA_LOSS if
  // it does not parse.
  absl::Status ApplyPayload(crm::common::Transaction& tx, int64_t sequence,
                            absl::string_view payload);

  // Applies `event` as the file comment says. INVALID_ARGUMENT for a
  // referral event whose names are malformed.
  absl::Status Apply(crm::common::Transaction& tx,
                     const crm::loyalty::v1::ChangeEvent& event);

 private:
  ReferralEdgeRepository& edges_;
};

// The read-model hook that makes referral edges follow merges and
// erasures (see above). `edges` and `read_model` must outlive it.
ReadModelChangeHook ReferralEdgeHook(ReferralEdgeRepository& edges,
                                     ReadModelRepository& read_model);

// Sets `referral_count` and `referral_value` (in `currency_code`) of each
// of `scores` (named `customers/{id}/score`) with one ValuesOf read in `tx`.
// Nothing when `edges` is null.
absl::Status AddReferralValues(ReferralEdgeRepository* edges,
                               crm::common::Transaction& tx,
                               absl::string_view currency_code,
                               const std::vector<v1::CustomerScore*>& scores);

}  // namespace crm::segmentation
