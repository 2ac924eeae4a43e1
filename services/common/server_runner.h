// Everything a crm service binary does besides its own RPCs.
//
//   int main(int argc, char** argv) {
//     return crm::common::RunServiceMain(
//         {.binary_name = "crm-loyalty", .env_prefix = "LOYALTY",
//          .database_name = "crm_loyalty",
//          .default_grpc_port = 50053, .default_admin_port = 9093,
//          .migrations = &crm::loyalty::Migrations(),
//          .make_services = [](crm::common::ServiceContext& ctx) {...}},
//         argc, argv);
//   }
//
// RunServiceMain:
//  1. blocks SIGTERM/SIGINT before any thread starts;
//  2. loads config (flags with <PREFIX>_* env fallbacks): grpc_port,
//     admin_port, db_host, db_port, db_name, db_user, db_password (required),
//     db_pool_size, log_level, shutdown_grace, migrate (default true),
//     migrate_only, idempotency_retention and idempotency_purge_interval
//     (idempotency_retention.h), plus the service's extra options; a
//     missing required or invalid setting exits 2 naming it;
//  3. creates the pool, waits up to db_wait for the database, applies
//     CommonMigrations() then the service's set; with --migrate_only exits 0;
//  4. builds the gRPC server: the services from make_services, grpc.health.v1
//     (SERVING only while pool.Ping() succeeds, polled every second, for ""
//     and every service name), server reflection, the interceptor that
//     propagates x-request-id/traceparent, logs one JSON access line per call
//     and records crm_grpc_server_handled_total{method,code} and
//     crm_grpc_server_handling_seconds{method};
//  5. serves /metrics, /healthz and /readyz on the admin HTTP port, and
//     deletes expired stored idempotent responses in the background
//     (IdempotencyPurger, every idempotency_purge_interval);
//  6. on SIGTERM/SIGINT: stop the purge, health NOT_SERVING, stop
//     accepting, drain in-flight calls for up to shutdown_grace, stop the
//     background workers registered with ServiceContext::at_shutdown, close
//     the pool, exit 0.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include <grpcpp/grpcpp.h>

#include "services/common/clock.h"
#include "services/common/config.h"
#include "services/common/metrics.h"
#include "services/common/migrations.h"
#include "services/common/mysql_pool.h"

namespace crm::common {

// What a service's factory gets to build its handlers.
struct ServiceContext {
  const Config& config;
  MySqlPool& pool;
  const Clock& clock;
  Metrics& metrics;
  // Registers how to stop a background worker the factory started (e.g. a
  // change-feed sequencer). On shutdown (and on a failed start after the
  // factory ran), RunServiceMain calls every registered `stop` once, in
  // reverse order of registration, after in-flight calls have drained and
  // before the pool closes; `stop` must return once the worker has ended.
  std::function<void(std::function<void()> stop)> at_shutdown;
};

struct ServiceDefinition {
  std::string binary_name;    // "crm-loyalty": the log's "service" field.
  std::string env_prefix;     // "LOYALTY": env vars are LOYALTY_GRPC_PORT, ...
  std::string database_name;  // Default for db_name, e.g. "crm_loyalty".
  int default_grpc_port = 0;
  int default_admin_port = 0;
  const MigrationSet* migrations = nullptr;
  // Extra settings of this service (env names given in full).
  std::vector<ConfigOption> extra_options;
  // Builds the service's gRPC handlers; they live until shutdown completes.
  std::function<std::vector<std::unique_ptr<grpc::Service>>(ServiceContext&)>
      make_services;
};

// Runs the service until SIGTERM/SIGINT; returns the process exit code.
int RunServiceMain(const ServiceDefinition& definition, int argc, char** argv);

// Blocks SIGTERM and SIGINT in the calling thread (and threads it creates
// later); call first in main(), before any thread exists.
void BlockTerminationSignals();

// Waits (after BlockTerminationSignals()) until SIGTERM or SIGINT arrives;
// returns the signal number. For binaries that do not use RunServiceMain.
int WaitForTerminationSignal();

}  // namespace crm::common
