// Loyalty's own change feed (protos/crm/loyalty/v1/change_event.proto):
// its name in the transactional outbox (services/common/change_feed_outbox.h)
// and the TIER_CHANGED event every tier change appends in the transaction
// that stores it (tier_refresh.h). WatchChanges serves the feed
// (tier_change_streamer.h).
//
//   MySqlChangeFeedWriter feed(std::string(kLoyaltyFeed), clock, &written);
//   CRM_RETURN_IF_ERROR(AppendTierChange(&feed, tx, "c1", before, after,
//                                        v1::TierChange::ORDER_EARNED, now));
#pragma once

#include <string>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "crm/loyalty/v1/change_event.pb.h"
#include "services/common/change_feed_writer.h"
#include "services/common/unit_of_work.h"
#include "services/loyalty/tier_rules.h"

namespace crm::loyalty {

inline constexpr absl::string_view kLoyaltyFeed = "loyalty";

// Where a tier change is reported: the feed writer (null: no feed, e.g. in
// tests of the ledger alone) and what re-evaluated the tier.
struct TierChangeFeed {
  crm::common::ChangeFeedWriter* writer = nullptr;
  v1::TierChange::Reason reason = v1::TierChange::REASON_UNSPECIFIED;
};

// The event for `customer_id` moving from `before` to `after` (the feed
// assigns sequence, type and time): customer id and tiers only, no
// personal data.
v1::ChangeEvent TierChangedEvent(absl::string_view customer_id,
                                 const TierState& before,
                                 const TierState& after,
                                 v1::TierChange::Reason reason);

// Appends TIER_CHANGED in `tx` when the tier id differs between `before`
// and `after` (a grace period starting or ending alone is no tier change);
// nothing without a writer. Keyed by the customer id.
absl::Status AppendTierChange(const TierChangeFeed& feed,
                              crm::common::Transaction& tx,
                              absl::string_view customer_id,
                              const TierState& before, const TierState& after);

}  // namespace crm::loyalty
