// crm-loyalty: serves crm.loyalty.v1.LoyaltyService.
#include <memory>
#include <utility>
#include <vector>

#include <grpcpp/grpcpp.h>

#include "services/common/id_generator.h"
#include "services/common/server_runner.h"
#include "services/loyalty/loyalty_service.h"
#include "services/loyalty/migrations.h"
#include "services/loyalty/mysql_account_repository.h"

int main(int argc, char** argv) {
  return crm::common::RunServiceMain(
      {.binary_name = "crm-loyalty",
       .env_prefix = "LOYALTY",
       .database_name = "crm_loyalty",
       .default_grpc_port = 50053,
       .default_admin_port = 9093,
       .migrations = &crm::loyalty::Migrations(),
       .extra_options = {},
       .make_services =
           [](crm::common::ServiceContext& context) {
             std::vector<std::unique_ptr<grpc::Service>> services;
             services.push_back(
                 std::make_unique<crm::loyalty::LoyaltyServiceImpl>(
                     std::make_unique<crm::loyalty::MySqlAccountRepository>(
                         context.pool, context.clock,
                         crm::common::RandomIdGenerator::Instance())));
             return services;
           }},
      argc, argv);
}
