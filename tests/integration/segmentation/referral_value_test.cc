// Customer referral value (CRV) on MariaDB: loyalty's referral events
// applied by the shared exactly-once consumer (a redelivery counts once),
// the value read through the gRPC service (GetCustomerScore,
// ListCustomerScores, ListCustomerSegments, the export) as the sum of the
// referred customers' current CLV, following their scores without
// re-scoring; customer-profile's merges re-key the edges to the survivor
// (a self-referral dropped, a late event naming the duplicate stored under
// the survivor) and an erasure leaves no referral_edges row naming the
// customer; cancelled and erased referrals are removed.
#include <cppconn/resultset.h>
#include <cppconn/statement.h>

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>

#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "crm/customerprofile/v1/change_event.pb.h"
#include "crm/loyalty/v1/change_event.pb.h"
#include "crm/segmentation/v1/segmentation_service.grpc.pb.h"
#include "services/common/change_feed_consumer.h"
#include "services/common/clock.h"
#include "services/common/id_generator.h"
#include "services/common/idempotency.h"
#include "services/common/mysql_unit_of_work.h"
#include "services/common/request_context.h"
#include "services/common/status_macros.h"
#include "services/common/timestamps.h"
#include "services/segmentation/customer_data_exporter.h"
#include "services/segmentation/membership_manager.h"
#include "services/segmentation/migrations.h"
#include "services/segmentation/mysql_membership_repository.h"
#include "services/segmentation/mysql_read_model_repository.h"
#include "services/segmentation/mysql_referral_edge_repository.h"
#include "services/segmentation/mysql_score_repository.h"
#include "services/segmentation/mysql_segment_repository.h"
#include "services/segmentation/profile_feed_applier.h"
#include "services/segmentation/referral_value.h"
#include "services/segmentation/scoring_manager.h"
#include "services/segmentation/segment_manager.h"
#include "services/segmentation/segmentation_service.h"
#include "tests/testing/status_matchers.h"
#include "tests/testing/test_database.h"

