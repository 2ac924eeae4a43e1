// Database-driven gRPC health for RunServiceMain.
//
// HealthReporter pings the database once per interval on its own thread and
// sets the grpc.health.v1 status of "" and of every listed service: SERVING
// only while the ping succeeds. Transitions are logged once each, and the
// gauge crm_db_up (1/0) follows the ping.
//
// Service names are discovered from the server itself: CaptureServiceNames()
// returns a ServerBuilder option whose plugin records the fully qualified
// names of the services registered on the server (e.g.
// "crm.loyalty.v1.LoyaltyService"), leaving out gRPC's own health and
// reflection services. Nothing has to be declared by hand.
#pragma once

#include <grpcpp/health_check_service_interface.h>
#include <grpcpp/impl/server_builder_option.h>

#include <atomic>
#include <functional>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/status/status.h"
#include "absl/synchronization/notification.h"
#include "absl/time/time.h"
#include "services/common/metrics.h"

namespace crm::common {

// An option for ServerBuilder::SetOption(). After BuildAndStart(), `*names`
// holds the application services' names. `names` must outlive the build.
std::unique_ptr<grpc::ServerBuilderOption> CaptureServiceNames(
    std::vector<std::string>* names);

class HealthReporter {
 public:
  // `ping` is called from the reporter's thread; `health` (not owned) is the
  // server's health service and must outlive Stop().
  HealthReporter(std::function<absl::Status()> ping,
                 grpc::HealthCheckServiceInterface* health,
                 std::vector<std::string> service_names, Metrics& metrics,
                 absl::Duration interval = absl::Seconds(1));
  HealthReporter(const HealthReporter&) = delete;
  HealthReporter& operator=(const HealthReporter&) = delete;
  ~HealthReporter();  // Calls Stop().

  // Checks once synchronously (so the status is right when Start() returns),
  // then keeps checking every interval on a background thread.
  void Start();
  // Stops the thread; leaves the last status in place. Idempotent.
  void Stop();

  // Whether the last ping succeeded.
  bool database_up() const { return up_.load(std::memory_order_acquire); }

 private:
  void CheckOnce();
  void Run();

  const std::function<absl::Status()> ping_;
  grpc::HealthCheckServiceInterface* const health_;
  const std::vector<std::string> service_names_;
  Metrics& metrics_;
  const absl::Duration interval_;
  std::atomic<bool> up_{false};
  bool reported_ = false;  // Whether any state has been logged yet.
  absl::Notification stop_;
  std::thread thread_;
};

}  // namespace crm::common
