// RunServiceMain end to end against the test MariaDB: the fixture binary is
// started as a child process with its stderr (the JSON log) in a file.
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <google/protobuf/struct.pb.h>
#include <google/protobuf/util/json_util.h>
#include <grpcpp/grpcpp.h>

#include <chrono>
#include <cstdlib>
#include <fstream>
#include <optional>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/time/time.h"
#include "echo_test.grpc.pb.h"
#include "grpc/health/v1/health.grpc.pb.h"
#include "tests/testing/status_matchers.h"
#include "tests/testing/test_database.h"
#include "tests/testing/wait.h"

extern char** environ;

namespace crm::common {
namespace {

using ::grpc::health::v1::Health;
using ::grpc::health::v1::HealthCheckRequest;
using ::grpc::health::v1::HealthCheckResponse;
using ::testing::HasSubstr;
using ::testing::MatchesRegex;

std::chrono::system_clock::time_point In(std::chrono::milliseconds d) {
  return std::chrono::system_clock::now() + d;
}

// One run of the fixture binary.
class Child {
 public:
  Child(const std::vector<std::string>& args,
        const std::vector<std::string>& extra_env) {
    char log_template[] = "/tmp/crm_server_runner_log_XXXXXX";
    const int fd = mkstemp(log_template);
    EXPECT_GE(fd, 0);
    log_path_ = log_template;
    std::vector<std::string> argv_storage = {CRM_SERVER_FIXTURE_PATH};
    argv_storage.insert(argv_storage.end(), args.begin(), args.end());
    std::vector<std::string> env_storage;
    for (char** e = environ; *e != nullptr; ++e) {
      if (!absl::StartsWith(*e, "CRMTEST_")) env_storage.push_back(*e);
    }
    env_storage.insert(env_storage.end(), extra_env.begin(), extra_env.end());
    std::vector<char*> argv, envp;
    for (std::string& a : argv_storage) argv.push_back(a.data());
    argv.push_back(nullptr);
    for (std::string& e : env_storage) envp.push_back(e.data());
    envp.push_back(nullptr);
    pid_ = fork();
    if (pid_ == 0) {
      dup2(fd, STDERR_FILENO);
      execve(argv[0], argv.data(), envp.data());
      _exit(127);
    }
    close(fd);
  }
  ~Child() {
    if (pid_ > 0 && !exit_code_.has_value()) {
      kill(pid_, SIGKILL);
      waitpid(pid_, nullptr, 0);
    }
    unlink(log_path_.c_str());
  }

  std::string Log() const {
    std::ifstream in(log_path_);
    std::stringstream buffer;
    buffer << in.rdbuf();
    return buffer.str();
  }

  // The first log line whose message is `message`, waiting up to `timeout`
  // (or until the child exits without having logged it).
  std::optional<google::protobuf::Struct> WaitForMessage(
      const std::string& message,
      absl::Duration timeout = crm::testing::kDefaultWaitTimeout) {
    std::optional<google::protobuf::Struct> found;
    crm::testing::WaitUntil(
        [&] {
          // Exited() first: a line logged just before exiting is still read.
          const bool exited = Exited();
          found = FindMessage(message);
          return found.has_value() || exited;
        },
        timeout, absl::Milliseconds(20));
    return found;
  }

  void Signal(int signal_number) { kill(pid_, signal_number); }

  // The exit code, or -1 if the child did not exit within `timeout`.
  int Wait(absl::Duration timeout = crm::testing::kDefaultWaitTimeout) {
    crm::testing::WaitUntil([&] { return Exited(); }, timeout,
                            absl::Milliseconds(20));
    return exit_code_.value_or(-1);
  }

 private:
  std::optional<google::protobuf::Struct> FindMessage(
      const std::string& message) const {
    for (absl::string_view line :
         absl::StrSplit(Log(), '\n', absl::SkipEmpty())) {
      google::protobuf::Struct parsed;
      if (!google::protobuf::util::JsonStringToMessage(std::string(line),
                                                       &parsed)
               .ok()) {
        continue;
      }
      auto it = parsed.fields().find("message");
      if (it != parsed.fields().end() && it->second.string_value() == message) {
        return parsed;
      }
    }
    return std::nullopt;
  }

  bool Exited() {
    if (exit_code_.has_value()) return true;
    int status = 0;
    if (waitpid(pid_, &status, WNOHANG) == pid_) {
      exit_code_ =
          WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
      return true;
    }
    return false;
  }

