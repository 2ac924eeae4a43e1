// crm-loyalty: serves crm.loyalty.v1.LoyaltyService (with its own change
// feed of tier changes), earns points from customer-profile's change feed,
// asks segmentation for segment memberships and expires points on a
// schedule.
#include <cstdlib>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include <grpcpp/grpcpp.h>

#include "crm/customerprofile/v1/customer_profile_service.grpc.pb.h"
#include "crm/feedback/v1/feedback_service.grpc.pb.h"
#include "crm/segmentation/v1/segmentation_service.grpc.pb.h"
#include "services/common/change_feed_consumer.h"
#include "services/common/change_feed_sequencer.h"
#include "services/common/change_feed_writer.h"
#include "services/common/id_generator.h"
#include "services/common/idempotency.h"
#include "services/common/logging.h"
#include "services/common/mysql_unit_of_work.h"
#include "services/common/server_runner.h"
#include "services/consents/mysql_consent_repository.h"
#include "services/customer_profile/change_feed_client.h"
#include "services/loyalty/account_export.h"
#include "services/loyalty/account_manager.h"
#include "services/loyalty/campaign_manager.h"
#include "services/loyalty/change_feed_streamer.h"
#include "services/loyalty/curl_webhook_http_client.h"
#include "services/loyalty/feedback_feed_apply.h"
#include "services/loyalty/grpc_birthday_source.h"
#include "services/loyalty/grpc_segmentation_client.h"
#include "services/loyalty/grpc_survey_sender.h"
#include "services/loyalty/journey_birthdays.h"
#include "services/loyalty/journey_engine.h"
#include "services/loyalty/journey_funnel_manager.h"
#include "services/loyalty/journey_manager.h"
#include "services/loyalty/loyalty_service.h"
#include "services/loyalty/member_lifecycle.h"
#include "services/loyalty/migrations.h"
#include "services/loyalty/mysql_account_repository.h"
#include "services/loyalty/mysql_birthday_pass_repository.h"
#include "services/loyalty/mysql_campaign_repository.h"
#include "services/loyalty/mysql_feed_event_repository.h"
#include "services/loyalty/mysql_journey_funnel_repository.h"
#include "services/loyalty/mysql_journey_repository.h"
#include "services/loyalty/mysql_outbound_message_repository.h"
#include "services/loyalty/mysql_program_repository.h"
#include "services/loyalty/mysql_program_statistics_repository.h"
#include "services/loyalty/mysql_referral_repository.h"
#include "services/loyalty/mysql_reward_repository.h"
#include "services/loyalty/mysql_webhook_delivery_repository.h"
#include "services/loyalty/mysql_webhook_endpoint_repository.h"
#include "services/loyalty/order_earning.h"
#include "services/loyalty/periodic_task.h"
#include "services/loyalty/points_expiry.h"
#include "services/loyalty/profile_feed_apply.h"
#include "services/loyalty/program_manager.h"
#include "services/loyalty/program_statistics.h"
#include "services/loyalty/referral_manager.h"
#include "services/loyalty/reward_manager.h"
#include "services/loyalty/segment_membership_cache.h"
#include "services/loyalty/segmentation_feed_apply.h"
#include "services/loyalty/tier_change_feed.h"
#include "services/loyalty/tier_review.h"
#include "services/loyalty/webhook_dispatcher.h"
#include "services/loyalty/webhook_manager.h"

namespace {

namespace common = ::crm::common;
namespace loyalty = ::crm::loyalty;

// What loyalty's own feed needs: `written` is notified by the writers
// after commit and wakes the sequencer; `sequenced` is notified by the
// sequencer and wakes the WatchChanges streams.
struct LoyaltyFeed {
  explicit LoyaltyFeed(common::ServiceContext& context)
      : writer(std::string(loyalty::kLoyaltyFeed), context.clock, &written),
        streamer(context.pool, sequenced, context.clock) {}