namespace crm::segmentation {
namespace {

namespace cp = ::crm::customerprofile::v1;
namespace lv1 = ::crm::loyalty::v1;
using ::crm::testing::IsOk;
using ::crm::testing::IsOkAndHolds;

const absl::Time kStart = absl::FromUnixSeconds(1767225600);  // 2026-01-01

// A loyalty referral event as WatchChanges sends it.
std::string ReferralEvent(lv1::ChangeEvent::Type type,
                          const std::string& referral,
                          const std::string& referrer,
                          const std::string& referred) {
  lv1::ChangeEvent event;
  event.set_type(type);
  event.set_customer("customers/" + referrer);
  lv1::ReferralChange* change = event.mutable_referral_change();
  change->set_referral("referrals/" + referral);
  change->set_referrer("customers/" + referrer);
  change->set_referred("customers/" + referred);
  *change->mutable_reward_time() = crm::common::ToProtoTimestamp(kStart);
  return event.SerializeAsString();
}

std::string Rewarded(const std::string& referral, const std::string& referrer,
                     const std::string& referred) {
  return ReferralEvent(lv1::ChangeEvent::REFERRAL_REWARDED, referral, referrer,
                       referred);
}

std::string Created(const std::string& id) {
  cp::ChangeEvent event;
  event.set_type(cp::ChangeEvent::CUSTOMER_CREATED);
  event.set_customer_name("customers/" + id);
  event.mutable_customer()->set_state(cp::Customer::ACTIVE);
  return event.SerializeAsString();
}

std::string Merged(const std::string& survivor, const std::string& duplicate) {
  cp::ChangeEvent event;
  event.set_type(cp::ChangeEvent::CUSTOMER_MERGED);
  event.set_customer_name("customers/" + survivor);
  event.mutable_customer()->set_state(cp::Customer::ACTIVE);
  event.mutable_merge()->set_survivor("customers/" + survivor);
  event.mutable_merge()->set_duplicate("customers/" + duplicate);
  return event.SerializeAsString();
}

std::string Erased(const std::string& id) {
  cp::ChangeEvent event;
  event.set_type(cp::ChangeEvent::CUSTOMER_ERASED);
  event.set_customer_name("customers/" + id);
  return event.SerializeAsString();
}

crm::common::FeedStreamOpener Unused() {
  return
      [](int64_t) -> absl::StatusOr<std::unique_ptr<crm::common::FeedStream>> {
        return absl::UnavailableError("not used");
      };
}

class ReferralValueTest : public ::testing::Test {
 protected:
  void SetUp() override {
    CRM_ASSERT_OK_AND_ASSIGN(
        database_, crm::testing::TestDatabase::Create("seg_referral_value"));
    CRM_ASSERT_OK_AND_ASSIGN(pool_,
                             database_->NewMigratedPool(Migrations(), 4));
    unit_of_work_ = std::make_unique<crm::common::MySqlUnitOfWork>(*pool_);
    manager_ = std::make_unique<SegmentManager>(*unit_of_work_, segments_,
                                                idempotency_, clock_, ids_);
    scoring_ = std::make_unique<ScoringManager>(*unit_of_work_, read_model_,
                                                scores_, idempotency_, clock_,
                                                ids_, ScoringPolicy{});
    memberships_ = std::make_unique<MembershipManager>(
        *unit_of_work_, segments_, membership_repository_, read_model_, scores_,
        clock_, "CNY");
    exporter_ = std::make_unique<CustomerDataExporter>(
        *unit_of_work_, read_model_, scores_, membership_repository_, segments_,
        "CNY");
    scoring_->set_referral_edges(&edges_);
    memberships_->set_referral_edges(&edges_);
    exporter_->set_referral_edges(&edges_);
    service_ = std::make_unique<SegmentationServiceImpl>(
        *manager_, *scoring_, *memberships_, *exporter_);
    grpc::ServerBuilder builder;
    builder.RegisterService(service_.get());
    server_ = builder.BuildAndStart();
    ASSERT_NE(server_, nullptr);
    stub_ = v1::SegmentationService::NewStub(
        server_->InProcessChannel(grpc::ChannelArguments()));

    loyalty_applier_ = std::make_unique<LoyaltyFeedApplier>(edges_);
    crm::common::FeedConsumerOptions loyalty_options;
    loyalty_options.consumer = kLoyaltyFeedConsumer;
    loyalty_ = std::make_unique<crm::common::FeedConsumer>(
        *pool_, Unused(),
        [this](sql::Connection& connection, int64_t sequence,
               absl::string_view payload) {
          const crm::common::RequestContext context;
          crm::common::MySqlTransaction tx(connection, context);
          return loyalty_applier_->ApplyPayload(tx, sequence, payload);
        },
        loyalty_options);

    profile_applier_ = std::make_unique<ProfileFeedApplier>(
        read_model_, CombineHooks(scoring_->FeedHook(),
                                  ReferralEdgeHook(edges_, read_model_)));
    crm::common::FeedConsumerOptions profile_options;
    profile_options.consumer = "segmentation";
    profile_ = std::make_unique<crm::common::FeedConsumer>(
        *pool_, Unused(),
        [this](sql::Connection& connection, int64_t sequence,
               absl::string_view payload) {
          const crm::common::RequestContext context;
          crm::common::MySqlTransaction tx(connection, context);
          return profile_applier_->ApplyPayload(tx, sequence, payload);
        },
        profile_options);
  }

  void TearDown() override {
    if (server_ != nullptr) server_->Shutdown();
  }

  void FromLoyalty(const std::string& payload) {
    ASSERT_THAT(loyalty_->ApplyOne(++loyalty_sequence_, payload),
                IsOkAndHolds(true));
  }
  void FromProfile(const std::string& payload) {
    ASSERT_THAT(profile_->ApplyOne(++profile_sequence_, payload),
                IsOkAndHolds(true));
  }

  // Stores a score for `customer` with the given CLV (none: no model).
  void SetClv(const std::string& customer, std::optional<int64_t> clv_minor) {
    CustomerScoreRecord score;
    score.customer_id = customer;
    score.clv_minor = clv_minor;
    score.score_time = kStart;
    score.version = 1;
    ASSERT_THAT(
        unit_of_work_->Run({},
                           [&](crm::common::Transaction& tx) -> absl::Status {
                             return scores_.Save(tx, score);
                           }),
        IsOk());
  }

