#include "services/segmentation/segmentation_change_feed.h"

#include <string>

#include "services/common/change_feed_outbox.h"
#include "services/common/resource_name.h"
#include "services/common/status_macros.h"
#include "services/common/timestamps.h"
#include "services/segmentation/segment_validation.h"

namespace crm::segmentation {
namespace {

crm::common::FeedEventRecord Record(v1::ChangeEvent::Type type,
                                    absl::string_view customer_id,
                                    const v1::ChangeEvent& event) {
  crm::common::FeedEventRecord record;
  record.type = type;
  record.key = std::string(customer_id);
  record.payload = event.SerializeAsString();
  return record;
}

absl::Status Append(crm::common::ChangeFeedWriter* writer,
                    crm::common::Transaction& tx, v1::ChangeEvent::Type type,
                    absl::string_view customer_id,
                    const v1::ChangeEvent& event) {
  return writer->Append(tx, Record(type, customer_id, event));
}

}  // namespace

v1::ChangeEvent MembershipChangedEvent(const MembershipChangeRecord& change) {
  v1::ChangeEvent event;
  event.set_customer(crm::common::CustomerResourceName(change.customer_id));
  v1::MembershipChange& membership = *event.mutable_membership_change();
  membership.set_segment(SegmentName(change.segment_id));
  membership.set_customer(event.customer());
  membership.set_kind(change.kind == MembershipChangeKind::kEntered
                          ? v1::MembershipChange::ENTERED
                          : v1::MembershipChange::LEFT);
  membership.set_reason(change.reason == MembershipChangeReason::kMerged
                            ? v1::MembershipChange::MERGED
                            : v1::MembershipChange::RULE);
  *membership.mutable_change_time() =
      crm::common::ToProtoTimestamp(change.time);
  return event;
}

v1::ChangeEvent ValueTierChangedEvent(absl::string_view customer_id,
                                      ValueTier before, ValueTier after,
                                      absl::Time time) {
  v1::ChangeEvent event;
  event.set_customer(crm::common::CustomerResourceName(customer_id));
  v1::ValueTierChange& change = *event.mutable_value_tier_change();
  change.set_old_tier(static_cast<v1::CustomerScore::ValueTier>(before));
  change.set_new_tier(static_cast<v1::CustomerScore::ValueTier>(after));
  *change.mutable_change_time() = crm::common::ToProtoTimestamp(time);
  return event;
}

v1::ChangeEvent LifecycleStageChangedEvent(absl::string_view customer_id,
                                           LifecycleStage before,
                                           LifecycleStage after,
                                           absl::Time time) {
  v1::ChangeEvent event;
  event.set_customer(crm::common::CustomerResourceName(customer_id));
  v1::LifecycleStageChange& change = *event.mutable_lifecycle_stage_change();
  change.set_old_stage(static_cast<v1::CustomerScore::LifecycleStage>(before));
  change.set_new_stage(static_cast<v1::CustomerScore::LifecycleStage>(after));
  *change.mutable_change_time() = crm::common::ToProtoTimestamp(time);
  return event;
}

absl::Status AppendMembershipChange(crm::common::ChangeFeedWriter* writer,
                                    crm::common::Transaction& tx,
                                    const MembershipChangeRecord& change) {
  if (writer == nullptr) return absl::OkStatus();
  return Append(writer, tx,
                change.kind == MembershipChangeKind::kEntered
                    ? v1::ChangeEvent::SEGMENT_ENTERED
                    : v1::ChangeEvent::SEGMENT_LEFT,
                change.customer_id, MembershipChangedEvent(change));
}

absl::Status AppendScoreClassChanges(crm::common::ChangeFeedWriter* writer,
                                     crm::common::Transaction& tx,
                                     absl::string_view customer_id,
                                     const ScoreClassChange& change,
                                     absl::Time time) {
  if (writer == nullptr) return absl::OkStatus();
  if (change.old_tier != change.new_tier) {
    CRM_RETURN_IF_ERROR(
        Append(writer, tx, v1::ChangeEvent::VALUE_TIER_CHANGED, customer_id,
               ValueTierChangedEvent(customer_id, change.old_tier,
                                     change.new_tier, time)));
  }
  if (change.old_stage != change.new_stage) {
    CRM_RETURN_IF_ERROR(Append(
        writer, tx, v1::ChangeEvent::LIFECYCLE_STAGE_CHANGED, customer_id,
        LifecycleStageChangedEvent(customer_id, change.old_stage,
                                   change.new_stage, time)));
  }
  return absl::OkStatus();
}

crm::common::FeedEventRecord MembershipChangeFeedRecord(
    const MembershipChangeRecord& change) {
  return Record(change.kind == MembershipChangeKind::kEntered
                    ? v1::ChangeEvent::SEGMENT_ENTERED
                    : v1::ChangeEvent::SEGMENT_LEFT,
                change.customer_id, MembershipChangedEvent(change));
}

void AddScoreClassChangeRecords(
    absl::string_view customer_id, const ScoreClassChange& change,
    absl::Time time, std::vector<crm::common::FeedEventRecord>& out) {
  if (change.old_tier != change.new_tier) {
    out.push_back(Record(v1::ChangeEvent::VALUE_TIER_CHANGED, customer_id,
                         ValueTierChangedEvent(customer_id, change.old_tier,
                                               change.new_tier, time)));
  }
  if (change.old_stage != change.new_stage) {
    out.push_back(
        Record(v1::ChangeEvent::LIFECYCLE_STAGE_CHANGED, customer_id,
               LifecycleStageChangedEvent(customer_id, change.old_stage,
                                          change.new_stage, time)));
  }
}

}  // namespace crm::segmentation
