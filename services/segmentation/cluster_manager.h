// Behaviour clusters (behaviour_clusters.h) as a service: fits and stores
// cluster models (FitClusterModel) and serves them (GetClusterModel). Each
// scoring assigns the customer to the latest model's nearest cluster
// (ScoringManager::set_cluster_models), so a fit reaches the scores at the
// next recompute or feed event.
//
//   ClusterManager clusters(unit_of_work, read_model, models, idempotency,
//                           clock, ids, "CNY");
//   absl::StatusOr<v1::BehaviourClusterModel> m =
//       clusters.FitClusterModel(context, request);
#pragma once

#include <string>
#include <utility>

#include "absl/status/statusor.h"
#include "crm/segmentation/v1/behaviour_cluster_model.pb.h"
#include "crm/segmentation/v1/segmentation_service.pb.h"
#include "services/common/clock.h"
#include "services/common/id_generator.h"
#include "services/common/idempotency.h"
#include "services/common/request_context.h"
#include "services/common/unit_of_work.h"
#include "services/segmentation/behaviour_clusters.h"
#include "services/segmentation/cluster_model_repository.h"
#include "services/segmentation/read_model_repository.h"

namespace crm::segmentation {

class ClusterManager {
 public:
  // The references must outlive the manager.
  ClusterManager(crm::common::UnitOfWork& unit_of_work,
                 ReadModelRepository& read_model,
                 ClusterModelRepository& models,
                 crm::common::IdempotencyRepository& idempotency,
                 const crm::common::Clock& clock,
                 const crm::common::IdGenerator& ids,
                 std::string scoring_currency)
      : unit_of_work_(unit_of_work),
        read_model_(read_model),
        models_(models),
        idempotency_(idempotency),
        clock_(clock),
        ids_(ids),
        scoring_currency_(std::move(scoring_currency)) {}
  ClusterManager(const ClusterManager&) = delete;
  ClusterManager& operator=(const ClusterManager&) = delete;

  // Reads the population's channel and category totals (the vocabulary),
  // then every customer's aggregate and behaviour counts in pages of 1,000
  // by customer id (each customer's features held, as 4-byte floats), fits
  // as of now and stores the model as clusterModels/{id}.
  // INVALID_ARGUMENT (FIELD_INVALID) naming `min_clusters` or
  // `max_clusters` out of range; FAILED_PRECONDITION
  // (RESOURCE_STATE_CONFLICT) with too few customers. Idempotent on
  // request_id.
  absl::StatusOr<v1::BehaviourClusterModel> FitClusterModel(
      const crm::common::RequestContext& context,
      const v1::FitClusterModelRequest& request);

  // INVALID_ARGUMENT (field `name`) for a malformed name; NOT_FOUND when
  // there is no such model.
  absl::StatusOr<v1::BehaviourClusterModel> GetClusterModel(
      const crm::common::RequestContext& context,
      const v1::GetClusterModelRequest& request);

 private:
  crm::common::UnitOfWork& unit_of_work_;
  ReadModelRepository& read_model_;
  ClusterModelRepository& models_;
  crm::common::IdempotencyRepository& idempotency_;
  const crm::common::Clock& clock_;
  const crm::common::IdGenerator& ids_;
  const std::string scoring_currency_;
};

// The API (and stored) form of a fitted model, and back. A stored model
// reads back in the feature layout of its vocabulary; features it does not
// name (a model fitted before they existed) are dropped.
v1::BehaviourClusterModel ToClusterModelProto(const BehaviourClusters& model,
                                              absl::string_view id,
                                              absl::Time fit_time,
                                              absl::string_view currency_code);
BehaviourClusters ClustersFromProto(const v1::BehaviourClusterModel& proto);

}  // namespace crm::segmentation
