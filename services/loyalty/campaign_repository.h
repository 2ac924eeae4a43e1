// Storage of campaigns (campaign.proto): the record as stored and the
// interface the campaign manager and the order bonus (campaign_bonus.h) use
// inside a unit of work. The MySQL implementation is MySqlCampaignRepository;
// unit tests use the in-memory fake in tests/testing/fakes/loyalty/.
//
//   CRM_ASSIGN_OR_RETURN(std::vector<CampaignRecord> running,
//                        campaigns.ActiveAt(tx, now, /*lock=*/true));
//   ... grant a bonus within the budget ...
//   CRM_RETURN_IF_ERROR(campaigns.UpdateUsage(tx, campaign));
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "crm/loyalty/v1/campaign.pb.h"
#include "services/common/unit_of_work.h"

namespace crm::loyalty {

// One campaign; `version` is its etag.
struct CampaignRecord {
  std::string id;
  std::string display_name;
  absl::Time start_time;
  absl::Time end_time;                // Exclusive.
  std::vector<std::string> tier_ids;  // Empty: every member.
  int multiplier_percent = 100;       // 100..1000.
  int64_t bonus_points_per_order = 0;
  int64_t points_budget = 0;
  int64_t points_awarded = 0;  // 0..points_budget.
  int64_t orders_rewarded = 0;
  // The consent a member needs (consent_policy.h); unspecified: any
  // marketing consent.
  v1::Campaign::MarketingChannel marketing_channel =
      v1::Campaign::MARKETING_CHANNEL_UNSPECIFIED;
  // Orders of members reached but for want of that consent.
  int64_t orders_skipped_without_consent = 0;
  // The segmentation segment whose members it reaches (with `tier_ids`:
  // members of both); empty: no segment condition.
  std::string segment_id;
  absl::Time create_time;
  int64_t version = 0;
};

class CampaignRepository {
 public:
  CampaignRepository(const CampaignRepository&) = delete;
  CampaignRepository& operator=(const CampaignRepository&) = delete;
  virtual ~CampaignRepository() = default;

  // Stores a new campaign. ALREADY_EXISTS if its id is taken.
  virtual absl::Status Insert(crm::common::Transaction& tx,
                              const CampaignRecord& campaign) = 0;

  // The campaign `id`; nullopt if none.
  virtual absl::StatusOr<std::optional<CampaignRecord>> Find(
      crm::common::Transaction& tx, absl::string_view id) = 0;

  // Up to `limit` campaigns with id above `after`, in id order.
  virtual absl::StatusOr<std::vector<CampaignRecord>> List(
      crm::common::Transaction& tx, absl::string_view after, int limit) = 0;

  // The campaigns running at `now` (start_time <= now < end_time) with
  // budget left, in id order; with `lock`, locked until `tx` ends, so grants
  // of one campaign serialise and its usage is read fresh.
  virtual absl::StatusOr<std::vector<CampaignRecord>> ActiveAt(
      crm::common::Transaction& tx, absl::Time now, bool lock) = 0;

  // Stores `campaign`'s points_awarded, orders_rewarded,
  // orders_skipped_without_consent and version.
  // NOT_FOUND if there is none. The caller holds the campaign's lock.
  virtual absl::Status UpdateUsage(crm::common::Transaction& tx,
                                   const CampaignRecord& campaign) = 0;

 protected:
  CampaignRepository() = default;
};

}  // namespace crm::loyalty
