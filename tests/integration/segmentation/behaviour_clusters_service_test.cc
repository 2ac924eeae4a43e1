// Behaviour clusters on MariaDB: customers of three planted behaviours fed
// through customer-profile's events, a cluster model fitted over the read
// model (ClusterManager::FitClusterModel), and every score of the next
// recompute carrying its customer's cluster, which recovers the planted
// groups (adjusted Rand index) and which segment rules can use
// (`cluster = n`). Also: the stored model reads back, a repeated request_id
// returns the first model, and bad options name the field.
#include <memory>
#include <string>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "crm/customerprofile/v1/change_event.pb.h"
#include "services/common/clock.h"
#include "services/common/id_generator.h"
#include "services/common/idempotency.h"
#include "services/common/mysql_unit_of_work.h"
#include "services/common/request_context.h"
#include "services/common/timestamps.h"
#include "services/segmentation/behaviour_clusters.h"
#include "services/segmentation/cluster_manager.h"
#include "services/segmentation/migrations.h"
#include "services/segmentation/mysql_cluster_model_repository.h"
#include "services/segmentation/mysql_read_model_repository.h"
#include "services/segmentation/mysql_score_repository.h"
#include "services/segmentation/profile_feed_applier.h"
#include "services/segmentation/scoring_manager.h"
#include "services/segmentation/segment_rule.h"
#include "tests/testing/status_matchers.h"
#include "tests/testing/test_database.h"

namespace crm::segmentation {
namespace {

namespace cp = ::crm::customerprofile::v1;
using ::crm::common::RequestContext;
using ::crm::common::Transaction;
using ::crm::testing::IsOk;
using ::crm::testing::StatusIs;
using ::testing::HasSubstr;

const absl::Time kNow = absl::FromUnixSeconds(1767225600);  // 2026-01-01Z

cp::ChangeEvent Ordered(const std::string& customer, int n, int days_ago,
                        int64_t amount) {
  cp::ChangeEvent event;
  event.set_type(cp::ChangeEvent::ORDER_RECORDED);
  event.set_customer_name("customers/" + customer);
  cp::Order* o = event.mutable_order();
  o->set_name(absl::StrCat("customers/", customer, "/orders/o", n));
  o->mutable_amount()->set_currency_code("CNY");
  o->mutable_amount()->set_amount_minor(amount);
  *o->mutable_order_time() =
      crm::common::ToProtoTimestamp(kNow - absl::Hours(24 * days_ago));
  return event;
}

class BehaviourClustersServiceTest : public ::testing::Test {
 protected:
  void SetUp() override {
    CRM_ASSERT_OK_AND_ASSIGN(
        database_, crm::testing::TestDatabase::Create("seg_clusters"));
    CRM_ASSERT_OK_AND_ASSIGN(pool_, database_->NewMigratedPool(Migrations()));
    unit_of_work_ = std::make_unique<crm::common::MySqlUnitOfWork>(*pool_);
    scoring_ = std::make_unique<ScoringManager>(*unit_of_work_, read_model_,
                                                scores_, idempotency_, clock_,
                                                ids_, ScoringPolicy{});
    scoring_->set_cluster_models(&models_);
    clusters_ =
        std::make_unique<ClusterManager>(*unit_of_work_, read_model_, models_,
                                         idempotency_, clock_, ids_, "CNY");
    applier_ =
        std::make_unique<ProfileFeedApplier>(read_model_, scoring_->FeedHook());
  }

  // 60 customers each: loyal (12 orders in the last 60 days, large),
  // lapsed (one small order 300-360 days ago) and occasional (4 orders a
  // quarter apart, medium).
  void Populate() {
    std::vector<cp::ChangeEvent> events;
    for (int i = 0; i < 60; ++i) {
      for (int n = 0; n < 12; ++n) {
        events.push_back(Ordered(absl::StrCat("loyal", i), n, 1 + 5 * n + i % 3,
                                 40000 + 100 * i));
      }
      events.push_back(Ordered(absl::StrCat("lapsed", i), 0, 300 + i, 900));
      for (int n = 0; n < 4; ++n) {
        events.push_back(Ordered(absl::StrCat("occasional", i), n,
                                 20 + 90 * n + i % 7, 8000 + 10 * i));
      }
    }
    for (const cp::ChangeEvent& event : events) {
      ASSERT_THAT(unit_of_work_->Run(RequestContext(),
                                     [&](Transaction& tx) {
                                       return applier_->Apply(tx, event);
                                     }),
                  IsOk());
    }
  }

