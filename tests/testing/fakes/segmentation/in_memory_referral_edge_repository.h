// An in-memory ReferralEdgeRepository
// (services/segmentation/referral_edge_repository.h) for unit tests; rolled
// back with the FakeUnitOfWork it enlists in. Merge records come from
// `read_model` and CLV from `scores`, as the MySQL implementation reads
// merged_customers and customer_scores.
//
//   crm::testing::InMemoryReferralEdgeRepository edges(&unit_of_work,
//                                                      &read_model, &scores);
//   scoring.set_referral_edges(&edges);
#pragma once

#include <map>
#include <optional>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "services/common/status_macros.h"
#include "services/segmentation/read_model_repository.h"
#include "services/segmentation/referral_edge_repository.h"
#include "services/segmentation/score_repository.h"
#include "tests/testing/fakes/fake_unit_of_work.h"

namespace crm::testing {

class InMemoryReferralEdgeRepository final
    : public crm::segmentation::ReferralEdgeRepository {
 public:
  using ReferralEdge = crm::segmentation::ReferralEdge;
  using ReferralValue = crm::segmentation::ReferralValue;

  // Enlists in `unit_of_work` (if not null) to be rolled back with it.
  // `read_model` and `scores` (either may be null: no merges, no CLV) must
  // outlive the fake.
  InMemoryReferralEdgeRepository(
      FakeUnitOfWork* unit_of_work,
      crm::segmentation::ReadModelRepository* read_model,
      crm::segmentation::ScoreRepository* scores)
      : read_model_(read_model), scores_(scores) {
    if (unit_of_work != nullptr) {
      unit_of_work->Enlist([this] {
        auto saved = edges_;
        return [this, saved] { edges_ = saved; };
      });
    }
  }

  absl::Status Insert(crm::common::Transaction& tx,
                      const ReferralEdge& given) override {
    ReferralEdge edge = given;
    if (read_model_ != nullptr) {
      for (std::string* side : {&edge.referrer_id, &edge.referred_id}) {
        CRM_ASSIGN_OR_RETURN(auto merged, read_model_->FindMerge(tx, *side));
        if (merged.has_value()) *side = merged->survivor_id;
      }
    }
    if (edge.referrer_id == edge.referred_id) return absl::OkStatus();
    edges_.emplace(edge.referral_id, edge);
    return absl::OkStatus();
  }
  absl::Status Delete(crm::common::Transaction& /*tx*/,
                      absl::string_view referral_id) override {
    edges_.erase(std::string(referral_id));
    return absl::OkStatus();
  }
  absl::Status ReKeyCustomer(crm::common::Transaction& /*tx*/,
                             absl::string_view duplicate_id,
                             absl::string_view survivor_id) override {
    for (auto it = edges_.begin(); it != edges_.end();) {
      ReferralEdge& edge = it->second;
      if (edge.referrer_id == duplicate_id) {
        edge.referrer_id = std::string(survivor_id);
      }
      if (edge.referred_id == duplicate_id) {
        edge.referred_id = std::string(survivor_id);
      }
      if (edge.referrer_id == survivor_id && edge.referred_id == survivor_id) {
        it = edges_.erase(it);
      } else {
        ++it;
      }
    }
    return absl::OkStatus();
  }
  absl::Status DeleteCustomer(crm::common::Transaction& /*tx*/,
                              absl::string_view customer_id) override {
    for (auto it = edges_.begin(); it != edges_.end();) {
      if (it->second.referrer_id == customer_id ||
          it->second.referred_id == customer_id) {
        it = edges_.erase(it);
      } else {
        ++it;
      }
    }
    return absl::OkStatus();
  }
  absl::StatusOr<std::vector<ReferralEdge>> EdgesOf(
      crm::common::Transaction& /*tx*/,
      absl::string_view customer_id) override {
    std::vector<ReferralEdge> out;
    for (const auto& [id, edge] : edges_) {
      if (edge.referrer_id == customer_id || edge.referred_id == customer_id) {
        out.push_back(edge);
      }
    }
    return out;
  }
  absl::StatusOr<std::map<std::string, ReferralValue>> ValuesOf(
      crm::common::Transaction& tx,
      const std::vector<std::string>& referrer_ids) override {
    const std::set<std::string> wanted(referrer_ids.begin(),
                                       referrer_ids.end());
    std::map<std::string, std::set<std::string>> referred;
    for (const auto& [id, edge] : edges_) {
      if (wanted.count(edge.referrer_id) > 0) {
        referred[edge.referrer_id].insert(edge.referred_id);
      }
    }
    std::map<std::string, ReferralValue> values;
    for (const auto& [referrer, customers] : referred) {
      ReferralValue& value = values[referrer];
      for (const std::string& customer : customers) {
        ++value.referral_count;
        if (scores_ == nullptr) continue;
        CRM_ASSIGN_OR_RETURN(auto score, scores_->Find(tx, customer));
        if (score.has_value())
          value.value_minor += score->clv_minor.value_or(0);
      }
    }
    return values;
  }

  // Every stored edge, by referral id.
  const std::map<std::string, ReferralEdge>& edges() const { return edges_; }

 private:
  crm::segmentation::ReadModelRepository* const read_model_;
  crm::segmentation::ScoreRepository* const scores_;
  std::map<std::string, ReferralEdge> edges_;
};

}  // namespace crm::testing
