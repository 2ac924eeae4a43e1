// crm-loyalty-bench: the load generators of the loyalty benchmark
// (bench/loyalty.sh, BENCH_PHASES=loyalty of bench/run.sh).
//
//   crm-loyalty-bench set-program --addr=HOST:PORT
//     Sets programs/default through UpdateProgram: 1 point per 1 CNY
//     (FLOOR), tiers silver (5,000 qualifying points, ×1.0) and gold
//     (15,000, ×1.5) over a 365-day window with 30 days of grace, points
//     never expire.
//   crm-loyalty-bench raw-earn --port=P --user=U --password_env=VAR
//                              --database=D [--threads=1] [--duration=10s]
//                              [--max_rows=200000]
//     The reference of earning: single-row INSERT transactions (autocommit,
//     one row per commit) of EARN-shaped rows into bench_raw_ledger_entries,
//     made LIKE loyalty's ledger_entries (same columns, keys and checks).
//   crm-loyalty-bench redeem-contention --addr=HOST:PORT [--threads=16]
//                                       [--duration=10s] [--points=10]
//                                       [--account=accounts/ID]
//     Credits the account (default: a new one per run) 1,000,000,000
//     points (AdjustPoints), then --threads callers redeem --points each
//     (RedeemPoints) on that ONE account until --duration; then brings the
//     balance to 1,000 and lets the callers race ~288 redemptions of 7 points
//     (only 142 fit), and checks VerifyLedger. Lines: mode=redeem-contention
//     (the timed load, with the lowest balance_after any reply showed) and
//     mode=redeem-overdraw (the race: granted, refused, final balance, the
//     ledger proof).
//   crm-loyalty-bench verify-ledgers --addr=HOST:PORT --names_file=F
//     VerifyLedger for the account of every customers/{id} in F.
//
// The load modes stop after --duration plus at most one call's deadline
// (10 s). The tier review (bench/loyalty.sh) is crm-loyalty's own scheduled
// job, timed from its log.
#include <cppconn/driver.h>
#include <cppconn/exception.h>
#include <cppconn/prepared_statement.h>
#include <cppconn/statement.h>
#include <grpcpp/grpcpp.h>

#include <algorithm>
#include <atomic>
#include <cstdint>
#include <cstdio>
#include <fstream>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "bench/bench_support.h"
#include "crm/loyalty/v1/loyalty_service.grpc.pb.h"