  std::unique_ptr<crm::testing::TestDatabase> database_;
  std::unique_ptr<crm::common::MySqlPool> pool_;
  std::unique_ptr<crm::common::MySqlUnitOfWork> unit_of_work_;
  crm::common::FakeClock clock_{kNow};
  crm::common::SequentialIdGenerator ids_{"cm"};
  MySqlReadModelRepository read_model_;
  MySqlScoreRepository scores_;
  MySqlClusterModelRepository models_;
  crm::common::MySqlIdempotencyRepository idempotency_;
  std::unique_ptr<ScoringManager> scoring_;
  std::unique_ptr<ClusterManager> clusters_;
  std::unique_ptr<ProfileFeedApplier> applier_;
};

TEST_F(BehaviourClustersServiceTest, ScoresCarryClustersThatRecoverGroups) {
  Populate();
  v1::FitClusterModelRequest request;
  request.set_request_id("fit-1");
  absl::StatusOr<v1::BehaviourClusterModel> model =
      clusters_->FitClusterModel(RequestContext(), request);
  ASSERT_THAT(model, IsOk());
  EXPECT_EQ(model->customer_count(), 180);
  EXPECT_EQ(model->clusters_size(), 3) << model->DebugString();
  EXPECT_EQ(model->feature_names_size(), 4);

  // The stored model reads back; the same request_id returns it again.
  v1::GetClusterModelRequest get;
  get.set_name(model->name());
  absl::StatusOr<v1::BehaviourClusterModel> stored =
      clusters_->GetClusterModel(RequestContext(), get);
  ASSERT_THAT(stored, IsOk());
  EXPECT_EQ(stored->SerializeAsString(), model->SerializeAsString());
  absl::StatusOr<v1::BehaviourClusterModel> again =
      clusters_->FitClusterModel(RequestContext(), request);
  ASSERT_THAT(again, IsOk());
  EXPECT_EQ(again->name(), model->name());

  // The next recompute assigns every customer.
  ASSERT_THAT(scoring_->RecomputeScores(RequestContext(), {}), IsOk());
  std::vector<int> planted, found;
  for (const char* group : {"loyal", "lapsed", "occasional"}) {
    for (int i = 0; i < 60; ++i) {
      v1::GetCustomerScoreRequest score_request;
      score_request.set_name(absl::StrCat("customers/", group, i, "/score"));
      absl::StatusOr<v1::CustomerScore> score =
          scoring_->GetCustomerScore(RequestContext(), score_request);
      ASSERT_THAT(score, IsOk());
      EXPECT_GE(score->cluster(), 1);
      planted.push_back(static_cast<int>(planted.size()) / 60);
      found.push_back(score->cluster());
    }
  }
  const double ari = AdjustedRandIndex(planted, found);
  std::printf("adjusted Rand index %.4f, silhouette %.4f\n", ari,
              model->silhouette());
  EXPECT_GT(ari, 0.9);
  const int loyal = found.front();
  EXPECT_THAT(model->clusters(loyal - 1).description(), HasSubstr("frequent"));

  // Segment rules see the cluster.
  absl::StatusOr<crm::common::filter::Filter> rule =
      ParseSegmentRule(absl::StrCat("cluster = ", loyal));
  ASSERT_THAT(rule.status(), IsOk());
  CustomerScoreRecord loyal_score;
  loyal_score.cluster = loyal;
  CustomerScoreRecord other_score;
  other_score.cluster = found.back();
  EXPECT_TRUE(MatchesSegmentRule(*rule, {.score = &loyal_score}));
  EXPECT_FALSE(MatchesSegmentRule(*rule, {.score = &other_score}));
  EXPECT_FALSE(MatchesSegmentRule(*rule, {}));
}

TEST_F(BehaviourClustersServiceTest, BadOptionsAndTooFewCustomersAreRefused) {
  v1::FitClusterModelRequest request;
  request.set_min_clusters(1);
  EXPECT_THAT(
      clusters_->FitClusterModel(RequestContext(), request),
      StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("min_clusters")));
  request.set_min_clusters(4);
  request.set_max_clusters(3);
  EXPECT_THAT(
      clusters_->FitClusterModel(RequestContext(), request),
      StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("max_clusters")));
  EXPECT_THAT(clusters_->FitClusterModel(RequestContext(), {}),
              StatusIs(absl::StatusCode::kFailedPrecondition));
  v1::GetClusterModelRequest get;
  get.set_name("clusterModels/none");
  EXPECT_THAT(clusters_->GetClusterModel(RequestContext(), get),
              StatusIs(absl::StatusCode::kNotFound));
}

}  // namespace
}  // namespace crm::segmentation
