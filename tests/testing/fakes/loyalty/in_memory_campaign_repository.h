// An in-memory CampaignRepository (services/loyalty/campaign_repository.h)
// for unit tests; rolled back with the FakeUnitOfWork it enlists in. Locks
// need no modelling: FakeUnitOfWork runs one unit of work at a time.
//
//   crm::testing::InMemoryCampaignRepository campaigns(&unit_of_work);
//   campaigns.Put(record);
//   EXPECT_EQ(campaigns.Campaign("c1")->points_awarded, 100);
#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "services/loyalty/campaign_repository.h"
#include "tests/testing/fakes/fake_unit_of_work.h"

namespace crm::testing {

class InMemoryCampaignRepository final
    : public crm::loyalty::CampaignRepository {
 public:
  using CampaignRecord = crm::loyalty::CampaignRecord;

  // Enlists in `unit_of_work` (if not null) to be rolled back with it.
  explicit InMemoryCampaignRepository(FakeUnitOfWork* unit_of_work) {
    if (unit_of_work != nullptr) {
      unit_of_work->Enlist([this] {
        std::map<std::string, CampaignRecord> saved = campaigns_;
        return [this, saved] { campaigns_ = saved; };
      });
    }
  }

  absl::Status Insert(crm::common::Transaction& /*tx*/,
                      const CampaignRecord& campaign) override {
    if (!campaigns_.emplace(campaign.id, campaign).second) {
      return absl::AlreadyExistsError("campaign exists");
    }
    return absl::OkStatus();
  }
  absl::StatusOr<std::optional<CampaignRecord>> Find(
      crm::common::Transaction& /*tx*/, absl::string_view id) override {
    return Campaign(std::string(id));
  }
  absl::StatusOr<std::vector<CampaignRecord>> List(
      crm::common::Transaction& /*tx*/, absl::string_view after,
      int limit) override {
    std::vector<CampaignRecord> page;
    for (auto it = campaigns_.upper_bound(std::string(after));
         it != campaigns_.end() && static_cast<int>(page.size()) < limit;
         ++it) {
      page.push_back(it->second);
    }
    return page;
  }
  absl::StatusOr<std::vector<CampaignRecord>> ActiveAt(
      crm::common::Transaction& /*tx*/, absl::Time now,
      bool /*lock*/) override {
    std::vector<CampaignRecord> active;
    for (const auto& [id, campaign] : campaigns_) {
      if (campaign.start_time <= now && now < campaign.end_time &&
          campaign.points_awarded < campaign.points_budget) {
        active.push_back(campaign);
      }
    }
    return active;
  }
  absl::Status UpdateUsage(crm::common::Transaction& /*tx*/,
                           const CampaignRecord& campaign) override {
    auto it = campaigns_.find(campaign.id);
    if (it == campaigns_.end()) return absl::NotFoundError("no campaign");
    if (campaign.points_awarded > it->second.points_budget) {
      return absl::FailedPreconditionError("budget exceeded");  // The CHECK.
    }
    it->second.points_awarded = campaign.points_awarded;
    it->second.orders_rewarded = campaign.orders_rewarded;
    it->second.orders_skipped_without_consent =
        campaign.orders_skipped_without_consent;
    it->second.version = campaign.version;
    return absl::OkStatus();
  }

  // --- Test access ---
  std::optional<CampaignRecord> Campaign(const std::string& id) const {
    auto it = campaigns_.find(id);
    if (it == campaigns_.end()) return std::nullopt;
    return it->second;
  }
  void Put(const CampaignRecord& campaign) {
    campaigns_[campaign.id] = campaign;
  }

 private:
  std::map<std::string, CampaignRecord> campaigns_;
};

}  // namespace crm::testing