  pid_t pid_ = -1;
  std::string log_path_;
  std::optional<int> exit_code_;
};

std::string Field(const google::protobuf::Struct& s, const std::string& key) {
  auto it = s.fields().find(key);
  return it == s.fields().end() ? "" : it->second.string_value();
}

// Status code of a plain HTTP/1.1 GET, or -1.
int HttpGetStatus(int port, const std::string& path, std::string* body) {
  const int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_port = htons(static_cast<uint16_t>(port));
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof(address)) !=
      0) {
    close(fd);
    return -1;
  }
  const std::string request =
      absl::StrCat("GET ", path,
                   " HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n");
  if (write(fd, request.data(), request.size()) !=
      static_cast<ssize_t>(request.size())) {
    close(fd);
    return -1;
  }
  std::string response;
  char buffer[4096];
  for (ssize_t n; (n = read(fd, buffer, sizeof(buffer))) > 0;) {
    response.append(buffer, static_cast<size_t>(n));
  }
  close(fd);
  int status = -1;
  std::vector<std::string> words = absl::StrSplit(response, ' ');
  if (words.size() < 2 || !absl::SimpleAtoi(words[1], &status)) return -1;
  if (body != nullptr) {
    const size_t start = response.find("\r\n\r\n");
    *body = start == std::string::npos ? "" : response.substr(start + 4);
  }
  return status;
}

class ServerRunnerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    CRM_ASSERT_OK_AND_ASSIGN(db_, crm::testing::TestDatabase::Create("runner"));
  }

  std::vector<std::string> DbEnv() const {
    const MySqlOptions options = db_->Options();
    return {absl::StrCat("CRMTEST_DB_HOST=", options.host),
            absl::StrCat("CRMTEST_DB_PORT=", options.port),
            absl::StrCat("CRMTEST_DB_NAME=", db_->name()),
            absl::StrCat("CRMTEST_DB_USER=", options.user),
            absl::StrCat("CRMTEST_DB_PASSWORD=", options.password),
            "CRMTEST_BIND_ADDRESS=127.0.0.1"};
  }

  std::unique_ptr<crm::testing::TestDatabase> db_;
};

struct Ports {
  int grpc = 0;
  int admin = 0;
};

std::optional<Ports> ServingPorts(Child& child) {
  std::optional<google::protobuf::Struct> serving =
      child.WaitForMessage("serving");
  if (!serving.has_value()) return std::nullopt;
  Ports ports;
  std::vector<std::string> address =
      absl::StrSplit(Field(*serving, "grpc_address"), ':');
  if (address.size() != 2 || !absl::SimpleAtoi(address[1], &ports.grpc) ||
      !absl::SimpleAtoi(Field(*serving, "admin_port"), &ports.admin)) {
    return std::nullopt;
  }
  return ports;
}

HealthCheckResponse::ServingStatus CheckHealth(Health::Stub& stub,
                                               const std::string& service) {
  grpc::ClientContext context;
  context.set_deadline(In(std::chrono::seconds(5)));
  HealthCheckRequest request;
  request.set_service(service);
  HealthCheckResponse response;
  if (!stub.Check(&context, request, &response).ok()) {
    return HealthCheckResponse::UNKNOWN;
  }
  return response.status();
}

