// crm-feedback: serves crm.feedback.v1.FeedbackService (with its own change
// feed of resolved tickets and survey answers), escalates tickets
// past their SLA deadlines (and warns before them), compensates resolved
// tickets through loyalty, and follows customer-profile's change feed
// (erasures and merges).
#include <cstdlib>
#include <functional>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include <grpcpp/grpcpp.h>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/time/civil_time.h"

#include "crm/customerprofile/v1/customer_profile_service.grpc.pb.h"
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
#include "services/feedback/alert_manager.h"
#include "services/feedback/alert_raiser.h"
#include "services/feedback/change_feed_streamer.h"
#include "services/feedback/customer_feedback_export.h"
#include "services/feedback/customer_profile_events.h"
#include "services/feedback/customer_segment_source.h"
#include "services/feedback/feedback_change_feed.h"
#include "services/feedback/feedback_manager.h"
#include "services/feedback/feedback_service.h"
#include "services/feedback/grpc_customer_segments.h"
#include "services/feedback/grpc_loyalty_client.h"
#include "services/feedback/grpc_loyalty_tiers.h"
#include "services/feedback/loyalty_client.h"
#include "services/feedback/loyalty_tier_source.h"
#include "services/feedback/migrations.h"
#include "services/feedback/mysql_alert_repository.h"
#include "services/feedback/mysql_feed_event_repository.h"
#include "services/feedback/mysql_feedback_repository.h"
#include "services/feedback/mysql_survey_invitation_repository.h"
#include "services/feedback/mysql_survey_repository.h"
#include "services/feedback/mysql_ticket_repository.h"
#include "services/feedback/repeating_job.h"
#include "services/feedback/segmentation_value_tiers.h"
#include "services/feedback/sla_settings.h"
#include "services/feedback/text_lexicon.h"
#include "services/feedback/ticket_escalation.h"
#include "services/feedback/ticket_manager.h"
#include "services/feedback/value_tier_source.h"

namespace {

namespace common = ::crm::common;
namespace feedback = ::crm::feedback;
namespace cp = ::crm::customerprofile::v1;

common::TransactionOptions ReadCommitted() {
  common::TransactionOptions options;
  options.read_committed = true;
  return options;
}

// What feedback's own feed needs: `written` is notified by the writers
// after commit and wakes the sequencer; `sequenced` is notified by the
// sequencer and wakes the WatchChanges streams.
struct FeedbackFeed {
  explicit FeedbackFeed(common::ServiceContext& context)
      : writer(std::string(feedback::kFeedbackFeed), context.clock, &written),
        streamer(context.pool, sequenced, context.clock) {}

