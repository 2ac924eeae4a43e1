// Which consent each loyalty action needs: the one place that says so.
// Purposes and answers are customer-profile's (`Consent`,
// protos/crm/customerprofile/v1/customer.proto), kept per customer from its
// feed (services/consents/consent_tracker.h).
//
// | action                                         | needs (GRANTED)      |
// |------------------------------------------------|----------------------|
// | campaign bonus, `marketing_channel` EMAIL      | EMAIL_MARKETING      |
// | campaign bonus, `marketing_channel` SMS        | SMS_MARKETING        |
// | campaign bonus, channel unspecified            | EMAIL_MARKETING or   |
// |                                                | SMS_MARKETING        |
// | points an order earns itself, redeeming points | nothing: the         |
// | or a reward (and its coupon), redeeming a      | customer asked for   |
// | coupon, compensation for a ticket, staff       | it or is owed it     |
// | adjustments, expiry, merges and erasures       |                      |
//
// Default deny: a purpose without a known answer (no feed event carried
// it) counts as not granted, as do DENIED and REVOKED.
//
//   if (!CampaignMayReach(campaign, answers)) { ... skip, count it ... }
#pragma once

#include <vector>

#include "crm/customerprofile/v1/customer.pb.h"
#include "crm/loyalty/v1/campaign.pb.h"
#include "services/consents/consent_repository.h"
#include "services/loyalty/campaign_repository.h"

namespace crm::loyalty {

// The purposes of which one must be granted for a campaign announced on
// `channel` to reach a member.
std::vector<::crm::customerprofile::v1::Consent::Purpose>
CampaignConsentPurposes(v1::Campaign::MarketingChannel channel);

// Whether `answers` grant at least one of `purposes`.
bool AnyGranted(
    const std::vector<crm::consents::ConsentAnswer>& answers,
    const std::vector<::crm::customerprofile::v1::Consent::Purpose>& purposes);

// Whether a member with `answers` may be reached by `campaign`.
bool CampaignMayReach(const CampaignRecord& campaign,
                      const std::vector<crm::consents::ConsentAnswer>& answers);

}  // namespace crm::loyalty
