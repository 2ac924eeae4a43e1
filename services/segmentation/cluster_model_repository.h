// Storage of the fitted behaviour cluster models (behaviour_clusters.h), as
// their API message. The MySQL implementation is
// MySqlClusterModelRepository (table cluster_models, migration 0010). It
// stores what it is given and computes nothing.
#pragma once

#include <optional>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "crm/segmentation/v1/behaviour_cluster_model.pb.h"
#include "services/common/unit_of_work.h"

namespace crm::segmentation {

class ClusterModelRepository {
 public:
  ClusterModelRepository(const ClusterModelRepository&) = delete;
  ClusterModelRepository& operator=(const ClusterModelRepository&) = delete;
  virtual ~ClusterModelRepository() = default;

  // Stores `model` under `id` with its fit time.
  virtual absl::Status Save(crm::common::Transaction& tx, absl::string_view id,
                            absl::Time fit_time,
                            const v1::BehaviourClusterModel& model) = 0;
  // The model fitted last (fit time, then id); nullopt if none.
  virtual absl::StatusOr<std::optional<v1::BehaviourClusterModel>> Latest(
      crm::common::Transaction& tx) = 0;
  // The model `id`; nullopt if none.
  virtual absl::StatusOr<std::optional<v1::BehaviourClusterModel>> Find(
      crm::common::Transaction& tx, absl::string_view id) = 0;

 protected:
  ClusterModelRepository() = default;
};

}  // namespace crm::segmentation
