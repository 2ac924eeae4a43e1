// Segment targeting over the in-memory fakes: the remembered memberships
// (fresh, asked, stale when segmentation is down, unknown without an
// answer, bounded; a slow or absent gRPC segmentation costing at most the
// 300 ms deadline), campaigns naming a segment reaching its members only
// (also from a remembered answer while segmentation is down, and no one
// when nothing is known), and coupons issued to a segment — consent-gated,
// idempotent per member on request_id, bounded.
#include <iostream>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "crm/customerprofile/v1/change_event.pb.h"
#include "services/common/clock.h"
#include "services/common/id_generator.h"
#include "services/common/metrics.h"
#include "services/common/timestamps.h"
#include "services/loyalty/campaign_manager.h"
#include "services/loyalty/campaign_rules.h"
#include "services/loyalty/coupon_codes.h"
#include "services/loyalty/coupon_issue.h"
#include "services/loyalty/grpc_segmentation_client.h"
#include "services/loyalty/order_earning.h"
#include "services/loyalty/segment_membership_cache.h"
#include "tests/testing/fakes/consents/in_memory_consent_repository.h"
#include "tests/testing/fakes/fake_unit_of_work.h"
#include "tests/testing/fakes/in_memory_idempotency_repository.h"
#include "tests/testing/fakes/loyalty/fake_segmentation_client.h"
#include "tests/testing/fakes/loyalty/in_memory_account_repository.h"
#include "tests/testing/fakes/loyalty/in_memory_campaign_repository.h"
#include "tests/testing/fakes/loyalty/in_memory_program_repository.h"
#include "tests/testing/fakes/loyalty/in_memory_reward_repository.h"
#include "tests/testing/status_matchers.h"

namespace crm::loyalty {
namespace {

using ::crm::testing::IsOk;
namespace cp = ::crm::customerprofile::v1;

const absl::Time kStart = absl::FromUnixSeconds(1767225600);  // 2026-01-01

std::vector<std::string> Segments(std::initializer_list<const char*> ids) {
  return std::vector<std::string>(ids.begin(), ids.end());
}

class SegmentMembershipCacheTest : public ::testing::Test {
 protected:
  SegmentMembershipOptions Options() {
    SegmentMembershipOptions options;
    options.fresh_for = absl::Minutes(1);
    options.usable_for = absl::Hours(1);
    options.retry_after = absl::Seconds(5);
    options.max_customers = 2;
    options.metrics = &metrics_;
    return options;
  }