  common::FeedNotifier written;
  common::FeedNotifier sequenced;
  common::MySqlChangeFeedWriter writer;
  feedback::MySqlFeedEventRepository events;
  feedback::ChangeFeedStreamer streamer;
};

// The storage and domain objects behind the handlers, built once per
// process.
struct FeedbackComponents {
  FeedbackComponents(common::ServiceContext& context, FeedbackFeed& feed,
                     const feedback::Lexicon& lexicon,
                     std::unique_ptr<feedback::ValueTierSource> tier_source,
                     std::unique_ptr<feedback::LoyaltyClient> loyalty_client,
                     std::unique_ptr<feedback::LoyaltyTierSource> loyalty_tiers,
                     std::unique_ptr<feedback::CustomerSegmentSource> segments,
                     feedback::TicketSettings ticket_settings)
      : tiers(std::move(tier_source)),
        loyalty(std::move(loyalty_client)),
        loyalty_tier_source(std::move(loyalty_tiers)),
        segment_source(std::move(segments)),
        settings(std::move(ticket_settings)),
        unit_of_work(context.pool, common::TransactionOptions{}, context.clock),
        stores{items,        surveys,   tickets,      &idempotency,
               &invitations, &consents, &feed.events, nullptr},
        raiser(alerts, common::RandomIdGenerator::Instance(),
               {tiers.get(), loyalty.get()}),
        manager(unit_of_work, items, idempotency, context.clock,
                common::RandomIdGenerator::Instance(), lexicon, &raiser),
        survey_manager(unit_of_work, surveys, invitations, consents,
                       idempotency, context.clock,
                       common::RandomIdGenerator::Instance(), *tiers, &raiser,
                       loyalty_tier_source.get(), segment_source.get(),
                       &feed.writer),
        ticket_manager(unit_of_work, tickets, items, idempotency, context.clock,
                       common::RandomIdGenerator::Instance(), *tiers, settings,
                       lexicon, loyalty.get(), &feed.writer),
        escalation_unit_of_work(context.pool, ReadCommitted(), context.clock),
        escalation(
            escalation_unit_of_work, tickets,
            common::RandomIdGenerator::Instance(), context.clock, settings,
            [this, &clock = context.clock](
                common::Transaction& tx, const feedback::TicketRecord& ticket) {
              return raiser.OnEscalation(tx, ticket, clock.Now());
            },
            [this](common::Transaction& tx,
                   const feedback::TicketRecord& ticket,
                   const feedback::ImminentDeadline& deadline, absl::Time now) {
              return raiser.OnSlaImminent(tx, ticket, deadline, now);
            }),
        alert_manager(unit_of_work, alerts, idempotency, context.clock),
        exporter(unit_of_work, stores, context.clock, settings) {}

