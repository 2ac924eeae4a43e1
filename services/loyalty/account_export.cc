#include "services/loyalty/account_export.h"

#include <optional>
#include <string>
#include <vector>

#include "services/common/field_behavior.h"
#include "services/common/status_macros.h"
#include "services/common/timestamps.h"
#include "services/loyalty/account_family.h"
#include "services/loyalty/account_manager.h"
#include "services/loyalty/account_rules.h"
#include "services/loyalty/program_manager.h"
#include "services/loyalty/referral_rules.h"
#include "services/loyalty/reward_manager.h"
#include "services/loyalty/tier_rules.h"

namespace crm::loyalty {

using ::crm::common::RequestContext;
using ::crm::common::Transaction;

namespace {

v1::PointLot ToPointLotProto(const LotRecord& lot) {
  v1::PointLot proto;
  proto.set_id(lot.id);
  proto.set_points(lot.points);
  proto.set_remaining_points(lot.remaining_points);
  *proto.mutable_earn_time() = crm::common::ToProtoTimestamp(lot.earn_time);
  if (lot.expire_time.has_value()) {
    *proto.mutable_expire_time() =
        crm::common::ToProtoTimestamp(*lot.expire_time);
  }
  return proto;
}

}  // namespace

absl::StatusOr<v1::AccountDataExport> AccountExport::ExportAccountData(
    const RequestContext& context,
    const v1::ExportAccountDataRequest& request) {
  CRM_RETURN_IF_ERROR(crm::common::CheckRequiredFields(request));
  CRM_ASSIGN_OR_RETURN(std::string customer_id,
                       ParseAccountName(request.name(), "name"));
  const absl::Time now = clock_.Now();
  return unit_of_work_.Read<v1::AccountDataExport>(
      context, [&](Transaction& tx) -> absl::StatusOr<v1::AccountDataExport> {
        CRM_ASSIGN_OR_RETURN(v1::Program program,
                             LoadProgramSettings(programs_, tx));
        CRM_ASSIGN_OR_RETURN(std::vector<std::string> family,
                             AccountFamily(accounts_, tx, customer_id));
        v1::AccountDataExport data;
        for (const std::string& member : family) {
          CRM_ASSIGN_OR_RETURN(std::optional<AccountRecord> account,
                               accounts_.Find(tx, member));
          v1::AccountData* part = data.add_accounts();
          if (!account.has_value()) {
            AccountRecord empty;
            empty.customer_id = member;
            *part->mutable_account() = ToAccountProto(empty);
            CRM_RETURN_IF_ERROR(AddReferralData(tx, member, *part));
            continue;
          }
          *part->mutable_account() = ToAccountProto(*account);
          CRM_ASSIGN_OR_RETURN(
              int64_t qualifying,
              MemberQualifyingPoints(accounts_, tx, member,
                                     QualificationWindowStart(program, now)));
          part->mutable_account()->set_qualifying_points(qualifying);
          CRM_ASSIGN_OR_RETURN(std::vector<LedgerEntryRecord> entries,
                               accounts_.AllEntries(tx, member));
          for (const LedgerEntryRecord& entry : entries) {
            *part->add_ledger_entries() = ToLedgerEntryProto(entry);
          }
          CRM_ASSIGN_OR_RETURN(std::vector<LotRecord> lots,
                               accounts_.AllLots(tx, member));
          for (const LotRecord& lot : lots) {
            *part->add_lots() = ToPointLotProto(lot);
          }
          CRM_ASSIGN_OR_RETURN(std::vector<CouponRecord> coupons,
                               rewards_.CouponsOfCustomer(tx, member));
          for (const CouponRecord& coupon : coupons) {
            *part->add_coupons() = ToCouponProto(coupon, now);
          }
          CRM_RETURN_IF_ERROR(AddReferralData(tx, member, *part));
        }
        return data;
      });
}

absl::Status AccountExport::AddReferralData(Transaction& tx,
                                            const std::string& customer_id,
                                            v1::AccountData& part) {
  if (referrals_ == nullptr) return absl::OkStatus();
  CRM_ASSIGN_OR_RETURN(std::optional<ReferralCodeRecord> code,
                       referrals_->FindCode(tx, customer_id, /*lock=*/false));
  if (code.has_value())
    *part.mutable_referral_code() = ToReferralCodeProto(*code);
  CRM_ASSIGN_OR_RETURN(
      std::vector<ReferralRecord> referrals,
      referrals_->ReferralsOfCustomer(tx, customer_id, /*lock=*/false));
  for (const ReferralRecord& referral : referrals) {
    *part.add_referrals() = ToReferralProto(referral);
  }
  return absl::OkStatus();
}

}  // namespace crm::loyalty