  crm::common::FakeClock clock_{kStart};
  crm::common::Metrics metrics_;
  crm::testing::FakeSegmentationClient segmentation_;
};

TEST_F(SegmentMembershipCacheTest, FreshAnswersAreRememberedStaleOnesUsed) {
  CachedSegmentMembership membership(segmentation_, clock_, Options());
  segmentation_.AddMember("vip", "c1");
  EXPECT_EQ(membership.SegmentsOf("c1"), Segments({"vip"}));
  EXPECT_EQ(membership.SegmentsOf("c1"), Segments({"vip"}));
  EXPECT_EQ(segmentation_.calls(), 1);  // The second answer was remembered.

  clock_.Advance(absl::Minutes(2));  // No longer fresh: asked again.
  segmentation_.RemoveMember("vip", "c1");
  EXPECT_EQ(membership.SegmentsOf("c1"), Segments({}));
  EXPECT_EQ(segmentation_.calls(), 2);

  // Down: the last answer (younger than usable_for) is used.
  segmentation_.AddMember("vip", "c1");
  clock_.Advance(absl::Minutes(2));
  segmentation_.set_down(true);
  EXPECT_EQ(membership.SegmentsOf("c1"), Segments({}));
  EXPECT_EQ(segmentation_.calls(), 3);
  // Down and never answered for c2: unknown, counted.
  EXPECT_EQ(membership.SegmentsOf("c2"), std::nullopt);
  // It failed moments ago: not asked again until retry_after.
  EXPECT_EQ(segmentation_.calls(), 3);
  EXPECT_TRUE(absl::StrContains(metrics_.Render(), "outcome=\"unknown\""));
  EXPECT_TRUE(absl::StrContains(metrics_.Render(), "outcome=\"stale\""));

  // Too old to use: unknown.
  clock_.Advance(absl::Hours(2));
  EXPECT_EQ(membership.SegmentsOf("c1"), std::nullopt);
  EXPECT_EQ(segmentation_.calls(), 4);

  segmentation_.set_down(false);
  clock_.Advance(absl::Seconds(10));
  EXPECT_EQ(membership.SegmentsOf("c1"), Segments({"vip"}));
}

TEST_F(SegmentMembershipCacheTest, HoldsAtMostMaxCustomers) {
  CachedSegmentMembership membership(segmentation_, clock_, Options());
  segmentation_.AddMember("vip", "c1");
  ASSERT_TRUE(membership.SegmentsOf("c1").has_value());
  ASSERT_TRUE(membership.SegmentsOf("c2").has_value());
  ASSERT_TRUE(membership.SegmentsOf("c1").has_value());  // c2 least recent.
  ASSERT_TRUE(membership.SegmentsOf("c3").has_value());
  EXPECT_EQ(membership.size(), 2u);
  // c2 was evicted: with segmentation down it is unknown, c1 is not.
  segmentation_.set_down(true);
  clock_.Advance(absl::Minutes(2));
  EXPECT_EQ(membership.SegmentsOf("c1"), Segments({"vip"}));
  clock_.Advance(absl::Seconds(10));
  EXPECT_EQ(membership.SegmentsOf("c2"), std::nullopt);
}

// A segmentation that does not answer (an address nothing listens on, one
// that drops packets) costs at most the deadline, and then nothing until
// retry_after.
TEST(GrpcSegmentationClientTest, AnUnansweredCallEndsAtItsDeadline) {
  for (const char* address : {"127.0.0.1:1", "10.255.255.1:50052"}) {
    GrpcSegmentationClient client(
        ::crm::segmentation::v1::SegmentationService::NewStub(
            grpc::CreateChannel(address, grpc::InsecureChannelCredentials())));
    crm::common::Metrics metrics;
    CachedSegmentMembership membership(
        client, crm::common::SystemClock::Instance(),
        SegmentMembershipOptions{.metrics = &metrics});
    const absl::Time start = absl::Now();
    EXPECT_EQ(membership.SegmentsOf("c1"), std::nullopt);
    const absl::Duration first = absl::Now() - start;
    EXPECT_LT(first, absl::Milliseconds(300) + absl::Seconds(1)) << address;
    const absl::Time again = absl::Now();
    EXPECT_EQ(membership.SegmentsOf("c2"), std::nullopt);
    EXPECT_LT(absl::Now() - again, absl::Milliseconds(50)) << address;
    std::cout << address << ": unanswered lookup took "
              << absl::FormatDuration(first) << std::endl;
  }
}

// A segmentation that answers only after 2 s.
class SlowSegmentation final
    : public ::crm::segmentation::v1::SegmentationService::Service {
 public:
  grpc::Status ListCustomerSegments(
      grpc::ServerContext* context,
      const ::crm::segmentation::v1::ListCustomerSegmentsRequest* /*request*/,
      ::crm::segmentation::v1::ListCustomerSegmentsResponse* /*response*/)
      override {
    const absl::Time until = absl::Now() + absl::Seconds(2);
    while (absl::Now() < until && !context->IsCancelled()) {
      absl::SleepFor(absl::Milliseconds(10));
    }
    return grpc::Status::OK;
  }
};

TEST(GrpcSegmentationClientTest, ASlowSegmentationCostsTheDeadlineOnly) {
  SlowSegmentation slow;
  int port = 0;
  grpc::ServerBuilder builder;
  builder.AddListeningPort("127.0.0.1:0", grpc::InsecureServerCredentials(),
                           &port);
  builder.RegisterService(&slow);
  std::unique_ptr<grpc::Server> server = builder.BuildAndStart();
  ASSERT_NE(server, nullptr);
  GrpcSegmentationClient client(
      ::crm::segmentation::v1::SegmentationService::NewStub(
          grpc::CreateChannel(absl::StrCat("127.0.0.1:", port),
                              grpc::InsecureChannelCredentials())));
  crm::common::Metrics metrics;
  CachedSegmentMembership membership(
      client, crm::common::SystemClock::Instance(),
      SegmentMembershipOptions{.metrics = &metrics});
  const absl::Time start = absl::Now();
  EXPECT_EQ(membership.SegmentsOf("c1"), std::nullopt);
  const absl::Duration took = absl::Now() - start;
  EXPECT_GE(took, absl::Milliseconds(250));
  EXPECT_LT(took, absl::Milliseconds(300) + absl::Seconds(1));
  std::cout << "slow segmentation: lookup ended after "
            << absl::FormatDuration(took) << std::endl;
  server->Shutdown(absl::ToChronoTime(absl::Now() + absl::Seconds(1)));
}

TEST(CampaignSegmentRulesTest, ValidationAndReach) {
  v1::Campaign campaign;
  campaign.set_display_name("VIP week");
  *campaign.mutable_start_time() = crm::common::ToProtoTimestamp(kStart);
  *campaign.mutable_end_time() =
      crm::common::ToProtoTimestamp(kStart + absl::Hours(1));
  campaign.set_bonus_points_per_order(10);
  campaign.set_points_budget(100);
  campaign.set_segment("vip");
  EXPECT_TRUE(absl::StrContains(
      ValidateNewCampaign(campaign).status().message(), "campaign.segment"));
  campaign.set_segment("segments/vip");
  absl::StatusOr<CampaignRecord> record = ValidateNewCampaign(campaign);
  ASSERT_THAT(record.status(), IsOk());
  EXPECT_EQ(record->segment_id, "vip");
  EXPECT_EQ(ToCampaignProto(*record).segment(), "segments/vip");
  EXPECT_TRUE(CampaignSegmentReaches(*record, Segments({"a", "vip"})));
  EXPECT_FALSE(CampaignSegmentReaches(*record, Segments({"a"})));
  EXPECT_FALSE(CampaignSegmentReaches(*record, std::nullopt));
  record->segment_id.clear();
  EXPECT_TRUE(CampaignSegmentReaches(*record, std::nullopt));
}

cp::ChangeEvent Order(const std::string& customer, const std::string& order,
                      int64_t sequence) {
  cp::ChangeEvent event;
  event.set_type(cp::ChangeEvent::ORDER_RECORDED);
  event.set_sequence(sequence);
  event.set_customer_name(absl::StrCat("customers/", customer));
  event.mutable_order()->set_name(
      absl::StrCat("customers/", customer, "/orders/", order));
  event.mutable_order()->mutable_amount()->set_currency_code("CNY");
  event.mutable_order()->mutable_amount()->set_amount_minor(10000);
  return event;
}

class SegmentTargetingTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ProgramRecord program;
    program.id = "default";
    program.version = 1;
    v1::EarnRate* rate = program.settings.add_earn_rates();
    rate->set_currency_code("CNY");
    rate->set_points(1);
    rate->set_per_amount_minor(100);
    programs_.Put(program);
    for (const char* customer : {"c1", "c2", "c3", "c4"}) {
      consents_.Put(customer, {Granted(cp::Consent::EMAIL_MARKETING)});
    }
    segmentation_.AddMember("vip", "c1");
    segmentation_.AddMember("vip", "c2");
  }

