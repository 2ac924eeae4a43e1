// CampaignRepository on the service's MySQL/MariaDB database (table
// `campaigns`, migrations/0006_campaigns.sql): all SQL and row mapping,
// prepared statements only, on the caller's unit of work. Tier ids are
// stored comma-separated (they cannot hold a comma).
//
//   MySqlCampaignRepository campaigns;
//   CampaignManager manager(unit_of_work, campaigns, idempotency, clock, ids);
#pragma once

#include "services/loyalty/campaign_repository.h"

namespace crm::loyalty {

class MySqlCampaignRepository final : public CampaignRepository {
 public:
  MySqlCampaignRepository() = default;

  absl::Status Insert(crm::common::Transaction& tx,
                      const CampaignRecord& campaign) override;
  absl::StatusOr<std::optional<CampaignRecord>> Find(
      crm::common::Transaction& tx, absl::string_view id) override;
  absl::StatusOr<std::vector<CampaignRecord>> List(crm::common::Transaction& tx,
                                                   absl::string_view after,
                                                   int limit) override;
  absl::StatusOr<std::vector<CampaignRecord>> ActiveAt(
      crm::common::Transaction& tx, absl::Time now, bool lock) override;
  absl::Status UpdateUsage(crm::common::Transaction& tx,
                           const CampaignRecord& campaign) override;
};

}  // namespace crm::loyalty
