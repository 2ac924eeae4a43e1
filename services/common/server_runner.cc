#include "services/common/server_runner.h"

#include <grpcpp/ext/proto_server_reflection_plugin.h>
#include <grpcpp/health_check_service_interface.h>
#include <grpcpp/impl/codegen/service_type.h>
#include <pthread.h>
#include <signal.h>

#include <algorithm>
#include <atomic>
#include <cstring>
#include <thread>
#include <utility>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/strip.h"
#include "absl/synchronization/mutex.h"
#include "absl/synchronization/notification.h"
#include "absl/time/clock.h"
#include "services/common/admin_endpoints.h"
#include "services/common/error_details.h"
#include "services/common/health_reporter.h"
#include "services/common/http_server.h"
#include "services/common/idempotency_retention.h"
#include "services/common/lame_duck.h"
#include "services/common/logging.h"
#include "services/common/server_interceptor.h"
#include "services/common/status_macros.h"

namespace crm::common {
namespace {

constexpr int kConfigErrorExit = 2;
constexpr int kStartupErrorExit = 1;
constexpr int kMaxReceiveMessageBytes = 16 * 1024 * 1024;

sigset_t TerminationSignals() {
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGTERM);
  sigaddset(&signals, SIGINT);
  return signals;
}

// Waits for SIGTERM/SIGINT on a dedicated thread (the signals are blocked in
// every other thread) and fires `requested()` when one arrives.
class SignalWatcher {
 public:
  SignalWatcher() {
    thread_ = std::thread([this] {
      const sigset_t signals = TerminationSignals();
      while (true) {
        int signal_number = 0;
        if (sigwait(&signals, &signal_number) != 0) continue;
        if (stopping_.load(std::memory_order_acquire)) return;
        signal_.store(signal_number, std::memory_order_release);
        requested_.Notify();
        return;
      }
    });
  }
  SignalWatcher(const SignalWatcher&) = delete;
  SignalWatcher& operator=(const SignalWatcher&) = delete;

  // Wakes the thread if no signal came (a signal directed at the thread
  // itself) and joins it.
  ~SignalWatcher() {
    if (!requested_.HasBeenNotified()) {
      stopping_.store(true, std::memory_order_release);
      pthread_kill(thread_.native_handle(), SIGTERM);
    }
    thread_.join();
  }

  absl::Notification& requested() { return requested_; }
  std::string signal_name() const {
    const int number = signal_.load(std::memory_order_acquire);
    return number == SIGINT ? "SIGINT" : number == SIGTERM ? "SIGTERM" : "";
  }

 private:
  absl::Notification requested_;
  std::atomic<bool> stopping_{false};
  std::atomic<int> signal_{0};
  std::thread thread_;
};

// Pool gauges read the pool through this holder, so a scrape after the pool
// is gone reads zeros instead of a dangling pointer (the registry is
// process-wide and outlives RunServiceMain).
struct PoolGauges {
  absl::Mutex mu;
  const MySqlPool* pool ABSL_GUARDED_BY(mu) = nullptr;

