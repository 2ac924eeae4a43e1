// crm-segmentation: serves crm.segmentation.v1.SegmentationService.
#include <memory>
#include <utility>
#include <vector>

#include <grpcpp/grpcpp.h>

#include "services/common/id_generator.h"
#include "services/common/server_runner.h"
#include "services/segmentation/migrations.h"
#include "services/segmentation/mysql_segment_repository.h"
#include "services/segmentation/segmentation_service.h"

int main(int argc, char** argv) {
  return crm::common::RunServiceMain(
      {.binary_name = "crm-segmentation",
       .env_prefix = "SEGMENTATION",
       .database_name = "crm_segmentation",
       .default_grpc_port = 50052,
       .default_admin_port = 9092,
       .migrations = &crm::segmentation::Migrations(),
       .extra_options = {},
       .make_services =
           [](crm::common::ServiceContext& context) {
             std::vector<std::unique_ptr<grpc::Service>> services;
             services.push_back(std::make_unique<
                                crm::segmentation::SegmentationServiceImpl>(
                 std::make_unique<crm::segmentation::MySqlSegmentRepository>(
                     context.pool, context.clock,
                     crm::common::RandomIdGenerator::Instance())));
             return services;
           }},
      argc, argv);
}
