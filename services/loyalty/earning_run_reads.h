// Repositories for an earning run (order_earning.h): the programme, the
// running campaigns and the referrals of the run's customers, each read once
// per run instead of once per event, every other call passed to the store.
//
// They rely on what a run is: one transaction applying order events, in
// which nothing changes the programme or a campaign's terms (only a
// campaign's usage, which the locked read of ActiveAt() always fetches
// fresh) and the referrals of the prefetched customers change only through
// UpdateReferral() on these objects. Each is used by one thread for one
// transaction.
#pragma once

#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "services/loyalty/campaign_repository.h"
#include "services/loyalty/program_repository.h"
#include "services/loyalty/referral_repository.h"

namespace crm::loyalty {

// Find() answered once per programme id.
class RunCachedPrograms final : public ProgramRepository {
 public:
  explicit RunCachedPrograms(ProgramRepository& store) : store_(store) {}

  absl::StatusOr<std::optional<ProgramRecord>> Find(
      crm::common::Transaction& tx, absl::string_view id) override;
  absl::StatusOr<std::optional<ProgramRecord>> FindForUpdate(
      crm::common::Transaction& tx, absl::string_view id) override;
  absl::Status Save(crm::common::Transaction& tx,
                    const ProgramRecord& program) override;

 private:
  ProgramRepository& store_;
  std::map<std::string, std::optional<ProgramRecord>, std::less<>> found_;
};

// ActiveAt() without a lock answered once per instant.
class RunCachedCampaigns final : public CampaignRepository {
 public:
  explicit RunCachedCampaigns(CampaignRepository& store) : store_(store) {}

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

 private:
  CampaignRepository& store_;
  std::map<absl::Time, std::vector<CampaignRecord>> running_;
};

// ReferralsOfReferred() of the prefetched customers answered from one locking
// read. `flush_accounts` sends the run's held account writes (HasOrdered()
// reads order earnings the run may hold).
class RunCachedReferrals final : public ReferralRepository {
 public:
  RunCachedReferrals(
      ReferralRepository& store,
      std::function<absl::Status(crm::common::Transaction&)> flush_accounts)
      : store_(store), flush_accounts_(std::move(flush_accounts)) {}

  // Reads, locking them, the referrals of which each of `customer_ids` is
  // the referred customer.
  absl::Status Prefetch(crm::common::Transaction& tx,
                        const std::vector<std::string>& customer_ids);

  absl::StatusOr<std::optional<ReferralCodeRecord>> FindCode(
      crm::common::Transaction& tx, absl::string_view customer_id,
      bool lock) override;
  absl::StatusOr<std::optional<ReferralCodeRecord>> FindCodeByCode(
      crm::common::Transaction& tx, absl::string_view code) override;
  absl::Status InsertCode(crm::common::Transaction& tx,
                          const ReferralCodeRecord& code) override;
  absl::Status MoveCode(crm::common::Transaction& tx,
                        absl::string_view from_customer_id,
                        absl::string_view to_customer_id) override;
  absl::Status DeleteCode(crm::common::Transaction& tx,
                          absl::string_view customer_id) override;
  absl::Status InsertReferral(crm::common::Transaction& tx,
                              const ReferralRecord& referral) override;
  absl::Status UpdateReferral(crm::common::Transaction& tx,
                              const ReferralRecord& referral) override;
  absl::StatusOr<std::vector<ReferralRecord>> ReferralsOfReferred(
      crm::common::Transaction& tx, absl::string_view customer_id,
      bool lock) override;
  absl::StatusOr<std::vector<ReferralRecord>> ReferralsOfCustomer(
      crm::common::Transaction& tx, absl::string_view customer_id,
      bool lock) override;
  absl::StatusOr<std::vector<ReferralRecord>> ListReferrals(
      crm::common::Transaction& tx, const ReferralQuery& query) override;
  absl::StatusOr<bool> HasOrdered(crm::common::Transaction& tx,
                                  absl::string_view customer_id) override;

 private:
  ReferralRepository& store_;
  const std::function<absl::Status(crm::common::Transaction&)> flush_accounts_;
  std::map<std::string, std::vector<ReferralRecord>, std::less<>> of_referred_;
};

}  // namespace crm::loyalty