  double Read(int (MySqlPool::*getter)() const) {
    absl::MutexLock lock(&mu);
    return pool == nullptr ? 0 : (pool->*getter)();
  }
};

void RegisterPoolGauges(Metrics& metrics, std::shared_ptr<PoolGauges> gauges) {
  metrics.SetGaugeCallback(
      "crm_db_pool_in_use", "Database connections currently borrowed.",
      [gauges] { return gauges->Read(&MySqlPool::in_use); });
  metrics.SetGaugeCallback("crm_db_pool_open",
                           "Database connections open (idle and borrowed).",
                           [gauges] { return gauges->Read(&MySqlPool::open); });
  metrics.SetGaugeCallback(
      "crm_db_pool_capacity", "Upper bound on open database connections.",
      [gauges] { return gauges->Read(&MySqlPool::capacity); });
}

std::vector<ConfigOption> BuildOptions(const ServiceDefinition& definition) {
  const std::string& p = definition.env_prefix;
  std::vector<ConfigOption> options = {
      {.flag = "grpc_port",
       .env = p + "_GRPC_PORT",
       .default_value = std::to_string(definition.default_grpc_port),
       .help = "gRPC listen port"},
      {.flag = "admin_port",
       .env = p + "_ADMIN_PORT",
       .default_value = std::to_string(definition.default_admin_port),
       .help = "admin HTTP port (/metrics, /healthz, /readyz)"},
      {.flag = "bind_address",
       .env = p + "_BIND_ADDRESS",
       .default_value = "0.0.0.0",
       .help = "address both ports listen on"},
      {.flag = "db_host",
       .env = p + "_DB_HOST",
       .default_value = "127.0.0.1",
       .help = "MySQL/MariaDB host"},
      {.flag = "db_port",
       .env = p + "_DB_PORT",
       .default_value = "3306",
       .help = "MySQL/MariaDB port"},
      {.flag = "db_name",
       .env = p + "_DB_NAME",
       .default_value = definition.database_name,
       .help = "database name"},
      {.flag = "db_user",
       .env = p + "_DB_USER",
       .default_value = "",
       .required = true,
       .help = "database user"},
      {.flag = "db_password",
       .env = p + "_DB_PASSWORD",
       .default_value = "",
       .required = true,
       .secret = true,
       .help = "database password"},
      {.flag = "db_pool_size",
       .env = p + "_DB_POOL_SIZE",
       .default_value = "8",
       .help = "maximum open database connections"},
      {.flag = "db_wait",
       .env = p + "_DB_WAIT",
       .default_value = "30s",
       .help = "how long to wait for the database at start-up"},
      {.flag = "grpc_min_pollers",
       .env = p + "_GRPC_MIN_POLLERS",
       .default_value = "2",
       .help = "gRPC threads kept waiting for calls (sync server)"},
      {.flag = "grpc_max_pollers",
       .env = p + "_GRPC_MAX_POLLERS",
       .default_value = "16",
       .help = "gRPC threads kept alive between calls; a thread finishing a "
               "call beyond this exits (sync server)"},
      {.flag = "log_level",
       .env = p + "_LOG_LEVEL",
       .default_value = "info",
       .help = "debug, info, warning or error"},
      {.flag = "lame_duck",
       .env = p + "_LAME_DUCK",
       .default_value = "1s",
       .help = "after SIGTERM, how long new calls are refused UNAVAILABLE "
               "(so clients move to another instance) before the server "
               "stops accepting them"},
      {.flag = "shutdown_grace",
       .env = p + "_SHUTDOWN_GRACE",
       .default_value = "10s",
       .help = "how long in-flight calls may run after SIGTERM"},
      {.flag = "migrate",
       .env = p + "_MIGRATE",
       .default_value = "true",
       .help = "apply pending schema migrations at start-up"},
      {.flag = "migrate_only",
       .env = p + "_MIGRATE_ONLY",
       .default_value = "false",
       .help = "apply pending migrations and exit (Kubernetes Job)"},
  };
  const std::vector<ConfigOption> retention = IdempotencyRetentionOptions(p);
  options.insert(options.end(), retention.begin(), retention.end());
  options.insert(options.end(), definition.extra_options.begin(),
                 definition.extra_options.end());
  return options;
}

struct Settings {
  int grpc_port = 0;
  int admin_port = 0;
  std::string bind_address;
  MySqlOptions db;
  absl::Duration db_wait;
  absl::Duration lame_duck;
  absl::Duration shutdown_grace;
  int grpc_min_pollers = 0;
  int grpc_max_pollers = 0;
  LogLevel log_level = LogLevel::kInfo;
  bool migrate = true;
  bool migrate_only = false;
  IdempotencyRetentionSettings idempotency;
};

absl::Status CheckPort(absl::string_view flag, int port) {
  if (port < 0 || port > 65535) {
    return absl::InvalidArgumentError(
        absl::StrCat("--", flag, ": port ", port, " is out of range"));
  }
  return absl::OkStatus();
}

absl::StatusOr<Settings> ReadSettings(const Config& config) {
  Settings s;
  CRM_ASSIGN_OR_RETURN(s.grpc_port, config.GetInt("grpc_port"));
  CRM_ASSIGN_OR_RETURN(s.admin_port, config.GetInt("admin_port"));
  CRM_RETURN_IF_ERROR(CheckPort("grpc_port", s.grpc_port));
  CRM_RETURN_IF_ERROR(CheckPort("admin_port", s.admin_port));
  s.bind_address = config.GetString("bind_address");
  s.db.host = config.GetString("db_host");
  CRM_ASSIGN_OR_RETURN(s.db.port, config.GetInt("db_port"));
  CRM_RETURN_IF_ERROR(CheckPort("db_port", s.db.port));
  s.db.database = config.GetString("db_name");
  s.db.user = config.GetString("db_user");
  s.db.password = config.GetString("db_password");
  CRM_ASSIGN_OR_RETURN(s.db.pool_size, config.GetInt("db_pool_size"));
  if (s.db.pool_size < 1) {
    return absl::InvalidArgumentError("--db_pool_size: must be at least 1");
  }
  // Short timeouts keep health checks and start-up waits responsive.
  s.db.connect_timeout = absl::Seconds(2);
  s.db.acquire_timeout = absl::Seconds(2);
  CRM_ASSIGN_OR_RETURN(s.db_wait, config.GetDuration("db_wait"));
  CRM_ASSIGN_OR_RETURN(s.lame_duck, config.GetDuration("lame_duck"));
  CRM_ASSIGN_OR_RETURN(s.shutdown_grace, config.GetDuration("shutdown_grace"));
  if (s.db_wait < absl::ZeroDuration() || s.lame_duck < absl::ZeroDuration() ||
      s.shutdown_grace < absl::ZeroDuration()) {
    return absl::InvalidArgumentError(
        "--db_wait, --lame_duck and --shutdown_grace must not be negative");
  }
  CRM_ASSIGN_OR_RETURN(s.grpc_min_pollers, config.GetInt("grpc_min_pollers"));
  CRM_ASSIGN_OR_RETURN(s.grpc_max_pollers, config.GetInt("grpc_max_pollers"));
  if (s.grpc_min_pollers < 1 || s.grpc_max_pollers < s.grpc_min_pollers) {
    return absl::InvalidArgumentError(
        "--grpc_min_pollers must be at least 1 and --grpc_max_pollers at "
        "least --grpc_min_pollers");
  }
  if (!ParseLogLevel(config.GetString("log_level"), &s.log_level)) {
    return absl::InvalidArgumentError(
        absl::StrCat("--log_level: expected debug, info, warning or error, "
                     "got \"",
                     config.GetString("log_level"), "\""));
  }
  CRM_ASSIGN_OR_RETURN(s.migrate, config.GetBool("migrate"));
  CRM_ASSIGN_OR_RETURN(s.migrate_only, config.GetBool("migrate_only"));
  CRM_ASSIGN_OR_RETURN(s.idempotency, ReadIdempotencyRetentionSettings(config));
  return s;
}

// "host:port" for gRPC, with IPv6 literals bracketed.
std::string ListenAddress(const std::string& host, int port) {
  if (host.find(':') != std::string::npos && !absl::StartsWith(host, "[")) {
    return absl::StrCat("[", host, "]:", port);
  }
  return absl::StrCat(host, ":", port);
}

// Pings until the database answers, `timeout` passes or shutdown is
// requested. Bad credentials (INTERNAL from the pool) fail at once: waiting
// will not fix them.
absl::Status WaitForDatabase(MySqlPool& pool, absl::Duration timeout,
                             absl::Notification& shutdown) {
  const absl::Time deadline = absl::Now() + timeout;
  bool warned = false;
  while (true) {
    absl::Status status = pool.Ping();
    if (status.ok()) return status;
    if (status.code() != absl::StatusCode::kUnavailable &&
        status.code() != absl::StatusCode::kDeadlineExceeded) {
      return status;
    }
    if (absl::Now() >= deadline) {
      return absl::UnavailableError(
          absl::StrCat("database not reachable within ",
                       absl::FormatDuration(timeout), ": ", status.message()));
    }
    if (!warned) {
      LogWarning("waiting for the database",
                 {{"error", std::string(status.message())},
                  {"db_wait", absl::FormatDuration(timeout)}});
      warned = true;
    }
    const absl::Duration pause =
        std::min(absl::Milliseconds(500), deadline - absl::Now());
    if (shutdown.WaitForNotificationWithTimeout(pause)) {
      return absl::CancelledError("termination signal during start-up");
    }
  }
}

bool HelpRequested(int argc, char** argv) {
  for (int i = 1; i < argc; ++i) {
    absl::string_view arg = argv[i];
    if (arg == "--help" || arg == "-h" || arg == "-help") return true;
  }
  return false;
}

}  // namespace