  std::unique_ptr<feedback::ValueTierSource> tiers;
  std::unique_ptr<feedback::LoyaltyClient> loyalty;
  std::unique_ptr<feedback::LoyaltyTierSource> loyalty_tier_source;
  std::unique_ptr<feedback::CustomerSegmentSource> segment_source;
  const feedback::TicketSettings settings;
  common::MySqlUnitOfWork unit_of_work;
  feedback::MySqlFeedbackRepository items;
  feedback::MySqlSurveyRepository surveys;
  feedback::MySqlSurveyInvitationRepository invitations;
  crm::consents::MySqlConsentRepository consents;
  feedback::MySqlTicketRepository tickets;
  feedback::MySqlAlertRepository alerts;
  common::MySqlIdempotencyRepository idempotency;
  // Erasures re-key the customer's events on feedback's own feed to a
  // random tombstone; merges move the duplicate's to the survivor.
  const feedback::CustomerDataStores stores;
  feedback::AlertRaiser raiser;
  feedback::FeedbackManager manager;
  feedback::SurveyManager survey_manager;
  feedback::TicketManager ticket_manager;
  // READ COMMITTED: the job's SKIP LOCKED claims take no gap locks, so
  // replicas claiming neighbouring tickets do not deadlock.
  common::MySqlUnitOfWork escalation_unit_of_work;
  feedback::TicketEscalation escalation;
  feedback::AlertManager alert_manager;
  feedback::CustomerFeedbackExporter exporter;
};

// The service desk's calendar from --business_hours, --ticket_time_zone and
// --ticket_holidays, and its SLA policy from --sla_policy; exits with code 2
// naming the setting (and the offending part) when one does not parse.
feedback::TicketSettings TicketSettingsOf(const common::Config& config) {
  absl::TimeZone zone;
  if (!absl::LoadTimeZone(config.GetString("ticket_time_zone"), &zone)) {
    common::LogError("--ticket_time_zone is not a known time zone", {});
    std::exit(2);
  }
  feedback::TicketSettings settings;
  absl::StatusOr<feedback::BusinessCalendar> calendar =
      feedback::ParseBusinessHours(config.GetString("business_hours"), zone);
  if (!calendar.ok()) {
    common::LogError(absl::StrCat("--business_hours is not valid: ",
                                  calendar.status().message()),
                     {});
    std::exit(2);
  }
  settings.calendar = *std::move(calendar);
  absl::StatusOr<feedback::SlaPolicy> policy =
      feedback::ParseSlaPolicy(config.GetString("sla_policy"));
  if (!policy.ok()) {
    common::LogError(
        absl::StrCat("--sla_policy is not valid: ", policy.status().message()),
        {});
    std::exit(2);
  }
  settings.policy = *policy;
  for (absl::string_view day : absl::StrSplit(
           config.GetString("ticket_holidays"), ',', absl::SkipWhitespace())) {
    absl::CivilDay holiday;
    if (!absl::ParseCivilTime(absl::StripAsciiWhitespace(day), &holiday)) {
      common::LogError("--ticket_holidays must be YYYY-MM-DD dates", {});
      std::exit(2);
    }
    settings.calendar.holidays.insert(holiday);
  }
  absl::StatusOr<absl::Duration> lead = config.GetDuration("sla_warning_lead");
  if (!lead.ok() || *lead < absl::ZeroDuration()) {
    common::LogError("--sla_warning_lead is not a duration of 0s or more", {});
    std::exit(2);
  }
  settings.sla_warning_lead = *lead;
  return settings;
}

// Where ticket priorities learn value tiers: segmentation at
// --segmentation_addr, or nowhere (every tier unknown).
std::unique_ptr<feedback::ValueTierSource> TierSourceOf(
    const common::Config& config) {
  const std::string& address = config.GetString("segmentation_addr");
  if (address.empty()) {
    common::LogWarning(
        "no segmentation address: ticket priorities treat every customer's "
        "value tier as unknown (set FEEDBACK_SEGMENTATION_ADDR)",
        {});
    return std::make_unique<feedback::UnknownValueTiers>();
  }
  return std::make_unique<feedback::SegmentationValueTiers>(
      grpc::CreateChannel(address, grpc::InsecureChannelCredentials()),
      absl::Milliseconds(300));
}

// Loyalty at --loyalty_addr (compensation on resolution, top-tier lookups),
// or none: compensation is refused and every loyalty tier unknown.
std::unique_ptr<feedback::LoyaltyClient> LoyaltyClientOf(
    const common::Config& config) {
  const std::string& address = config.GetString("loyalty_addr");
  if (address.empty()) {
    common::LogWarning(
        "no loyalty address: tickets cannot be compensated and "
        "DETRACTOR_TOP_TIER alerts never fire (set FEEDBACK_LOYALTY_ADDR)",
        {});
    return std::make_unique<feedback::UnconfiguredLoyalty>();
  }
  return std::make_unique<feedback::GrpcLoyaltyClient>(
      grpc::CreateChannel(address, grpc::InsecureChannelCredentials()),
      absl::Seconds(2), absl::Milliseconds(300));
}

// Where survey responses learn the loyalty tier at answer time: loyalty at
// --loyalty_addr (300 ms per lookup), or nowhere (every tier unknown).
std::unique_ptr<feedback::LoyaltyTierSource> LoyaltyTiersOf(
    const common::Config& config) {
  const std::string& address = config.GetString("loyalty_addr");
  if (address.empty()) return std::make_unique<feedback::UnknownLoyaltyTiers>();
  return std::make_unique<feedback::GrpcLoyaltyTiers>(
      grpc::CreateChannel(address, grpc::InsecureChannelCredentials()),
      absl::Milliseconds(300));
}

// Where survey responses learn the customer's segments at answer time:
// segmentation at --segmentation_addr (ListCustomerSegments, 300 ms for
// every page), or nowhere (no segment).
std::unique_ptr<feedback::CustomerSegmentSource> CustomerSegmentsOf(
    const common::Config& config) {
  const std::string& address = config.GetString("segmentation_addr");
  if (address.empty()) return std::make_unique<feedback::NoCustomerSegments>();
  return std::make_unique<feedback::GrpcCustomerSegments>(
      grpc::CreateChannel(address, grpc::InsecureChannelCredentials()),
      absl::Milliseconds(300));
}

// Runs the escalation job every --escalation_interval (0s: never) until
// shutdown.
void ScheduleEscalation(common::ServiceContext& context,
                        feedback::TicketEscalation& escalation) {
  absl::StatusOr<absl::Duration> interval =
      context.config.GetDuration("escalation_interval");
  if (!interval.ok()) {
    common::LogError("--escalation_interval is not a duration", {});
    std::exit(2);
  }
  if (*interval <= absl::ZeroDuration()) return;
  auto* job = new feedback::RepeatingJob(
      [&escalation] {
        absl::StatusOr<feedback::EscalationRun> run =
            escalation.EscalateDue(common::RequestContext());
        if (!run.ok()) {
          common::LogWarning(
              "ticket escalation stopped early; the next run continues",
              {{"error", std::string(run.status().message())}});
        } else if (run->escalated > 0) {
          common::LogInfo("tickets escalated",
                          {{"escalated", std::to_string(run->escalated)}});
        }
      },
      *interval);
  job->Start();
  context.at_shutdown([job] { job->Stop(); });
}

// Follows customer-profile's feed at `address` (erasures anonymise, merges
// move items, responses and tickets) until shutdown.
void FollowCustomerProfileFeed(common::ServiceContext& context,
                               const std::string& address,
                               const feedback::CustomerDataStores& stores) {
  auto stub = std::shared_ptr<cp::CustomerProfileService::Stub>(
      cp::CustomerProfileService::NewStub(
          grpc::CreateChannel(address, grpc::InsecureChannelCredentials())));
  common::FeedConsumerOptions options;
  options.consumer = "feedback";
  auto consumer = std::make_shared<common::FeedConsumer>(
      context.pool,
      crm::customer_profile::MakeCustomerProfileFeedOpener(
          stub.get(), feedback::CustomerProfileEventTypes()),
      [&stores](sql::Connection& connection, int64_t /*sequence*/,
                absl::string_view payload) {
        const common::RequestContext request;
        common::MySqlTransaction tx(connection, request);
        return feedback::ApplyCustomerProfileEvent(stores, tx, payload);
      },
      options);
  consumer->Start();
  context.at_shutdown([consumer, stub] { consumer->Stop(); });
}

std::vector<std::unique_ptr<grpc::Service>> MakeServices(
    common::ServiceContext& context) {
  // The lexicon of the text analysis: the built-in one, or the files of
  // --lexicon_dir (read once; a malformed file stops the start-up).
  const std::string& lexicon_dir = context.config.GetString("lexicon_dir");
  const feedback::Lexicon* lexicon = &feedback::DefaultLexicon();
  if (!lexicon_dir.empty()) {
    absl::StatusOr<feedback::Lexicon> loaded =
        feedback::LoadLexiconDirectory(lexicon_dir);
    if (!loaded.ok()) {
      common::LogError("cannot load the lexicon of --lexicon_dir",
                       {{"error", loaded.status().ToString()}});
      std::exit(2);
    }
    lexicon = new feedback::Lexicon(*std::move(loaded));
  }
  // These live until the process exits, so they outlive the handlers and
  // every call they serve.
  static FeedbackFeed* const feed = new FeedbackFeed(context);
  // Numbers the feed's committed events (change_feed_sequencer.h); every
  // replica runs one (they serialise on the feed's counter row).
  auto sequencer = std::make_shared<common::ChangeFeedSequencer>(
      context.pool, std::string(feedback::kFeedbackFeed), feed->written,
      feed->sequenced);
  sequencer->Start();
  context.at_shutdown([sequencer] { sequencer->Stop(); });
  static FeedbackComponents* const components = new FeedbackComponents(
      context, *feed, *lexicon, TierSourceOf(context.config),
      LoyaltyClientOf(context.config), LoyaltyTiersOf(context.config),
      CustomerSegmentsOf(context.config), TicketSettingsOf(context.config));
  ScheduleEscalation(context, components->escalation);
  const std::string& profile_address =
      context.config.GetString("customer_profile_addr");
  if (profile_address.empty()) {
    common::LogWarning(
        "not following customer-profile's feed: erasures will not "
        "anonymise feedback (set FEEDBACK_CUSTOMER_PROFILE_ADDR)");
  } else {
    FollowCustomerProfileFeed(context, profile_address, components->stores);
  }
  std::vector<std::unique_ptr<grpc::Service>> services;
  services.push_back(std::make_unique<feedback::FeedbackServiceImpl>(
      components->manager, components->survey_manager,
      components->ticket_manager, components->alert_manager,
      components->exporter, &feed->streamer));
  return services;
}

}  // namespace

