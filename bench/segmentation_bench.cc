// crm-segmentation-bench: the segmentation benchmark (bench/segmentation.sh,
// BENCH_PHASES=segmentation of bench/run.sh). Every mode takes the
// connection flags --port=P --user=U --password_env=VAR --database=D (a
// crm_segmentation database with its migrations applied) and prints one
// report line per measurement.
//
//   crm-segmentation-bench seed [--customers=1000000] [--orders=10000000]
//                               [--seed=1]
//     Fills the read model directly with multi-row INSERTs (1,000 rows per
//     statement, in primary-key order): --customers customers
//     (`bench-c0000001` ...; facts: country, channel, locale, gender, a `vip`
//     tag on 5%, consents; created within the last three years), exactly
//     --orders orders spread over them (8% have none; the others' purchase
//     times drawn as in the BG/NBD model, see Seed(), then adjusted to the
//     exact total; 10% in USD, 3% partly refunded), and each customer's
//     aggregate and per-currency spend computed from their orders by the
//     service's own AggregateOrders, so the aggregates agree with the orders.
//     Also five segments (rules on RFM, lifecycle, tier, country and tags).
//     Deterministic for a --seed.
//   crm-segmentation-bench stream
//     (s0) The reference: one unbuffered SELECT (mysql_use_result) of every
//     aggregate row joined with its spend rows, every column read.
//   crm-segmentation-bench recompute [--runs=2] [--currency=CNY]
//                                    [--batch=2000] [--workers=2] [--label=s1]
//     ScoringManager::RecomputeScores in this process, wired as the service
//     wires it (MySQL repositories, membership batch hook, the outbox feed
//     writer; no sequencer), --runs times in a row.
//   crm-segmentation-bench fit [--currency=CNY] [--breakdown=1]
//     (s2) ScoringManager::FitClvModel as of now. With --breakdown=1, a
//     second line (mode=fit_breakdown) times its parts again one by one: the
//     read of the purchases (ReadModelRepository::ForEachCustomerPurchases
//     with the summaries), FitBgNbd and FitGammaGamma, with their
//     likelihood evaluations.
//
// Every line carries seconds, MariaDB status-counter deltas over the
// measurement (round_trips = Questions + Com_stmt_prepare, as bench/run.sh
// counts them, less COM_STMT_SEND_LONG_DATA packets, which get no reply;
// rows read and written from the Handler_* counters; mariadbd's CPU when
// --db_pid names it) and the process's peak resident memory so far (VmHWM, kB).
#include <cppconn/driver.h>
#include <cppconn/exception.h>
#include <cppconn/prepared_statement.h>
#include <cppconn/resultset.h>
#include <cppconn/statement.h>
#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <fstream>
#include <map>
#include <memory>
#include <optional>
#include <random>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "bench/bench_support.h"
#include "services/common/change_feed_writer.h"
#include "services/common/clock.h"
#include "services/common/id_generator.h"
#include "services/common/idempotency.h"
#include "services/common/mysql_pool.h"
#include "services/common/mysql_unit_of_work.h"
#include "services/common/request_context.h"
#include "services/common/sql_batches.h"
#include "services/common/timestamps.h"
#include "services/segmentation/clv_model.h"
#include "services/segmentation/customer_aggregate.h"
#include "services/segmentation/membership_manager.h"
#include "services/segmentation/mysql_membership_repository.h"
#include "services/segmentation/mysql_read_model_repository.h"
#include "services/segmentation/mysql_score_repository.h"
#include "services/segmentation/mysql_segment_repository.h"
#include "services/segmentation/scoring_manager.h"
#include "services/segmentation/segmentation_change_feed.h"

