// crm-feedback: serves crm.feedback.v1.FeedbackService and follows
// customer-profile's change feed (erasures and merges).
#include <cstdlib>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include <grpcpp/grpcpp.h>

#include "crm/customerprofile/v1/customer_profile_service.grpc.pb.h"
#include "services/common/change_feed_consumer.h"
#include "services/common/id_generator.h"
#include "services/common/idempotency.h"
#include "services/common/logging.h"
#include "services/common/mysql_unit_of_work.h"
#include "services/common/server_runner.h"
#include "services/customer_profile/change_feed_client.h"
#include "services/feedback/customer_profile_events.h"
#include "services/feedback/feedback_manager.h"
#include "services/feedback/feedback_service.h"
#include "services/feedback/migrations.h"
#include "services/feedback/mysql_feedback_repository.h"
#include "services/feedback/mysql_survey_repository.h"
#include "services/feedback/text_lexicon.h"

namespace {

namespace common = ::crm::common;
namespace feedback = ::crm::feedback;
namespace cp = ::crm::customerprofile::v1;

// The storage and domain objects behind the handlers, built once per
// process.
struct FeedbackComponents {
  FeedbackComponents(common::ServiceContext& context,
                     const feedback::Lexicon& lexicon)
      : unit_of_work(context.pool, common::TransactionOptions{}, context.clock),
        manager(unit_of_work, items, idempotency, context.clock,
                common::RandomIdGenerator::Instance(), lexicon),
        survey_manager(unit_of_work, surveys, idempotency, context.clock,
                       common::RandomIdGenerator::Instance()) {}

  common::MySqlUnitOfWork unit_of_work;
  feedback::MySqlFeedbackRepository items;
  feedback::MySqlSurveyRepository surveys;
  common::MySqlIdempotencyRepository idempotency;
  feedback::FeedbackManager manager;
  feedback::SurveyManager survey_manager;
};

// Follows customer-profile's feed at `address` (erasures anonymise, merges
// move items) until shutdown.
void FollowCustomerProfileFeed(common::ServiceContext& context,
                               const std::string& address,
                               feedback::FeedbackRepository& items,
                               feedback::SurveyRepository& surveys) {
  auto stub = std::shared_ptr<cp::CustomerProfileService::Stub>(
      cp::CustomerProfileService::NewStub(
          grpc::CreateChannel(address, grpc::InsecureChannelCredentials())));
  common::FeedConsumerOptions options;
  options.consumer = "feedback";
  auto consumer = std::make_shared<common::FeedConsumer>(
      context.pool,
      crm::customer_profile::MakeCustomerProfileFeedOpener(
          stub.get(), feedback::CustomerProfileEventTypes()),
      [&items, &surveys](sql::Connection& connection, int64_t /*sequence*/,
                         absl::string_view payload) {
        const common::RequestContext request;
        common::MySqlTransaction tx(connection, request);
        return feedback::ApplyCustomerProfileEvent(items, surveys, tx, payload);
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
  // Lives until the process exits, so it outlives the handlers and every
  // call they serve.
  static FeedbackComponents* const components =
      new FeedbackComponents(context, *lexicon);
  const std::string& profile_address =
      context.config.GetString("customer_profile_addr");
  if (profile_address.empty()) {
    common::LogWarning(
        "not following customer-profile's feed: erasures will not "
        "anonymise feedback (set FEEDBACK_CUSTOMER_PROFILE_ADDR)");
  } else {
    FollowCustomerProfileFeed(context, profile_address, components->items,
                              components->surveys);
  }
  std::vector<std::unique_ptr<grpc::Service>> services;
  services.push_back(std::make_unique<feedback::FeedbackServiceImpl>(
      components->manager, components->survey_manager));
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
                                  "the built-in text-analysis lexicon"}},
       .make_services = MakeServices},
      argc, argv);
}
