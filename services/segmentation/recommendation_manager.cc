#include "services/segmentation/recommendation_manager.h"

#include <algorithm>
#include <optional>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "services/common/error_details.h"
#include "services/common/field_behavior.h"
#include "services/common/resource_name.h"
#include "services/common/status_macros.h"
#include "services/common/timestamps.h"

namespace crm::segmentation {

using ::crm::common::Transaction;

// The longest SKU a view is kept for (item_views.sku).
constexpr size_t kMaxViewedSkuLength = 64;

v1::ProductRecommendation ToProductRecommendationProto(
    const ProductRecommendation& recommendation) {
  v1::ProductRecommendation proto;
  proto.set_sku(recommendation.sku);
  proto.set_category(recommendation.category);
  proto.set_score(recommendation.score);
  proto.set_because_sku(recommendation.because_sku);
  proto.set_lift(recommendation.lift);
  proto.set_confidence(recommendation.confidence);
  proto.set_support(recommendation.support);
  proto.set_because_viewed(recommendation.because_viewed);
  proto.set_reason(
      absl::StrFormat("%s with %s, lift %.1f",
                      recommendation.because_viewed ? "viewed" : "bought",
                      recommendation.because_sku, recommendation.lift));
  return proto;
}

NewOrdersHook RecommendationManager::OrdersHook() {
  return [this](Transaction& tx,
                const std::vector<NewOrder>& orders) -> absl::Status {
    std::vector<OrderItemRecord> records;
    std::vector<Basket> baskets;
    baskets.reserve(orders.size());
    for (const NewOrder& order : orders) {
      Basket basket;
      basket.order_time = crm::common::TruncateToMicros(
          crm::common::FromProtoTimestamp(order.order->order_time()));
      for (const auto& line : order.order->line_items()) {
        basket.skus.push_back(line.sku());
        basket.categories.push_back(line.category());
      }
      for (const std::string& sku : BasketSkus(basket, policy_)) {
        records.push_back(OrderItemRecord{.customer_id = order.customer_id,
                                          .order_id = order.order_id,
                                          .sku = sku,
                                          .order_time = basket.order_time});
      }
      if (!basket.skus.empty()) baskets.push_back(std::move(basket));
    }
    if (baskets.empty()) return absl::OkStatus();
    return items_.AddBaskets(tx, records, CountBaskets(baskets, policy_));
  };
}

InteractionHook RecommendationManager::InteractionsHook() {
  return [this](Transaction& tx, absl::string_view customer_id,
                const crm::customerprofile::v1::InteractionEvent& interaction)
             -> absl::Status {
    if (interaction.type() !=
            crm::customerprofile::v1::InteractionEvent::PAGE_VIEW ||
        !interaction.has_event_time()) {
      return absl::OkStatus();
    }
    auto sku = interaction.properties().find("sku");
    if (sku == interaction.properties().end() || sku->second.empty() ||
        sku->second.size() > kMaxViewedSkuLength) {
      return absl::OkStatus();
    }
    const absl::Time view_time = crm::common::TruncateToMicros(
        crm::common::FromProtoTimestamp(interaction.event_time()));
    ViewDay view_day;
    view_day.day = ViewDayOf(view_time);
    view_day.viewed_skus.push_back(sku->second);
    CRM_ASSIGN_OR_RETURN(
        view_day.held_skus,
        items_.ListViewedSkusOn(tx, customer_id, view_day.day));
    const bool held =
        std::find(view_day.held_skus.begin(), view_day.held_skus.end(),
                  sku->second) != view_day.held_skus.end();
    // A SKU past the basket's cap is dropped; one held only moves its
    // view_time.
    if (!held && NewViewSkus(view_day, policy_).empty()) {
      return absl::OkStatus();
    }
    return items_.AddViews(
        tx,
        {ItemViewRecord{.customer_id = std::string(customer_id),
                        .day = view_day.day,
                        .sku = sku->second,
                        .view_time = view_time}},
        CountViews({view_day}, policy_));
  };
}

ReadModelChangeHook RecommendationManager::FeedHook(
    ReadModelRepository& read_model) {
  return [this, &read_model](Transaction& tx, absl::string_view customer_id,
                             ReadModelChange change) -> absl::Status {
    switch (change) {
      case ReadModelChange::kUpdated:
        return absl::OkStatus();
      case ReadModelChange::kMergedAway: {
        CRM_ASSIGN_OR_RETURN(std::optional<MergeRecord> merged,
                             read_model.FindMerge(tx, customer_id));
        if (!merged.has_value()) return items_.DeleteCustomer(tx, customer_id);
        return items_.MoveCustomer(tx, customer_id, merged->survivor_id);
      }
      case ReadModelChange::kErased:
        return items_.DeleteCustomer(tx, customer_id);
    }
    return absl::OkStatus();
  };
}

absl::StatusOr<v1::ListRecommendationsResponse>
RecommendationManager::ListRecommendations(
    const crm::common::RequestContext& context,
    const v1::ListRecommendationsRequest& request) {
  CRM_RETURN_IF_ERROR(crm::common::CheckRequiredFields(request));
  CRM_ASSIGN_OR_RETURN(std::string customer_id,
                       crm::common::ParseResourceName(request.customer(),
                                                      "customers", "customer"));
  if (request.count() < 0 || request.count() > kMaxRecommendations) {
    return crm::common::InvalidFieldError(
        "count", absl::StrCat("must be 0 (", kDefaultRecommendations, ") to ",
                              kMaxRecommendations));
  }
  RecommendOptions options;
  options.count =
      request.count() == 0 ? kDefaultRecommendations : request.count();
  options.include_purchased = request.include_purchased();
  CRM_ASSIGN_OR_RETURN(
      std::vector<ProductRecommendation> recommendations,
      unit_of_work_.Read<std::vector<ProductRecommendation>>(
          context,
          [&](Transaction& tx)
              -> absl::StatusOr<std::vector<ProductRecommendation>> {
            CRM_ASSIGN_OR_RETURN(std::vector<PurchasedItem> purchased,
                                 items_.ListPurchasedItems(tx, customer_id));
            CRM_ASSIGN_OR_RETURN(std::vector<PurchasedItem> viewed_items,
                                 items_.ListViewedItems(tx, customer_id));
            const std::vector<std::string> viewed =
                ViewedSeeds(std::move(viewed_items), purchased, policy_);
            const std::vector<std::string> history =
                RecentHistory(std::move(purchased), policy_);
            if (history.empty() && viewed.empty()) {
              return std::vector<ProductRecommendation>();
            }
            std::vector<std::string> seeds = history;
            seeds.insert(seeds.end(), viewed.begin(), viewed.end());
            CRM_ASSIGN_OR_RETURN(
                AssociationView view,
                items_.LoadView(tx, seeds, policy_.min_pair_baskets));
            return Recommend(history, viewed, view, policy_, options);
          }));
  v1::ListRecommendationsResponse response;
  for (const ProductRecommendation& recommendation : recommendations) {
    *response.add_recommendations() =
        ToProductRecommendationProto(recommendation);
  }
  return response;
}

}  // namespace crm::segmentation