  v1::CustomerScore Score(const std::string& customer) {
    grpc::ClientContext context;
    v1::GetCustomerScoreRequest request;
    request.set_name(absl::StrCat("customers/", customer, "/score"));
    v1::CustomerScore response;
    grpc::Status status = stub_->GetCustomerScore(&context, request, &response);
    EXPECT_TRUE(status.ok()) << status.error_message();
    return response;
  }

  // Every row of referral_edges as "referral:referrer>referred".
  std::vector<std::string> Edges() {
    return crm::common::WithConnection<std::vector<std::string>>(
               *pool_,
               [&](sql::Connection& connection)
                   -> absl::StatusOr<std::vector<std::string>> {
                 std::unique_ptr<sql::Statement> statement(
                     connection.createStatement());
                 std::unique_ptr<sql::ResultSet> rows(statement->executeQuery(
                     "SELECT referral_id, customer_id, referred_id FROM "
                     "referral_edges ORDER BY referral_id"));
                 std::vector<std::string> edges;
                 while (rows->next()) {
                   edges.push_back(
                       absl::StrCat(rows->getString(1).asStdString(), ":",
                                    rows->getString(2).asStdString(), ">",
                                    rows->getString(3).asStdString()));
                 }
                 return edges;
               })
        .value_or(std::vector<std::string>{"query failed"});
  }

