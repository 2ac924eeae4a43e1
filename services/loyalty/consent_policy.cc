#include "services/loyalty/consent_policy.h"

#include <algorithm>

namespace crm::loyalty {

namespace cp = ::crm::customerprofile::v1;
using ::crm::consents::ConsentAnswer;

std::vector<cp::Consent::Purpose> CampaignConsentPurposes(
    v1::Campaign::MarketingChannel channel) {
  switch (channel) {
    case v1::Campaign::EMAIL:
      return {cp::Consent::EMAIL_MARKETING};
    case v1::Campaign::SMS:
      return {cp::Consent::SMS_MARKETING};
    default:
      return {cp::Consent::EMAIL_MARKETING, cp::Consent::SMS_MARKETING};
  }
}

bool AnyGranted(const std::vector<ConsentAnswer>& answers,
                const std::vector<cp::Consent::Purpose>& purposes) {
  return std::any_of(
      answers.begin(), answers.end(), [&](const ConsentAnswer& answer) {
        return answer.status == cp::Consent::GRANTED &&
               std::find(purposes.begin(), purposes.end(), answer.purpose) !=
                   purposes.end();
      });
}

bool CampaignMayReach(const CampaignRecord& campaign,
                      const std::vector<ConsentAnswer>& answers) {
  return AnyGranted(answers,
                    CampaignConsentPurposes(campaign.marketing_channel));
}

}  // namespace crm::loyalty
