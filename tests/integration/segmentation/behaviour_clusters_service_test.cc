// Behaviour clusters on MariaDB: customers of three planted behaviours fed
// through customer-profile's events, a cluster model fitted over the read
// model (ClusterManager::FitClusterModel), and every score of the next
// recompute carrying its customer's cluster, which recovers the planted
// groups (adjusted Rand index) and which segment rules can use
// (`cluster = n`). Also: the stored model reads back, a repeated request_id
// returns the first model, and bad options name the field. Behaviours that
// differ in channel mix, weekend share, category mix and interaction
// events (orders with channels, categories and weekend dates, interaction
// events) are recovered and described in words; the behaviour counts follow
// merges (summed into the survivor) and erasures (deleted).
#include <algorithm>
#include <cstddef>
#include <cstdio>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "absl/strings/str_cat.h"
#include "absl/time/civil_time.h"
#include "absl/time/time.h"
#include "crm/customerprofile/v1/change_event.pb.h"
#include "services/common/clock.h"
#include "services/common/id_generator.h"
#include "services/common/idempotency.h"
#include "services/common/mysql_unit_of_work.h"
#include "services/common/request_context.h"
#include "services/common/status_macros.h"
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

// `days_ago`, or more so as to land on the Friday before a weekend (UTC).
int WeekdayDaysAgo(int days_ago) {
  const absl::Weekday weekday = absl::GetWeekday(
      absl::ToCivilDay(kNow - absl::Hours(24 * days_ago), absl::UTCTimeZone()));
  if (weekday == absl::Weekday::saturday) return days_ago + 1;
  if (weekday == absl::Weekday::sunday) return days_ago + 2;
  return days_ago;
}

cp::ChangeEvent Ordered(const std::string& customer, int n, int days_ago,
                        int64_t amount, const std::string& channel = "web",
                        const std::string& category = "") {
  cp::ChangeEvent event;
  event.set_type(cp::ChangeEvent::ORDER_RECORDED);
  event.set_customer_name("customers/" + customer);
  cp::Order* o = event.mutable_order();
  o->set_name(absl::StrCat("customers/", customer, "/orders/o", n));
  o->mutable_amount()->set_currency_code("CNY");
  o->mutable_amount()->set_amount_minor(amount);
  *o->mutable_order_time() =
      crm::common::ToProtoTimestamp(kNow - absl::Hours(24 * days_ago));
  o->set_channel(channel);
  if (!category.empty()) {
    cp::OrderLineItem* line = o->add_line_items();
    line->set_sku("SKU-" + category);
    line->set_quantity(2);
    line->set_category(category);
  }
  return event;
}

cp::ChangeEvent Interacted(const std::string& customer) {
  cp::ChangeEvent event;
  event.set_type(cp::ChangeEvent::INTERACTION_RECORDED);
  event.set_customer_name("customers/" + customer);
  event.mutable_interaction()->set_type(cp::InteractionEvent::STORE_VISIT);
  return event;
}

cp::ChangeEvent Merged(const std::string& survivor,
                       const std::string& duplicate) {
  cp::ChangeEvent event;
  event.set_type(cp::ChangeEvent::CUSTOMER_MERGED);
  event.set_customer_name("customers/" + survivor);
  event.mutable_merge()->set_survivor("customers/" + survivor);
  event.mutable_merge()->set_duplicate("customers/" + duplicate);
  *event.mutable_event_time() = crm::common::ToProtoTimestamp(kNow);
  return event;
}