  common::FeedNotifier written;
  common::FeedNotifier sequenced;
  common::MySqlChangeFeedWriter writer;
  loyalty::MySqlFeedEventRepository events;
  loyalty::ChangeFeedStreamer streamer;
};

// Segmentation, when `--segmentation_addr` is set: the client (segment
// coupons) and the remembered memberships (segment campaigns).
struct Segmentation {
  Segmentation(common::ServiceContext& context, const std::string& address)
      : client(crm::segmentation::v1::SegmentationService::NewStub(
            grpc::CreateChannel(address, grpc::InsecureChannelCredentials()))),
        membership(
            client, context.clock,
            loyalty::SegmentMembershipOptions{.metrics = &context.metrics}) {}

  loyalty::GrpcSegmentationClient client;
  loyalty::CachedSegmentMembership membership;
};

// feedback, when `--feedback_addr` is set: SEND_SURVEY journeys' invitations
// and the stub its feed is followed with (FollowFeedback).
struct Feedback {
  explicit Feedback(const std::string& address)
      : channel(
            grpc::CreateChannel(address, grpc::InsecureChannelCredentials())),
        surveys(crm::feedback::v1::FeedbackService::NewStub(channel)),
        feed_stub(crm::feedback::v1::FeedbackService::NewStub(channel)) {}

  std::shared_ptr<grpc::Channel> channel;
  loyalty::GrpcSurveySender surveys;
  std::unique_ptr<crm::feedback::v1::FeedbackService::Stub> feed_stub;
};

// The journey engine's settings (--journey_cap_actions, --journey_cap_window);
// an invalid value stops start-up with exit code 2, naming the flag.
// `feedback` may be null: SEND_SURVEY runs then wait.
loyalty::JourneyEngineOptions JourneyOptions(common::ServiceContext& context,
                                             Feedback* feedback) {
  loyalty::JourneyEngineOptions options;
  if (feedback != nullptr) options.survey_sender = &feedback->surveys;
  absl::StatusOr<int> actions = context.config.GetInt("journey_cap_actions");
  absl::StatusOr<absl::Duration> window =
      context.config.GetDuration("journey_cap_window");
  if (!actions.ok() || *actions < 0) {
    common::LogError("invalid setting",
                     {{"error", "--journey_cap_actions: must be 0 or more"}});
    std::exit(2);
  }
  if (!window.ok() || *window <= absl::ZeroDuration()) {
    common::LogError("invalid setting",
                     {{"error", "--journey_cap_window: must be positive"}});
    std::exit(2);
  }
  options.cap_actions = *actions;
  options.cap_window = *window;
  return options;
}

// The storage and domain objects behind the handlers, built once per
// process. `segmentation` and `feedback` may be null (not configured).
struct LoyaltyComponents {
  LoyaltyComponents(common::ServiceContext& context, LoyaltyFeed& feed,
                    Segmentation* segmentation, Feedback* feedback)
      : unit_of_work(context.pool, common::TransactionOptions{}, context.clock),
        account_manager(unit_of_work, accounts, programs, idempotency,
                        context.clock, common::RandomIdGenerator::Instance(),
                        &rewards, &loyalty::CsprngCouponCodes::Instance()),
        program_manager(unit_of_work, programs, idempotency, context.clock),
        reward_manager(unit_of_work, rewards, accounts, idempotency,
                       context.clock, common::RandomIdGenerator::Instance(),
                       loyalty::CsprngCouponCodes::Instance()),
        campaign_manager(unit_of_work, campaigns, idempotency, context.clock,
                         common::RandomIdGenerator::Instance()),
        order_earning(
            accounts, programs, campaigns, consents,
            common::RandomIdGenerator::Instance(), context.clock, &referrals,
            &feed.writer,
            segmentation != nullptr ? &segmentation->membership : nullptr),
        consent_tracker(consents),
        coupon_issuer(
            unit_of_work, rewards, accounts, consents, idempotency,
            context.clock, common::RandomIdGenerator::Instance(),
            loyalty::CsprngCouponCodes::Instance(),
            segmentation != nullptr ? &segmentation->client : nullptr),
        member_lifecycle(accounts, rewards, programs,
                         common::RandomIdGenerator::Instance(), context.clock,
                         &idempotency, &referrals, &feed.writer, &feed.events,
                         &outbound_messages),
        points_expiry(unit_of_work, accounts,
                      common::RandomIdGenerator::Instance(), context.clock),
        tier_review(unit_of_work, accounts, programs, context.clock,
                    &feed.writer),
        account_export(unit_of_work, accounts, rewards, programs, context.clock,
                       &referrals),
        program_statistics(unit_of_work, statistics, programs, context.clock),
        referral_manager(unit_of_work, referrals, accounts, idempotency,
                         context.clock, common::RandomIdGenerator::Instance(),
                         loyalty::CsprngCouponCodes::Instance()),
        outbound_messages(context.clock),
        journey_manager(unit_of_work, journeys, rewards, idempotency,
                        context.clock, common::RandomIdGenerator::Instance(),
                        feedback != nullptr ? &feedback->surveys : nullptr),
        journey_engine(unit_of_work, journeys, accounts, rewards, consents,
                       programs, common::RandomIdGenerator::Instance(),
                       loyalty::CsprngCouponCodes::Instance(), context.clock,
                       &outbound_messages, JourneyOptions(context, feedback)),
        journey_funnels(unit_of_work, funnels) {}

