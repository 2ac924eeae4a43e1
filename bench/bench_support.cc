#include "bench/bench_support.h"

#include <cppconn/driver.h>
#include <cppconn/exception.h>

#include <algorithm>
#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <mutex>
#include <thread>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"

namespace crm::bench {

void Die(const BenchFlags& flags, absl::string_view message) {
  std::fprintf(stderr, "%s: %.*s\n", flags.program.c_str(),
               static_cast<int>(message.size()), message.data());
  std::exit(2);
}

BenchFlags ParseBenchFlags(const char* program, int argc, char** argv) {
  BenchFlags flags;
  flags.program = program;
  if (argc < 2) Die(flags, "usage: MODE --flag=value...");
  flags.mode = argv[1];
  for (int i = 2; i < argc; ++i) {
    absl::string_view arg = argv[i];
    const size_t eq = arg.find('=');
    if (!absl::StartsWith(arg, "--") || eq == absl::string_view::npos) {
      Die(flags, absl::StrCat("expected --flag=value, got ", arg));
    }
    flags.values[std::string(arg.substr(2, eq - 2))] =
        std::string(arg.substr(eq + 1));
  }
  return flags;
}

std::string FlagOr(const BenchFlags& flags, const std::string& name,
                   const std::string& fallback) {
  auto it = flags.values.find(name);
  return it == flags.values.end() ? fallback : it->second;
}

int64_t PositiveFlagOr(const BenchFlags& flags, const std::string& name,
                       int64_t fallback) {
  auto it = flags.values.find(name);
  if (it == flags.values.end()) return fallback;
  int64_t value = 0;
  if (!absl::SimpleAtoi(it->second, &value) || value < 1) {
    Die(flags, absl::StrCat("--", name, " must be a positive integer"));
  }
  return value;
}

absl::Duration DurationFlagOr(const BenchFlags& flags, const std::string& name,
                              absl::Duration fallback) {
  auto it = flags.values.find(name);
  if (it == flags.values.end()) return fallback;
  absl::Duration value;
  if (!absl::ParseDuration(it->second, &value) ||
      value <= absl::ZeroDuration()) {
    Die(flags, absl::StrCat("--", name, " must be a positive duration"));
  }
  return value;
}

std::unique_ptr<sql::Connection> ConnectRaw(const BenchFlags& flags) {
  const std::string user = FlagOr(flags, "user", "");
  const std::string database = FlagOr(flags, "database", "");
  const char* password = std::getenv(FlagOr(flags, "password_env", "").c_str());
  if (user.empty() || database.empty() || password == nullptr) {
    Die(flags, "needs --user, --database and --password_env=VAR");
  }
  sql::ConnectOptionsMap options;
  options["hostName"] =
      sql::SQLString("tcp://127.0.0.1:" + FlagOr(flags, "port", "3306"));
  options["userName"] = sql::SQLString(user);
  options["password"] = sql::SQLString(password);
  options["schema"] = sql::SQLString(database);
  options["OPT_CHARSET_NAME"] = sql::SQLString("utf8mb4");
  try {
    std::unique_ptr<sql::Connection> connection(
        get_driver_instance()->connect(options));
    connection->setAutoCommit(true);
    return connection;
  } catch (const sql::SQLException& e) {
    Die(flags, absl::StrCat("cannot connect to MariaDB: error ",
                            e.getErrorCode(), ": ", e.what()));
  }
}

LoadResult RunLoad(const BenchFlags& flags, int default_threads,
                   const LoadCall& call) {
  const int threads =
      static_cast<int>(PositiveFlagOr(flags, "threads", default_threads));
  const absl::Duration duration =
      DurationFlagOr(flags, "duration", absl::Seconds(10));
  const int64_t max_rows = PositiveFlagOr(flags, "max_rows", 200000);
  std::atomic<int64_t> claimed{0};
  std::atomic<int64_t> errors{0};
  std::mutex mu;
  LoadResult result;
  result.threads = threads;
  const absl::Time start = absl::Now();
  const absl::Time stop = start + duration;
  std::vector<std::thread> workers;
  for (int t = 0; t < threads; ++t) {
    workers.emplace_back([&, t] {
      std::vector<double> latencies;
      std::mt19937_64 rng(t + 1);
      while (absl::Now() < stop) {
        const int64_t n = claimed.fetch_add(1);
        if (n >= max_rows) break;
        const absl::Time begin = absl::Now();
        if (call(t, n, rng)) {
          latencies.push_back(absl::ToDoubleMilliseconds(absl::Now() - begin));
        } else {
          ++errors;
        }
      }
      std::lock_guard<std::mutex> lock(mu);
      result.latencies_ms.insert(result.latencies_ms.end(), latencies.begin(),
                                 latencies.end());
    });
  }
  for (std::thread& worker : workers) worker.join();
  result.elapsed = absl::Now() - start;
  result.errors = errors.load();
  std::sort(result.latencies_ms.begin(), result.latencies_ms.end());
  return result;
}

double Quantile(const std::vector<double>& ascending, double p) {
  if (ascending.empty()) return 0;
  const size_t i =
      std::min(ascending.size() - 1,
               static_cast<size_t>(p * (ascending.size() - 1) + 0.5));
  return ascending[i];
}

void PrintReportLine(absl::string_view mode, const LoadResult& result,
                     absl::string_view extra) {
  const double seconds = absl::ToDoubleSeconds(result.elapsed);
  const size_t rows = result.latencies_ms.size();
  std::printf(
      "mode=%.*s threads=%d rows=%zu errors=%lld seconds=%.2f rate=%.1f "
      "p50_ms=%.2f p99_ms=%.2f%s%.*s\n",
      static_cast<int>(mode.size()), mode.data(), result.threads, rows,
      static_cast<long long>(result.errors), seconds,
      seconds > 0 ? rows / seconds : 0.0, Quantile(result.latencies_ms, 0.5),
      Quantile(result.latencies_ms, 0.99), extra.empty() ? "" : " ",
      static_cast<int>(extra.size()), extra.data());
  std::fflush(stdout);
}

}  // namespace crm::bench