void BlockTerminationSignals() {
  const sigset_t signals = TerminationSignals();
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);
}

int WaitForTerminationSignal() {
  const sigset_t signals = TerminationSignals();
  int signal_number = 0;
  while (sigwait(&signals, &signal_number) != 0) {
  }
  return signal_number;
}

int RunServiceMain(const ServiceDefinition& definition, int argc, char** argv) {
  // Before any thread exists, so that every thread inherits the mask and
  // only the watcher below ever receives SIGTERM/SIGINT.
  BlockTerminationSignals();
  // Debian's Abseil checks absl::Mutex lock order at run time (deadlock
  // detection): every lock of every absl::Mutex, gRPC's own included,
  // updates one process-wide graph under one global lock, on every call.
  // Tests keep the check; a serving process does not pay for it.
  absl::SetMutexDeadlockDetectionMode(absl::OnDeadlockCycle::kIgnore);
  InitLogging(definition.binary_name);
  // "crm-loyalty" -> "loyalty": the service's Kubernetes name, which every
  // ErrorInfo this process sends names as its domain.
  SetErrorDomain(absl::StripPrefix(definition.binary_name, "crm-"));

  const std::vector<ConfigOption> options = BuildOptions(definition);
  if (HelpRequested(argc, argv)) {
    Config::LoadOrExit(definition.binary_name, options, argc, argv);  // Exits.
  }
  absl::StatusOr<Config> config = Config::Load(options, argc, argv);
  if (!config.ok()) {
    LogError("invalid configuration",
             {{"error", std::string(config.status().message())}});
    return kConfigErrorExit;
  }
  absl::StatusOr<Settings> settings = ReadSettings(*config);
  if (!settings.ok()) {
    LogError("invalid configuration",
             {{"error", std::string(settings.status().message())}});
    return kConfigErrorExit;
  }
  InitLogging(definition.binary_name, settings->log_level);
  LogInfo("starting", {{"config", config->Describe()}});

  SignalWatcher signals;
  absl::Notification& shutdown_requested = signals.requested();
  Metrics& metrics = Metrics::Default();

  absl::StatusOr<std::unique_ptr<MySqlPool>> created =
      MySqlPool::Create(settings->db);
  if (!created.ok()) {
    LogError("invalid database settings",
             {{"error", std::string(created.status().message())}});
    return created.status().code() == absl::StatusCode::kInvalidArgument
               ? kConfigErrorExit
               : kStartupErrorExit;
  }
  std::unique_ptr<MySqlPool> pool = *std::move(created);

  if (absl::Status ready =
          WaitForDatabase(*pool, settings->db_wait, shutdown_requested);
      !ready.ok()) {
    pool->Close();
    if (ready.code() == absl::StatusCode::kCancelled) {
      LogInfo("stopped", {{"signal", signals.signal_name()}});
      return 0;
    }
    LogError("database unavailable at start-up",
             {{"error", std::string(ready.message())},
              {"db_host", settings->db.host},
              {"db_port", std::to_string(settings->db.port)},
              {"db_name", settings->db.database}});
    return kStartupErrorExit;
  }

  if (settings->migrate || settings->migrate_only) {
    std::vector<const MigrationSet*> sets = {&CommonMigrations()};
    if (definition.migrations != nullptr) sets.push_back(definition.migrations);
    absl::StatusOr<int> applied = ApplyMigrations(*pool, sets);
    if (!applied.ok()) {
      LogError("migrations failed",
               {{"error", std::string(applied.status().message())}});
      pool->Close();
      return kStartupErrorExit;
    }
    LogInfo("migrations applied", {{"count", std::to_string(*applied)}});
  }
  if (settings->migrate_only) {
    pool->Close();
    LogInfo("stopped", {{"mode", "migrate_only"}});
    return 0;
  }

  // Background workers' stop functions (ServiceContext::at_shutdown).
  std::vector<std::function<void()>> stop_hooks;
  auto stop_workers = [&stop_hooks] {
    for (auto it = stop_hooks.rbegin(); it != stop_hooks.rend(); ++it) (*it)();
    stop_hooks.clear();
  };
  ServiceContext service_context{*config, *pool, SystemClock::Instance(),
                                 metrics,
                                 [&stop_hooks](std::function<void()> stop) {
                                   stop_hooks.push_back(std::move(stop));
                                 }};
  std::vector<std::unique_ptr<grpc::Service>> services;
  if (definition.make_services) {
    services = definition.make_services(service_context);
  }

  grpc::EnableDefaultHealthCheckService(true);
  grpc::reflection::InitProtoReflectionServerBuilderPlugin();
  grpc::ServerBuilder builder;
  const std::string grpc_address =
      ListenAddress(settings->bind_address, settings->grpc_port);
  int bound_grpc_port = 0;
  builder.AddListeningPort(grpc_address, grpc::InsecureServerCredentials(),
                           &bound_grpc_port);
  // gRPC sets SO_REUSEPORT by default, which would let a second process
  // share the port silently; a taken port must fail start-up instead.
  builder.AddChannelArgument(GRPC_ARG_ALLOW_REUSEPORT, 0);
  builder.SetMaxReceiveMessageSize(kMaxReceiveMessageBytes);
  // The sync server runs each call on a poller thread; gRPC's default of at
  // most 2 idle pollers makes a busy server create and destroy a thread for
  // nearly every call. Keeping up to grpc_max_pollers alive avoids that.
  builder.SetSyncServerOption(
      grpc::ServerBuilder::SyncServerOption::MIN_POLLERS,
      settings->grpc_min_pollers);
  builder.SetSyncServerOption(
      grpc::ServerBuilder::SyncServerOption::MAX_POLLERS,
      settings->grpc_max_pollers);
  std::vector<
      std::unique_ptr<grpc::experimental::ServerInterceptorFactoryInterface>>
      interceptors;
  interceptors.push_back(NewServerInterceptorFactory(metrics));
  builder.experimental().SetInterceptorCreators(std::move(interceptors));
  std::vector<std::string> service_names;
  builder.SetOption(CaptureServiceNames(&service_names));
  for (const std::unique_ptr<grpc::Service>& service : services) {
    builder.RegisterService(service.get());
  }
  std::unique_ptr<grpc::Server> server = builder.BuildAndStart();
  if (server == nullptr || bound_grpc_port == 0) {
    LogError("cannot listen for gRPC (port in use or address invalid)",
             {{"address", grpc_address}});
    if (server != nullptr) server->Shutdown(std::chrono::system_clock::now());
    stop_workers();
    pool->Close();
    return kStartupErrorExit;
  }

  auto pool_gauges = std::make_shared<PoolGauges>();
  {
    absl::MutexLock lock(&pool_gauges->mu);
    pool_gauges->pool = pool.get();
  }
  RegisterPoolGauges(metrics, pool_gauges);

  grpc::HealthCheckServiceInterface* health = server->GetHealthCheckService();
  HealthReporter reporter([&pool] { return pool->Ping(); }, health,
                          service_names, metrics);
  reporter.Start();

  std::atomic<bool> draining{false};
  absl::StatusOr<std::unique_ptr<HttpServer>> admin =
      HttpServer::Start({.address = settings->bind_address,
                         .port = settings->admin_port,
                         .threads = 2},
                        MakeAdminHandler(metrics, [&reporter, &draining] {
                          return reporter.database_up() &&
                                 !draining.load(std::memory_order_acquire);
                        }));
  if (!admin.ok()) {
    LogError("cannot serve the admin port",
             {{"error", std::string(admin.status().message())}});
    if (health != nullptr) health->Shutdown();
    reporter.Stop();
    server->Shutdown(std::chrono::system_clock::now());
    server->Wait();
    {
      absl::MutexLock lock(&pool_gauges->mu);
      pool_gauges->pool = nullptr;
    }
    stop_workers();
    pool->Close();
    return kStartupErrorExit;
  }

  // Deletes expired stored responses (idempotency_retention.h) until
  // shutdown; null when retention is zero.
  std::unique_ptr<PeriodicJob> idempotency_purge = StartIdempotencyPurge(
      *pool, SystemClock::Instance(), metrics, settings->idempotency);

  LogInfo("serving", {{"grpc_address",
                       ListenAddress(settings->bind_address, bound_grpc_port)},
                      {"admin_port", std::to_string((*admin)->port())},
                      {"services", absl::StrJoin(service_names, ",")}});

  shutdown_requested.WaitForNotification();
  LogInfo("shutting down",
          {{"signal", signals.signal_name()},
           {"lame_duck", absl::FormatDuration(settings->lame_duck)},
           {"shutdown_grace", absl::FormatDuration(settings->shutdown_grace)}});
  draining.store(true, std::memory_order_release);
  // NOT_SERVING for every service; later status updates are ignored.
  if (health != nullptr) health->Shutdown();
  reporter.Stop();
  // The purge serves no caller: it ends before the drain, after its
  // current batch (one short transaction).
  if (idempotency_purge != nullptr) idempotency_purge->Stop();
  // Lame duck: new work is refused UNAVAILABLE while the server still
  // accepts calls, so clients leave for another instance before Shutdown;
  // gRPC cancels (rather than refuses) calls that arrive once it began.
  EnterLameDuck();
  absl::SleepFor(settings->lame_duck);
  // Stops accepting calls, lets in-flight ones finish until the deadline,
  // then cancels the rest (handlers must honour ServerContext::IsCancelled).
  server->Shutdown(absl::ToChronoTime(absl::Now() + settings->shutdown_grace));
  server->Wait();
  Log(LogLevel::kDebug, "gRPC server drained");
  (*admin)->Shutdown(absl::Seconds(1));
  Log(LogLevel::kDebug, "admin server stopped");
  stop_workers();
  Log(LogLevel::kDebug, "background workers stopped");
  {
    absl::MutexLock lock(&pool_gauges->mu);
    pool_gauges->pool = nullptr;
  }
  server.reset();
  services.clear();
  pool->Close();
  LogInfo("stopped");
  return 0;
}

}  // namespace crm::common
