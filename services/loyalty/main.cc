// crm-loyalty: serves crm.loyalty.v1.LoyaltyService.
#include <memory>
#include <vector>

#include <grpcpp/grpcpp.h>

#include "services/common/id_generator.h"
#include "services/common/idempotency.h"
#include "services/common/mysql_unit_of_work.h"
#include "services/common/server_runner.h"
#include "services/loyalty/account_manager.h"
#include "services/loyalty/loyalty_service.h"
#include "services/loyalty/migrations.h"
#include "services/loyalty/mysql_account_repository.h"

namespace {

namespace common = ::crm::common;
namespace loyalty = ::crm::loyalty;

// The storage and domain objects behind the handlers, built once per
// process.
struct LoyaltyComponents {
  explicit LoyaltyComponents(common::ServiceContext& context)
      : unit_of_work(context.pool, common::TransactionOptions{}, context.clock),
        manager(unit_of_work, accounts, idempotency, context.clock,
                common::RandomIdGenerator::Instance()) {}

  common::MySqlUnitOfWork unit_of_work;
  loyalty::MySqlAccountRepository accounts;
  common::MySqlIdempotencyRepository idempotency;
  loyalty::AccountManager manager;
};

std::vector<std::unique_ptr<grpc::Service>> MakeServices(
    common::ServiceContext& context) {
  // Lives until the process exits, so it outlives the handlers and every
  // call they serve.
  static LoyaltyComponents* const components = new LoyaltyComponents(context);
  std::vector<std::unique_ptr<grpc::Service>> services;
  services.push_back(
      std::make_unique<loyalty::LoyaltyServiceImpl>(components->manager));
  return services;
}

}  // namespace

int main(int argc, char** argv) {
  return common::RunServiceMain({.binary_name = "crm-loyalty",
                                 .env_prefix = "LOYALTY",
                                 .database_name = "crm_loyalty",
                                 .default_grpc_port = 50053,
                                 .default_admin_port = 9093,
                                 .migrations = &loyalty::Migrations(),
                                 .extra_options = {},
                                 .make_services = MakeServices},
                                argc, argv);
}