  static crm::consents::ConsentAnswer Granted(cp::Consent::Purpose purpose) {
    crm::consents::ConsentAnswer answer;
    answer.purpose = purpose;
    answer.status = cp::Consent::GRANTED;
    return answer;
  }

  // A campaign of 10 bonus points per order for segment `vip`.
  void CreateVipCampaign() {
    v1::CreateCampaignRequest request;
    v1::Campaign& campaign = *request.mutable_campaign();
    campaign.set_display_name("VIP bonus");
    *campaign.mutable_start_time() = crm::common::ToProtoTimestamp(kStart);
    *campaign.mutable_end_time() =
        crm::common::ToProtoTimestamp(kStart + absl::Hours(24));
    campaign.set_bonus_points_per_order(10);
    campaign.set_points_budget(1000);
    campaign.set_segment("segments/vip");
    ASSERT_THAT(campaigns_manager_.CreateCampaign({}, request).status(),
                IsOk());
  }

  int64_t Earn(const std::string& customer, const std::string& order) {
    EXPECT_THAT(unit_of_work_.Run({},
                                  [&](crm::common::Transaction& tx) {
                                    return earning_.Apply(
                                        tx, Order(customer, order, ++seq_));
                                  }),
                IsOk());
    std::optional<AccountRecord> account = accounts_.Account(customer);
    return account.has_value() ? account->points_balance : 0;
  }

