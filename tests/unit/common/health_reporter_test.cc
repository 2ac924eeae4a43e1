#include "services/common/health_reporter.h"

#include <atomic>
#include <chrono>
#include <functional>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "echo_test_server.h"
#include "grpc/health/v1/health.grpc.pb.h"
#include "services/common/logging.h"
#include "tests/testing/wait.h"

namespace crm::common {
namespace {

using ::grpc::health::v1::Health;
using ::grpc::health::v1::HealthCheckRequest;
using ::grpc::health::v1::HealthCheckResponse;
using ::testing::ElementsAre;
using ::testing::HasSubstr;

// A server with the echo service, the default health service and the
// service-name capture option.
class HealthServer {
 public:
  HealthServer() {
    grpc::EnableDefaultHealthCheckService(true);
    grpc::ServerBuilder builder;
    builder.AddListeningPort("127.0.0.1:0", grpc::InsecureServerCredentials(),
                             &port_);
    builder.SetOption(CaptureServiceNames(&names_));
    builder.RegisterService(&service_);
    server_ = builder.BuildAndStart();
    stub_ = Health::NewStub(
        grpc::CreateChannel("127.0.0.1:" + std::to_string(port_),
                            grpc::InsecureChannelCredentials()));
  }
  ~HealthServer() { server_->Shutdown(std::chrono::system_clock::now()); }

  HealthCheckResponse::ServingStatus Check(const std::string& service) {
    grpc::ClientContext context;
    context.set_deadline(std::chrono::system_clock::now() +
                         std::chrono::seconds(5));
    HealthCheckRequest request;
    request.set_service(service);
    HealthCheckResponse response;
    grpc::Status status = stub_->Check(&context, request, &response);
    if (!status.ok()) return HealthCheckResponse::UNKNOWN;
    return response.status();
  }

  const std::vector<std::string>& names() const { return names_; }
  grpc::Server& server() { return *server_; }

 private:
  crm::testing::EchoService service_;
  std::vector<std::string> names_;
  int port_ = 0;
  std::unique_ptr<grpc::Server> server_;
  std::unique_ptr<Health::Stub> stub_;
};

constexpr char kEchoService[] = "crm.testing.v1.EchoTestService";

class HealthReporterTest : public ::testing::Test {
 protected:
  void SetUp() override {
    InitLogging("crm-test", LogLevel::kInfo);
    SetLogSinkForTesting(&log_);
  }
  void TearDown() override { SetLogSinkForTesting(nullptr); }

  // Polls until `service` reports `want`, within a generous deadline.
  bool WaitFor(const std::string& service,
               HealthCheckResponse::ServingStatus want) {
    return crm::testing::WaitUntil(
        [&] { return server_.Check(service) == want; });
  }

  // A probe that reports db_up_ and counts its calls.
  std::function<absl::Status()> CountingProbe() {
    return [this] {
      ++probes_;
      return db_up_ ? absl::OkStatus() : absl::UnavailableError("db down");
    };
  }

  // Waits until the reporter has probed `more` more times.
  bool WaitForMoreProbes(int more) {
    const int target = probes_.load() + more;
    return crm::testing::WaitUntil([&] { return probes_.load() >= target; });
  }

  int CountLogLines(const std::string& needle) {
    const std::string text = log_.str();
    int count = 0;
    for (size_t pos = text.find(needle); pos != std::string::npos;
         pos = text.find(needle, pos + 1)) {
      ++count;
    }
    return count;
  }

  std::ostringstream log_;
  Metrics metrics_;
  HealthServer server_;
  std::atomic<bool> db_up_{true};
  std::atomic<int> probes_{0};
};

TEST_F(HealthReporterTest, CapturesApplicationServiceNames) {
  EXPECT_THAT(server_.names(), ElementsAre(kEchoService));
}

TEST_F(HealthReporterTest, ServingFollowsPing) {
  db_up_ = false;
  HealthReporter reporter(CountingProbe(),
                          server_.server().GetHealthCheckService(),
                          server_.names(), metrics_, absl::Milliseconds(20));
  reporter.Start();
  // Start() checks synchronously.
  EXPECT_FALSE(reporter.database_up());
  EXPECT_EQ(server_.Check(""), HealthCheckResponse::NOT_SERVING);
  EXPECT_EQ(server_.Check(kEchoService), HealthCheckResponse::NOT_SERVING);
  EXPECT_THAT(metrics_.Render(), HasSubstr("crm_db_up 0\n"));

  db_up_ = true;
  EXPECT_TRUE(WaitFor("", HealthCheckResponse::SERVING));
  EXPECT_TRUE(WaitFor(kEchoService, HealthCheckResponse::SERVING));
  EXPECT_TRUE(reporter.database_up());
  EXPECT_THAT(metrics_.Render(), HasSubstr("crm_db_up 1\n"));

  db_up_ = false;
  EXPECT_TRUE(WaitFor("", HealthCheckResponse::NOT_SERVING));
  EXPECT_TRUE(WaitFor(kEchoService, HealthCheckResponse::NOT_SERVING));
  // Several more polls without a change log nothing new.
  ASSERT_TRUE(WaitForMoreProbes(5));
  reporter.Stop();
  EXPECT_EQ(CountLogLines("database unreachable"), 2);
  EXPECT_EQ(CountLogLines("database reachable"), 1);
  EXPECT_THAT(log_.str(), HasSubstr("db down"));
}

TEST_F(HealthReporterTest, StopIsIdempotentAndKeepsLastStatus) {
  HealthReporter reporter([] { return absl::OkStatus(); },
                          server_.server().GetHealthCheckService(),
                          server_.names(), metrics_, absl::Milliseconds(10));
  reporter.Start();
  EXPECT_EQ(server_.Check(""), HealthCheckResponse::SERVING);
  reporter.Stop();
  reporter.Stop();
  EXPECT_EQ(server_.Check(kEchoService), HealthCheckResponse::SERVING);
}

TEST_F(HealthReporterTest, HealthShutdownForcesNotServing) {
  HealthReporter reporter(CountingProbe(),
                          server_.server().GetHealthCheckService(),
                          server_.names(), metrics_, absl::Milliseconds(10));
  reporter.Start();
  server_.server().GetHealthCheckService()->Shutdown();
  // The reporter keeps polling, but updates after Shutdown() are ignored.
  ASSERT_TRUE(WaitForMoreProbes(3));
  EXPECT_EQ(server_.Check(""), HealthCheckResponse::NOT_SERVING);
  EXPECT_EQ(server_.Check(kEchoService), HealthCheckResponse::NOT_SERVING);
}

}  // namespace
}  // namespace crm::common
