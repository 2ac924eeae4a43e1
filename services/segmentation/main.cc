// crm-segmentation: serves crm.segmentation.v1.SegmentationService (with
// its own change feed of membership, value tier and lifecycle changes).
#include <cstdlib>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include <grpcpp/grpcpp.h>

#include "crm/customerprofile/v1/customer_profile_service.grpc.pb.h"
#include "crm/loyalty/v1/loyalty_service.grpc.pb.h"
#include "services/common/change_feed_consumer.h"
#include "services/common/change_feed_sequencer.h"
#include "services/common/change_feed_writer.h"
#include "services/common/id_generator.h"
#include "services/common/idempotency.h"
#include "services/common/logging.h"
#include "services/common/mysql_unit_of_work.h"
#include "services/common/request_context.h"
#include "services/common/server_runner.h"
#include "services/customer_profile/change_feed_client.h"
#include "services/segmentation/change_feed_streamer.h"
#include "services/segmentation/customer_data_exporter.h"
#include "services/segmentation/feed_erasure.h"
#include "services/segmentation/loyalty_feed_client.h"
#include "services/segmentation/membership_manager.h"
#include "services/segmentation/migrations.h"
#include "services/segmentation/mysql_cluster_model_repository.h"
#include "services/segmentation/mysql_feed_event_repository.h"
#include "services/segmentation/mysql_item_association_repository.h"
#include "services/segmentation/mysql_membership_repository.h"
#include "services/segmentation/mysql_read_model_repository.h"
#include "services/segmentation/mysql_referral_edge_repository.h"
#include "services/segmentation/mysql_scheduled_run_lock.h"
#include "services/segmentation/mysql_score_repository.h"
#include "services/segmentation/mysql_segment_repository.h"
#include "services/segmentation/profile_feed_applier.h"
#include "services/segmentation/recommendation_manager.h"
#include "services/segmentation/referral_value.h"
#include "services/segmentation/scheduled_run.h"
#include "services/segmentation/scoring_manager.h"
#include "services/segmentation/scoring_schedule.h"
#include "services/segmentation/segment_manager.h"
#include "services/segmentation/segmentation_change_feed.h"
#include "services/segmentation/segmentation_service.h"

namespace {

namespace common = ::crm::common;
namespace segmentation = ::crm::segmentation;

// What segmentation's own feed needs: `written` is notified by the writers
// after commit and wakes the sequencer; `sequenced` is notified by the
// sequencer and wakes the WatchChanges streams.
struct SegmentationFeed {
  explicit SegmentationFeed(common::ServiceContext& context)
      : writer(std::string(segmentation::kSegmentationFeed), context.clock,
               &written),
        streamer(context.pool, sequenced, context.clock) {}

  common::FeedNotifier written;
  common::FeedNotifier sequenced;
  common::MySqlChangeFeedWriter writer;
  segmentation::ChangeFeedStreamer streamer;
};

// The storage and domain objects behind the handlers, built once per
// process.
struct SegmentationComponents {
  SegmentationComponents(common::ServiceContext& context,
                         SegmentationFeed& feed)
      : unit_of_work(context.pool, common::TransactionOptions{}, context.clock),
        memberships(unit_of_work, segments, membership_repository, read_model,
                    scores, context.clock,
                    context.config.GetString("scoring_currency"), &feed.writer),
        manager(unit_of_work, segments, idempotency, context.clock,
                common::RandomIdGenerator::Instance(),
                memberships.SegmentChangeHooks()),
        scoring(unit_of_work, read_model, scores, idempotency, context.clock,
                common::RandomIdGenerator::Instance(),
                ScoringPolicyFrom(context.config), memberships.ScoredHook(),
                &feed.writer),
        exporter(unit_of_work, read_model, scores, membership_repository,
                 segments, context.config.GetString("scoring_currency")),
        recommendations(unit_of_work, item_associations,
                        AssociationPolicyFrom(context.config)),
        clusters(unit_of_work, read_model, cluster_models, idempotency,
                 context.clock, common::RandomIdGenerator::Instance(),
                 context.config.GetString("scoring_currency")) {
    scoring.set_referral_edges(&referral_edges);
    scoring.set_customers_scored_hook(memberships.BatchScoredHook());
    memberships.set_referral_edges(&referral_edges);
    exporter.set_referral_edges(&referral_edges);
    exporter.set_item_associations(&item_associations);
    scoring.set_cluster_models(&cluster_models);
  }

