// A minimal crm service for the RunServiceMain tests: the echo test service
// with env prefix CRMTEST and no migrations of its own, plus a background
// worker registered with ServiceContext::at_shutdown that logs
// "fixture worker stopped" when RunServiceMain stops it. A slow call (one
// with sleep_ms) logs "echo call started" first, so that a test knows it is
// in flight.
#include <chrono>
#include <memory>
#include <thread>
#include <vector>

#include "absl/synchronization/notification.h"
#include "echo_test.grpc.pb.h"
#include "services/common/logging.h"
#include "services/common/request_trace.h"
#include "services/common/server_runner.h"

namespace {

class EchoService final : public crm::testing::v1::EchoTestService::Service {
 public:
  grpc::Status Echo(grpc::ServerContext* context,
                    const crm::testing::v1::EchoRequest* request,
                    crm::testing::v1::EchoResponse* response) override {
    if (request->sleep_ms() > 0) crm::common::LogInfo("echo call started");
    // Sleeps in small steps so that a cancelled call ends promptly.
    for (int slept = 0; slept < request->sleep_ms(); slept += 10) {
      if (context->IsCancelled()) {
        return grpc::Status(grpc::StatusCode::CANCELLED, "cancelled");
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    response->set_message(request->message());
    response->set_request_id(
        crm::common::RequestTraceFrom(*context).request_id);
    return grpc::Status(static_cast<grpc::StatusCode>(request->code()), "");
  }
};

}  // namespace

int main(int argc, char** argv) {
  return crm::common::RunServiceMain(
      {.binary_name = "crm-server-runner-fixture",
       .env_prefix = "CRMTEST",
       .database_name = "crm_server_runner_fixture",
       .default_grpc_port = 0,
       .default_admin_port = 0,
       .migrations = nullptr,
       .extra_options = {},
       .make_services =
           [](crm::common::ServiceContext& context) {
             struct Worker {
               absl::Notification stop;
               std::thread thread;
             };
             auto worker = std::make_shared<Worker>();
             worker->thread = std::thread(
                 [w = worker.get()] { w->stop.WaitForNotification(); });
             context.at_shutdown([worker] {
               worker->stop.Notify();
               worker->thread.join();
               crm::common::LogInfo("fixture worker stopped");
             });
             std::vector<std::unique_ptr<grpc::Service>> services;
             services.push_back(std::make_unique<EchoService>());
             return services;
           }},
      argc, argv);
}