  crm::common::FakeClock clock_{kStart};
  crm::common::SequentialIdGenerator ids_{"seg"};
  std::unique_ptr<crm::testing::TestDatabase> database_;
  std::unique_ptr<crm::common::MySqlPool> pool_;
  std::unique_ptr<crm::common::MySqlUnitOfWork> unit_of_work_;
  MySqlSegmentRepository segments_;
  MySqlReadModelRepository read_model_;
  MySqlScoreRepository scores_;
  MySqlMembershipRepository membership_repository_;
  MySqlReferralEdgeRepository edges_;
  crm::common::MySqlIdempotencyRepository idempotency_;
  std::unique_ptr<SegmentManager> manager_;
  std::unique_ptr<ScoringManager> scoring_;
  std::unique_ptr<MembershipManager> memberships_;
  std::unique_ptr<CustomerDataExporter> exporter_;
  std::unique_ptr<SegmentationServiceImpl> service_;
  std::unique_ptr<grpc::Server> server_;
  std::unique_ptr<v1::SegmentationService::Stub> stub_;
  std::unique_ptr<LoyaltyFeedApplier> loyalty_applier_;
  std::unique_ptr<crm::common::FeedConsumer> loyalty_;
  std::unique_ptr<ProfileFeedApplier> profile_applier_;
  std::unique_ptr<crm::common::FeedConsumer> profile_;
  int64_t loyalty_sequence_ = 0;
  int64_t profile_sequence_ = 0;
};

TEST_F(ReferralValueTest, RewardedReferralsAreTheReferredCustomersCurrentClv) {
  SetClv("alice", 1000);
  SetClv("bob", 5000);
  SetClv("carol", 7000);
  SetClv("dave", std::nullopt);  // No CLV model behind it: counts 0.
  FromLoyalty(Rewarded("r1", "alice", "bob"));
  FromLoyalty(Rewarded("r2", "alice", "carol"));
  FromLoyalty(Rewarded("r3", "alice", "dave"));
  // Redelivered with the same sequence: the cursor skips it.
  EXPECT_THAT(
      loyalty_->ApplyOne(loyalty_sequence_, Rewarded("r4", "alice", "erin")),
      IsOkAndHolds(false));
  // Types other than the referral events change nothing.
  lv1::ChangeEvent tier;
  tier.set_type(lv1::ChangeEvent::TIER_CHANGED);
  tier.set_customer("customers/alice");
  FromLoyalty(tier.SerializeAsString());
  EXPECT_EQ(Edges(), (std::vector<std::string>{"r1:alice>bob", "r2:alice>carol",
                                               "r3:alice>dave"}));

  v1::CustomerScore alice = Score("alice");
  EXPECT_EQ(alice.referral_count(), 3);
  EXPECT_EQ(alice.referral_value().currency_code(), "CNY");
  EXPECT_EQ(alice.referral_value().amount_minor(), 5000 + 7000);
  EXPECT_EQ(alice.clv().value().amount_minor(), 1000);  // CLV untouched.
  v1::CustomerScore bob = Score("bob");
  EXPECT_EQ(bob.referral_count(), 0);
  EXPECT_EQ(bob.referral_value().currency_code(), "CNY");
  EXPECT_EQ(bob.referral_value().amount_minor(), 0);

  // A referred customer's new CLV shows at once: nothing is re-scored.
  SetClv("bob", 9000);
  EXPECT_EQ(Score("alice").referral_value().amount_minor(), 9000 + 7000);

  // Every page of ListCustomerScores carries the values.
  std::map<std::string, std::pair<int64_t, int64_t>> listed;
  std::string token;
  do {
    grpc::ClientContext context;
    v1::ListCustomerScoresRequest request;
    request.set_page_size(2);
    request.set_page_token(token);
    v1::ListCustomerScoresResponse response;
    ASSERT_TRUE(stub_->ListCustomerScores(&context, request, &response).ok());
    for (const v1::CustomerScore& score : response.customer_scores()) {
      listed[score.name()] = {score.referral_count(),
                              score.referral_value().amount_minor()};
    }
    token = response.next_page_token();
  } while (!token.empty());
  EXPECT_EQ(listed.size(), 4u);
  EXPECT_EQ(listed["customers/alice/score"],
            (std::pair<int64_t, int64_t>{3, 16000}));
  EXPECT_EQ(listed["customers/carol/score"],
            (std::pair<int64_t, int64_t>{0, 0}));

  // ListCustomerSegments and the export carry the score's value too.
  {
    grpc::ClientContext context;
    v1::ListCustomerSegmentsRequest request;
    request.set_parent("customers/alice");
    v1::ListCustomerSegmentsResponse response;
    ASSERT_TRUE(stub_->ListCustomerSegments(&context, request, &response).ok());
    EXPECT_EQ(response.customer_score().referral_count(), 3);
    EXPECT_EQ(response.customer_score().referral_value().amount_minor(), 16000);
  }
  {
    grpc::ClientContext context;
    v1::ExportCustomerSegmentationDataRequest request;
    request.set_name("customers/alice");
    v1::CustomerSegmentationData response;
    ASSERT_TRUE(
        stub_->ExportCustomerSegmentationData(&context, request, &response)
            .ok());
    EXPECT_EQ(response.score().referral_value().amount_minor(), 16000);
  }

  // A cancelled and an erased referral stop counting.
  FromLoyalty(ReferralEvent(lv1::ChangeEvent::REFERRAL_CANCELLED, "r3", "alice",
                            "alice"));
  FromLoyalty(ReferralEvent(lv1::ChangeEvent::REFERRAL_ERASED, "r2", "alice",
                            "erased-x1"));
  alice = Score("alice");
  EXPECT_EQ(alice.referral_count(), 1);
  EXPECT_EQ(alice.referral_value().amount_minor(), 9000);
}

TEST_F(ReferralValueTest, EdgesFollowMergesAndErasuresLeaveNoTrace) {
  for (const char* id :
       {"ref-a", "dup-b", "surv-s", "x-1", "y-1", "p-1", "q-1", "z-1"}) {
    FromProfile(Created(id));
  }
  FromLoyalty(Rewarded("r1", "ref-a", "dup-b"));
  FromLoyalty(Rewarded("r2", "x-1", "y-1"));
  FromLoyalty(Rewarded("r3", "p-1", "q-1"));

  // The referred duplicate becomes its survivor; referrer and referred
  // merged into one are no referral.
  FromProfile(Merged("surv-s", "dup-b"));
  FromProfile(Merged("x-1", "y-1"));
  EXPECT_EQ(Edges(),
            (std::vector<std::string>{"r1:ref-a>surv-s", "r3:p-1>q-1"}));

  // A late event naming the merged-away duplicate is stored under the
  // survivor; one naming a tombstone is not stored.
  FromLoyalty(Rewarded("r4", "dup-b", "z-1"));
  FromLoyalty(Rewarded("r5", "p-1", "erased-0123"));
  EXPECT_EQ(Edges(), (std::vector<std::string>{"r1:ref-a>surv-s", "r3:p-1>q-1",
                                               "r4:surv-s>z-1"}));
  SetClv("surv-s", 4000);
  SetClv("z-1", 2500);
  EXPECT_EQ(Score("ref-a").referral_value().amount_minor(), 4000);
  EXPECT_EQ(Score("surv-s").referral_value().amount_minor(), 2500);

  // Erasing the survivor removes every edge naming it or its duplicate.
  FromProfile(Erased("surv-s"));
  EXPECT_EQ(Edges(), (std::vector<std::string>{"r3:p-1>q-1"}));
  for (const std::string& edge : Edges()) {
    EXPECT_EQ(edge.find("surv-s"), std::string::npos) << edge;
    EXPECT_EQ(edge.find("dup-b"), std::string::npos) << edge;
  }
  EXPECT_EQ(Score("ref-a").referral_count(), 0);
}

// A full page (1000 scores, 3000 referral edges among them): the referral
// values cost one extra query per page. Measured against the same page read
// without them; both figures are recorded as properties.
TEST_F(ReferralValueTest, AFullPageReadsItsReferralValuesInOneQuery) {
  constexpr int kCustomers = 1000;
  std::vector<CustomerScoreRecord> rows;
  for (int i = 0; i < kCustomers; ++i) {
    CustomerScoreRecord score;
    score.customer_id = absl::StrCat("c", 10000 + i);
    score.clv_minor = 100 + i;
    score.score_time = kStart;
    score.version = 1;
    rows.push_back(score);
  }
  ASSERT_THAT(
      unit_of_work_->Run({},
                         [&](crm::common::Transaction& tx) -> absl::Status {
                           CRM_RETURN_IF_ERROR(scores_.SaveMany(tx, rows));
                           for (int i = 0; i < kCustomers; ++i) {
                             for (int k = 1; k <= 3; ++k) {
                               ReferralEdge edge;
                               edge.referral_id = absl::StrCat("p", i, "-", k);
                               edge.referrer_id = rows[i].customer_id;
                               edge.referred_id =
                                   rows[(i + k) % kCustomers].customer_id;
                               edge.reward_time = kStart;
                               CRM_RETURN_IF_ERROR(edges_.Insert(tx, edge));
                             }
                           }
                           return absl::OkStatus();
                         }),
      IsOk());

  auto list_page = [&](ScoringManager& scoring) {
    v1::ListCustomerScoresRequest request;
    request.set_page_size(kCustomers);
    const absl::Time start = absl::Now();
    absl::StatusOr<v1::ListCustomerScoresResponse> page =
        scoring.ListCustomerScores({}, request);
    const double ms = absl::ToDoubleMilliseconds(absl::Now() - start);
    EXPECT_TRUE(page.ok()) << page.status();
    return std::make_pair(page.value_or(v1::ListCustomerScoresResponse()), ms);
  };
  ScoringManager without(*unit_of_work_, read_model_, scores_, idempotency_,
                         clock_, ids_, ScoringPolicy{});
  double with_ms = 0;
  double without_ms = 0;
  constexpr int kRounds = 5;
  for (int round = 0; round < kRounds; ++round) {
    auto [plain, plain_ms] = list_page(without);
    auto [valued, valued_ms] = list_page(*scoring_);
    without_ms += plain_ms / kRounds;
    with_ms += valued_ms / kRounds;
    ASSERT_EQ(valued.customer_scores_size(), kCustomers);
    EXPECT_FALSE(plain.customer_scores(0).has_referral_value());
    // c10000 referred c10001..c10003 (CLV 101 + 102 + 103).
    EXPECT_EQ(valued.customer_scores(0).referral_count(), 3);
    EXPECT_EQ(valued.customer_scores(0).referral_value().amount_minor(),
              101 + 102 + 103);
  }
  RecordProperty("page_1000_ms_without_referral_values",
                 std::to_string(without_ms));
  RecordProperty("page_1000_ms_with_referral_values", std::to_string(with_ms));
}

}  // namespace
}  // namespace crm::segmentation
