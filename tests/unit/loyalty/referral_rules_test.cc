// Referral rules: names, code shapes, reward sources, and what merges and
// erasures do to the referrals they touch.
#include "services/loyalty/referral_rules.h"

#include <map>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "absl/time/time.h"
#include "crm/type/v1/error_reason.pb.h"
#include "services/common/error_details.h"

namespace crm::loyalty {
namespace {

const absl::Time kStart = absl::FromUnixSeconds(1'780'000'000);
const absl::Time kNow = kStart + absl::Hours(1);

ReferralRecord Referral(const std::string& id, const std::string& referrer,
                        const std::string& referred, v1::Referral::State state,
                        int minute) {
  ReferralRecord referral;
  referral.id = id;
  referral.referrer_id = referrer;
  referral.referred_id = referred;
  referral.state = state;
  referral.create_time = kStart + absl::Minutes(minute);
  return referral;
}

std::map<std::string, ReferralRecord> ById(
    const std::vector<ReferralRecord>& rows) {
  std::map<std::string, ReferralRecord> out;
  for (const ReferralRecord& row : rows) out[row.id] = row;
  return out;
}

TEST(ReferralNamesTest, FormatAndParse) {
  EXPECT_EQ(ReferralName("r1"), "referrals/r1");
  EXPECT_EQ(ReferralCodeName("c1"), "customers/c1/referralCode");
  absl::StatusOr<std::string> id =
      ParseReferralCodeName("customers/c1/referralCode", "name");
  ASSERT_TRUE(id.ok());
  EXPECT_EQ(*id, "c1");
  for (const char* bad :
       {"customers/c1", "customers//referralCode", "accounts/c1/referralCode",
        "customers/c1/referralCodes", "customers/a/b/referralCode", ""}) {
    absl::StatusOr<std::string> parsed = ParseReferralCodeName(bad, "name");
    EXPECT_EQ(parsed.status().code(), absl::StatusCode::kInvalidArgument)
        << bad;
    EXPECT_EQ(crm::common::ErrorMetadataOf(parsed.status())["field"], "name");
  }
}

TEST(ReferralCodeTest, NormalizesCaseAndRejectsOtherShapes) {
  absl::StatusOr<std::string> code =
      NormalizeReferralCode("abcdefghjk0123456789", "referral.referral_code");
  ASSERT_TRUE(code.ok()) << code.status();
  EXPECT_EQ(*code, "ABCDEFGHJK0123456789");
  for (const char* bad :
       {"", "ABC", "ABCDEFGHJK012345678U", "ABCDEFGHJK01234567890"}) {
    absl::Status status =
        NormalizeReferralCode(bad, "referral.referral_code").status();
    EXPECT_EQ(crm::common::ReasonOf(status), crm::type::v1::FIELD_INVALID)
        << bad;
    EXPECT_EQ(crm::common::ErrorMetadataOf(status)["field"],
              "referral.referral_code");
  }
}

TEST(ReferralRewardSourceTest, OnePerSide) {
  EXPECT_EQ(ReferrerRewardSource("r1"), "referral:r1:referrer");
  EXPECT_EQ(ReferredRewardSource("r1"), "referral:r1:referred");
}

TEST(ReferralProtoTest, ShowsBothSidesAndTimes) {
  ReferralRecord record = Referral("r1", "a", "b", v1::Referral::REWARDED, 0);
  record.reward_time = kNow;
  record.referrer_points = 100;
  record.referred_points = 50;
  const v1::Referral proto = ToReferralProto(record);
  EXPECT_EQ(proto.name(), "referrals/r1");
  EXPECT_EQ(proto.referrer(), "customers/a");
  EXPECT_EQ(proto.referred(), "customers/b");
  EXPECT_EQ(proto.state(), v1::Referral::REWARDED);
  EXPECT_TRUE(proto.has_reward_time());
  EXPECT_FALSE(proto.has_cancel_time());
  EXPECT_EQ(proto.referrer_points(), 100);
  EXPECT_TRUE(proto.referral_code().empty());
}

TEST(ReferralsAfterMergeTest, DuplicateSidesMoveAndTheSelfReferralIsCancelled) {
  const std::vector<ReferralRecord> rows = {
      Referral("r1", "dup", "x", v1::Referral::PENDING, 0),
      Referral("r2", "dup", "surv", v1::Referral::REWARDED, 1),
      Referral("r3", "surv", "y", v1::Referral::PENDING, 2),
  };
  std::map<std::string, ReferralRecord> changed =
      ById(ReferralsAfterMerge(rows, "surv", "dup", false, kNow));
  ASSERT_EQ(changed.size(), 2u);  // r3 is untouched.
  EXPECT_EQ(changed["r1"].referrer_id, "surv");
  EXPECT_EQ(changed["r1"].state, v1::Referral::PENDING);
  EXPECT_EQ(changed["r2"].referrer_id, "surv");
  EXPECT_EQ(changed["r2"].state, v1::Referral::CANCELLED);
  EXPECT_EQ(changed["r2"].cancel_time, kNow);
}

TEST(ReferralsAfterMergeTest, TheOldestPendingReferralOfThePersonStays) {
  const std::vector<ReferralRecord> rows = {
      Referral("r2", "q", "dup", v1::Referral::PENDING, 5),
      Referral("r1", "p", "surv", v1::Referral::PENDING, 1),
      Referral("r0", "o", "dup", v1::Referral::CANCELLED, 0),
      // Named twice (both sides were read): handled once.
      Referral("r2", "q", "dup", v1::Referral::PENDING, 5),
  };
  std::map<std::string, ReferralRecord> changed =
      ById(ReferralsAfterMerge(rows, "surv", "dup", false, kNow));
  ASSERT_EQ(changed.size(), 2u);
  EXPECT_EQ(changed["r2"].referred_id, "surv");
  EXPECT_EQ(changed["r2"].state, v1::Referral::CANCELLED);
  EXPECT_EQ(changed["r0"].referred_id, "surv");
  EXPECT_EQ(changed["r0"].state, v1::Referral::CANCELLED);
  EXPECT_FALSE(changed["r0"].cancel_time.has_value());

  // The duplicate's referral is older: it stays, the survivor's goes.
  const std::vector<ReferralRecord> older = {
      Referral("r2", "q", "dup", v1::Referral::PENDING, 0),
      Referral("r1", "p", "surv", v1::Referral::PENDING, 1),
  };
  changed = ById(ReferralsAfterMerge(older, "surv", "dup", false, kNow));
  EXPECT_EQ(changed["r2"].state, v1::Referral::PENDING);
  EXPECT_EQ(changed["r1"].state, v1::Referral::CANCELLED);
}

TEST(ReferralsAfterMergeTest, NoPendingReferralOnceRewardedOrOrdered) {
  const std::vector<ReferralRecord> rewarded = {
      Referral("r1", "p", "surv", v1::Referral::REWARDED, 0),
      Referral("r2", "q", "dup", v1::Referral::PENDING, 1),
  };
  std::map<std::string, ReferralRecord> changed =
      ById(ReferralsAfterMerge(rewarded, "surv", "dup", false, kNow));
  EXPECT_EQ(changed["r2"].state, v1::Referral::CANCELLED);
  EXPECT_EQ(changed.count("r1"), 0u);

  const std::vector<ReferralRecord> ordered = {
      Referral("r2", "q", "dup", v1::Referral::PENDING, 1),
  };
  changed = ById(ReferralsAfterMerge(ordered, "surv", "dup", true, kNow));
  EXPECT_EQ(changed["r2"].state, v1::Referral::CANCELLED);
  changed = ById(ReferralsAfterMerge(ordered, "surv", "dup", false, kNow));
  EXPECT_EQ(changed["r2"].state, v1::Referral::PENDING);
}

TEST(ReferralsAfterErasureTest, ReKeysEverySideAndCancelsPending) {
  const std::vector<ReferralRecord> rows = {
      Referral("r1", "gone", "x", v1::Referral::REWARDED, 0),
      Referral("r2", "gone", "y", v1::Referral::PENDING, 1),
      Referral("r3", "z", "gone", v1::Referral::PENDING, 2),
  };
  std::map<std::string, ReferralRecord> changed =
      ById(ReferralsAfterErasure(rows, "gone", "erased-t", kNow));
  ASSERT_EQ(changed.size(), 3u);
  EXPECT_EQ(changed["r1"].referrer_id, "erased-t");
  EXPECT_EQ(changed["r1"].state, v1::Referral::REWARDED);
  EXPECT_EQ(changed["r2"].referrer_id, "erased-t");
  EXPECT_EQ(changed["r2"].state, v1::Referral::CANCELLED);
  EXPECT_EQ(changed["r3"].referred_id, "erased-t");
  EXPECT_EQ(changed["r3"].referrer_id, "z");
  EXPECT_EQ(changed["r3"].state, v1::Referral::CANCELLED);
  for (const auto& [id, referral] : changed) {
    EXPECT_NE(referral.referrer_id, "gone");
    EXPECT_NE(referral.referred_id, "gone");
  }
}

}  // namespace
}  // namespace crm::loyalty
