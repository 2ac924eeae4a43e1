// Product recommendations (item_associations.h): keeps the associations
// from customer-profile's orders (the feed applier's new-orders hook, in the
// feed's transaction) and item views (its interactions hook), follows merges
// and erasures (its change hook), and serves ListRecommendations.
//
//   RecommendationManager recommendations(unit_of_work, item_repository,
//                                         AssociationPolicy{});
//   ProfileFeedApplier applier(read_model,
//       CombineHooks(..., recommendations.FeedHook(read_model)), ...,
//       recommendations.OrdersHook(), recommendations.InteractionsHook());
//
// Thread-safe: every call runs in its own unit of work or the caller's
// transaction.
#pragma once

#include <utility>

#include "absl/status/statusor.h"
#include "crm/segmentation/v1/segmentation_service.pb.h"
#include "services/common/request_context.h"
#include "services/common/unit_of_work.h"
#include "services/segmentation/item_association_repository.h"
#include "services/segmentation/item_associations.h"
#include "services/segmentation/profile_feed_applier.h"
#include "services/segmentation/read_model_repository.h"

namespace crm::segmentation {

inline constexpr int kDefaultRecommendations = 10;
inline constexpr int kMaxRecommendations = 100;

class RecommendationManager {
 public:
  // The references must outlive the manager.
  RecommendationManager(crm::common::UnitOfWork& unit_of_work,
                        ItemAssociationRepository& items,
                        AssociationPolicy policy)
      : unit_of_work_(unit_of_work),
        items_(items),
        policy_(std::move(policy)) {}
  RecommendationManager(const RecommendationManager&) = delete;
  RecommendationManager& operator=(const RecommendationManager&) = delete;

  // The feed applier's new-orders hook: each new order's SKUs stored as the
  // buyer's, and its basket counted (CountBaskets).
  NewOrdersHook OrdersHook();

  // The feed applier's interactions hook: a PAGE_VIEW whose properties name
  // a `sku` (1 to 64 characters) is stored as the customer's view of it on
  // the day of its event_time, and a SKU new to that day's view basket is
  // counted (CountViews). Other interactions are ignored.
  InteractionHook InteractionsHook();

  // The feed applier's change hook: a customer merged away gives its order
  // items and item views to its survivor (read from `read_model`'s merge
  // record); an erased customer's are deleted. `read_model` must outlive the
  // hook.
  ReadModelChangeHook FeedHook(ReadModelRepository& read_model);

  // The customer's recommendations (see item_associations.h), in one read.
  // INVALID_ARGUMENT (FIELD_INVALID) naming `customer` when malformed,
  // `count` when negative or above kMaxRecommendations (0 means
  // kDefaultRecommendations).
  absl::StatusOr<v1::ListRecommendationsResponse> ListRecommendations(
      const crm::common::RequestContext& context,
      const v1::ListRecommendationsRequest& request);

 private:
  crm::common::UnitOfWork& unit_of_work_;
  ItemAssociationRepository& items_;
  const AssociationPolicy policy_;
};

// The API form of a recommendation, with its reason in words.
v1::ProductRecommendation ToProductRecommendationProto(
    const ProductRecommendation& recommendation);

}  // namespace crm::segmentation
