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
  for (int f = 0; f < kBehaviourFeatureCount; ++f) {
    proto.add_feature_names(BehaviourFeatureNames()[f]);
    proto.add_feature_means(model.means[f]);
    proto.add_feature_stddevs(model.stddevs[f]);
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
  for (int f = 0; f < kBehaviourFeatureCount; ++f) {
    model.means[f] =
        f < proto.feature_means_size() ? proto.feature_means(f) : 0;
    model.stddevs[f] =
        f < proto.feature_stddevs_size() ? proto.feature_stddevs(f) : 1;
    if (!(model.stddevs[f] > 0)) model.stddevs[f] = 1;
  }
  for (const v1::BehaviourCluster& cluster : proto.clusters()) {
    BehaviourCluster out;
    out.size = cluster.size();
    out.description = cluster.description();
    for (int f = 0; f < kBehaviourFeatureCount && f < cluster.centroid_size();
         ++f) {
      out.centroid[f] = cluster.centroid(f);
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
        std::vector<BehaviourFeatures> base;
        CRM_RETURN_IF_ERROR(read_model_.ForEachAggregate(
            tx, [&](const CustomerAggregate& aggregate) -> absl::Status {
              std::optional<BehaviourFeatures> features =
                  FeaturesOf(aggregate, scoring_currency_, now);
              if (features.has_value()) base.push_back(*features);
              return absl::OkStatus();
            }));
        if (context.IsCancelled()) return context.CheckActive(clock_.Now());
        absl::StatusOr<BehaviourClusters> fitted =
            FitBehaviourClusters(base, options);
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
