// An in-memory ScoreRepository (services/segmentation/score_repository.h)
// for unit tests of the segmentation managers; rolled back with the
// FakeUnitOfWork it enlists in.
//
//   crm::testing::FakeUnitOfWork unit_of_work;
//   crm::testing::InMemoryScoreRepository scores(&unit_of_work);
//   ScoringManager scoring(unit_of_work, read_model, scores, ...);
#pragma once

#include <algorithm>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <tuple>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "services/segmentation/score_repository.h"
#include "tests/testing/fakes/fake_unit_of_work.h"

namespace crm::testing {

class InMemoryScoreRepository final
    : public crm::segmentation::ScoreRepository {
 public:
  using CustomerScoreRecord = crm::segmentation::CustomerScoreRecord;
  using LifecycleTransition = crm::segmentation::LifecycleTransition;
  using RfmBoundaries = crm::segmentation::RfmBoundaries;
  using ClvModelRecord = crm::segmentation::ClvModelRecord;

  // Enlists in `unit_of_work` (if not null) to be rolled back with it.
  explicit InMemoryScoreRepository(FakeUnitOfWork* unit_of_work) {
    if (unit_of_work != nullptr) {
      unit_of_work->Enlist([this] {
        State saved = state_;
        return [this, saved] { state_ = saved; };
      });
    }
  }

  absl::StatusOr<std::optional<CustomerScoreRecord>> Find(
      crm::common::Transaction& /*tx*/, absl::string_view id) override {
    auto it = state_.scores.find(std::string(id));
    if (it == state_.scores.end()) return std::nullopt;
    return it->second;
  }
  absl::Status Save(crm::common::Transaction& /*tx*/,
                    const CustomerScoreRecord& score) override {
    state_.scores[score.customer_id] = score;
    return absl::OkStatus();
  }
  absl::Status Delete(crm::common::Transaction& /*tx*/,
                      absl::string_view id) override {
    state_.scores.erase(std::string(id));
    std::erase_if(state_.transitions, [&](const LifecycleTransition& t) {
      return t.customer_id == id;
    });
    return absl::OkStatus();
  }
  absl::StatusOr<std::vector<CustomerScoreRecord>> List(
      crm::common::Transaction& /*tx*/, absl::string_view after,
      int limit) override {
    std::vector<CustomerScoreRecord> rows;
    for (const auto& [id, score] : state_.scores) {
      if (id > after && rows.size() < static_cast<size_t>(limit)) {
        rows.push_back(score);
      }
    }
    return rows;
  }
  absl::Status AppendTransition(crm::common::Transaction& /*tx*/,
                                const LifecycleTransition& t) override {
    state_.transitions.push_back(t);
    state_.transitions.back().seq = ++state_.last_seq;
    return absl::OkStatus();
  }
  absl::StatusOr<std::vector<LifecycleTransition>> ListTransitions(
      crm::common::Transaction& /*tx*/, absl::string_view id) override {
    std::vector<LifecycleTransition> rows;
    for (const LifecycleTransition& t : state_.transitions) {
      if (t.customer_id == id) rows.push_back(t);
    }
    return rows;
  }
  absl::StatusOr<std::vector<LifecycleTransition>> ListTransitionsNewestFirst(
      crm::common::Transaction& /*tx*/, absl::string_view id,
      const std::optional<crm::segmentation::TransitionPosition>& after,
      int limit) override {
    std::vector<LifecycleTransition> rows;
    for (const LifecycleTransition& t : state_.transitions) {
      if (t.customer_id != id) continue;
      if (after.has_value() &&
          std::tie(t.time, t.seq) >= std::tie(after->time, after->seq)) {
        continue;
      }
      rows.push_back(t);
    }
    std::sort(rows.begin(), rows.end(),
              [](const LifecycleTransition& a, const LifecycleTransition& b) {
                return std::tie(a.time, a.seq) > std::tie(b.time, b.seq);
              });
    if (rows.size() > static_cast<size_t>(limit)) rows.resize(limit);
    return rows;
  }
  absl::StatusOr<std::optional<RfmBoundaries>> LoadBoundaries(
      crm::common::Transaction& /*tx*/) override {
    return state_.boundaries;
  }
  absl::Status SaveBoundaries(crm::common::Transaction& /*tx*/,
                              const RfmBoundaries& boundaries,
                              absl::Time /*compute_time*/) override {
    state_.boundaries = boundaries;
    return absl::OkStatus();
  }
  absl::Status SaveClvModel(crm::common::Transaction& /*tx*/,
                            const ClvModelRecord& model) override {
    state_.models[model.id] = model;
    return absl::OkStatus();
  }
  absl::StatusOr<std::optional<ClvModelRecord>> LatestClvModel(
      crm::common::Transaction& /*tx*/) override {
    std::optional<ClvModelRecord> latest;
    for (const auto& [id, model] : state_.models) {
      if (!latest.has_value() || std::tie(model.fit_time, model.id) >=
                                     std::tie(latest->fit_time, latest->id)) {
        latest = model;
      }
    }
    return latest;
  }
  absl::StatusOr<std::optional<ClvModelRecord>> FindClvModel(
      crm::common::Transaction& /*tx*/, absl::string_view id) override {
    auto it = state_.models.find(std::string(id));
    if (it == state_.models.end()) return std::nullopt;
    return it->second;
  }

  // Scores and transitions held, for "nothing left" checks.
  size_t row_count() const {
    return state_.scores.size() + state_.transitions.size();
  }

 private:
  struct State {
    std::map<std::string, CustomerScoreRecord> scores;
    std::vector<LifecycleTransition> transitions;
    int64_t last_seq = 0;  // Like AUTO_INCREMENT: increasing.
    std::optional<RfmBoundaries> boundaries;
    std::map<std::string, ClvModelRecord> models;
  };
  State state_;
};

}  // namespace crm::testing
