// crm-customer-profile: serves crm.customerprofile.v1.CustomerProfileService.
#include <memory>
#include <utility>
#include <vector>

#include <grpcpp/grpcpp.h>

#include "services/common/id_generator.h"
#include "services/common/server_runner.h"
#include "services/customer_profile/customer_profile_service.h"
#include "services/customer_profile/migrations.h"
#include "services/customer_profile/mysql_customer_repository.h"

int main(int argc, char** argv) {
  return crm::common::RunServiceMain(
      {.binary_name = "crm-customer-profile",
       .env_prefix = "CUSTOMER_PROFILE",
       .database_name = "crm_customer_profile",
       .default_grpc_port = 50051,
       .default_admin_port = 9091,
       .migrations = &crm::customer_profile::Migrations(),
       .extra_options = {},
       .make_services =
           [](crm::common::ServiceContext& context) {
             std::vector<std::unique_ptr<grpc::Service>> services;
             services.push_back(
                 std::make_unique<
                     crm::customer_profile::CustomerProfileServiceImpl>(
                     std::make_unique<
                         crm::customer_profile::MySqlCustomerRepository>(
                         context.pool, context.clock,
                         crm::common::RandomIdGenerator::Instance())));
             return services;
           }},
      argc, argv);
}
