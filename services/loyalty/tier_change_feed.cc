#include "services/loyalty/tier_change_feed.h"

#include "absl/strings/str_cat.h"
#include "services/common/timestamps.h"

namespace crm::loyalty {

v1::ChangeEvent TierChangedEvent(absl::string_view customer_id,
                                 const TierState& before,
                                 const TierState& after,
                                 v1::TierChange::Reason reason) {
  v1::ChangeEvent event;
  event.set_customer(absl::StrCat("customers/", customer_id));
  v1::TierChange& change = *event.mutable_tier_change();
  change.set_old_tier_id(before.tier);
  change.set_new_tier_id(after.tier);
  change.set_reason(reason);
  if (after.grace_end_time.has_value()) {
    *change.mutable_grace_end_time() =
        crm::common::ToProtoTimestamp(*after.grace_end_time);
  }
  return event;
}

absl::Status AppendTierChange(const TierChangeFeed& feed,
                              crm::common::Transaction& tx,
                              absl::string_view customer_id,
                              const TierState& before, const TierState& after) {
  if (feed.writer == nullptr || before.tier == after.tier) {
    return absl::OkStatus();
  }
  crm::common::FeedEventRecord record;
  record.type = v1::ChangeEvent::TIER_CHANGED;
  record.key = std::string(customer_id);
  record.payload = TierChangedEvent(customer_id, before, after, feed.reason)
                       .SerializeAsString();
  return feed.writer->Append(tx, record);
}

}  // namespace crm::loyalty
