// crm-feedback: serves crm.feedback.v1.FeedbackService.
#include <memory>
#include <utility>
#include <vector>

#include <grpcpp/grpcpp.h>

#include "services/common/id_generator.h"
#include "services/common/server_runner.h"
#include "services/feedback/feedback_service.h"
#include "services/feedback/migrations.h"
#include "services/feedback/mysql_feedback_repository.h"

int main(int argc, char** argv) {
  return crm::common::RunServiceMain(
      {.binary_name = "crm-feedback",
       .env_prefix = "FEEDBACK",
       .database_name = "crm_feedback",
       .default_grpc_port = 50054,
       .default_admin_port = 9094,
       .migrations = &crm::feedback::Migrations(),
       .extra_options = {},
       .make_services =
           [](crm::common::ServiceContext& context) {
             std::vector<std::unique_ptr<grpc::Service>> services;
             services.push_back(
                 std::make_unique<crm::feedback::FeedbackServiceImpl>(
                     std::make_unique<crm::feedback::MySqlFeedbackRepository>(
                         context.pool, context.clock,
                         crm::common::RandomIdGenerator::Instance())));
             return services;
           }},
      argc, argv);
}
