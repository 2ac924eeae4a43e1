// Grants campaign bonuses on an order's points inside the order's unit of
// work (order_earning.h): for each campaign running at `now` that reaches
// the member's tier (campaign_rules.h), in campaign id order, a BONUS entry
// of CampaignBonus(order points) cut to the campaign's budget left, keyed
// `campaign:{campaign}:{order name}` (so at most once per order and
// campaign), forming a lot that expires like the order's points and
// counting towards tier qualification like them. Campaigns add up; they do
// not multiply each other. A campaign reaches the member only with the
// marketing consent of its channel (consent_policy.h, read from `consents`
// for the account's customer only when some campaign reaches the member):
// without it the order gets no bonus from that campaign, which counts it in
// `orders_skipped_without_consent` (under the same lock).
// A campaign naming a segment reaches the member only when segmentation
// (or its remembered answer, segment_membership_cache.h) places the member
// in it; `segments` null or the membership unknown: it does not reach
// them. Segmentation is asked at most once per order, only when such a
// campaign would otherwise reach the member, before any campaign lock.
//
// The budget is never exceeded: campaigns that would reach the member are
// re-read under their row locks (after the account's lock, the order every
// grant takes), so concurrent grants of one campaign serialise and each
// sees what the one before used; the CHECK on the table backs it up.
//
//   CRM_ASSIGN_OR_RETURN(int64_t bonus,
//       GrantCampaignBonuses(campaigns, consents, poster, tx, account,
//                            order_name, order_points, expire_time, now));
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "services/common/unit_of_work.h"
#include "services/consents/consent_repository.h"
#include "services/loyalty/account_repository.h"
#include "services/loyalty/campaign_repository.h"
#include "services/loyalty/ledger_poster.h"
#include "services/loyalty/segment_membership_cache.h"

namespace crm::loyalty {

// Returns the bonus points granted in all (0 if none). `account` is locked
// by the caller and updated in place.
absl::StatusOr<int64_t> GrantCampaignBonuses(
    CampaignRepository& campaigns, crm::consents::ConsentRepository& consents,
    LedgerPoster& poster, crm::common::Transaction& tx, AccountRecord& account,
    const std::string& order_name, int64_t order_points,
    std::optional<absl::Time> expire_time, absl::Time now,
    CachedSegmentMembership* segments = nullptr);

}  // namespace crm::loyalty
