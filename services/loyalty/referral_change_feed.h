// The referral events of loyalty's change feed (tier_change_feed.h names
// the feed): REFERRAL_REWARDED when the referred customer's first order
// rewards a referral (referral_reward.h), REFERRAL_CANCELLED when a merge
// cancels a rewarded referral between the two merged customers, and
// REFERRAL_ERASED when a side of a rewarded referral is erased
// (member_lifecycle.h), each appended in the transaction that makes the
// change.
//
// They are keyed by the referral's name (`referrals/{id}`, ReferralFeedKey),
// not by a customer: the referral outlives merges of either side, and an
// erasure of either side finds them by the referral's name and rewrites the
// erased side's name in the payload to its tombstone
// (FeedEventRepository::ReKeyReferralEvents), so no feed row names an
// erased customer.
//
//   CRM_RETURN_IF_ERROR(AppendReferralChange(
//       writer, tx, v1::ChangeEvent::REFERRAL_REWARDED, referral));
#pragma once

#include <string>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "crm/loyalty/v1/change_event.pb.h"
#include "services/common/change_feed_writer.h"
#include "services/common/unit_of_work.h"
#include "services/loyalty/referral_repository.h"

namespace crm::loyalty {

// The outbox key of every event about referral `referral_id`.
std::string ReferralFeedKey(absl::string_view referral_id);

// The event for `referral` as it stands (the feed assigns sequence, type
// and time): the referral's name, both sides' names and the reward
// time; `customer` is the referrer.
v1::ChangeEvent ReferralChangedEvent(const ReferralRecord& referral);

// Appends the event in `tx` keyed ReferralFeedKey(referral.id); nothing
// without a writer.
absl::Status AppendReferralChange(crm::common::ChangeFeedWriter* writer,
                                  crm::common::Transaction& tx,
                                  v1::ChangeEvent::Type type,
                                  const ReferralRecord& referral);

}  // namespace crm::loyalty
