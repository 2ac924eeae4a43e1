// Storage of scores (customer_scores, lifecycle_transitions, rfm_boundaries,
// clv_models; migrations/0003_create_scores.sql), used by ScoringManager
// (scoring_manager.h) inside its units of work and the feed's transaction.
// The MySQL implementation is MySqlScoreRepository.
//
//   CRM_ASSIGN_OR_RETURN(std::optional<CustomerScoreRecord> old,
//                        scores.Find(tx, customer_id));
//   CRM_RETURN_IF_ERROR(scores.Save(tx, record));
//
// Stores what it is given and computes nothing.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "services/common/unit_of_work.h"
#include "services/segmentation/clv_model.h"
#include "services/segmentation/lifecycle_stage.h"
#include "services/segmentation/rfm_scoring.h"
#include "services/segmentation/value_tier.h"

namespace crm::segmentation {

struct CustomerScoreRecord {
  std::string customer_id;
  RfmScore rfm;
  std::string rfm_segment;
  ValueTier value_tier = ValueTier::kUnspecified;
  LifecycleStage lifecycle_stage = LifecycleStage::kUnspecified;
  int64_t monetary_minor = 0;  // In the scoring currency.
  std::optional<double> p_alive;
  std::optional<double> expected_purchases;  // Over the CLV horizon.
  std::optional<int64_t> clv_minor;
  std::string clv_model_id;  // The model behind the CLV fields, or empty.
  int cluster = 0;           // Behaviour cluster number (0: none).
  absl::Time score_time;
  int64_t version = 0;
};

struct LifecycleTransition {
  std::string customer_id;
  LifecycleStage from = LifecycleStage::kUnspecified;
  LifecycleStage to = LifecycleStage::kUnspecified;
  absl::Time time;
  // The append order among transitions of the same time (the table's
  // AUTO_INCREMENT `seq`): set when read, ignored by AppendTransition.
  int64_t seq = 0;
};

// A transition's place in newest-first order: (time, seq), both descending.
struct TransitionPosition {
  absl::Time time;
  int64_t seq = 0;
};

struct ClvModelRecord {
  std::string id;
  absl::Time fit_time;
  absl::Time observation_end;
  std::string currency_code;
  double days_per_unit = 7;
  int64_t customers = 0;
  BgNbdFit purchases;
  GammaGammaFit spend;
};

class ScoreRepository {
 public:
  ScoreRepository(const ScoreRepository&) = delete;
  ScoreRepository& operator=(const ScoreRepository&) = delete;
  virtual ~ScoreRepository() = default;

  // The score of `customer_id`; nullopt if none is stored.
  virtual absl::StatusOr<std::optional<CustomerScoreRecord>> Find(
      crm::common::Transaction& tx, absl::string_view customer_id) = 0;

  // Inserts or replaces the score of `score.customer_id`.
  virtual absl::Status Save(crm::common::Transaction& tx,
                            const CustomerScoreRecord& score) = 0;

  // The batch forms of Find, Save and AppendTransition for a full
  // recompute: the scores of `customer_ids` (distinct) at the same
  // positions; `scores` stored as by Save on each; `transitions` appended in
  // order. The MySQL implementation sends multi-row statements.
  virtual absl::StatusOr<std::vector<std::optional<CustomerScoreRecord>>>
  FindMany(crm::common::Transaction& tx,
           const std::vector<std::string>& customer_ids) {
    std::vector<std::optional<CustomerScoreRecord>> found;
    found.reserve(customer_ids.size());
    for (const std::string& id : customer_ids) {
      absl::StatusOr<std::optional<CustomerScoreRecord>> one = Find(tx, id);
      if (!one.ok()) return one.status();
      found.push_back(*std::move(one));
    }
    return found;
  }
  virtual absl::Status SaveMany(
      crm::common::Transaction& tx,
      const std::vector<CustomerScoreRecord>& scores) {
    for (const CustomerScoreRecord& score : scores) {
      absl::Status saved = Save(tx, score);
      if (!saved.ok()) return saved;
    }
    return absl::OkStatus();
  }
  virtual absl::Status AppendTransitions(
      crm::common::Transaction& tx,
      const std::vector<LifecycleTransition>& transitions) {
    for (const LifecycleTransition& transition : transitions) {
      absl::Status appended = AppendTransition(tx, transition);
      if (!appended.ok()) return appended;
    }
    return absl::OkStatus();
  }

  // Removes the score and lifecycle history of `customer_id` (OK if none).
  virtual absl::Status Delete(crm::common::Transaction& tx,
                              absl::string_view customer_id) = 0;

  // Up to `limit` scores with customer_id > `after`, by customer_id.
  virtual absl::StatusOr<std::vector<CustomerScoreRecord>> List(
      crm::common::Transaction& tx, absl::string_view after, int limit) = 0;

  // Appends one lifecycle transition.
  virtual absl::Status AppendTransition(
      crm::common::Transaction& tx, const LifecycleTransition& transition) = 0;

  // The transitions of `customer_id`, oldest first.
  virtual absl::StatusOr<std::vector<LifecycleTransition>> ListTransitions(
      crm::common::Transaction& tx, absl::string_view customer_id) = 0;

  // Up to `limit` transitions of `customer_id`, newest first (time, then
  // seq, descending), strictly after `after` in that order when it is set.
  virtual absl::StatusOr<std::vector<LifecycleTransition>>
  ListTransitionsNewestFirst(crm::common::Transaction& tx,
                             absl::string_view customer_id,
                             const std::optional<TransitionPosition>& after,
                             int limit) = 0;

  // The stored RFM boundaries; nullopt before the first full recompute.
  virtual absl::StatusOr<std::optional<RfmBoundaries>> LoadBoundaries(
      crm::common::Transaction& tx) = 0;
  virtual absl::Status SaveBoundaries(crm::common::Transaction& tx,
                                      const RfmBoundaries& boundaries,
                                      absl::Time compute_time) = 0;

  // Stores a fitted model; the latest is the one with the greatest
  // fit_time (then id).
  virtual absl::Status SaveClvModel(crm::common::Transaction& tx,
                                    const ClvModelRecord& model) = 0;
  virtual absl::StatusOr<std::optional<ClvModelRecord>> LatestClvModel(
      crm::common::Transaction& tx) = 0;
  virtual absl::StatusOr<std::optional<ClvModelRecord>> FindClvModel(
      crm::common::Transaction& tx, absl::string_view id) = 0;

 protected:
  ScoreRepository() = default;
};

}  // namespace crm::segmentation
