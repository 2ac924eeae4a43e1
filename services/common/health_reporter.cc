#include "services/common/health_reporter.h"

#include <grpcpp/impl/server_builder_plugin.h>
#include <grpcpp/impl/server_initializer.h>

#include <utility>

#include "absl/strings/match.h"
#include "services/common/logging.h"

namespace crm::common {
namespace {

// Reads the server's service list once the server has started.
class ServiceNamesPlugin final : public grpc::ServerBuilderPlugin {
 public:
  explicit ServiceNamesPlugin(std::vector<std::string>* names)
      : names_(names) {}

  std::string name() override { return "crm_service_names"; }
  void InitServer(grpc::ServerInitializer* /*si*/) override {}
  void Finish(grpc::ServerInitializer* si) override {
    names_->clear();
    const std::vector<std::string>* services = si->GetServiceList();
    if (services == nullptr) return;
    for (const std::string& service : *services) {
      if (absl::StartsWith(service, "grpc.")) continue;
      names_->push_back(service);
    }
  }
  void ChangeArguments(const std::string& /*name*/, void* /*value*/) override {}

 private:
  std::vector<std::string>* const names_;
};

class ServiceNamesOption final : public grpc::ServerBuilderOption {
 public:
  explicit ServiceNamesOption(std::vector<std::string>* names)
      : names_(names) {}

  void UpdateArguments(grpc::ChannelArguments* /*args*/) override {}
  void UpdatePlugins(std::vector<std::unique_ptr<grpc::ServerBuilderPlugin>>*
                         plugins) override {
    plugins->push_back(std::make_unique<ServiceNamesPlugin>(names_));
  }

 private:
  std::vector<std::string>* const names_;
};

}  // namespace

std::unique_ptr<grpc::ServerBuilderOption> CaptureServiceNames(
    std::vector<std::string>* names) {
  return std::make_unique<ServiceNamesOption>(names);
}

HealthReporter::HealthReporter(std::function<absl::Status()> ping,
                               grpc::HealthCheckServiceInterface* health,
                               std::vector<std::string> service_names,
                               Metrics& metrics, absl::Duration interval)
    : ping_(std::move(ping)),
      health_(health),
      service_names_(std::move(service_names)),
      metrics_(metrics),
      interval_(interval) {}

HealthReporter::~HealthReporter() { Stop(); }

void HealthReporter::Start() {
  CheckOnce();
  thread_ = std::thread([this] { Run(); });
}

void HealthReporter::Stop() {
  if (!stop_.HasBeenNotified()) stop_.Notify();
  if (thread_.joinable()) thread_.join();
}

void HealthReporter::Run() {
  while (!stop_.WaitForNotificationWithTimeout(interval_)) {
    CheckOnce();
  }
}

void HealthReporter::CheckOnce() {
  const absl::Status status = ping_();
  const bool up = status.ok();
  const bool was_up = up_.exchange(up, std::memory_order_acq_rel);
  metrics_.SetGauge("crm_db_up", "1 while the database answers, else 0.",
                    up ? 1 : 0);
  if (reported_ && up == was_up) return;
  reported_ = true;
  if (health_ != nullptr) {
    health_->SetServingStatus("", up);
    for (const std::string& name : service_names_) {
      health_->SetServingStatus(name, up);
    }
  }
  if (up) {
    LogInfo("database reachable: serving");
  } else {
    LogWarning("database unreachable: not serving",
               {{"error", std::string(status.message())}});
  }
}

}  // namespace crm::common