cp::ChangeEvent Erased(const std::string& customer) {
  cp::ChangeEvent event;
  event.set_type(cp::ChangeEvent::CUSTOMER_ERASED);
  event.set_customer_name("customers/" + customer);
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
    batch_applier_ = std::make_unique<ProfileFeedApplier>(
        read_model_, scoring_->FeedHook(),
        [this](Transaction& tx, const std::vector<std::string>& ids,
               const std::vector<const CustomerAggregate*>& saved) {
          return scoring_->ScoreCustomers(tx, ids, saved);
        });
  }

  // 60 customers each: loyal (12 orders in the last 60 days, large),
  // lapsed (one small order 300-360 days ago) and occasional (4 orders a
  // quarter apart, medium); all in one channel, on weekdays (a day that
  // falls on a weekend moves to the Friday before), so the channel and
  // weekend features are constant and dropped.
  void Populate() {
    std::vector<cp::ChangeEvent> events;
    for (int i = 0; i < 60; ++i) {
      for (int n = 0; n < 12; ++n) {
        events.push_back(Ordered(absl::StrCat("loyal", i), n,
                                 WeekdayDaysAgo(1 + 5 * n + i % 3),
                                 40000 + 100 * i));
      }
      events.push_back(
          Ordered(absl::StrCat("lapsed", i), 0, WeekdayDaysAgo(300 + i), 900));
      for (int n = 0; n < 4; ++n) {
        events.push_back(Ordered(absl::StrCat("occasional", i), n,
                                 WeekdayDaysAgo(20 + 90 * n + i % 7),
                                 8000 + 10 * i));
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

  // Applies `events` in batches of 25 through the set-based path.
  void ApplyInBatches(const std::vector<cp::ChangeEvent>& events) {
    for (size_t begin = 0; begin < events.size(); begin += 25) {
      const std::vector<cp::ChangeEvent> batch(
          events.begin() + static_cast<std::ptrdiff_t>(begin),
          events.begin() +
              static_cast<std::ptrdiff_t>(std::min(events.size(), begin + 25)));
      ASSERT_THAT(unit_of_work_->Run(RequestContext(),
                                     [&](Transaction& tx) {
                                       return batch_applier_->ApplyBatch(tx,
                                                                         batch);
                                     }),
                  IsOk());
    }
  }

  BehaviourCounts CountsOf(const std::string& customer) {
    absl::StatusOr<std::vector<BehaviourCounts>> counts =
        unit_of_work_->Read<std::vector<BehaviourCounts>>(
            RequestContext(),
            [&](Transaction& tx)
                -> absl::StatusOr<std::vector<BehaviourCounts>> {
              return read_model_.FindBehaviourCounts(tx, {customer});
            });
    EXPECT_THAT(counts, IsOk());
    return counts.ok() ? counts->front() : BehaviourCounts{};
  }

  std::optional<CustomerAggregate> AggregateOf(const std::string& customer) {
    absl::StatusOr<std::optional<CustomerAggregate>> aggregate =
        unit_of_work_->Read<std::optional<CustomerAggregate>>(
            RequestContext(),
            [&](Transaction& tx)
                -> absl::StatusOr<std::optional<CustomerAggregate>> {
              return read_model_.FindAggregate(tx, customer);
            });
    EXPECT_THAT(aggregate, IsOk());
    return aggregate.ok() ? *aggregate : std::nullopt;
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
  std::unique_ptr<ProfileFeedApplier> batch_applier_;
};

// Saturday 2025-12-27 (a day less: Sunday) and Tuesday 2025-12-23, UTC, as
// days before kNow.
constexpr int kSaturday = 5;
constexpr int kTuesday = 9;

// Four behaviours, 40 customers each, alike in frequency and spend (4
// orders of 100.00 each): weekend app shoppers of tea (on Saturdays and
// Sundays), weekday web shoppers of coffee, weekday store shoppers of
// coffee, and weekday web shoppers of coffee who browse a lot (10 to 14
// interaction events).
TEST_F(BehaviourClustersServiceTest,
       ChannelWeekendCategoryAndInteractionsRecoveredAndDescribed) {
  std::vector<cp::ChangeEvent> events;
  const char* groups[] = {"weekendapp", "webcoffee", "store", "browser"};
  for (int i = 0; i < 40; ++i) {
    for (int n = 0; n < 4; ++n) {
      const int week = 7 * n;
      events.push_back(Ordered(absl::StrCat("weekendapp", i), n,
                               kSaturday + week - (n % 2), 10000, "app",
                               "tea"));
      events.push_back(Ordered(absl::StrCat("webcoffee", i), n, kTuesday + week,
                               10000, "web", "coffee"));
      events.push_back(Ordered(absl::StrCat("store", i), n, kTuesday + week,
                               10000, "store", "coffee"));
      events.push_back(Ordered(absl::StrCat("browser", i), n, kTuesday + week,
                               10000, "web", "coffee"));
    }
    for (int v = 0; v < 10 + i % 5; ++v) {
      events.push_back(Interacted(absl::StrCat("browser", i)));
    }
  }
  ApplyInBatches(events);
  // The counts as fed.
  const BehaviourCounts app = CountsOf("weekendapp0");
  EXPECT_EQ(app.channel_orders, (std::vector<NamedCount>{{"app", 4}}));
  EXPECT_EQ(app.category_quantities, (std::vector<NamedCount>{{"tea", 8}}));
  EXPECT_EQ(app.interaction_count, 0);
  EXPECT_EQ(CountsOf("browser3").interaction_count, 13);
  EXPECT_EQ(AggregateOf("weekendapp0")->weekend_order_count, 4);
  EXPECT_EQ(AggregateOf("webcoffee0")->weekend_order_count, 0);

  v1::FitClusterModelRequest request;
  request.set_min_clusters(2);
  request.set_max_clusters(6);
  absl::StatusOr<v1::BehaviourClusterModel> model =
      clusters_->FitClusterModel(RequestContext(), request);
  ASSERT_THAT(model, IsOk());
  EXPECT_EQ(model->customer_count(), 160);
  EXPECT_THAT(model->channels(), ::testing::ElementsAre("web", "app", "store"));
  EXPECT_THAT(model->categories(), ::testing::ElementsAre("coffee", "tea"));
  ASSERT_EQ(model->feature_names_size(), 11);
  ASSERT_EQ(model->feature_dropped_size(), 11);
  EXPECT_TRUE(model->feature_dropped(1));  // Everyone ordered 4 times.
  EXPECT_TRUE(model->feature_dropped(2));  // For the same amount.

  ASSERT_THAT(scoring_->RecomputeScores(RequestContext(), {}), IsOk());
  std::vector<int> planted, found;
  for (int g = 0; g < 4; ++g) {
    for (int i = 0; i < 40; ++i) {
      v1::GetCustomerScoreRequest score_request;
      score_request.set_name(
          absl::StrCat("customers/", groups[g], i, "/score"));
      absl::StatusOr<v1::CustomerScore> score =
          scoring_->GetCustomerScore(RequestContext(), score_request);
      ASSERT_THAT(score, IsOk());
      planted.push_back(g);
      found.push_back(score->cluster());
    }
  }
  const double ari = AdjustedRandIndex(planted, found);
  std::printf(
      "channel/weekend/category/interactions: adjusted Rand index %.4f, "
      "silhouette %.4f\n",
      ari, model->silhouette());
  for (const v1::BehaviourCluster& cluster : model->clusters()) {
    std::printf("cluster %d (%lld): %s\n", cluster.number(),
                static_cast<long long>(cluster.size()),
                cluster.description().c_str());
  }
  RecordProperty("behaviour_ari", std::to_string(ari));
  EXPECT_GE(ari, 0.9);
  auto description = [&](int group) {
    return model->clusters(found[static_cast<size_t>(40 * group)] - 1)
        .description();
  };
  EXPECT_THAT(description(0), HasSubstr("weekend app shoppers"));
  EXPECT_THAT(description(0), HasSubstr("tea buyers"));
  EXPECT_THAT(description(2), HasSubstr("store shoppers"));
  EXPECT_THAT(description(3), HasSubstr("active browsers"));
}

TEST_F(BehaviourClustersServiceTest, CountsFollowMergesAndErasures) {
  ApplyInBatches({Ordered("s", 1, kSaturday, 1000, "app", "tea"),
                  Ordered("d", 1, kTuesday, 1000, "app", "tea"),
                  Ordered("d", 2, kTuesday, 1000, "web", "coffee"),
                  Interacted("s"), Interacted("d"), Interacted("d")});
  ASSERT_THAT(unit_of_work_->Run(RequestContext(),
                                 [&](Transaction& tx) {
                                   return applier_->Apply(tx, Merged("s", "d"));
                                 }),
              IsOk());
  // A late order and interaction of the duplicate count for the survivor;
  // a refund of a known order counts nothing again.
  cp::ChangeEvent refund = Ordered("d", 2, kTuesday, 1000, "web", "coffee");
  refund.set_type(cp::ChangeEvent::ORDER_REFUNDED);
  ApplyInBatches(
      {Ordered("d", 3, kSaturday, 1000, "store"), refund, Interacted("d")});
  const BehaviourCounts survivor = CountsOf("s");
  EXPECT_EQ(survivor.channel_orders,
            (std::vector<NamedCount>{{"app", 2}, {"store", 1}, {"web", 1}}));
  EXPECT_EQ(survivor.category_quantities,
            (std::vector<NamedCount>{{"coffee", 2}, {"tea", 4}}));
  EXPECT_EQ(survivor.interaction_count, 4);
  EXPECT_EQ(AggregateOf("s")->weekend_order_count, 2);
  const BehaviourCounts duplicate = CountsOf("d");
  EXPECT_TRUE(duplicate.channel_orders.empty());
  EXPECT_TRUE(duplicate.category_quantities.empty());
  EXPECT_EQ(duplicate.interaction_count, 0);

  // Erasing the survivor leaves no count naming it or its duplicate.
  ASSERT_THAT(unit_of_work_->Run(RequestContext(),
                                 [&](Transaction& tx) {
                                   return applier_->Apply(tx, Erased("s"));
                                 }),
              IsOk());
  absl::StatusOr<int64_t> rows = unit_of_work_->Read<int64_t>(
      RequestContext(), [&](Transaction& tx) -> absl::StatusOr<int64_t> {
        CRM_ASSIGN_OR_RETURN(BehaviourCounts totals,
                             read_model_.BehaviourTotals(tx));
        return static_cast<int64_t>(totals.channel_orders.size() +
                                    totals.category_quantities.size()) +
               totals.interaction_count;
      });
  ASSERT_THAT(rows, IsOk());
  EXPECT_EQ(*rows, 0);
  EXPECT_FALSE(AggregateOf("s").has_value());
}

TEST_F(BehaviourClustersServiceTest, ScoresCarryClustersThatRecoverGroups) {
  Populate();
  v1::FitClusterModelRequest request;
  request.set_request_id("fit-1");
  absl::StatusOr<v1::BehaviourClusterModel> model =
      clusters_->FitClusterModel(RequestContext(), request);
  ASSERT_THAT(model, IsOk());
  EXPECT_EQ(model->customer_count(), 180);
  EXPECT_EQ(model->clusters_size(), 3) << model->DebugString();
  // The six fixed features and one channel; weekend share, interactions
  // and the channel's share are constant, so dropped.
  EXPECT_EQ(model->feature_names_size(), 7);
  EXPECT_THAT(
      model->feature_dropped(),
      ::testing::ElementsAre(false, false, false, false, true, true, true));

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