  common::MySqlUnitOfWork unit_of_work;
  loyalty::MySqlAccountRepository accounts;
  loyalty::MySqlProgramRepository programs;
  loyalty::MySqlRewardRepository rewards;
  loyalty::MySqlCampaignRepository campaigns;
  crm::consents::MySqlConsentRepository consents;
  loyalty::MySqlProgramStatisticsRepository statistics;
  loyalty::MySqlReferralRepository referrals;
  common::MySqlIdempotencyRepository idempotency;
  loyalty::AccountManager account_manager;
  loyalty::ProgramManager program_manager;
  loyalty::RewardManager reward_manager;
  loyalty::CampaignManager campaign_manager;
  loyalty::OrderEarning order_earning;
  crm::consents::ConsentTracker consent_tracker;
  loyalty::CouponIssuer coupon_issuer;
  loyalty::MemberLifecycle member_lifecycle;
  loyalty::PointsExpiry points_expiry;
  loyalty::TierReview tier_review;
  loyalty::AccountExport account_export;
  loyalty::ProgramStatisticsReader program_statistics;
  loyalty::ReferralManager referral_manager;
  loyalty::MySqlJourneyRepository journeys;
  loyalty::MySqlOutboundMessageRepository outbound_messages;
  loyalty::JourneyManager journey_manager;
  loyalty::JourneyEngine journey_engine;
  loyalty::MySqlJourneyFunnelRepository funnels;
  loyalty::JourneyFunnelManager journey_funnels;
};

// Earns points from customer-profile's order events and applies its merges
// and erasures until shutdown. Not started when no customer-profile address
// is configured.
void FollowCustomerProfile(common::ServiceContext& context,
                           LoyaltyComponents& components) {
  const std::string address = context.config.GetString("customer_profile_addr");
  if (address.empty()) {
    common::LogWarning(
        "no customer-profile address: points are not earned from orders, "
        "merges and erasures are not applied and no consent is known");
    return;
  }
  struct Follower {
    std::unique_ptr<crm::customerprofile::v1::CustomerProfileService::Stub>
        stub;
    std::unique_ptr<common::FeedConsumer> consumer;
  };
  // Lives until the process exits, like the handlers' components.
  auto* follower = new Follower;
  follower->stub = crm::customerprofile::v1::CustomerProfileService::NewStub(
      grpc::CreateChannel(address, grpc::InsecureChannelCredentials()));
  common::FeedConsumerOptions options;
  options.consumer = loyalty::kProfileFeedConsumerName;
  options.metrics = &context.metrics;
  follower->consumer = std::make_unique<common::FeedConsumer>(
      context.pool,
      crm::customer_profile::MakeCustomerProfileFeedOpener(
          follower->stub.get(), loyalty::ProfileFeedTypes()),
      loyalty::MakeProfileFeedBatchApply(
          components.order_earning, components.member_lifecycle,
          components.consent_tracker, &components.journey_engine),
      options);
  follower->consumer->Start();
  context.at_shutdown([follower] { follower->consumer->Stop(); });
}

// Feeds segmentation's segment, lifecycle and value-tier changes to the
// journeys (cursor `loyalty.journeys`) until shutdown. Not started without
// a segmentation address: those journey triggers then never fire.
void FollowSegmentation(common::ServiceContext& context,
                        LoyaltyComponents& components) {
  const std::string address = context.config.GetString("segmentation_addr");
  if (address.empty()) {
    common::LogWarning(
        "no segmentation address: segment, lifecycle and value-tier journey "
        "triggers never fire");
    return;
  }
  struct Follower {
    std::unique_ptr<crm::segmentation::v1::SegmentationService::Stub> stub;
    std::unique_ptr<common::FeedConsumer> consumer;
  };
  // Lives until the process exits, like the handlers' components.
  auto* follower = new Follower;
  follower->stub = crm::segmentation::v1::SegmentationService::NewStub(
      grpc::CreateChannel(address, grpc::InsecureChannelCredentials()));
  common::FeedConsumerOptions options;
  options.consumer = loyalty::kSegmentationFeedConsumerName;
  options.metrics = &context.metrics;
  follower->consumer = std::make_unique<common::FeedConsumer>(
      context.pool, loyalty::MakeSegmentationFeedOpener(follower->stub.get()),
      loyalty::MakeSegmentationFeedApply(components.journey_engine), options);
  follower->consumer->Start();
  context.at_shutdown([follower] { follower->consumer->Stop(); });
}

// Feeds feedback's resolved tickets and survey answers to the journeys
// (cursor `loyalty.feedback-journeys`) until shutdown. Not started without
// a feedback address: those journey triggers then never fire.
void FollowFeedback(common::ServiceContext& context,
                    LoyaltyComponents& components, Feedback* feedback) {
  if (feedback == nullptr) return;
  common::FeedConsumerOptions options;
  options.consumer = loyalty::kFeedbackFeedConsumerName;
  options.metrics = &context.metrics;
  // Lives until the process exits, like the handlers' components.
  auto* consumer = new common::FeedConsumer(
      context.pool, loyalty::MakeFeedbackFeedOpener(feedback->feed_stub.get()),
      loyalty::MakeFeedbackFeedApply(components.journey_engine), options);
  consumer->Start();
  context.at_shutdown([consumer] { consumer->Stop(); });
}

// Outbound webhooks: the endpoint resource, and the dispatcher delivering
// what units of work enqueue (outbound_message_repository.h) every
// --webhook_dispatch_interval until shutdown (0s: never). Returns the
// manager the handlers use.
loyalty::WebhookManager* StartWebhooks(common::ServiceContext& context,
                                       LoyaltyComponents& components) {
  loyalty::WebhookDispatcherOptions options;
  options.metrics = &context.metrics;
  const common::Config& config = context.config;
  absl::StatusOr<int> max_attempts = config.GetInt("webhook_max_attempts");
  absl::StatusOr<int> concurrency = config.GetInt("webhook_concurrency");
  absl::StatusOr<absl::Duration> initial =
      config.GetDuration("webhook_initial_backoff");
  absl::StatusOr<absl::Duration> maximum =
      config.GetDuration("webhook_max_backoff");
  absl::StatusOr<absl::Duration> timeout =
      config.GetDuration("webhook_timeout");
  absl::StatusOr<absl::Duration> interval =
      config.GetDuration("webhook_dispatch_interval");
  auto invalid = [](const char* flag) {
    common::LogError("invalid webhook setting: the default applies",
                     {{"flag", flag}});
  };
  if (max_attempts.ok() && *max_attempts >= 1) {
    options.retry.max_attempts = *max_attempts;
  } else {
    invalid("webhook_max_attempts");
  }
  if (concurrency.ok() && *concurrency >= 1) {
    options.max_concurrency = *concurrency;
  } else {
    invalid("webhook_concurrency");
  }
  if (initial.ok() && *initial > absl::ZeroDuration()) {
    options.retry.initial_backoff = *initial;
  } else {
    invalid("webhook_initial_backoff");
  }
  if (maximum.ok() && *maximum >= options.retry.initial_backoff) {
    options.retry.max_backoff = *maximum;
  } else {
    invalid("webhook_max_backoff");
  }
  if (timeout.ok() && *timeout > absl::ZeroDuration()) {
    options.request_timeout = *timeout;
  } else {
    invalid("webhook_timeout");
  }
  if (interval.ok() && *interval >= absl::ZeroDuration()) {
    options.poll_interval = *interval;
  } else {
    invalid("webhook_dispatch_interval");
  }
  struct Webhooks {
    loyalty::MySqlWebhookEndpointRepository endpoints;
    loyalty::MySqlWebhookDeliveryRepository deliveries;
    loyalty::CurlWebhookHttpClient http;
    std::unique_ptr<loyalty::WebhookManager> manager;
    std::unique_ptr<loyalty::WebhookDispatcher> dispatcher;
  };
  // Lives until the process exits, like the handlers' components.
  auto* webhooks = new Webhooks;
  webhooks->manager = std::make_unique<loyalty::WebhookManager>(
      components.unit_of_work, webhooks->endpoints, webhooks->deliveries,
      components.idempotency, context.clock,
      common::RandomIdGenerator::Instance());
  webhooks->dispatcher = std::make_unique<loyalty::WebhookDispatcher>(
      components.unit_of_work, webhooks->deliveries, webhooks->http,
      context.clock, options);
  if (options.poll_interval > absl::ZeroDuration()) {
    webhooks->dispatcher->Start();
    context.at_shutdown([webhooks] { webhooks->dispatcher->Stop(); });
  } else {
    common::LogWarning("webhook dispatch interval 0s: nothing is delivered");
  }
  return webhooks->manager.get();
}

// Runs `job` every `--<flag>` until shutdown (0: never).
void Schedule(common::ServiceContext& context, const char* flag,
              std::function<void()> job) {
  absl::StatusOr<absl::Duration> interval = context.config.GetDuration(flag);
  if (!interval.ok()) {
    common::LogError(
        "invalid schedule: the job does not run",
        {{"flag", flag}, {"error", std::string(interval.status().message())}});
    return;
  }
  if (*interval <= absl::ZeroDuration()) return;
  auto* task = new loyalty::PeriodicTask(std::move(job), *interval);
  task->Start();
  context.at_shutdown([task] { task->Stop(); });
}

// BIRTHDAY journeys (journey_birthdays.h), asking customer-profile at
// `--customer_profile_addr` who was born today; null without that address
// (BIRTHDAY journeys then never fire).
loyalty::JourneyBirthdays* MakeJourneyBirthdays(common::ServiceContext& context,
                                                LoyaltyComponents& components) {
  const std::string address = context.config.GetString("customer_profile_addr");
  if (address.empty()) return nullptr;
  struct Birthdays {
    Birthdays(common::ServiceContext& context, LoyaltyComponents& components,
              const std::string& address)
        : source(crm::customerprofile::v1::CustomerProfileService::NewStub(
              grpc::CreateChannel(address,
                                  grpc::InsecureChannelCredentials()))),
          birthdays(components.unit_of_work, components.journeys,
                    components.accounts, passes, components.journey_engine,
                    source, context.clock) {}
    loyalty::GrpcBirthdaySource source;
    loyalty::MySqlBirthdayPassRepository passes;
    loyalty::JourneyBirthdays birthdays;
  };
  // Lives until the process exits, like the handlers' components.
  return &(new Birthdays(context, components, address))->birthdays;
}

// Expires due points (PointsExpiry) and re-evaluates tiers (TierReview) on
// their schedules.
void ScheduleJobs(common::ServiceContext& context,
                  LoyaltyComponents& components) {
  Schedule(context, "expiry_interval", [&components] {
    absl::StatusOr<loyalty::ExpiryRun> run =
        components.points_expiry.ExpireDue(common::RequestContext());
    if (!run.ok()) {
      common::LogWarning("points expiry stopped early; the next run continues",
                         {{"error", std::string(run.status().message())}});
    } else if (run->lots > 0) {
      common::LogInfo("points expired",
                      {{"accounts", std::to_string(run->accounts)},
                       {"lots", std::to_string(run->lots)},
                       {"points", std::to_string(run->points)}});
    }
  });
  loyalty::JourneyBirthdays* birthdays =
      MakeJourneyBirthdays(context, components);
  Schedule(context, "journey_interval", [&components, birthdays] {
    if (birthdays != nullptr) {
      absl::StatusOr<loyalty::BirthdayPassResult> pass =
          birthdays->Run(common::RequestContext());
      if (!pass.ok()) {
        common::LogWarning(
            "birthday journeys stopped early; the next run continues",
            {{"error", std::string(pass.status().message())}});
      }
    }
    absl::StatusOr<int64_t> quiet =
        components.journey_engine.CheckQuietMembers(common::RequestContext());
    absl::StatusOr<int64_t> due =
        components.journey_engine.RunDue(common::RequestContext());
    if (!quiet.ok() || !due.ok()) {
      common::LogWarning(
          "journey job stopped early; the next run continues",
          {{"error",
            std::string(
                (quiet.ok() ? due.status() : quiet.status()).message())}});
    }
  });
  Schedule(context, "tier_review_interval", [&components] {
    absl::StatusOr<loyalty::TierReviewRun> run =
        components.tier_review.ReviewAll(common::RequestContext());
    if (!run.ok()) {
      common::LogWarning("tier review stopped early; the next run continues",
                         {{"error", std::string(run.status().message())}});
    } else {
      common::LogInfo("tiers reviewed",
                      {{"accounts", std::to_string(run->accounts)},
                       {"changed", std::to_string(run->changed)}});
    }
  });
}

std::vector<std::unique_ptr<grpc::Service>> MakeServices(
    common::ServiceContext& context) {
  // These live until the process exits, so they outlive the handlers and
  // every call they serve.
  static LoyaltyFeed* const feed = new LoyaltyFeed(context);
  // Numbers the feed's committed events (change_feed_sequencer.h); every
  // replica runs one (they serialise on the feed's counter row).
  auto sequencer = std::make_shared<common::ChangeFeedSequencer>(
      context.pool, std::string(loyalty::kLoyaltyFeed), feed->written,
      feed->sequenced);
  sequencer->Start();
  context.at_shutdown([sequencer] { sequencer->Stop(); });
  const std::string segmentation_addr =
      context.config.GetString("segmentation_addr");
  Segmentation* segmentation = nullptr;
  if (segmentation_addr.empty()) {
    common::LogWarning(
        "no segmentation address: segment campaigns reach no one and coupons "
        "cannot be issued to a segment");
  } else {
    segmentation = new Segmentation(context, segmentation_addr);
  }
  const std::string feedback_addr = context.config.GetString("feedback_addr");
  Feedback* feedback = nullptr;
  if (feedback_addr.empty()) {
    common::LogWarning(
        "no feedback address: complaint and survey journey triggers never "
        "fire and SEND_SURVEY journeys cannot be created");
  } else {
    feedback = new Feedback(feedback_addr);
  }
  static LoyaltyComponents* const components =
      new LoyaltyComponents(context, *feed, segmentation, feedback);
  FollowCustomerProfile(context, *components);
  FollowSegmentation(context, *components);
  FollowFeedback(context, *components, feedback);
  ScheduleJobs(context, *components);
  loyalty::WebhookManager* webhooks = StartWebhooks(context, *components);
  std::vector<std::unique_ptr<grpc::Service>> services;
  services.push_back(std::make_unique<loyalty::LoyaltyServiceImpl>(
      components->account_manager, components->program_manager,
      components->reward_manager, components->campaign_manager,
      components->account_export, components->coupon_issuer,
      components->program_statistics, components->referral_manager,
      &feed->streamer, &components->journey_manager, webhooks,
      &components->journey_funnels));
  return services;
}

}  // namespace