  void AddReward(int64_t stock) {
    RewardRecord reward;
    reward.id = "r1";
    reward.display_name = "welcome";
    reward.point_cost = 1;
    reward.stock = stock;
    reward.coupon_validity_days = 30;
    ASSERT_THAT(unit_of_work_.Run({},
                                  [&](crm::common::Transaction& tx) {
                                    return rewards_.InsertReward(tx, reward);
                                  }),
                IsOk());
  }

  v1::IssueCouponsRequest SegmentRequest(const std::string& request_id) {
    v1::IssueCouponsRequest request;
    request.set_reward("rewards/r1");
    request.set_segment("segments/vip");
    request.set_marketing_channel(v1::Campaign::EMAIL);
    request.set_request_id(request_id);
    return request;
  }

  int64_t seq_ = 0;
  crm::common::FakeClock clock_{kStart};
  crm::common::SequentialIdGenerator ids_{"e"};
  crm::common::Metrics metrics_;
  crm::testing::FakeSegmentationClient segmentation_;
  CachedSegmentMembership membership_{
      segmentation_, clock_,
      SegmentMembershipOptions{.fresh_for = absl::Minutes(1),
                               .metrics = &metrics_}};
  crm::testing::FakeUnitOfWork unit_of_work_{clock_};
  crm::testing::InMemoryAccountRepository accounts_{&unit_of_work_};
  crm::testing::InMemoryProgramRepository programs_{&unit_of_work_};
  crm::testing::InMemoryCampaignRepository campaigns_{&unit_of_work_};
  crm::testing::InMemoryConsentRepository consents_{&unit_of_work_};
  crm::testing::InMemoryRewardRepository rewards_{&unit_of_work_};
  crm::testing::InMemoryIdempotencyRepository keys_{&unit_of_work_};
  CampaignManager campaigns_manager_{unit_of_work_, campaigns_, keys_, clock_,
                                     ids_};
  OrderEarning earning_{accounts_, programs_, campaigns_, consents_,   ids_,
                        clock_,    nullptr,   nullptr,    &membership_};
  CouponIssuer issuer_{
      unit_of_work_, rewards_, accounts_, consents_,
      keys_,         clock_,   ids_,      CsprngCouponCodes::Instance(),
      &segmentation_};
};

TEST_F(SegmentTargetingTest, SegmentCampaignReachesOnlyMembers) {
  CreateVipCampaign();
  EXPECT_EQ(Earn("c1", "o1"), 100 + 10);  // A member: the bonus.
  EXPECT_EQ(Earn("c3", "o1"), 100);       // Not a member: none.
}

TEST_F(SegmentTargetingTest, NoSegmentationAskedWithoutSegmentCampaign) {
  EXPECT_EQ(Earn("c1", "o1"), 100);
  EXPECT_EQ(segmentation_.calls(), 0);
}

TEST_F(SegmentTargetingTest, SegmentationDownUsesTheRememberedAnswer) {
  CreateVipCampaign();
  EXPECT_EQ(Earn("c1", "o1"), 110);
  segmentation_.set_down(true);
  clock_.Advance(absl::Minutes(5));  // Not fresh, still usable.
  EXPECT_EQ(Earn("c1", "o2"), 220);  // The remembered membership applies.
}

TEST_F(SegmentTargetingTest, SegmentationDownWithoutAnswerDoesNotApply) {
  CreateVipCampaign();
  segmentation_.set_down(true);
  EXPECT_EQ(Earn("c2", "o1"), 100);  // A member, but nothing known: no bonus.
  EXPECT_TRUE(absl::StrContains(metrics_.Render(), "outcome=\"unknown\""));
  segmentation_.set_down(false);
  clock_.Advance(absl::Seconds(10));
  EXPECT_EQ(Earn("c2", "o2"), 100 + 110);
}

