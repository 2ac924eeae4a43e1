// The campaign resource (campaign.proto): create (idempotent on
// `request_id`), get and list. Campaigns are granted by the order earning
// (campaign_bonus.h); their `points_awarded` and `orders_rewarded` show how
// much of the budget is used.
//
//   CampaignManager manager(unit_of_work, campaigns, idempotency, clock, ids);
//   absl::StatusOr<v1::Campaign> campaign =
//       manager.CreateCampaign(context, request);
#pragma once

#include "absl/status/statusor.h"
#include "crm/loyalty/v1/loyalty_service.pb.h"
#include "services/common/clock.h"
#include "services/common/id_generator.h"
#include "services/common/idempotency.h"
#include "services/common/request_context.h"
#include "services/common/unit_of_work.h"
#include "services/loyalty/campaign_repository.h"

namespace crm::loyalty {

class CampaignManager {
 public:
  // Every argument must outlive the manager.
  CampaignManager(crm::common::UnitOfWork& unit_of_work,
                  CampaignRepository& campaigns,
                  crm::common::IdempotencyRepository& idempotency,
                  const crm::common::Clock& clock,
                  const crm::common::IdGenerator& ids)
      : unit_of_work_(unit_of_work),
        campaigns_(campaigns),
        idempotency_(idempotency),
        clock_(clock),
        ids_(ids) {}
  CampaignManager(const CampaignManager&) = delete;
  CampaignManager& operator=(const CampaignManager&) = delete;

  // Adds a campaign (ValidateNewCampaign, campaign_rules.h);
  // INVALID_ARGUMENT naming the field otherwise.
  absl::StatusOr<v1::Campaign> CreateCampaign(
      const crm::common::RequestContext& context,
      const v1::CreateCampaignRequest& request);
  // NOT_FOUND (the name) for an unknown campaign.
  absl::StatusOr<v1::Campaign> GetCampaign(
      const crm::common::RequestContext& context,
      const v1::GetCampaignRequest& request);
  // Lowest id first, keyset pages.
  absl::StatusOr<v1::ListCampaignsResponse> ListCampaigns(
      const crm::common::RequestContext& context,
      const v1::ListCampaignsRequest& request);

 private:
  crm::common::UnitOfWork& unit_of_work_;
  CampaignRepository& campaigns_;
  crm::common::IdempotencyRepository& idempotency_;
  const crm::common::Clock& clock_;
  const crm::common::IdGenerator& ids_;
};

}  // namespace crm::loyalty
