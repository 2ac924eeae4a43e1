#include "services/loyalty/referral_change_feed.h"

#include "absl/strings/str_cat.h"
#include "services/common/timestamps.h"

namespace crm::loyalty {

std::string ReferralFeedKey(absl::string_view referral_id) {
  return absl::StrCat("referrals/", referral_id);
}

v1::ChangeEvent ReferralChangedEvent(const ReferralRecord& referral) {
  v1::ChangeEvent event;
  event.set_customer(absl::StrCat("customers/", referral.referrer_id));
  v1::ReferralChange& change = *event.mutable_referral_change();
  change.set_referral(ReferralFeedKey(referral.id));
  change.set_referrer(absl::StrCat("customers/", referral.referrer_id));
  change.set_referred(absl::StrCat("customers/", referral.referred_id));
  if (referral.reward_time.has_value()) {
    *change.mutable_reward_time() =
        crm::common::ToProtoTimestamp(*referral.reward_time);
  }
  return event;
}

absl::Status AppendReferralChange(crm::common::ChangeFeedWriter* writer,
                                  crm::common::Transaction& tx,
                                  v1::ChangeEvent::Type type,
                                  const ReferralRecord& referral) {
  if (writer == nullptr) return absl::OkStatus();
  crm::common::FeedEventRecord record;
  record.type = type;
  record.key = ReferralFeedKey(referral.id);
  record.payload = ReferralChangedEvent(referral).SerializeAsString();
  return writer->Append(tx, record);
}

}  // namespace crm::loyalty