namespace {

namespace v1 = ::crm::loyalty::v1;
using ::crm::bench::BenchFlags;
using ::crm::bench::Die;
using ::crm::bench::FlagOr;
using ::crm::bench::LoadResult;
using ::crm::bench::PositiveFlagOr;

constexpr int64_t kInitialCredit = 1000000000;
constexpr int64_t kRaceBalance = 1000;
constexpr int64_t kRacePoints = 7;
// At least this many race attempts in all: twice what fits.
constexpr int kRaceAttempts = 2 * (kRaceBalance / kRacePoints + 1);

std::unique_ptr<v1::LoyaltyService::Stub> NewStub(const BenchFlags& flags) {
  return v1::LoyaltyService::NewStub(
      grpc::CreateChannel(FlagOr(flags, "addr", "127.0.0.1:50053"),
                          grpc::InsecureChannelCredentials()));
}

void SetDeadline(grpc::ClientContext& context) {
  context.set_deadline(absl::ToChronoTime(absl::Now() + absl::Seconds(10)));
}

std::string RunId() { return absl::StrCat(absl::ToUnixMicros(absl::Now())); }

int SetProgram(const BenchFlags& flags) {
  auto stub = NewStub(flags);
  v1::UpdateProgramRequest request;
  v1::Program* program = request.mutable_program();
  program->set_name("programs/default");
  v1::EarnRate* rate = program->add_earn_rates();
  rate->set_currency_code("CNY");
  rate->set_points(1);
  rate->set_per_amount_minor(100);
  program->set_rounding(v1::Program::FLOOR);
  v1::Tier* silver = program->add_tiers();
  silver->set_tier_id("silver");
  silver->set_display_name("Silver");
  silver->set_min_qualifying_points(5000);
  silver->set_multiplier_percent(100);
  v1::Tier* gold = program->add_tiers();
  gold->set_tier_id("gold");
  gold->set_display_name("Gold");
  gold->set_min_qualifying_points(15000);
  gold->set_multiplier_percent(150);
  program->set_qualification_window_days(365);
  program->set_downgrade_grace_days(30);
  for (const char* path :
       {"earn_rates", "rounding", "tiers", "qualification_window_days",
        "downgrade_grace_days"}) {
    request.mutable_update_mask()->add_paths(path);
  }
  request.set_request_id(absl::StrCat("bench-program-", RunId()));
  grpc::ClientContext context;
  SetDeadline(context);
  v1::Program updated;
  grpc::Status status = stub->UpdateProgram(&context, request, &updated);
  if (!status.ok()) {
    Die(flags, absl::StrCat("UpdateProgram: code ", status.error_code(), ": ",
                            status.error_message()));
  }
  std::printf("mode=set-program tiers=%d earn_rates=%d\n", updated.tiers_size(),
              updated.earn_rates_size());
  return 0;
}

int RawEarn(const BenchFlags& flags) {
  try {
    std::unique_ptr<sql::Connection> setup = crm::bench::ConnectRaw(flags);
    std::unique_ptr<sql::Statement> statement(setup->createStatement());
    statement->execute("DROP TABLE IF EXISTS bench_raw_ledger_entries");
    statement->execute(
        "CREATE TABLE bench_raw_ledger_entries LIKE ledger_entries");
  } catch (const sql::SQLException& e) {
    Die(flags, absl::StrCat("raw-earn setup: MySQL error ", e.getErrorCode(),
                            ": ", e.what()));
  }
  sql::Driver* driver = get_driver_instance();
  const int max_threads = 1024;
  std::vector<std::unique_ptr<sql::Connection>> connections(max_threads);
  std::vector<std::unique_ptr<sql::PreparedStatement>> inserts(max_threads);
  const std::string run = RunId();
  LoadResult result = crm::bench::RunLoad(
      flags, 1, [&](int t, int64_t n, std::mt19937_64& rng) {
        if (t >= max_threads) return false;
        try {
          if (inserts[t] == nullptr) {
            driver->threadInit();
            connections[t] = crm::bench::ConnectRaw(flags);
            inserts[t].reset(connections[t]->prepareStatement(
                "INSERT INTO bench_raw_ledger_entries (customer_id, id, type, "
                "points_delta, balance_after, reason, idempotency_key, "
                "create_time, sequence, qualifying_delta, expire_time) VALUES "
                "(?, ?, 'EARN', ?, ?, '', ?, NOW(6), ?, ?, NULL)"));
          }
          const std::string customer = absl::StrCat("bench-c", rng() % 200);
          const int64_t points = 1 + static_cast<int64_t>(rng() % 1000);
          sql::PreparedStatement& insert = *inserts[t];
          insert.setString(1, customer);
          insert.setString(2, absl::StrCat("e", run, "-", n));
          insert.setInt64(3, points);
          insert.setInt64(4, points);
          insert.setString(5, absl::StrCat("order:customers/", customer,
                                           "/orders/o", run, "-", n));
          insert.setInt64(6, n + 1);
          insert.setInt64(7, points);
          insert.executeUpdate();
          return true;
        } catch (const sql::SQLException& e) {
          std::fprintf(stderr, "crm-loyalty-bench: raw-earn: MySQL error %d\n",
                       e.getErrorCode());
          return false;
        }
      });
  crm::bench::PrintReportLine("raw-earn", result);
  return 0;
}

// Redeems `points` from `account`; the reply's balance_after on success.
// `refused` is set when the service said the balance was too low.
bool Redeem(v1::LoyaltyService::Stub& stub, const std::string& account,
            int64_t points, const std::string& request_id,
            int64_t* balance_after, bool* refused) {
  v1::RedeemPointsRequest request;
  request.set_account(account);
  request.set_points(points);
  request.set_reason("bench redemption");
  request.set_request_id(request_id);
  grpc::ClientContext context;
  SetDeadline(context);
  v1::RedeemPointsResponse response;
  grpc::Status status = stub.RedeemPoints(&context, request, &response);
  *refused = status.error_code() == grpc::StatusCode::FAILED_PRECONDITION;
  if (!status.ok()) {
    if (!*refused) {
      std::fprintf(stderr, "crm-loyalty-bench: RedeemPoints: code %d: %s\n",
                   status.error_code(), status.error_message().c_str());
    }
    return false;
  }
  *balance_after = response.entry().balance_after();
  return true;
}

v1::Account GetAccount(const BenchFlags& flags, v1::LoyaltyService::Stub& stub,
                       const std::string& account) {
  v1::GetAccountRequest request;
  request.set_name(account);
  grpc::ClientContext context;
  SetDeadline(context);
  v1::Account reply;
  grpc::Status status = stub.GetAccount(&context, request, &reply);
  if (!status.ok()) {
    Die(flags, absl::StrCat("GetAccount: code ", status.error_code(), ": ",
                            status.error_message()));
  }
  return reply;
}

v1::LedgerVerification VerifyLedger(const BenchFlags& flags,
                                    v1::LoyaltyService::Stub& stub,
                                    const std::string& account) {
  v1::VerifyLedgerRequest request;
  request.set_account(account);
  grpc::ClientContext context;
  SetDeadline(context);
  v1::LedgerVerification reply;
  grpc::Status status = stub.VerifyLedger(&context, request, &reply);
  if (!status.ok()) {
    Die(flags, absl::StrCat("VerifyLedger: code ", status.error_code(), ": ",
                            status.error_message()));
  }
  return reply;
}

int RedeemContention(const BenchFlags& flags) {
  auto stub = NewStub(flags);
  const std::string account =
      FlagOr(flags, "account", absl::StrCat("accounts/bench-redeem-", RunId()));
  const int64_t points = PositiveFlagOr(flags, "points", 10);
  const std::string run = RunId();
  {
    v1::AdjustPointsRequest request;
    request.set_account(account);
    request.set_points_delta(kInitialCredit);
    request.set_reason("bench credit");
    request.set_request_id(absl::StrCat("bench-credit-", run));
    grpc::ClientContext context;
    SetDeadline(context);
    v1::AdjustPointsResponse response;
    grpc::Status status = stub->AdjustPoints(&context, request, &response);
    if (!status.ok()) {
      Die(flags, absl::StrCat("AdjustPoints: code ", status.error_code(), ": ",
                              status.error_message()));
    }
  }
  // The timed load: every caller on the same account.
  std::atomic<int64_t> min_balance{kInitialCredit};
  std::atomic<int64_t> refused{0};
  LoadResult load =
      crm::bench::RunLoad(flags, 16, [&](int, int64_t n, std::mt19937_64&) {
        int64_t balance = 0;
        bool was_refused = false;
        if (!Redeem(*stub, account, points, absl::StrCat("bench-r-", run, n),
                    &balance, &was_refused)) {
          if (was_refused) ++refused;
          return false;
        }
        int64_t seen = min_balance.load();
        while (balance < seen &&
               !min_balance.compare_exchange_weak(seen, balance)) {
        }
        return true;
      });
  const int64_t granted_points =
      static_cast<int64_t>(load.latencies_ms.size()) * points;
  crm::bench::PrintReportLine(
      "redeem-contention", load,
      absl::StrCat("account=", account, " points_each=", points, " refused=",
                   refused.load(), " min_balance_after=", min_balance.load(),
                   " expected_balance=", kInitialCredit - granted_points));

  // The overdraw race: a balance of kRaceBalance and more demand than fits.
  const v1::Account before = GetAccount(flags, *stub, account);
  if (before.points_balance() > kRaceBalance) {
    int64_t balance = 0;
    bool was_refused = false;
    if (!Redeem(*stub, account, before.points_balance() - kRaceBalance,
                absl::StrCat("bench-drain-", run), &balance, &was_refused)) {
      Die(flags, "could not bring the balance down for the overdraw race");
    }
  }
  const int threads = load.threads;
  const int attempts_per_thread = (kRaceAttempts + threads - 1) / threads;
  std::atomic<int64_t> granted{0};
  std::atomic<int64_t> race_refused{0};
  std::atomic<int64_t> race_errors{0};
  std::atomic<int64_t> race_min{kRaceBalance};
  std::vector<std::thread> racers;
  for (int t = 0; t < threads; ++t) {
    racers.emplace_back([&, t] {
      for (int i = 0; i < attempts_per_thread; ++i) {
        int64_t balance = 0;
        bool was_refused = false;
        if (Redeem(*stub, account, kRacePoints,
                   absl::StrCat("bench-race-", run, "-", t, "-", i), &balance,
                   &was_refused)) {
          ++granted;
          int64_t seen = race_min.load();
          while (balance < seen &&
                 !race_min.compare_exchange_weak(seen, balance)) {
          }
        } else if (was_refused) {
          ++race_refused;
        } else {
          ++race_errors;
        }
      }
    });
  }
  for (std::thread& racer : racers) racer.join();
  const v1::Account after = GetAccount(flags, *stub, account);
  const v1::LedgerVerification proof = VerifyLedger(flags, *stub, account);
  const bool exact = granted.load() == kRaceBalance / kRacePoints &&
                     after.points_balance() == kRaceBalance % kRacePoints;
  std::printf(
      "mode=redeem-overdraw threads=%d attempts=%d granted=%lld refused=%lld "
      "errors=%lld expected_granted=%lld final_balance=%lld "
      "min_balance_after=%lld exact=%s consistent=%s entries=%lld "
      "entries_sum=%lld lots_remaining_sum=%lld findings=%d\n",
      threads, threads * attempts_per_thread,
      static_cast<long long>(granted.load()),
      static_cast<long long>(race_refused.load()),
      static_cast<long long>(race_errors.load()),
      static_cast<long long>(kRaceBalance / kRacePoints),
      static_cast<long long>(after.points_balance()),
      static_cast<long long>(race_min.load()), exact ? "true" : "false",
      proof.consistent() ? "true" : "false",
      static_cast<long long>(proof.entry_count()),
      static_cast<long long>(proof.entries_sum()),
      static_cast<long long>(proof.lots_remaining_sum()),
      proof.findings_size());
  for (const std::string& finding : proof.findings()) {
    std::fprintf(stderr, "crm-loyalty-bench: finding: %s\n", finding.c_str());
  }
  return proof.consistent() && exact && after.points_balance() >= 0 ? 0 : 1;
}

int VerifyLedgers(const BenchFlags& flags) {
  const std::string path = FlagOr(flags, "names_file", "");
  std::ifstream in(path);
  if (path.empty() || !in) Die(flags, "--names_file must name a readable file");
  auto stub = NewStub(flags);
  int64_t accounts = 0;
  int64_t inconsistent = 0;
  int64_t balance_sum = 0;
  std::string line;
  while (std::getline(in, line)) {
    if (!absl::StartsWith(line, "customers/")) continue;
    const std::string account =
        absl::StrCat("accounts/", line.substr(sizeof("customers/") - 1));
    const v1::LedgerVerification proof = VerifyLedger(flags, *stub, account);
    ++accounts;
    balance_sum += proof.points_balance();
    if (!proof.consistent()) {
      ++inconsistent;
      for (const std::string& finding : proof.findings()) {
        std::fprintf(stderr, "crm-loyalty-bench: %s: %s\n", account.c_str(),
                     finding.c_str());
      }
    }
  }
  std::printf(
      "mode=verify-ledgers accounts=%lld inconsistent=%lld "
      "balance_sum=%lld\n",
      static_cast<long long>(accounts), static_cast<long long>(inconsistent),
      static_cast<long long>(balance_sum));
  return inconsistent == 0 ? 0 : 1;
}

}  // namespace

int main(int argc, char** argv) {
  const BenchFlags flags =
      crm::bench::ParseBenchFlags("crm-loyalty-bench", argc, argv);
  if (flags.mode == "set-program") return SetProgram(flags);
  if (flags.mode == "raw-earn") return RawEarn(flags);
  if (flags.mode == "redeem-contention") return RedeemContention(flags);
  if (flags.mode == "verify-ledgers") return VerifyLedgers(flags);
  Die(flags, absl::StrCat("unknown mode ", flags.mode,
                          " (set-program, raw-earn, redeem-contention, "
                          "verify-ledgers)"));
}