namespace {

namespace seg = ::crm::segmentation;
using ::crm::bench::BenchFlags;
using ::crm::bench::Die;
using ::crm::bench::FlagOr;
using ::crm::bench::PositiveFlagOr;

// CPU time (user + system) of this process so far, seconds.
double CpuSeconds() {
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  return static_cast<double>(usage.ru_utime.tv_sec + usage.ru_stime.tv_sec) +
         (usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) / 1e6;
}

// The process's peak resident set (VmHWM), kB.
int64_t PeakRssKb() {
  std::ifstream status("/proc/self/status");
  std::string line;
  while (std::getline(status, line)) {
    if (line.rfind("VmHWM:", 0) == 0) return std::atoll(line.c_str() + 6);
  }
  return 0;
}

// CPU ticks (utime + stime) of process `pid`; 0 when unknown.
int64_t ProcessTicks(const std::string& pid) {
  if (pid.empty()) return 0;
  std::ifstream stat("/proc/" + pid + "/stat");
  std::string text((std::istreambuf_iterator<char>(stat)),
                   std::istreambuf_iterator<char>());
  const size_t close = text.rfind(')');
  if (close == std::string::npos) return 0;
  std::vector<std::string> fields =
      absl::StrSplit(text.substr(close + 2), ' ', absl::SkipEmpty());
  if (fields.size() < 13) return 0;
  return std::atoll(fields[11].c_str()) + std::atoll(fields[12].c_str());
}

// Server-wide status counters, read on a connection of their own, and the
// CPU of mariadbd (--db_pid) as the pseudo-counter `mariadbd_ticks`.
class StatusCounters {
 public:
  explicit StatusCounters(const BenchFlags& flags)
      : connection_(crm::bench::ConnectRaw(flags)),
        db_pid_(FlagOr(flags, "db_pid", "")) {}

  std::map<std::string, int64_t> Read() {
    std::unique_ptr<sql::Statement> statement(connection_->createStatement());
    std::unique_ptr<sql::ResultSet> rows(statement->executeQuery(
        "SHOW GLOBAL STATUS WHERE Variable_name IN ('Questions', "
        "'Com_stmt_prepare', 'Com_stmt_execute', 'Com_stmt_send_long_data', "
        "'Com_commit', 'Handler_read_key', 'Handler_read_next', "
        "'Handler_read_rnd_next', 'Handler_write', 'Handler_update', "
        "'Handler_delete')"));
    std::map<std::string, int64_t> values;
    while (rows->next()) {
      values[rows->getString(1).asStdString()] =
          std::stoll(rows->getString(2).asStdString());
    }
    values["mariadbd_ticks"] = ProcessTicks(db_pid_);
    return values;
  }

  // "round_trips=.. per_customer_round_trips=.. commits=.. rows_read=..
  // rows_written=.." between two reads.
  static std::string Delta(const std::map<std::string, int64_t>& before,
                           const std::map<std::string, int64_t>& after,
                           int64_t customers) {
    auto d = [&](const char* name) {
      auto a = after.find(name);
      auto b = before.find(name);
      return (a == after.end() ? 0 : a->second) -
             (b == before.end() ? 0 : b->second);
    };
    // A COM_STMT_SEND_LONG_DATA packet is counted in Questions but gets no
    // reply.
    const int64_t round_trips =
        d("Questions") + d("Com_stmt_prepare") - d("Com_stmt_send_long_data");
    return absl::StrFormat(
        "round_trips=%d per_customer_round_trips=%.4f commits=%d "
        "rows_read=%d rows_written=%d mariadbd_cpu_seconds=%.2f",
        round_trips,
        customers > 0 ? static_cast<double>(round_trips) / customers : 0.0,
        d("Com_commit"),
        d("Handler_read_key") + d("Handler_read_next") +
            d("Handler_read_rnd_next"),
        d("Handler_write") + d("Handler_update") + d("Handler_delete"),
        static_cast<double>(d("mariadbd_ticks")) /
            static_cast<double>(sysconf(_SC_CLK_TCK)));
  }

 private:
  std::unique_ptr<sql::Connection> connection_;
  const std::string db_pid_;
};

std::string SqlTime(absl::Time time) {
  return crm::common::FormatSqlDatetime(crm::common::TruncateToMicros(time));
}

// Multi-row INSERTs of one table, `columns` values per row, sent every
// `rows_per_statement` rows; a commit every `statements_per_commit`.
class BulkInserter {
 public:
  BulkInserter(sql::Connection& connection, std::string head, int columns,
               int rows_per_statement = 1000, int statements_per_commit = 20)
      : connection_(connection),
        head_(std::move(head)),
        columns_(columns),
        rows_per_statement_(rows_per_statement),
        statements_per_commit_(statements_per_commit) {}

