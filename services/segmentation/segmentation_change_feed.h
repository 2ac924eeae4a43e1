// Segmentation's own change feed (protos/crm/segmentation/v1/
// change_event.proto): its name in the transactional outbox
// (services/common/change_feed_outbox.h) and the events appended in the
// transaction that stores each change, keyed by the customer id:
// SEGMENT_ENTERED / SEGMENT_LEFT where a membership starts or ends
// (membership_manager.h), VALUE_TIER_CHANGED and LIFECYCLE_STAGE_CHANGED
// where a score is saved (scoring_manager.h). WatchChanges serves the feed
// (change_feed_streamer.h).
//
//   MySqlChangeFeedWriter feed(std::string(kSegmentationFeed), clock,
//                              &written);
//   CRM_RETURN_IF_ERROR(AppendMembershipChange(&feed, tx, history_entry));
#pragma once

#include <vector>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "crm/segmentation/v1/change_event.pb.h"
#include "services/common/change_feed_writer.h"
#include "services/common/unit_of_work.h"
#include "services/segmentation/lifecycle_stage.h"
#include "services/segmentation/membership_repository.h"
#include "services/segmentation/value_tier.h"

namespace crm::segmentation {

inline constexpr absl::string_view kSegmentationFeed = "segmentation";

// The event of a membership starting or ending, as its history entry
// `change` records it (the feed assigns sequence and event time): customer
// id, segment and reason only, no personal data.
v1::ChangeEvent MembershipChangedEvent(const MembershipChangeRecord& change);

// The event of `customer_id`'s value tier going from `before` to `after`
// when scored at `time`.
v1::ChangeEvent ValueTierChangedEvent(absl::string_view customer_id,
                                      ValueTier before, ValueTier after,
                                      absl::Time time);

// The event of `customer_id`'s lifecycle stage going from `before` to
// `after` at `time`.
v1::ChangeEvent LifecycleStageChangedEvent(absl::string_view customer_id,
                                           LifecycleStage before,
                                           LifecycleStage after,
                                           absl::Time time);

// Appends SEGMENT_ENTERED or SEGMENT_LEFT (by `change.kind`) in `tx`, keyed
// by the customer id. Nothing without a writer (null: no feed, e.g. in
// unit tests of the managers alone).
absl::Status AppendMembershipChange(crm::common::ChangeFeedWriter* writer,
                                    crm::common::Transaction& tx,
                                    const MembershipChangeRecord& change);

// A customer's score classes before and after one scoring.
struct ScoreClassChange {
  ValueTier old_tier = ValueTier::kUnspecified;
  ValueTier new_tier = ValueTier::kUnspecified;
  LifecycleStage old_stage = LifecycleStage::kUnspecified;
  LifecycleStage new_stage = LifecycleStage::kUnspecified;
};

// Appends VALUE_TIER_CHANGED when the tier differs, then
// LIFECYCLE_STAGE_CHANGED when the stage differs, in `tx`, keyed by
// `customer_id`, at scoring time `time`. Nothing without a writer.
absl::Status AppendScoreClassChanges(crm::common::ChangeFeedWriter* writer,
                                     crm::common::Transaction& tx,
                                     absl::string_view customer_id,
                                     const ScoreClassChange& change,
                                     absl::Time time);

// The outbox records AppendMembershipChange and AppendScoreClassChanges
// append, for writers that append a batch at once
// (ChangeFeedWriter::AppendAll): one record per history entry; none, one or
// two (tier, then stage) per scoring.
crm::common::FeedEventRecord MembershipChangeFeedRecord(
    const MembershipChangeRecord& change);
void AddScoreClassChangeRecords(absl::string_view customer_id,
                                const ScoreClassChange& change, absl::Time time,
                                std::vector<crm::common::FeedEventRecord>& out);

}  // namespace crm::segmentation