TEST_F(ServerRunnerTest, ServesAndStopsCleanlyOnSigterm) {
  // A grace far longer than Wait()'s deadline: with no call in flight the
  // server must stop without waiting it out.
  Child child({"--grpc_port=0", "--admin_port=0", "--log_level=debug",
               "--shutdown_grace=10m"},
              DbEnv());
  std::optional<Ports> ports = ServingPorts(child);
  ASSERT_TRUE(ports.has_value()) << child.Log();

  {
    // Scoped: an idle client channel that is still open answers the server's
    // GOAWAY only when its backup poller runs (every 5 s), which would make
    // the shutdown below wait for it.
    auto channel = grpc::CreateChannel(absl::StrCat("127.0.0.1:", ports->grpc),
                                       grpc::InsecureChannelCredentials());
    auto health = Health::NewStub(channel);
    EXPECT_EQ(CheckHealth(*health, ""), HealthCheckResponse::SERVING);
    EXPECT_EQ(CheckHealth(*health, "crm.testing.v1.EchoTestService"),
              HealthCheckResponse::SERVING);

    auto echo = crm::testing::v1::EchoTestService::NewStub(channel);
    grpc::ClientContext context;
    context.set_deadline(In(std::chrono::seconds(5)));
    context.AddMetadata("x-request-id", "it-request-1");
    crm::testing::v1::EchoRequest request;
    request.set_message("hi");
    crm::testing::v1::EchoResponse response;
    ASSERT_TRUE(echo->Echo(&context, request, &response).ok());
    EXPECT_EQ(response.request_id(), "it-request-1");
  }

  std::string body;
  EXPECT_EQ(HttpGetStatus(ports->admin, "/healthz", &body), 200);
  EXPECT_EQ(HttpGetStatus(ports->admin, "/readyz", &body), 200);
  EXPECT_EQ(HttpGetStatus(ports->admin, "/metrics", &body), 200);
  EXPECT_THAT(body, HasSubstr("crm_grpc_server_handled_total{code=\"OK\","
                              "method=\"/crm.testing.v1.EchoTestService/"
                              "Echo\"} 1"));
  EXPECT_THAT(body, HasSubstr("crm_db_up 1"));
  EXPECT_THAT(body,
              MatchesRegex("(.|\n)*crm_db_pool_capacity [0-9]+\n(.|\n)*"));

  const std::string log = child.Log();
  EXPECT_THAT(log, HasSubstr("db_password=<set>"));
  EXPECT_THAT(log, ::testing::Not(HasSubstr(db_->Options().password.empty()
                                                ? "\x01"
                                                : db_->Options().password)));

  child.Signal(SIGTERM);
  EXPECT_EQ(child.Wait(), 0) << child.Log();
  EXPECT_TRUE(child.WaitForMessage("stopped").has_value()) << child.Log();
  EXPECT_TRUE(child.WaitForMessage("shutting down").has_value());
  // Background workers registered with at_shutdown are stopped, before the
  // pool closes (before "stopped").
  const std::string final_log = child.Log();
  EXPECT_THAT(final_log, HasSubstr("fixture worker stopped"));
  EXPECT_LT(final_log.find("fixture worker stopped"),
            final_log.find("\"stopped\""));
}

TEST_F(ServerRunnerTest, DrainsInFlightCallsOnSigterm) {
  Child child({"--shutdown_grace=10s"}, DbEnv());
  std::optional<Ports> ports = ServingPorts(child);
  ASSERT_TRUE(ports.has_value()) << child.Log();
  auto echo = crm::testing::v1::EchoTestService::NewStub(
      grpc::CreateChannel(absl::StrCat("127.0.0.1:", ports->grpc),
                          grpc::InsecureChannelCredentials()));

  grpc::Status status;
  crm::testing::v1::EchoResponse response;
  std::thread call([&] {
    grpc::ClientContext context;
    context.set_deadline(In(std::chrono::seconds(20)));
    crm::testing::v1::EchoRequest request;
    request.set_message("slow");
    // The slowness is the behaviour under test: the call is still running
    // when SIGTERM arrives.
    request.set_sleep_ms(2000);
    status = echo->Echo(&context, request, &response);
  });
  ASSERT_TRUE(child.WaitForMessage("echo call started")) << child.Log();
  child.Signal(SIGTERM);
  call.join();
  EXPECT_TRUE(status.ok()) << status.error_message();
  EXPECT_EQ(response.message(), "slow");
  EXPECT_EQ(child.Wait(), 0) << child.Log();
}

TEST_F(ServerRunnerTest, GraceDeadlineCancelsLongCalls) {
  // The call would run 10 minutes; the server must stop after the grace,
  // well within Wait()'s deadline.
  Child child({"--shutdown_grace=300ms"}, DbEnv());
  std::optional<Ports> ports = ServingPorts(child);
  ASSERT_TRUE(ports.has_value()) << child.Log();
  auto echo = crm::testing::v1::EchoTestService::NewStub(
      grpc::CreateChannel(absl::StrCat("127.0.0.1:", ports->grpc),
                          grpc::InsecureChannelCredentials()));
  grpc::Status status;
  std::thread call([&] {
    grpc::ClientContext context;
    context.set_deadline(In(std::chrono::minutes(20)));
    crm::testing::v1::EchoRequest request;
    request.set_sleep_ms(10 * 60 * 1000);
    crm::testing::v1::EchoResponse response;
    status = echo->Echo(&context, request, &response);
  });
  ASSERT_TRUE(child.WaitForMessage("echo call started")) << child.Log();
  child.Signal(SIGTERM);
  EXPECT_EQ(child.Wait(), 0) << child.Log();
  call.join();
  EXPECT_FALSE(status.ok());
}