  // Adds one row of `columns` values (NULL for nullopt).
  void Add(std::vector<std::optional<std::string>> row) {
    rows_.push_back(std::move(row));
    ++total_;
    if (static_cast<int>(rows_.size()) == rows_per_statement_) Flush();
  }

  void Finish() {
    Flush();
    connection_.commit();
  }

  int64_t total() const { return total_; }

 private:
  void Flush() {
    if (rows_.empty()) return;
    std::unique_ptr<sql::PreparedStatement> insert(connection_.prepareStatement(
        absl::StrCat(head_, " VALUES ",
                     crm::common::SqlRowPlaceholders(rows_.size(), columns_))));
    int column = 1;
    for (const auto& row : rows_) {
      for (const std::optional<std::string>& value : row) {
        if (value.has_value()) {
          insert->setString(column++, *value);
        } else {
          insert->setNull(column++, 0);
        }
      }
    }
    insert->executeUpdate();
    rows_.clear();
    if (++statements_ % statements_per_commit_ == 0) connection_.commit();
  }

  sql::Connection& connection_;
  const std::string head_;
  const int columns_;
  const int rows_per_statement_;
  const int statements_per_commit_;
  std::vector<std::vector<std::optional<std::string>>> rows_;
  int64_t statements_ = 0;
  int64_t total_ = 0;
};

int Seed(const BenchFlags& flags) {
  const int64_t customers = PositiveFlagOr(flags, "customers", 1000000);
  const int64_t total_orders = PositiveFlagOr(flags, "orders", 10000000);
  const uint64_t seed = static_cast<uint64_t>(PositiveFlagOr(flags, "seed", 1));
  std::unique_ptr<sql::Connection> connection = crm::bench::ConnectRaw(flags);
  {
    std::unique_ptr<sql::Statement> statement(connection->createStatement());
    statement->execute("SET unique_checks = 0");
  }
  connection->setAutoCommit(false);
  const absl::Time start = absl::Now();
  // Whole seconds, so every run of a seed is the same data relative to its
  // own start; the times themselves move with the clock.
  const absl::Time now = absl::FromUnixSeconds(absl::ToUnixSeconds(start));
  std::mt19937_64 rng(seed);

  // Each customer's purchase times, drawn as in the BG/NBD story (Fader,
  // Hardie & Lee 2005): 8% never buy; a buyer's first purchase follows
  // their creation, then purchases come at a rate lambda ~ Gamma(2, mean
  // set so that the orders come to about --orders) and after each one they
  // drop out with probability p ~ Beta(2, 20), until now. Then adjusted one
  // order at a time, at random buyers, to exactly --orders: the last order
  // of a buyer with several removed, or one more added between a buyer's
  // first and last purchase (recency and age unchanged).
  std::vector<absl::Time> created(customers);
  std::vector<std::vector<absl::Time>> times(customers);
  const double three_years_days = 3 * 365.0;
  const int64_t buyers_expected = customers - customers * 8 / 100;
  const double per_buyer =
      static_cast<double>(total_orders) /
      static_cast<double>(std::max<int64_t>(1, buyers_expected));
  // Mean purchases of a buyer alive for d days at rate l: about
  // min(l d, 1/p); the rate is scaled for ~1.5 years of mean age.
  const double mean_rate = per_buyer / (three_years_days / 2);
  std::gamma_distribution<double> rate(2.0, mean_rate / 2.0);
  std::gamma_distribution<double> beta_a(2.0, 1.0);
  std::gamma_distribution<double> beta_b(20.0, 1.0);
  std::uniform_real_distribution<double> unit(0.0, 1.0);
  int64_t sum = 0;
  std::vector<int64_t> buyers;
  for (int64_t i = 0; i < customers; ++i) {
    created[i] = now - absl::Hours(24) -
                 absl::Seconds(static_cast<int64_t>(unit(rng) *
                                                    three_years_days * 86400));
    if (unit(rng) < 0.08) continue;
    const double lambda = std::max(1e-6, rate(rng));  // Per day.
    const double ga = beta_a(rng);
    const double p = ga / (ga + beta_b(rng));
    absl::Time t =
        created[i] + absl::Seconds(static_cast<int64_t>(unit(rng) * 86400));
    while (t < now) {
      times[i].push_back(t);
      if (unit(rng) < p) break;
      t += absl::Seconds(
          static_cast<int64_t>(-std::log(1.0 - unit(rng)) / lambda * 86400));
    }
    if (times[i].empty()) times[i].push_back(now - absl::Minutes(1));
    sum += static_cast<int64_t>(times[i].size());
    buyers.push_back(i);
  }
  while (sum != total_orders && !buyers.empty()) {
    std::vector<absl::Time>& mine = times[buyers[rng() % buyers.size()]];
    if (sum > total_orders) {
      if (mine.size() < 2) continue;
      mine.pop_back();
      --sum;
    } else {
      const absl::Time first = mine.front();
      const absl::Time last = mine.back();
      mine.insert(
          mine.end() - 1,
          first + absl::Seconds(static_cast<int64_t>(
                      unit(rng) * absl::ToDoubleSeconds(last - first))));
      ++sum;
    }
  }

  BulkInserter facts(*connection,
                     "INSERT INTO read_model_customers (customer_id, "
                     "country_code, source_channel, locale, gender, tags, "
                     "granted_consents, create_time, last_sequence)",
                     9);
  BulkInserter orders_out(*connection,
                          "INSERT INTO read_model_orders (customer_id, "
                          "order_id, order_time, currency_code, amount_minor, "
                          "refunded_minor)",
                          6);
  BulkInserter aggregates(
      *connection,
      "INSERT INTO read_model_aggregates (customer_id, order_count, "
      "purchase_days, first_order_time, last_order_time, "
      "previous_purchase_time)",
      6);
  BulkInserter spend(*connection,
                     "INSERT INTO read_model_spend (customer_id, "
                     "currency_code, order_count, net_total_minor, "
                     "average_minor)",
                     5);
  const char* const countries[] = {"CN", "CN", "CN", "CN", "CN",
                                   "CN", "US", "US", "JP", "DE"};
  const char* const channels[] = {"web", "app", "store"};
  const char* const genders[] = {"FEMALE", "MALE", "OTHER", ""};
  auto optional_time =
      [](const std::optional<absl::Time>& time) -> std::optional<std::string> {
    if (!time.has_value()) return std::nullopt;
    return SqlTime(*time);
  };
  std::vector<seg::OrderFact> orders;
  for (int64_t i = 0; i < customers; ++i) {
    const std::string id = absl::StrFormat("bench-c%07d", i + 1);
    facts.Add({id, countries[rng() % 10], channels[rng() % 3],
               rng() % 2 == 0 ? "zh-CN" : "en-US", genders[rng() % 4],
               rng() % 100 < 5 ? "vip" : "", "EMAIL", SqlTime(created[i]),
               std::string("0")});
    orders.clear();
    std::sort(times[i].begin(), times[i].end());
    for (size_t k = 0; k < times[i].size(); ++k) {
      seg::OrderFact order;
      order.customer_id = id;
      order.order_id = absl::StrFormat("o%05d", k);
      order.order_time = times[i][k];
      order.currency_code = rng() % 10 == 0 ? "USD" : "CNY";
      order.amount_minor = 1000 + static_cast<int64_t>(rng() % 200000);
      order.refunded_minor = rng() % 100 < 3 ? order.amount_minor / 2 : 0;
      orders_out.Add({order.customer_id, order.order_id,
                      SqlTime(order.order_time), order.currency_code,
                      absl::StrCat(order.amount_minor),
                      absl::StrCat(order.refunded_minor)});
      orders.push_back(std::move(order));
    }
    if (orders.empty()) continue;
    const seg::CustomerAggregate aggregate = seg::AggregateOrders(id, orders);
    aggregates.Add({id, absl::StrCat(aggregate.order_count),
                    absl::StrCat(aggregate.purchase_days),
                    optional_time(aggregate.first_order_time),
                    optional_time(aggregate.last_order_time),
                    optional_time(aggregate.previous_purchase_time)});
    for (const seg::CurrencySpend& one : aggregate.spend) {
      spend.Add({id, one.currency_code, absl::StrCat(one.order_count),
                 absl::StrCat(one.net_total_minor),
                 absl::StrCat(one.average_minor)});
    }
  }
  facts.Finish();
  orders_out.Finish();
  aggregates.Finish();
  spend.Finish();

  // Five segments, as CreateSegment would store them (no memberships yet:
  // the first recompute brings everyone in).
  BulkInserter segments(*connection,
                        "INSERT INTO segments (id, display_name, description, "
                        "rule, create_time, update_time, version)",
                        7);
  const std::pair<const char*, const char*> rules[] = {
      {"Best recent", "rfm.recency >= 4 AND rfm.frequency >= 4"},
      {"At risk", "lifecycle = \"AT_RISK\""},
      {"High value", "value_tier = \"HIGH\""},
      {"CN frequent", "country = \"CN\" AND order_count >= 10"},
      {"VIP", "tags:\"vip\""}};
  int n = 0;
  for (const auto& [name, rule] : rules) {
    segments.Add({absl::StrCat("bench-s", ++n), std::string(name),
                  std::string(""), std::string(rule), SqlTime(now),
                  SqlTime(now), std::string("1")});
  }
  segments.Finish();
  std::printf(
      "mode=seed customers=%lld orders=%lld aggregates=%lld spend_rows=%lld "
      "seconds=%.2f seed=%llu\n",
      static_cast<long long>(facts.total()),
      static_cast<long long>(orders_out.total()),
      static_cast<long long>(aggregates.total()),
      static_cast<long long>(spend.total()),
      absl::ToDoubleSeconds(absl::Now() - start),
      static_cast<unsigned long long>(seed));
  return 0;
}

int Stream(const BenchFlags& flags) {
  std::unique_ptr<sql::Connection> connection = crm::bench::ConnectRaw(flags);
  StatusCounters counters(flags);
  const auto before = counters.Read();
  const double cpu_before = CpuSeconds();
  const absl::Time start = absl::Now();
  std::unique_ptr<sql::Statement> select(connection->createStatement());
  select->setResultSetType(sql::ResultSet::TYPE_FORWARD_ONLY);
  std::unique_ptr<sql::ResultSet> rows(select->executeQuery(
      "SELECT a.customer_id, a.order_count, a.purchase_days, "
      "a.first_order_time, a.last_order_time, a.previous_purchase_time, "
      "s.currency_code, s.order_count, s.net_total_minor, s.average_minor "
      "FROM read_model_aggregates a LEFT JOIN read_model_spend s "
      "ON s.customer_id = a.customer_id"));
  int64_t count = 0;
  int64_t customers = 0;
  int64_t checksum = 0;
  std::string last;
  while (rows->next()) {
    ++count;
    std::string id = rows->getString(1).asStdString();
    if (id != last) {
      ++customers;
      last = std::move(id);
    }
    checksum += rows->getInt64(2) + rows->getInt64(3);
    for (int column : {4, 5, 6, 7}) {
      if (!rows->isNull(column)) {
        checksum += static_cast<int64_t>(rows->getString(column).length());
      }
    }
    if (!rows->isNull(8)) {
      checksum += rows->getInt64(8) + rows->getInt64(9) + rows->getInt64(10);
    }
  }
  rows.reset();
  const double seconds = absl::ToDoubleSeconds(absl::Now() - start);
  const auto after = counters.Read();
  std::printf(
      "mode=stream rows=%lld customers=%lld seconds=%.2f rate=%.1f "
      "cpu_seconds=%.2f %s hwm_kb=%lld checksum=%lld\n",
      static_cast<long long>(count), static_cast<long long>(customers), seconds,
      seconds > 0 ? customers / seconds : 0.0, CpuSeconds() - cpu_before,
      StatusCounters::Delta(before, after, customers).c_str(),
      static_cast<long long>(PeakRssKb()), static_cast<long long>(checksum));
  return 0;
}

// The service's objects over one pool, wired as main.cc wires them.
struct Scoring {
  explicit Scoring(const BenchFlags& flags, int batch)
      : pool(MakePool(flags)),
        unit_of_work(*pool, crm::common::TransactionOptions{}, clock),
        memberships(unit_of_work, segments, membership_repository, read_model,
                    scores, clock, FlagOr(flags, "currency", "CNY"), &writer),
        manager(unit_of_work, read_model, scores, idempotency, clock,
                crm::common::RandomIdGenerator::Instance(),
                Policy(flags, batch), memberships.ScoredHook(), &writer) {
    manager.set_customers_scored_hook(memberships.BatchScoredHook());
  }

