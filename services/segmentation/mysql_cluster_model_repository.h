// ClusterModelRepository on the service's MySQL/MariaDB database (table
// cluster_models, migration 0010): SQL and row mapping only.
#pragma once

#include "services/segmentation/cluster_model_repository.h"

namespace crm::segmentation {

class MySqlClusterModelRepository final : public ClusterModelRepository {
 public:
  MySqlClusterModelRepository() = default;

  absl::Status Save(crm::common::Transaction& tx, absl::string_view id,
                    absl::Time fit_time,
                    const v1::BehaviourClusterModel& model) override;
  absl::StatusOr<std::optional<v1::BehaviourClusterModel>> Latest(
      crm::common::Transaction& tx) override;
  absl::StatusOr<std::optional<v1::BehaviourClusterModel>> Find(
      crm::common::Transaction& tx, absl::string_view id) override;
};

}  // namespace crm::segmentation
