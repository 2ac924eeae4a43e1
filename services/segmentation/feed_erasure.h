// The read-model hook (profile_feed_applier.h) that keeps an erased
// customer out of segmentation's own feed: on kErased (the customer, and
// each customer merged into them, as ProfileFeedApplier erases them) it
// re-keys their past feed events to a new tombstone id, key and payload
// (feed_event_repository.h), in the erasure's transaction. Every other
// change passes through untouched.
//
//   ProfileFeedApplier applier(read_model,
//       CombineHooks(CombineHooks(scoring.FeedHook(), memberships.FeedHook()),
//                    FeedErasureHook(feed_events, ids)));
#pragma once

#include "services/common/id_generator.h"
#include "services/segmentation/feed_event_repository.h"
#include "services/segmentation/profile_feed_applier.h"

namespace crm::segmentation {

// `events` and `ids` must outlive the hook.
ReadModelChangeHook FeedErasureHook(FeedEventRepository& events,
                                    const crm::common::IdGenerator& ids);

}  // namespace crm::segmentation
