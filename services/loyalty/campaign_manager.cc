#include "services/loyalty/campaign_manager.h"

#include <optional>
#include <string>
#include <vector>

#include "services/common/error_details.h"
#include "services/common/field_behavior.h"
#include "services/common/page_token.h"
#include "services/common/resource_name.h"
#include "services/common/status_macros.h"
#include "services/common/timestamps.h"
#include "services/loyalty/campaign_rules.h"
#include "services/loyalty/id_order_page.h"

namespace crm::loyalty {

using ::crm::common::RequestContext;
using ::crm::common::Transaction;

namespace {

constexpr char kCreateCampaignMethod[] = "CreateCampaign";
constexpr char kCampaignsCollection[] = "campaigns";

}  // namespace

absl::StatusOr<v1::Campaign> CampaignManager::CreateCampaign(
    const RequestContext& context, const v1::CreateCampaignRequest& request) {
  CRM_RETURN_IF_ERROR(crm::common::CheckRequiredFields(request));
  CRM_ASSIGN_OR_RETURN(CampaignRecord record,
                       ValidateNewCampaign(request.campaign()));
  return crm::common::RunIdempotent<v1::Campaign>(
      unit_of_work_, idempotency_, clock_, context, kCreateCampaignMethod,
      request.request_id(), request,
      [&](Transaction& tx) -> absl::StatusOr<v1::Campaign> {
        CampaignRecord campaign = record;
        campaign.id = ids_.NewId();
        campaign.create_time = crm::common::TruncateToMicros(clock_.Now());
        campaign.version = 1;
        CRM_RETURN_IF_ERROR(campaigns_.Insert(tx, campaign));
        return ToCampaignProto(campaign);
      });
}

absl::StatusOr<v1::Campaign> CampaignManager::GetCampaign(
    const RequestContext& context, const v1::GetCampaignRequest& request) {
  CRM_RETURN_IF_ERROR(crm::common::CheckRequiredFields(request));
  absl::StatusOr<std::string> id = crm::common::ParseResourceName(
      request.name(), kCampaignsCollection, "name");
  if (!id.ok()) {
    return crm::common::InvalidFieldError(
        "name", "must be of the form campaigns/{campaign}");
  }
  return unit_of_work_.Read<v1::Campaign>(
      context, [&](Transaction& tx) -> absl::StatusOr<v1::Campaign> {
        CRM_ASSIGN_OR_RETURN(std::optional<CampaignRecord> campaign,
                             campaigns_.Find(tx, *id));
        if (!campaign.has_value()) {
          return crm::common::NotFoundError(request.name());
        }
        return ToCampaignProto(*campaign);
      });
}

absl::StatusOr<v1::ListCampaignsResponse> CampaignManager::ListCampaigns(
    const RequestContext& context, const v1::ListCampaignsRequest& request) {
  CRM_ASSIGN_OR_RETURN(
      IdOrderPage page,
      ParseIdOrderPage(request.page_size(), request.page_token(), "campaigns"));
  return unit_of_work_.Read<v1::ListCampaignsResponse>(
      context,
      [&](Transaction& tx) -> absl::StatusOr<v1::ListCampaignsResponse> {
        CRM_ASSIGN_OR_RETURN(
            std::vector<CampaignRecord> campaigns,
            campaigns_.List(tx, page.after, page.page_size + 1));
        v1::ListCampaignsResponse response;
        response.set_next_page_token(TrimToPage(campaigns, page));
        for (const CampaignRecord& campaign : campaigns) {
          *response.add_campaigns() = ToCampaignProto(campaign);
        }
        return response;
      });
}

}  // namespace crm::loyalty