int main(int argc, char** argv) {
  return common::RunServiceMain(
      {.binary_name = "crm-feedback",
       .env_prefix = "FEEDBACK",
       .database_name = "crm_feedback",
       .default_grpc_port = 50054,
       .default_admin_port = 9094,
       .migrations = &feedback::Migrations(),
       .extra_options = {{.flag = "customer_profile_addr",
                          .env = "FEEDBACK_CUSTOMER_PROFILE_ADDR",
                          .default_value = "",
                          .help = "customer-profile gRPC address whose change "
                                  "feed is followed (erasures, merges); "
                                  "empty: not followed"},
                         {.flag = "lexicon_dir",
                          .env = "FEEDBACK_LEXICON_DIR",
                          .default_value = "",
                          .help = "directory with sentiment.tsv, "
                                  "modifiers.tsv and categories.tsv replacing "
                                  "the built-in text-analysis lexicon"},
                         {.flag = "segmentation_addr",
                          .env = "FEEDBACK_SEGMENTATION_ADDR",
                          .default_value = "",
                          .help = "segmentation gRPC address asked for value "
                                  "tiers (300 ms deadline); empty: every "
                                  "tier unknown"},
                         {.flag = "ticket_time_zone",
                          .env = "FEEDBACK_TICKET_TIME_ZONE",
                          .default_value = "UTC",
                          .help = "IANA time zone of the service desk's "
                                  "hours (--business_hours)"},
                         {.flag = "business_hours",
                          .env = "FEEDBACK_BUSINESS_HOURS",
                          .default_value =
                              std::string(feedback::kDefaultBusinessHours),
                          .help = "weekly opening hours SLA time counts in, "
                                  "e.g. \"Mon-Fri 09:00-18:00,Sat "
                                  "10:00-14:00\" or \"24x7\""},
                         {.flag = "sla_policy",
                          .env = "FEEDBACK_SLA_POLICY",
                          .default_value =
                              std::string(feedback::kDefaultSlaPolicy),
                          .help = "first-response/resolution budgets of "
                                  "business time per priority, "
                                  "P1=<d>/<d>,...,P4=<d>/<d>"},
                         {.flag = "ticket_holidays",
                          .env = "FEEDBACK_TICKET_HOLIDAYS",
                          .default_value = "",
                          .help = "comma-separated YYYY-MM-DD days the "
                                  "service desk is closed"},
                         {.flag = "escalation_interval",
                          .env = "FEEDBACK_ESCALATION_INTERVAL",
                          .default_value = "1m",
                          .help = "how often tickets past their SLA "
                                  "deadlines are escalated (0s: never)"},
                         {.flag = "sla_warning_lead",
                          .env = "FEEDBACK_SLA_WARNING_LEAD",
                          .default_value = "30m",
                          .help = "how long before an open SLA deadline an "
                                  "SLA_BREACH_IMMINENT alert is raised (0s: "
                                  "never)"},
                         {.flag = "loyalty_addr",
                          .env = "FEEDBACK_LOYALTY_ADDR",
                          .default_value = "",
                          .help = "loyalty gRPC address for compensation on "
                                  "resolution (2 s deadline) and top-tier "
                                  "lookups (300 ms); empty: compensation "
                                  "unavailable"}},
       .make_services = MakeServices},
      argc, argv);
}
