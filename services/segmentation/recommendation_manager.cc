#include "services/segmentation/recommendation_manager.h"

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
  proto.set_reason(absl::StrFormat("bought with %s, lift %.1f",
                                   recommendation.because_sku,
                                   recommendation.lift));
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
            const std::vector<std::string> history =
                RecentHistory(std::move(purchased), policy_);
            if (history.empty()) return std::vector<ProductRecommendation>();
            CRM_ASSIGN_OR_RETURN(
                AssociationView view,
                items_.LoadView(tx, history, policy_.min_pair_baskets));
            return Recommend(history, view, policy_, options);
          }));
  v1::ListRecommendationsResponse response;
  for (const ProductRecommendation& recommendation : recommendations) {
    *response.add_recommendations() =
        ToProductRecommendationProto(recommendation);
  }
  return response;
}

}  // namespace crm::segmentation