  // Exits (status 2) on an invalid setting.
  static segmentation::AssociationPolicy AssociationPolicyFrom(
      const common::Config& config) {
    segmentation::AssociationPolicy policy;
    absl::StatusOr<double> view_weight = segmentation::ParseViewWeight(
        config.GetString("recommendation_view_weight"),
        "recommendation_view_weight");
    if (!view_weight.ok()) {
      common::LogError(
          "invalid setting",
          {{"error", std::string(view_weight.status().message())}});
      std::exit(2);
    }
    policy.view_weight = *view_weight;
    return policy;
  }

  static segmentation::ScoringPolicy ScoringPolicyFrom(
      const common::Config& config) {
    segmentation::ScoringPolicy policy;
    policy.scoring_currency = config.GetString("scoring_currency");
    absl::StatusOr<int> workers = config.GetInt("recompute_workers");
    if (!workers.ok() || *workers < 1 || *workers > 16) {
      common::LogError(
          "invalid setting",
          {{"error", "--recompute_workers: must be an integer from 1 to 16"}});
      std::exit(2);
    }
    policy.recompute_workers = *workers;
    return policy;
  }

  common::MySqlUnitOfWork unit_of_work;
  segmentation::MySqlSegmentRepository segments;
  segmentation::MySqlReadModelRepository read_model;
  segmentation::MySqlScoreRepository scores;
  segmentation::MySqlMembershipRepository membership_repository;
  segmentation::MySqlReferralEdgeRepository referral_edges;
  segmentation::MySqlItemAssociationRepository item_associations;
  segmentation::MySqlClusterModelRepository cluster_models;
  common::MySqlIdempotencyRepository idempotency;
  segmentation::MembershipManager memberships;
  segmentation::SegmentManager manager;
  segmentation::ScoringManager scoring;
  segmentation::CustomerDataExporter exporter;
  segmentation::RecommendationManager recommendations;
  segmentation::ClusterManager clusters;
};

// The consumer name of segmentation's cursor on customer-profile's feed.
constexpr char kProfileFeedConsumer[] = "segmentation";

common::FeedConsumerOptions ProfileFeedConsumerOptions(
    common::ServiceContext& context) {
  common::FeedConsumerOptions options;
  options.consumer = kProfileFeedConsumer;
  options.metrics = &context.metrics;
  return options;
}

// Follows customer-profile's change feed into the read model, until
// shutdown. Not started when no customer-profile address is configured.
void FollowProfileFeed(common::ServiceContext& context,
                       segmentation::ReadModelRepository& read_model,
                       segmentation::ScoringManager& scoring,
                       segmentation::MembershipManager& memberships,
                       segmentation::ReferralEdgeRepository& referral_edges,
                       segmentation::RecommendationManager& recommendations) {
  const std::string address = context.config.GetString("customer_profile_addr");
  if (address.empty()) return;
  struct Follower {
    std::unique_ptr<crm::customerprofile::v1::CustomerProfileService::Stub>
        stub;
    segmentation::MySqlFeedEventRepository feed_events;
    std::unique_ptr<segmentation::ProfileFeedApplier> applier;
    std::unique_ptr<common::FeedConsumer> consumer;
  };
  // Lives until the process exits, like the handlers' components.
  auto* follower = new Follower;
  follower->stub = crm::customerprofile::v1::CustomerProfileService::NewStub(
      grpc::CreateChannel(address, grpc::InsecureChannelCredentials()));
  follower->applier = std::make_unique<segmentation::ProfileFeedApplier>(
      read_model,
      segmentation::CombineHooks(
          segmentation::CombineHooks(scoring.FeedHook(),
                                     memberships.FeedHook()),
          segmentation::CombineHooks(
              segmentation::CombineHooks(
                  segmentation::FeedErasureHook(
                      follower->feed_events,
                      common::RandomIdGenerator::Instance()),
                  segmentation::ReferralEdgeHook(referral_edges, read_model)),
              recommendations.FeedHook(read_model))),
      // A batch's updated customers scored together (their memberships
      // through the scoring's batch hook).
      scoring.FeedUpdatesHook(),
      // New orders' baskets counted for the product associations.
      recommendations.OrdersHook(),
      // Item views (PAGE_VIEW with a sku) counted as view baskets.
      recommendations.InteractionsHook());
  follower->consumer = std::make_unique<common::FeedConsumer>(
      context.pool,
      crm::customer_profile::MakeCustomerProfileFeedOpener(
          follower->stub.get()),
      [applier = follower->applier.get()](
          sql::Connection& connection,
          const std::vector<common::FeedItem>& items) {
        const common::RequestContext request;
        common::MySqlTransaction tx(connection, request);
        return applier->ApplyPayloads(tx, items);
      },
      ProfileFeedConsumerOptions(context));
  follower->consumer->Start();
  context.at_shutdown([follower] { follower->consumer->Stop(); });
}

// Follows loyalty's change feed (its referral events) into the referral
// edges behind the customer referral value (referral_value.h), until
// shutdown, on its own cursor. Not started when no loyalty address is
// configured: no edge is stored and every referral value is 0.
void FollowLoyaltyFeed(common::ServiceContext& context,
                       segmentation::ReferralEdgeRepository& referral_edges) {
  const std::string address = context.config.GetString("loyalty_addr");
  if (address.empty()) return;
  struct Follower {
    std::unique_ptr<crm::loyalty::v1::LoyaltyService::Stub> stub;
    std::unique_ptr<segmentation::LoyaltyFeedApplier> applier;
    std::unique_ptr<common::FeedConsumer> consumer;
  };
  // Lives until the process exits, like the handlers' components.
  auto* follower = new Follower;
  follower->stub = crm::loyalty::v1::LoyaltyService::NewStub(
      grpc::CreateChannel(address, grpc::InsecureChannelCredentials()));
  follower->applier =
      std::make_unique<segmentation::LoyaltyFeedApplier>(referral_edges);
  common::FeedConsumerOptions options;
  options.consumer = segmentation::kLoyaltyFeedConsumer;
  options.metrics = &context.metrics;
  follower->consumer = std::make_unique<common::FeedConsumer>(
      context.pool,
      segmentation::MakeLoyaltyReferralFeedOpener(follower->stub.get()),
      [applier = follower->applier.get()](sql::Connection& connection,
                                          int64_t sequence,
                                          absl::string_view payload) {
        const common::RequestContext request;
        common::MySqlTransaction tx(connection, request);
        return applier->ApplyPayload(tx, sequence, payload);
      },
      options);
  follower->consumer->Start();
  context.at_shutdown([follower] { follower->consumer->Stop(); });
}

// Runs the full recompute, the CLV fit and the cluster refit on their
// schedules (scoring_schedule.h) until shutdown; an invalid setting stops
// start-up with exit code 2.
void ScheduleScoring(common::ServiceContext& context,
                     segmentation::ScoringManager& scoring,
                     segmentation::ClusterManager& clusters) {
  absl::StatusOr<segmentation::ScoringScheduleSettings> settings =
      segmentation::ReadScoringScheduleSettings(context.config);
  if (!settings.ok()) {
    common::LogError("invalid setting",
                     {{"error", std::string(settings.status().message())}});
    std::exit(2);
  }
  // Lives until the process exits, like the handlers' components.
  static segmentation::MySqlScheduledRunLock* const lock =
      new segmentation::MySqlScheduledRunLock(context.pool);
  auto runs = std::make_shared<
      std::vector<std::unique_ptr<segmentation::ScheduledRun>>>(
      segmentation::StartScoringSchedule(
          scoring, *lock, context.clock, &context.metrics, *settings,
          context.config.GetString("db_name"), &clusters));
  // A run in progress already ended at the lame-duck phase, before the
  // drain; this joins the idle threads.
  context.at_shutdown([runs] {
    for (auto& run : *runs) run->Stop();
  });
}

std::vector<std::unique_ptr<grpc::Service>> MakeServices(
    common::ServiceContext& context) {
  // Lives until the process exits, so it outlives the handlers and every
  // call they serve.
  static SegmentationFeed* const feed = new SegmentationFeed(context);
  // Numbers the feed's committed events (change_feed_sequencer.h); every
  // replica runs one (they serialise on the feed's counter row). Writers
  // that do not notify after commit (the profile feed's consumer, segment
  // changes) are numbered within its poll interval.
  auto sequencer = std::make_shared<common::ChangeFeedSequencer>(
      context.pool, std::string(segmentation::kSegmentationFeed), feed->written,
      feed->sequenced);
  sequencer->Start();
  context.at_shutdown([sequencer] { sequencer->Stop(); });
  static SegmentationComponents* const components =
      new SegmentationComponents(context, *feed);
  // First, so an invalid schedule setting stops start-up before any worker
  // starts.
  ScheduleScoring(context, components->scoring, components->clusters);
  FollowProfileFeed(context, components->read_model, components->scoring,
                    components->memberships, components->referral_edges,
                    components->recommendations);
  FollowLoyaltyFeed(context, components->referral_edges);
  std::vector<std::unique_ptr<grpc::Service>> services;
  auto service = std::make_unique<segmentation::SegmentationServiceImpl>(
      components->manager, components->scoring, components->memberships,
      components->exporter, &feed->streamer);
  service->set_recommendations(&components->recommendations);
  service->set_clusters(&components->clusters);
  services.push_back(std::move(service));
  return services;
}

// The service's own settings besides the shared ones.
std::vector<common::ConfigOption> ExtraOptions() {
  std::vector<common::ConfigOption> options = {
      {.flag = "customer_profile_addr",
       .env = "SEGMENTATION_CUSTOMER_PROFILE_ADDR",
       .default_value = "",
       .help = "customer-profile's gRPC address (host:port) whose change "
               "feed builds the read model; empty: the feed is not followed"},
      {.flag = "loyalty_addr",
       .env = "SEGMENTATION_LOYALTY_ADDR",
       .default_value = "",
       .help = "loyalty's gRPC address (host:port) whose change feed gives "
               "the rewarded referrals behind the customer referral value; "
               "empty: not followed, every referral value is 0"},
      {.flag = "scoring_currency",
       .env = "SEGMENTATION_SCORING_CURRENCY",
       .default_value = "CNY",
       .help = "ISO 4217 currency of monetary values, value tiers and CLV"},
      {.flag = "recompute_workers",
       .env = "SEGMENTATION_RECOMPUTE_WORKERS",
       .default_value = "2",
       .help = "threads scoring a full recompute's batches side by side, "
               "each on its own database connection (of db_pool_size); "
               "1 to 16"},
      {.flag = "recommendation_view_weight",
       .env = "SEGMENTATION_RECOMMENDATION_VIEW_WEIGHT",
       .default_value = "0.25",
       .help = "weight of a day's item views (a view basket) in the product "
               "associations, and of a viewed item as a recommendation seed, "
               "relative to a purchase; in (0, 1]"}};
  for (common::ConfigOption& option : segmentation::ScoringScheduleOptions()) {
    options.push_back(std::move(option));
  }
  return options;
}

}  // namespace

int main(int argc, char** argv) {
  return common::RunServiceMain({.binary_name = "crm-segmentation",
                                 .env_prefix = "SEGMENTATION",
                                 .database_name = "crm_segmentation",
                                 .default_grpc_port = 50052,
                                 .default_admin_port = 9092,
                                 .migrations = &segmentation::Migrations(),
                                 .extra_options = ExtraOptions(),
                                 .make_services = MakeServices},
                                argc, argv);
}