TEST_F(ServerRunnerTest, MissingPasswordExitsTwoNamingIt) {
  std::vector<std::string> env = DbEnv();
  std::erase_if(env, [](const std::string& e) {
    return absl::StartsWith(e, "CRMTEST_DB_PASSWORD=");
  });
  Child child({}, env);
  EXPECT_EQ(child.Wait(), 2) << child.Log();
  std::optional<google::protobuf::Struct> line =
      child.WaitForMessage("invalid configuration");
  ASSERT_TRUE(line.has_value()) << child.Log();
  EXPECT_EQ(Field(*line, "level"), "ERROR");
  EXPECT_THAT(Field(*line, "error"),
              HasSubstr("--db_password (or env CRMTEST_DB_PASSWORD)"));
}

TEST_F(ServerRunnerTest, UnknownFlagExitsTwo) {
  Child child({"--no_such_flag=1"}, DbEnv());
  EXPECT_EQ(child.Wait(), 2) << child.Log();
  EXPECT_THAT(child.Log(), HasSubstr("unknown flag --no_such_flag"));
}

TEST_F(ServerRunnerTest, FewerMaxThanMinPollersExitsTwoNamingThem) {
  Child child({"--grpc_min_pollers=4", "--grpc_max_pollers=3"}, DbEnv());
  EXPECT_EQ(child.Wait(), 2) << child.Log();
  std::optional<google::protobuf::Struct> line =
      child.WaitForMessage("invalid configuration");
  ASSERT_TRUE(line.has_value()) << child.Log();
  EXPECT_THAT(Field(*line, "error"), HasSubstr("--grpc_max_pollers"));
}

TEST_F(ServerRunnerTest, UnreachableDatabaseExitsOne) {
  Child child({"--db_port=1", "--db_wait=1s"}, DbEnv());
  EXPECT_EQ(child.Wait(), 1) << child.Log();
  EXPECT_TRUE(child.WaitForMessage("database unavailable at start-up"))
      << child.Log();
}

TEST_F(ServerRunnerTest, SigtermWhileWaitingForDatabaseExitsZero) {
  // A database wait far longer than Wait()'s deadline: SIGTERM must end it.
  Child child({"--db_port=1", "--db_wait=10m"}, DbEnv());
  ASSERT_TRUE(child.WaitForMessage("waiting for the database")) << child.Log();
  child.Signal(SIGTERM);
  EXPECT_EQ(child.Wait(), 0) << child.Log();
}

TEST_F(ServerRunnerTest, PortInUseIsAClearError) {
  // Hold a port the way another server would.
  const int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ASSERT_EQ(bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof(address)),
            0);
  ASSERT_EQ(listen(fd, 1), 0);
  socklen_t length = sizeof(address);
  getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length);
  const int port = ntohs(address.sin_port);

  Child child({absl::StrCat("--grpc_port=", port)}, DbEnv());
  EXPECT_EQ(child.Wait(), 1) << child.Log();
  std::optional<google::protobuf::Struct> line = child.WaitForMessage(
      "cannot listen for gRPC (port in use or address invalid)");
  ASSERT_TRUE(line.has_value()) << child.Log();
  EXPECT_EQ(Field(*line, "address"), absl::StrCat("127.0.0.1:", port));
  close(fd);
}

TEST_F(ServerRunnerTest, MigrateOnlyAppliesAndExits) {
  Child child({"--migrate_only"}, DbEnv());
  EXPECT_EQ(child.Wait(), 0) << child.Log();
  EXPECT_TRUE(child.WaitForMessage("migrations applied")) << child.Log();
  EXPECT_FALSE(child.WaitForMessage("serving", absl::ZeroDuration()));
  // DO fails unless the table exists, and returns no result set.
  EXPECT_THAT(db_->Execute("DO (SELECT COUNT(*) FROM schema_migrations)"),
              crm::testing::IsOk());
}

}  // namespace
}  // namespace crm::common
