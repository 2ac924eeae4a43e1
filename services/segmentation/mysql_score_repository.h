// ScoreRepository on the service's MySQL/MariaDB database (tables of
// migrations/0003_create_scores.sql): SQL and row mapping only.
//
//   MySqlScoreRepository scores;
//   ScoringManager scoring(unit_of_work, read_model, scores, ...);
#pragma once

#include "services/segmentation/score_repository.h"

namespace crm::segmentation {

class MySqlScoreRepository final : public ScoreRepository {
 public:
  MySqlScoreRepository() = default;

  absl::StatusOr<std::optional<CustomerScoreRecord>> Find(
      crm::common::Transaction& tx, absl::string_view customer_id) override;
  absl::Status Save(crm::common::Transaction& tx,
                    const CustomerScoreRecord& score) override;
  absl::StatusOr<std::vector<std::optional<CustomerScoreRecord>>> FindMany(
      crm::common::Transaction& tx,
      const std::vector<std::string>& customer_ids) override;
  absl::Status SaveMany(
      crm::common::Transaction& tx,
      const std::vector<CustomerScoreRecord>& scores) override;
  absl::Status AppendTransitions(
      crm::common::Transaction& tx,
      const std::vector<LifecycleTransition>& transitions) override;
  absl::Status Delete(crm::common::Transaction& tx,
                      absl::string_view customer_id) override;
  absl::StatusOr<std::vector<CustomerScoreRecord>> List(
      crm::common::Transaction& tx, absl::string_view after,
      int limit) override;
  absl::Status AppendTransition(crm::common::Transaction& tx,
                                const LifecycleTransition& transition) override;
  absl::StatusOr<std::vector<LifecycleTransition>> ListTransitions(
      crm::common::Transaction& tx, absl::string_view customer_id) override;
  absl::StatusOr<std::vector<LifecycleTransition>> ListTransitionsNewestFirst(
      crm::common::Transaction& tx, absl::string_view customer_id,
      const std::optional<TransitionPosition>& after, int limit) override;
  absl::StatusOr<std::optional<RfmBoundaries>> LoadBoundaries(
      crm::common::Transaction& tx) override;
  absl::Status SaveBoundaries(crm::common::Transaction& tx,
                              const RfmBoundaries& boundaries,
                              absl::Time compute_time) override;
  absl::Status SaveClvModel(crm::common::Transaction& tx,
                            const ClvModelRecord& model) override;
  absl::StatusOr<std::optional<ClvModelRecord>> LatestClvModel(
      crm::common::Transaction& tx) override;
  absl::StatusOr<std::optional<ClvModelRecord>> FindClvModel(
      crm::common::Transaction& tx, absl::string_view id) override;
};

}  // namespace crm::segmentation
