// crm-feedback: serves crm.feedback.v1.FeedbackService.
#include <memory>
#include <vector>

#include <grpcpp/grpcpp.h>

#include "services/common/id_generator.h"
#include "services/common/idempotency.h"
#include "services/common/mysql_unit_of_work.h"
#include "services/common/server_runner.h"
#include "services/feedback/feedback_manager.h"
#include "services/feedback/feedback_service.h"
#include "services/feedback/migrations.h"
#include "services/feedback/mysql_feedback_repository.h"

namespace {

namespace common = ::crm::common;
namespace feedback = ::crm::feedback;

// The storage and domain objects behind the handlers, built once per
// process.
struct FeedbackComponents {
  explicit FeedbackComponents(common::ServiceContext& context)
      : unit_of_work(context.pool, common::TransactionOptions{}, context.clock),
        manager(unit_of_work, items, idempotency, context.clock,
                common::RandomIdGenerator::Instance()) {}

  common::MySqlUnitOfWork unit_of_work;
  feedback::MySqlFeedbackRepository items;
  common::MySqlIdempotencyRepository idempotency;
  feedback::FeedbackManager manager;
};

std::vector<std::unique_ptr<grpc::Service>> MakeServices(
    common::ServiceContext& context) {
  // Lives until the process exits, so it outlives the handlers and every
  // call they serve.
  static FeedbackComponents* const components = new FeedbackComponents(context);
  std::vector<std::unique_ptr<grpc::Service>> services;
  services.push_back(
      std::make_unique<feedback::FeedbackServiceImpl>(components->manager));
  return services;
}

}  // namespace

int main(int argc, char** argv) {
  return common::RunServiceMain({.binary_name = "crm-feedback",
                                 .env_prefix = "FEEDBACK",
                                 .database_name = "crm_feedback",
                                 .default_grpc_port = 50054,
                                 .default_admin_port = 9094,
                                 .migrations = &feedback::Migrations(),
                                 .extra_options = {},
                                 .make_services = MakeServices},
                                argc, argv);
}
