// crm-segmentation: serves crm.segmentation.v1.SegmentationService.
#include <memory>
#include <vector>

#include <grpcpp/grpcpp.h>

#include "services/common/id_generator.h"
#include "services/common/idempotency.h"
#include "services/common/mysql_unit_of_work.h"
#include "services/common/server_runner.h"
#include "services/segmentation/migrations.h"
#include "services/segmentation/mysql_segment_repository.h"
#include "services/segmentation/segment_manager.h"
#include "services/segmentation/segmentation_service.h"

namespace {

namespace common = ::crm::common;
namespace segmentation = ::crm::segmentation;

// The storage and domain objects behind the handlers, built once per
// process.
struct SegmentationComponents {
  explicit SegmentationComponents(common::ServiceContext& context)
      : unit_of_work(context.pool, common::TransactionOptions{}, context.clock),
        manager(unit_of_work, segments, idempotency, context.clock,
                common::RandomIdGenerator::Instance()) {}

  common::MySqlUnitOfWork unit_of_work;
  segmentation::MySqlSegmentRepository segments;
  common::MySqlIdempotencyRepository idempotency;
  segmentation::SegmentManager manager;
};

std::vector<std::unique_ptr<grpc::Service>> MakeServices(
    common::ServiceContext& context) {
  // Lives until the process exits, so it outlives the handlers and every
  // call they serve.
  static SegmentationComponents* const components =
      new SegmentationComponents(context);
  std::vector<std::unique_ptr<grpc::Service>> services;
  services.push_back(std::make_unique<segmentation::SegmentationServiceImpl>(
      components->manager));
  return services;
}

}  // namespace

int main(int argc, char** argv) {
  return common::RunServiceMain({.binary_name = "crm-segmentation",
                                 .env_prefix = "SEGMENTATION",
                                 .database_name = "crm_segmentation",
                                 .default_grpc_port = 50052,
                                 .default_admin_port = 9092,
                                 .migrations = &segmentation::Migrations(),
                                 .extra_options = {},
                                 .make_services = MakeServices},
                                argc, argv);
}