  static std::unique_ptr<crm::common::MySqlPool> MakePool(
      const BenchFlags& flags) {
    crm::common::MySqlOptions options;
    options.port = static_cast<int>(PositiveFlagOr(flags, "port", 3306));
    options.user = FlagOr(flags, "user", "");
    const char* password =
        std::getenv(FlagOr(flags, "password_env", "").c_str());
    options.password = password == nullptr ? "" : password;
    options.database = FlagOr(flags, "database", "");
    options.pool_size = 8;
    options.io_timeout = absl::Minutes(30);
    absl::StatusOr<std::unique_ptr<crm::common::MySqlPool>> pool =
        crm::common::MySqlPool::Create(options);
    if (!pool.ok())
      Die(flags, absl::StrCat("pool: ", pool.status().ToString()));
    return *std::move(pool);
  }

  static seg::ScoringPolicy Policy(const BenchFlags& flags, int batch) {
    seg::ScoringPolicy policy;
    policy.scoring_currency = FlagOr(flags, "currency", "CNY");
    policy.recompute_batch_size = batch;
    policy.recompute_workers =
        static_cast<int>(PositiveFlagOr(flags, "workers", 2));
    return policy;
  }

  const crm::common::Clock& clock = crm::common::SystemClock::Instance();
  std::unique_ptr<crm::common::MySqlPool> pool;
  crm::common::MySqlUnitOfWork unit_of_work;
  crm::common::MySqlChangeFeedWriter writer{std::string(seg::kSegmentationFeed),
                                            clock, nullptr};
  seg::MySqlSegmentRepository segments;
  seg::MySqlReadModelRepository read_model;
  seg::MySqlScoreRepository scores;
  seg::MySqlMembershipRepository membership_repository;
  crm::common::MySqlIdempotencyRepository idempotency;
  seg::MembershipManager memberships;
  seg::ScoringManager manager;
};

int Recompute(const BenchFlags& flags) {
  const int runs = static_cast<int>(PositiveFlagOr(flags, "runs", 2));
  const int batch = static_cast<int>(PositiveFlagOr(flags, "batch", 2000));
  const std::string label = FlagOr(flags, "label", "s1");
  Scoring scoring(flags, batch);
  StatusCounters counters(flags);
  for (int run = 1; run <= runs; ++run) {
    const auto before = counters.Read();
    const double cpu_before = CpuSeconds();
    const absl::Time start = absl::Now();
    absl::StatusOr<crm::segmentation::v1::RecomputeScoresResponse> response =
        scoring.manager.RecomputeScores(crm::common::RequestContext(), {});
    const double seconds = absl::ToDoubleSeconds(absl::Now() - start);
    if (!response.ok()) {
      Die(flags,
          absl::StrCat("RecomputeScores: ", response.status().ToString()));
    }
    const auto after = counters.Read();
    std::printf(
        "mode=recompute label=%s run=%d customers=%lld active=%lld "
        "seconds=%.2f rate=%.1f cpu_seconds=%.2f batch=%d %s hwm_kb=%lld\n",
        label.c_str(), run, static_cast<long long>(response->customer_count()),
        static_cast<long long>(response->active_customer_count()), seconds,
        seconds > 0 ? response->customer_count() / seconds : 0.0,
        CpuSeconds() - cpu_before, batch,
        StatusCounters::Delta(before, after, response->customer_count())
            .c_str(),
        static_cast<long long>(PeakRssKb()));
    std::fflush(stdout);
  }
  return 0;
}

int Fit(const BenchFlags& flags) {
  Scoring scoring(flags, 1000);
  StatusCounters counters(flags);
  const auto before = counters.Read();
  const double cpu_before = CpuSeconds();
  const absl::Time start = absl::Now();
  crm::segmentation::v1::FitClvModelRequest request;
  request.set_currency_code(FlagOr(flags, "currency", "CNY"));
  absl::StatusOr<crm::segmentation::v1::ClvModel> model =
      scoring.manager.FitClvModel(crm::common::RequestContext(), request);
  const double seconds = absl::ToDoubleSeconds(absl::Now() - start);
  if (!model.ok()) {
    Die(flags, absl::StrCat("FitClvModel: ", model.status().ToString()));
  }
  const auto after = counters.Read();
  std::printf(
      "mode=fit customers=%lld seconds=%.2f cpu_seconds=%.2f r=%.4f "
      "alpha=%.4f a=%.4f b=%.4f bgnbd_ll=%.4f "
      "bgnbd_converged=%d p=%.4f q=%.4f gamma=%.4f gg_ll=%.4f "
      "gg_converged=%d %s hwm_kb=%lld\n",
      static_cast<long long>(model->customer_count()), seconds,
      CpuSeconds() - cpu_before, model->bg_nbd().r(), model->bg_nbd().alpha(),
      model->bg_nbd().a(), model->bg_nbd().b(),
      model->bg_nbd().log_likelihood(), model->bg_nbd().converged() ? 1 : 0,
      model->gamma_gamma().p(), model->gamma_gamma().q(),
      model->gamma_gamma().gamma(), model->gamma_gamma().log_likelihood(),
      model->gamma_gamma().converged() ? 1 : 0,
      StatusCounters::Delta(before, after, model->customer_count()).c_str(),
      static_cast<long long>(PeakRssKb()));
  std::fflush(stdout);
  if (FlagOr(flags, "breakdown", "0") != "1") return 0;

  const int64_t end_day = seg::UtcDayNumber(absl::Now());
  const double days_per_unit = Scoring::Policy(flags, 1000).clv_days_per_unit;
  std::vector<seg::ClvSummary> base;
  const absl::Time read_start = absl::Now();
  const absl::Status read = scoring.unit_of_work.Read(
      crm::common::RequestContext(),
      [&](crm::common::Transaction& tx) -> absl::Status {
        return scoring.read_model.ForEachCustomerPurchases(
            tx, request.currency_code(), end_day,
            [&](absl::string_view,
                const std::vector<seg::ClvPurchase>& purchases) {
              std::optional<seg::ClvSummary> summary =
                  seg::SummarizePurchasesForClv(purchases, end_day,
                                                days_per_unit);
              if (summary.has_value()) base.push_back(*summary);
              return absl::OkStatus();
            });
      });
  if (!read.ok()) Die(flags, absl::StrCat("read: ", read.ToString()));
  const absl::Time bgnbd_start = absl::Now();
  absl::StatusOr<seg::BgNbdFit> purchases = seg::FitBgNbd(base);
  const absl::Time gg_start = absl::Now();
  absl::StatusOr<seg::GammaGammaFit> spend = seg::FitGammaGamma(base);
  const absl::Time gg_end = absl::Now();
  if (!purchases.ok() || !spend.ok()) Die(flags, "fit failed");
  std::printf(
      "mode=fit_breakdown customers=%lld read_seconds=%.2f "
      "bgnbd_seconds=%.2f bgnbd_evaluations=%d gg_seconds=%.2f "
      "gg_customers=%lld gg_evaluations=%d\n",
      static_cast<long long>(base.size()),
      absl::ToDoubleSeconds(bgnbd_start - read_start),
      absl::ToDoubleSeconds(gg_start - bgnbd_start), purchases->evaluations,
      absl::ToDoubleSeconds(gg_end - gg_start),
      static_cast<long long>(spend->customers), spend->evaluations);
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  const BenchFlags flags =
      crm::bench::ParseBenchFlags("crm-segmentation-bench", argc, argv);
  try {
    if (flags.mode == "seed") return Seed(flags);
    if (flags.mode == "stream") return Stream(flags);
    if (flags.mode == "recompute") return Recompute(flags);
    if (flags.mode == "fit") return Fit(flags);
  } catch (const sql::SQLException& e) {
    Die(flags,
        absl::StrCat("MariaDB error ", e.getErrorCode(), ": ", e.what()));
  }
  Die(flags, absl::StrCat("unknown mode ", flags.mode,
                          " (seed, stream, recompute, fit)"));
}