int main(int argc, char** argv) {
  return common::RunServiceMain(
      {.binary_name = "crm-loyalty",
       .env_prefix = "LOYALTY",
       .database_name = "crm_loyalty",
       .default_grpc_port = 50053,
       .default_admin_port = 9093,
       .migrations = &loyalty::Migrations(),
       .extra_options = {{.flag = "customer_profile_addr",
                          .env = "LOYALTY_CUSTOMER_PROFILE_ADDR",
                          .default_value = "",
                          .help = "customer-profile's gRPC address "
                                  "(host:port) whose order events "
                                  "earn points; empty: orders earn "
                                  "nothing"},
                         {.flag = "segmentation_addr",
                          .env = "LOYALTY_SEGMENTATION_ADDR",
                          .default_value = "",
                          .help = "segmentation's gRPC address (host:port) "
                                  "asked for segment memberships; empty: "
                                  "segment campaigns reach no one and "
                                  "IssueCoupons to a segment is UNAVAILABLE"},
                         {.flag = "feedback_addr",
                          .env = "LOYALTY_FEEDBACK_ADDR",
                          .default_value = "",
                          .help = "feedback's gRPC address (host:port) whose "
                                  "resolved tickets and survey answers "
                                  "trigger journeys and which SEND_SURVEY "
                                  "journeys invite through; empty: neither"},
                         {.flag = "expiry_interval",
                          .env = "LOYALTY_EXPIRY_INTERVAL",
                          .default_value = "1h",
                          .help = "how often due points expire "
                                  "(0s: never)"},
                         {.flag = "journey_interval",
                          .env = "LOYALTY_JOURNEY_INTERVAL",
                          .default_value = "1m",
                          .help = "how often delayed journey runs that are "
                                  "due act and members without an order for "
                                  "N days are looked for (0s: never)"},
                         {.flag = "journey_cap_actions",
                          .env = "LOYALTY_JOURNEY_CAP_ACTIONS",
                          .default_value = "3",
                          .help = "most journey actions per customer in "
                                  "--journey_cap_window (0: no cap)"},
                         {.flag = "journey_cap_window",
                          .env = "LOYALTY_JOURNEY_CAP_WINDOW",
                          .default_value = "168h",
                          .help = "the rolling window of the journey "
                                  "frequency cap"},
                         {.flag = "webhook_dispatch_interval",
                          .env = "LOYALTY_WEBHOOK_DISPATCH_INTERVAL",
                          .default_value = "1s",
                          .help = "how often due webhook deliveries are "
                                  "looked for (0s: never delivered)"},
                         {.flag = "webhook_max_attempts",
                          .env = "LOYALTY_WEBHOOK_MAX_ATTEMPTS",
                          .default_value = "8",
                          .help = "webhook attempts in all before a delivery "
                                  "is a dead letter"},
                         {.flag = "webhook_initial_backoff",
                          .env = "LOYALTY_WEBHOOK_INITIAL_BACKOFF",
                          .default_value = "10s",
                          .help = "the delay after a failed webhook attempt, "
                                  "doubled after each further one (jittered)"},
                         {.flag = "webhook_max_backoff",
                          .env = "LOYALTY_WEBHOOK_MAX_BACKOFF",
                          .default_value = "1h",
                          .help = "the longest delay between webhook "
                                  "attempts"},
                         {.flag = "webhook_timeout",
                          .env = "LOYALTY_WEBHOOK_TIMEOUT",
                          .default_value = "10s",
                          .help = "each webhook POST's timeout"},
                         {.flag = "webhook_concurrency",
                          .env = "LOYALTY_WEBHOOK_CONCURRENCY",
                          .default_value = "4",
                          .help = "webhook POSTs in flight at once"},
                         {.flag = "tier_review_interval",
                          .env = "LOYALTY_TIER_REVIEW_INTERVAL",
                          .default_value = "6h",
                          .help = "how often every member's tier is "
                                  "re-evaluated (0s: never)"}},
       .make_services = MakeServices},
      argc, argv);
}
