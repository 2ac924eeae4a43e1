// What the service benchmarks (crm-loyalty-bench, crm-feedback-bench) share:
// --flag=value parsing, a raw Connector/C++ connection from the flags, a
// closed-loop load runner and the report line bench/run.sh parses.
//
//   BenchFlags flags = ParseBenchFlags("crm-loyalty-bench", argc, argv);
//   LoadResult result = RunLoad(flags, 8, [&](int thread, int64_t n,
//                                              std::mt19937_64& rng) { ... });
//   PrintReportLine("redeem-contention", result, "min_balance=3");
#pragma once

#include <cppconn/connection.h>

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include "absl/strings/string_view.h"
#include "absl/time/time.h"

namespace crm::bench {

// The flags of one command: the mode (argv[1]) and --name=value pairs.
struct BenchFlags {
  std::string program;  // For messages: "crm-loyalty-bench".
  std::string mode;
  std::map<std::string, std::string> values;
};

// Exits with status 2 and "<program>: <message>" on stderr.
[[noreturn]] void Die(const BenchFlags& flags, absl::string_view message);

// argv[1] is the mode, every later argument --name=value; dies otherwise.
BenchFlags ParseBenchFlags(const char* program, int argc, char** argv);

std::string FlagOr(const BenchFlags& flags, const std::string& name,
                   const std::string& fallback);
// A positive integer flag; dies when it is set to anything else.
int64_t PositiveFlagOr(const BenchFlags& flags, const std::string& name,
                       int64_t fallback);
// A positive duration flag ("10s", "250ms"); dies otherwise.
absl::Duration DurationFlagOr(const BenchFlags& flags, const std::string& name,
                              absl::Duration fallback);

// A connection to 127.0.0.1:--port as --user (password from the environment
// variable named by --password_env) on --database, autocommit on, utf8mb4.
// Dies when a flag is missing or the connection fails.
std::unique_ptr<sql::Connection> ConnectRaw(const BenchFlags& flags);

// What a load run did.
struct LoadResult {
  int threads = 0;
  int64_t errors = 0;
  absl::Duration elapsed;
  std::vector<double> latencies_ms;  // Successful calls, ascending.
};

// One call of a load: `n` is the call's number across all threads (0, 1,
// ...); returns true on success (its latency is recorded).
using LoadCall =
    std::function<bool(int thread, int64_t n, std::mt19937_64& rng)>;

// Runs `call` from --threads (default `default_threads`) threads until
// --duration (10s) has passed or --max_rows (200000) calls were started.
LoadResult RunLoad(const BenchFlags& flags, int default_threads,
                   const LoadCall& call);

// The `p` quantile (0..1) of ascending values (0 when empty).
double Quantile(const std::vector<double>& ascending, double p);

// Prints "mode=M threads=T rows=N errors=E seconds=S rate=R p50_ms=..
// p99_ms=.. <extra>" on stdout.
void PrintReportLine(absl::string_view mode, const LoadResult& result,
                     absl::string_view extra = "");

}  // namespace crm::bench
