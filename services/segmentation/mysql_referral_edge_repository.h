// ReferralEdgeRepository (referral_edge_repository.h) over referral_edges
// (migration 0007; the referrer is its `customer_id`), joined with
// customer_scores for the referral value.
#pragma once

#include "services/segmentation/referral_edge_repository.h"

namespace crm::segmentation {

class MySqlReferralEdgeRepository final : public ReferralEdgeRepository {
 public:
  MySqlReferralEdgeRepository() = default;

  absl::Status Insert(crm::common::Transaction& tx,
                      const ReferralEdge& edge) override;
  absl::Status Delete(crm::common::Transaction& tx,
                      absl::string_view referral_id) override;
  absl::Status ReKeyCustomer(crm::common::Transaction& tx,
                             absl::string_view duplicate_id,
                             absl::string_view survivor_id) override;
  absl::Status DeleteCustomer(crm::common::Transaction& tx,
                              absl::string_view customer_id) override;
  absl::StatusOr<std::vector<ReferralEdge>> EdgesOf(
      crm::common::Transaction& tx, absl::string_view customer_id) override;
  absl::StatusOr<std::map<std::string, ReferralValue>> ValuesOf(
      crm::common::Transaction& tx,
      const std::vector<std::string>& referrer_ids) override;
};

}  // namespace crm::segmentation
