#include "services/segmentation/cluster_manager.h"

#include <optional>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "crm/type/v1/error_reason.pb.h"
#include "services/common/error_details.h"
#include "services/common/field_behavior.h"
#include "services/common/idempotency_store.h"
#include "services/common/resource_name.h"
#include "services/common/status_macros.h"
#include "services/common/timestamps.h"

namespace crm::segmentation {
namespace {

using ::crm::common::RequestContext;
using ::crm::common::Transaction;

constexpr char kFitClustersMethod[] = "FitClusterModel";
constexpr int kDefaultMinClusters = 2;
constexpr int kDefaultMaxClusters = 8;
constexpr int kMostClusters = 20;
// Customers read per page by a fit.
constexpr int kFitPageSize = 1000;

}  // namespace

v1::BehaviourClusterModel ToClusterModelProto(const BehaviourClusters& model,
                                              absl::string_view id,
                                              absl::Time fit_time,
                                              absl::string_view currency_code) {
  v1::BehaviourClusterModel proto;
  proto.set_name(crm::common::FormatResourceName("clusterModels", id));
  *proto.mutable_fit_time() = crm::common::ToProtoTimestamp(fit_time);
  proto.set_customer_count(model.customers);
  proto.set_silhouette(model.silhouette);
  proto.set_currency_code(std::string(currency_code));
  for (const std::string& channel : model.vocabulary.channels) {
    proto.add_channels(channel);
  }
  for (const std::string& category : model.vocabulary.categories) {
    proto.add_categories(category);
  }
  for (size_t f = 0; f < model.feature_names.size(); ++f) {
    proto.add_feature_names(model.feature_names[f]);
    proto.add_feature_means(model.means[f]);
    proto.add_feature_stddevs(model.stddevs[f]);
    proto.add_feature_dropped(f < model.dropped.size() && model.dropped[f]);
  }
  for (size_t c = 0; c < model.clusters.size(); ++c) {
    v1::BehaviourCluster* cluster = proto.add_clusters();
    cluster->set_number(static_cast<int32_t>(c + 1));
    cluster->set_description(model.clusters[c].description);
    cluster->set_size(model.clusters[c].size);
    for (double value : model.clusters[c].centroid) {
      cluster->add_centroid(value);
    }
  }
  return proto;
}

BehaviourClusters ClustersFromProto(const v1::BehaviourClusterModel& proto) {
  BehaviourClusters model;
  model.customers = proto.customer_count();
  model.silhouette = proto.silhouette();
  model.vocabulary.channels.assign(proto.channels().begin(),
                                   proto.channels().end());
  model.vocabulary.categories.assign(proto.categories().begin(),
                                     proto.categories().end());
  // In the layout of the model's vocabulary; a feature the stored model
  // does not name (one fitted before it existed) is dropped.
  model.feature_names = BehaviourFeatureNames(model.vocabulary);
  const size_t dimensions = model.feature_names.size();
  std::vector<int> stored(dimensions, -1);
  for (size_t f = 0; f < dimensions; ++f) {
    for (int g = 0; g < proto.feature_names_size(); ++g) {
      if (proto.feature_names(g) == model.feature_names[f]) stored[f] = g;
    }
  }
  model.means.assign(dimensions, 0);
  model.stddevs.assign(dimensions, 1);
  model.dropped.assign(dimensions, true);
  for (size_t f = 0; f < dimensions; ++f) {
    const int g = stored[f];
    if (g < 0) continue;
    model.dropped[f] =
        g < proto.feature_dropped_size() && proto.feature_dropped(g);
    if (g < proto.feature_means_size()) model.means[f] = proto.feature_means(g);
    if (g < proto.feature_stddevs_size() && proto.feature_stddevs(g) > 0) {
      model.stddevs[f] = proto.feature_stddevs(g);
    }
  }
  for (const v1::BehaviourCluster& cluster : proto.clusters()) {
    BehaviourCluster out;
    out.size = cluster.size();
    out.description = cluster.description();
    out.centroid.assign(dimensions, 0);
    for (size_t f = 0; f < dimensions; ++f) {
      const int g = stored[f];
      if (g >= 0 && g < cluster.centroid_size() && !model.dropped[f]) {
        out.centroid[f] = cluster.centroid(g);
      }
    }
    model.clusters.push_back(std::move(out));
  }
  return model;
}

absl::StatusOr<v1::BehaviourClusterModel> ClusterManager::FitClusterModel(
    const RequestContext& context, const v1::FitClusterModelRequest& request) {
  CRM_RETURN_IF_ERROR(crm::common::CheckRequiredFields(request));
  ClusterOptions options;
  options.min_clusters = request.min_clusters() == 0 ? kDefaultMinClusters
                                                     : request.min_clusters();
  options.max_clusters = request.max_clusters() == 0 ? kDefaultMaxClusters
                                                     : request.max_clusters();
  if (options.min_clusters < 2 || options.min_clusters > kMostClusters) {
    return crm::common::InvalidFieldError(
        "min_clusters", absl::StrCat("must be 2 to ", kMostClusters));
  }
  if (options.max_clusters < options.min_clusters ||
      options.max_clusters > kMostClusters) {
    return crm::common::InvalidFieldError(
        "max_clusters",
        absl::StrCat("must be min_clusters to ", kMostClusters));
  }
  return crm::common::RunIdempotent<v1::BehaviourClusterModel>(
      unit_of_work_, idempotency_, clock_, context, kFitClustersMethod,
      request.request_id(), request,
      [&](Transaction& tx) -> absl::StatusOr<v1::BehaviourClusterModel> {
        const absl::Time now = crm::common::TruncateToMicros(clock_.Now());
        // The vocabulary from the population's totals, then every
        // customer's features, a page of customers at a time.
        CRM_ASSIGN_OR_RETURN(BehaviourCounts totals,
                             read_model_.BehaviourTotals(tx));
        const BehaviourVocabulary vocabulary = VocabularyOf(totals);
        FeatureTable table(BehaviourFeatureNames(vocabulary).size());
        std::string after;
        while (true) {
          if (context.IsCancelled()) return context.CheckActive(clock_.Now());
          CRM_ASSIGN_OR_RETURN(
              std::vector<std::string> ids,
              read_model_.ListCustomerIds(tx, after, kFitPageSize));
          if (ids.empty()) break;
          CRM_ASSIGN_OR_RETURN(
              std::vector<std::optional<CustomerAggregate>> aggregates,
              read_model_.FindAggregates(tx, ids));
          CRM_ASSIGN_OR_RETURN(std::vector<BehaviourCounts> counts,
                               read_model_.FindBehaviourCounts(tx, ids));
          for (size_t i = 0; i < ids.size(); ++i) {
            if (!aggregates[i].has_value()) continue;
            std::optional<BehaviourFeatures> features = FeaturesOf(
                *aggregates[i], counts[i], vocabulary, scoring_currency_, now);
            if (features.has_value()) table.Add(*features);
          }
          if (ids.size() < static_cast<size_t>(kFitPageSize)) break;
          after = ids.back();
        }
        if (context.IsCancelled()) return context.CheckActive(clock_.Now());
        absl::StatusOr<BehaviourClusters> fitted =
            FitBehaviourClusters(table, vocabulary, options);
        if (absl::IsFailedPrecondition(fitted.status())) {
          return crm::common::ErrorWithReason(
              fitted.status(), crm::type::v1::RESOURCE_STATE_CONFLICT, {});
        }
        if (!fitted.ok()) return fitted.status();
        const std::string id = ids_.NewId();
        v1::BehaviourClusterModel model =
            ToClusterModelProto(*fitted, id, now, scoring_currency_);
        CRM_RETURN_IF_ERROR(models_.Save(tx, id, now, model));
        return model;
      });
}

absl::StatusOr<v1::BehaviourClusterModel> ClusterManager::GetClusterModel(
    const RequestContext& context, const v1::GetClusterModelRequest& request) {
  CRM_RETURN_IF_ERROR(crm::common::CheckRequiredFields(request));
  CRM_ASSIGN_OR_RETURN(
      std::string id,
      crm::common::ParseResourceName(request.name(), "clusterModels", "name"));
  return unit_of_work_.Read<v1::BehaviourClusterModel>(
      context,
      [&](Transaction& tx) -> absl::StatusOr<v1::BehaviourClusterModel> {
        CRM_ASSIGN_OR_RETURN(std::optional<v1::BehaviourClusterModel> model,
                             models_.Find(tx, id));
        if (!model.has_value()) {
          return crm::common::NotFoundError(
              crm::common::FormatResourceName("clusterModels", id));
        }
        return *std::move(model);
      });
}

}  // namespace crm::segmentation