TEST_F(SegmentTargetingTest, SegmentCouponsAreIdempotentPerMember) {
  AddReward(10);
  segmentation_.AddMember("vip", "c9");  // Never answered a consent: skipped.
  absl::StatusOr<v1::IssueCouponsResponse> first =
      issuer_.IssueCoupons({}, SegmentRequest("q1"));
  ASSERT_THAT(first.status(), IsOk());
  EXPECT_EQ(first->segment_member_count(), 3);
  EXPECT_EQ(first->issued_count(), 2);
  EXPECT_EQ(first->coupons_size(), 2);
  EXPECT_EQ(first->skipped_without_consent(), 1);
  ASSERT_EQ(first->skipped_customers_size(), 1);
  EXPECT_EQ(first->skipped_customers(0), "customers/c9");
  EXPECT_EQ(rewards_.Reward("r1")->stock, 8);

  // A repeat (also after a new member joined) issues to the new member
  // only; the earlier coupons count as issued.
  segmentation_.AddMember("vip", "c3");
  absl::StatusOr<v1::IssueCouponsResponse> again =
      issuer_.IssueCoupons({}, SegmentRequest("q1"));
  ASSERT_THAT(again.status(), IsOk());
  EXPECT_EQ(again->issued_count(), 3);
  EXPECT_EQ(again->coupons_size(), 1);
  EXPECT_EQ(again->coupons(0).customer(), "customers/c3");
  EXPECT_EQ(rewards_.Reward("r1")->stock, 7);
  EXPECT_EQ(rewards_.coupon_count(), 3u);

  // The same request id with another body.
  v1::IssueCouponsRequest other = SegmentRequest("q1");
  other.set_marketing_channel(v1::Campaign::SMS);
  EXPECT_EQ(issuer_.IssueCoupons({}, other).status().code(),
            absl::StatusCode::kInvalidArgument);
  // Another request id issues again.
  absl::StatusOr<v1::IssueCouponsResponse> second =
      issuer_.IssueCoupons({}, SegmentRequest("q2"));
  ASSERT_THAT(second.status(), IsOk());
  EXPECT_EQ(second->coupons_size(), 3);
  EXPECT_EQ(rewards_.coupon_count(), 6u);
}

TEST_F(SegmentTargetingTest, SegmentCouponErrors) {
  AddReward(1);
  // Short stock: the batch issues nothing; after a restock a repeat issues.
  EXPECT_EQ(issuer_.IssueCoupons({}, SegmentRequest("q1")).status().code(),
            absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(rewards_.coupon_count(), 0u);
  // Both customers and segment, or a malformed segment.
  v1::IssueCouponsRequest both = SegmentRequest("q2");
  both.add_customers("customers/c1");
  EXPECT_TRUE(absl::StrContains(
      issuer_.IssueCoupons({}, both).status().message(), "segment"));
  v1::IssueCouponsRequest malformed = SegmentRequest("q3");
  malformed.set_segment("vip");
  EXPECT_EQ(issuer_.IssueCoupons({}, malformed).status().code(),
            absl::StatusCode::kInvalidArgument);
  // An unknown segment.
  v1::IssueCouponsRequest unknown = SegmentRequest("q4");
  unknown.set_segment("segments/none");
  EXPECT_EQ(issuer_.IssueCoupons({}, unknown).status().code(),
            absl::StatusCode::kNotFound);
  // Segmentation down.
  segmentation_.set_down(true);
  EXPECT_EQ(issuer_.IssueCoupons({}, SegmentRequest("q5")).status().code(),
            absl::StatusCode::kUnavailable);
  segmentation_.set_down(false);
  // Too many members: nothing issued.
  for (int i = 0; i <= kMaxSegmentRecipients; ++i) {
    segmentation_.AddMember("big", absl::StrCat("m", i));
  }
  v1::IssueCouponsRequest big = SegmentRequest("q6");
  big.set_segment("segments/big");
  EXPECT_EQ(issuer_.IssueCoupons({}, big).status().code(),
            absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(rewards_.coupon_count(), 0u);
}

}  // namespace
}  // namespace crm::loyalty
