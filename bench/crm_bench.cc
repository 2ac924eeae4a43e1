// crm-bench: load generators for bench/run.sh.
//
//   crm-bench raw-insert --port=P --user=U --password_env=VAR --database=D
//                        [--threads=8] [--duration=10s] [--max_rows=200000]
//     Single-row INSERT transactions (autocommit, one row per commit) into a
//     table shaped like customer-profile's `orders`, from a plain
//     Connector/C++ client: the database's own ceiling for this work.
//   crm-bench record-order --addr=HOST:PORT [--threads=8] [--duration=10s]
//                          [--max_rows=200000] [--customers=200]
//                          [--names_file=names.txt] [--rate=0]
//     RecordOrder calls over gRPC (each a new order of one of --customers
//     customers created first, or of the customers named in --names_file),
//     at the same concurrency; with --rate=R > 0, paced: call n starts no
//     earlier than n/R seconds after the start (R calls a second in all,
//     when the threads keep up).
//   crm-bench empty-call --addr=HOST:PORT [--threads=32] [--duration=10s]
//                        [--max_rows=unbounded]
//     grpc.health.v1.Health/Check calls (no database, none of the service's
//     code) from the same kind of blocking caller as record-order, at the
//     same concurrency: the most any gRPC write made this way can reach.
//   crm-bench gen-csv --rows=100000 [--seed=1] > customers.csv
//     A customers CSV for crm-import (distinct people, ~1% bad rows).
//   crm-bench feed-latency --addr=HOST:PORT [--orders=200] [--interval=20ms]
//     Change-feed tail latency: one WatchChanges stream tails the feed while
//     RecordOrder calls are made one at a time, --interval apart; each
//     latency is from RecordOrder's reply (the commit) to the arrival of its
//     ORDER_RECORDED event on the stream (0 if the event came first).
//   crm-bench create-customers --addr=HOST:PORT [--count=1000] > names.txt
//     Creates --count customers with every personal field set (names,
//     email, phone, birth date, address, tags, an external identity) and
//     prints their resource names ("customers/{id}"), one a line.
//   crm-bench get-customer --addr=HOST:PORT --names_file=names.txt
//                          [--threads=32] [--duration=10s]
//     GetCustomer calls over gRPC, each of a name drawn at random from the
//     file, --threads calls in flight (one blocking caller per thread).
//   crm-bench list-customers --addr=HOST:PORT [--threads=32] [--duration=10s]
//                            [--page_size=20]
//     ListCustomers calls (first page, no filter) at the same concurrency.
//   crm-bench raw-select --port=P --user=U --password_env=VAR --database=D
//                        --names_file=names.txt [--threads=32]
//                        [--duration=10s]
//     Primary-key SELECTs of the same customers' rows (every column the
//     service's repository reads, from the service's own `customers` table)
//     from a plain Connector/C++ client, one connection and one prepared
//     statement per thread: the database's own ceiling for this read.
//   crm-bench raw-import --port=P --user=U --password_env=VAR --database=D
//                        --csv=customers.csv [--threads=2] [--batch=1000]
//     The reference of the import: the same CSV rows inserted as rows of
//     the service's `customers` and `customer_identifiers` shapes (tables
//     bench_raw_customers / bench_raw_identifiers made LIKE them), the same
//     columns with plaintext where the service encrypts and a cheap hash
//     where it computes HMAC blind indexes, --batch rows per multi-row
//     INSERT and per transaction: the database's own ceiling for loading
//     these rows.
//   crm-bench grpc-frame --name=customers/ID > request.bin
//     One GetCustomerRequest as a gRPC message frame (1-byte flag, 4-byte
//     big-endian length, the serialized request), for h2load -d.
//
// Each mode prints one line "mode=... rows=N seconds=S rate=R p50_ms=..
// p99_ms=.." on stdout. The load modes are bounded by --duration and
// --max_rows and never run longer than the duration plus one call's
// deadline; feed-latency makes --orders calls, each waiting at most 10 s
// for its event.
#include <cppconn/datatype.h>
#include <cppconn/driver.h>
#include <cppconn/exception.h>
#include <cppconn/prepared_statement.h>
#include <cppconn/resultset.h>
#include <cppconn/statement.h>
#include <grpcpp/grpcpp.h>
#include <grpcpp/impl/codegen/client_unary_call.h>
#include <grpcpp/impl/codegen/rpc_method.h>
#include <grpcpp/support/byte_buffer.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <functional>
#include <limits>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "crm/customerprofile/v1/customer_profile_service.grpc.pb.h"

namespace {

namespace v1 = ::crm::customerprofile::v1;

using Flags = std::map<std::string, std::string>;

[[noreturn]] void Die(const std::string& message) {
  std::fprintf(stderr, "crm-bench: %s\n", message.c_str());
  std::exit(2);
}

std::string Get(const Flags& flags, const std::string& name,
                const std::string& fallback) {
  auto it = flags.find(name);
  return it == flags.end() ? fallback : it->second;
}

int64_t GetInt(const Flags& flags, const std::string& name, int64_t fallback) {
  auto it = flags.find(name);
  if (it == flags.end()) return fallback;
  int64_t value = 0;
  if (!absl::SimpleAtoi(it->second, &value) || value < 1) {
    Die(absl::StrCat("--", name, " must be a positive integer"));
  }
  return value;
}

absl::Duration GetDuration(const Flags& flags, const std::string& name,
                           absl::Duration fallback) {
  auto it = flags.find(name);
  if (it == flags.end()) return fallback;
  absl::Duration value;
  if (!absl::ParseDuration(it->second, &value) ||
      value <= absl::ZeroDuration()) {
    Die(absl::StrCat("--", name, " must be a positive duration"));
  }
  return value;
}

// Latencies of all threads and the final report line.
class Recorder {
 public:
  void Add(const std::vector<double>& latencies_ms) {
    std::lock_guard<std::mutex> lock(mu_);
    all_.insert(all_.end(), latencies_ms.begin(), latencies_ms.end());
  }
  // Every latency added so far, in ascending order.
  std::vector<double> Sorted() {
    std::lock_guard<std::mutex> lock(mu_);
    std::sort(all_.begin(), all_.end());
    return all_;
  }
  void Report(const char* mode, int threads, int64_t errors,
              absl::Duration elapsed) {
    std::sort(all_.begin(), all_.end());
    auto pct = [&](double p) {
      if (all_.empty()) return 0.0;
      size_t i = std::min(all_.size() - 1,
                          static_cast<size_t>(p * (all_.size() - 1) + 0.5));
      return all_[i];
    };
    double seconds = absl::ToDoubleSeconds(elapsed);
    std::printf(
        "mode=%s threads=%d rows=%zu errors=%lld seconds=%.2f rate=%.1f "
        "p50_ms=%.2f p99_ms=%.2f\n",
        mode, threads, all_.size(), static_cast<long long>(errors), seconds,
        seconds > 0 ? all_.size() / seconds : 0.0, pct(0.5), pct(0.99));
  }

 private:
  std::mutex mu_;
  std::vector<double> all_;
};

int RawInsert(const Flags& flags) {
  const int threads = static_cast<int>(GetInt(flags, "threads", 8));
  const absl::Duration duration =
      GetDuration(flags, "duration", absl::Seconds(10));
  const int64_t max_rows = GetInt(flags, "max_rows", 200000);
  const std::string port = Get(flags, "port", "3306");
  const std::string user = Get(flags, "user", "");
  const char* password = std::getenv(Get(flags, "password_env", "").c_str());
  const std::string database = Get(flags, "database", "");
  if (user.empty() || database.empty() || password == nullptr) {
    Die("raw-insert needs --user, --database and --password_env=VAR");
  }
  sql::Driver* driver = get_driver_instance();
  auto connect = [&]() {
    sql::ConnectOptionsMap options;
    options["hostName"] = sql::SQLString("tcp://127.0.0.1:" + port);
    options["userName"] = sql::SQLString(user);
    options["password"] = sql::SQLString(password);
    options["schema"] = sql::SQLString(database);
    options["OPT_CHARSET_NAME"] = sql::SQLString("utf8mb4");
    return std::unique_ptr<sql::Connection>(driver->connect(options));
  };
  try {
    auto connection = connect();
    std::unique_ptr<sql::Statement> statement(connection->createStatement());
    // The shape of customer-profile's `orders` table (same keys).
    statement->execute("DROP TABLE IF EXISTS bench_raw_orders");
    statement->execute(
        "CREATE TABLE bench_raw_orders ("
        " customer_id VARCHAR(64) CHARACTER SET ascii COLLATE ascii_bin "
        "NOT NULL,"
        " id VARCHAR(64) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,"
        " channel VARCHAR(32) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,"
        " channel_order_id VARCHAR(64) CHARACTER SET utf8mb4 COLLATE "
        "utf8mb4_bin NOT NULL,"
        " currency_code CHAR(3) CHARACTER SET ascii NOT NULL,"
        " amount_minor BIGINT NOT NULL,"
        " refunded_minor BIGINT NOT NULL DEFAULT 0,"
        " store_id VARCHAR(64) NOT NULL DEFAULT '',"
        " order_time DATETIME(6) NOT NULL,"
        " create_time DATETIME(6) NOT NULL,"
        " line_items MEDIUMBLOB NOT NULL,"
        " PRIMARY KEY (customer_id, id),"
        " UNIQUE KEY orders_by_channel_order (channel, channel_order_id),"
        " KEY orders_by_id (id),"
        " KEY orders_by_customer_time (customer_id, order_time, id)"
        ") ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 "
        "COLLATE=utf8mb4_unicode_ci");
  } catch (const sql::SQLException& e) {
    Die(absl::StrCat("raw-insert setup failed: MySQL error ",
                     e.getErrorCode()));
  }

  std::atomic<int64_t> claimed{0};
  std::atomic<int64_t> errors{0};
  Recorder recorder;
  const absl::Time start = absl::Now();
  const absl::Time stop = start + duration;
  std::vector<std::thread> workers;
  for (int t = 0; t < threads; ++t) {
    workers.emplace_back([&, t] {
      driver->threadInit();
      std::vector<double> latencies;
      try {
        auto connection = connect();
        connection->setAutoCommit(true);
        std::unique_ptr<sql::PreparedStatement> insert(
            connection->prepareStatement(
                "INSERT INTO bench_raw_orders (customer_id, id, channel, "
                "channel_order_id, currency_code, amount_minor, store_id, "
                "order_time, create_time, line_items) VALUES "
                "(?, ?, 'web', ?, 'CNY', ?, '', NOW(6), NOW(6), ?)"));
        std::mt19937_64 rng(t + 1);
        const std::string blob(120, 'x');  // ~ one serialized line item
        while (absl::Now() < stop) {
          int64_t n = claimed.fetch_add(1);
          if (n >= max_rows) break;
          insert->setString(1, absl::StrCat("c", rng() % 200));
          insert->setString(2, absl::StrCat("o", n, "-", t));
          insert->setString(3, absl::StrCat("bench-", n));
          insert->setInt64(4, static_cast<int64_t>(rng() % 100000));
          insert->setString(5, blob);
          absl::Time begin = absl::Now();
          try {
            insert->executeUpdate();
            latencies.push_back(
                absl::ToDoubleMilliseconds(absl::Now() - begin));
          } catch (const sql::SQLException&) {
            ++errors;
          }
        }
      } catch (const sql::SQLException& e) {
        std::fprintf(stderr, "crm-bench: raw-insert thread: MySQL error %d\n",
                     e.getErrorCode());
        ++errors;
      }
      recorder.Add(latencies);
      driver->threadEnd();
    });
  }
  for (std::thread& w : workers) w.join();
  recorder.Report("raw-insert", threads, errors.load(), absl::Now() - start);
  return 0;
}

std::vector<std::string> ReadNames(const Flags& flags);

int RecordOrders(const Flags& flags) {
  const int threads = static_cast<int>(GetInt(flags, "threads", 8));
  const absl::Duration duration =
      GetDuration(flags, "duration", absl::Seconds(10));
  const int64_t max_rows = GetInt(flags, "max_rows", 200000);
  const int customers = static_cast<int>(GetInt(flags, "customers", 200));
  const std::string addr = Get(flags, "addr", "127.0.0.1:50051");
  const int64_t rate = GetInt(flags, "rate", 0);
  auto stub = v1::CustomerProfileService::NewStub(
      grpc::CreateChannel(addr, grpc::InsecureChannelCredentials()));
  const std::string run = absl::StrCat(absl::ToUnixMicros(absl::Now()));

  // The customers of --names_file (crm-bench create-customers), so that a
  // measurement of this command sees only RecordOrder calls; else created
  // here.
  const bool from_file = !Get(flags, "names_file", "").empty();
  std::vector<std::string> names;
  if (from_file) names = ReadNames(flags);
  for (int i = 0; !from_file && i < customers; ++i) {
    v1::CreateCustomerRequest request;
    request.mutable_customer()->set_given_name("Bench");
    request.mutable_customer()->set_family_name(absl::StrCat("Customer", i));
    request.mutable_customer()->set_email(
        absl::StrCat("bench", i, "@bench.example.com"));
    request.set_request_id(absl::StrCat("bench-customer-", i));
    grpc::ClientContext context;
    context.set_deadline(absl::ToChronoTime(absl::Now() + absl::Seconds(10)));
    v1::Customer customer;
    grpc::Status status = stub->CreateCustomer(&context, request, &customer);
    if (!status.ok()) {
      Die(absl::StrCat("CreateCustomer failed: code ", status.error_code(),
                       ": ", status.error_message()));
    }
    names.push_back(customer.name());
  }

  std::atomic<int64_t> claimed{0};
  std::atomic<int64_t> errors{0};
  Recorder recorder;
  const absl::Time start = absl::Now();
  const absl::Time stop = start + duration;
  std::vector<std::thread> workers;
  for (int t = 0; t < threads; ++t) {
    workers.emplace_back([&, t] {
      std::vector<double> latencies;
      std::mt19937_64 rng(t + 1);
      v1::RecordOrderRequest request;
      v1::Order* order = request.mutable_order();
      order->set_channel("web");
      order->mutable_amount()->set_currency_code("CNY");
      v1::OrderLineItem* item = order->add_line_items();
      item->set_sku("SKU-BENCH-1");
      item->set_product_name("Bench item");
      item->set_quantity(1);
      item->mutable_unit_price()->set_currency_code("CNY");
      while (absl::Now() < stop) {
        int64_t n = claimed.fetch_add(1);
        if (n >= max_rows) break;
        if (rate > 0) {
          const absl::Time slot = start + absl::Seconds(n) / rate;
          if (slot >= stop) break;
          absl::SleepFor(slot - absl::Now());
        }
        int64_t amount = 100 + static_cast<int64_t>(rng() % 100000);
        order->set_customer(names[rng() % names.size()]);
        order->set_channel_order_id(absl::StrCat("bench-", run, "-", n));
        order->mutable_amount()->set_amount_minor(amount);
        item->mutable_unit_price()->set_amount_minor(amount);
        absl::Time now = absl::Now();
        order->mutable_order_time()->set_seconds(absl::ToUnixSeconds(now));
        grpc::ClientContext context;
        context.set_deadline(absl::ToChronoTime(now + absl::Seconds(10)));
        v1::Order response;
        grpc::Status status = stub->RecordOrder(&context, request, &response);
        if (status.ok()) {
          latencies.push_back(absl::ToDoubleMilliseconds(absl::Now() - now));
        } else {
          if (errors.fetch_add(1) < 3) {
            std::fprintf(stderr, "crm-bench: RecordOrder: code %d: %s\n",
                         status.error_code(), status.error_message().c_str());
          }
        }
      }
      recorder.Add(latencies);
    });
  }
  for (std::thread& w : workers) w.join();
  recorder.Report("record-order", threads, errors.load(), absl::Now() - start);
  return 0;
}

int FeedLatency(const Flags& flags) {
  const int64_t orders = GetInt(flags, "orders", 200);
  const absl::Duration interval =
      GetDuration(flags, "interval", absl::Milliseconds(20));
  const std::string addr = Get(flags, "addr", "127.0.0.1:50051");
  auto stub = v1::CustomerProfileService::NewStub(
      grpc::CreateChannel(addr, grpc::InsecureChannelCredentials()));
  const std::string run = absl::StrCat(absl::ToUnixMicros(absl::Now()));
  const std::string id_prefix = absl::StrCat("bench-feed-", run, "-");

  v1::CreateCustomerRequest create;
  create.mutable_customer()->set_given_name("Bench");
  create.mutable_customer()->set_family_name("Feed");
  create.mutable_customer()->set_email(
      absl::StrCat("bench-feed-", run, "@bench.example.com"));
  create.set_request_id(absl::StrCat("bench-feed-customer-", run));
  v1::Customer customer;
  {
    grpc::ClientContext context;
    context.set_deadline(absl::ToChronoTime(absl::Now() + absl::Seconds(10)));
    grpc::Status status = stub->CreateCustomer(&context, create, &customer);
    if (!status.ok()) {
      Die(absl::StrCat("CreateCustomer failed: code ", status.error_code(),
                       ": ", status.error_message()));
    }
  }

  // Arrival time of each of this run's orders, by channel order id.
  std::mutex mu;
  std::condition_variable arrived_cv;
  std::map<std::string, absl::Time> arrived;
  grpc::ClientContext watch_context;
  v1::WatchChangesRequest watch;
  watch.add_types(v1::ChangeEvent::ORDER_RECORDED);
  std::unique_ptr<grpc::ClientReader<v1::ChangeEvent>> reader =
      stub->WatchChanges(&watch_context, watch);
  std::thread tail([&] {
    v1::ChangeEvent event;
    while (reader->Read(&event)) {
      const std::string& id = event.order().channel_order_id();
      if (!absl::StartsWith(id, id_prefix)) continue;  // Earlier events.
      const absl::Time now = absl::Now();
      std::lock_guard<std::mutex> lock(mu);
      arrived.emplace(id, now);
      arrived_cv.notify_all();
    }
  });

  // Records order `n`; the time its reply came, or nullopt on failure.
  auto record = [&](int64_t n) -> std::optional<absl::Time> {
    v1::RecordOrderRequest request;
    v1::Order* order = request.mutable_order();
    order->set_customer(customer.name());
    order->set_channel("web");
    order->set_channel_order_id(absl::StrCat(id_prefix, n));
    order->mutable_amount()->set_currency_code("CNY");
    order->mutable_amount()->set_amount_minor(100 + n);
    v1::OrderLineItem* item = order->add_line_items();
    item->set_sku("SKU-BENCH-1");
    item->set_product_name("Bench item");
    item->set_quantity(1);
    item->mutable_unit_price()->set_currency_code("CNY");
    item->mutable_unit_price()->set_amount_minor(100 + n);
    const absl::Time now = absl::Now();
    order->mutable_order_time()->set_seconds(absl::ToUnixSeconds(now));
    grpc::ClientContext context;
    context.set_deadline(absl::ToChronoTime(now + absl::Seconds(10)));
    v1::Order response;
    grpc::Status status = stub->RecordOrder(&context, request, &response);
    if (!status.ok()) {
      std::fprintf(stderr, "crm-bench: RecordOrder: code %d: %s\n",
                   status.error_code(), status.error_message().c_str());
      return std::nullopt;
    }
    return absl::Now();
  };
  // Waits up to 10 s for order `n`'s event; its arrival time.
  auto await_event = [&](int64_t n) -> std::optional<absl::Time> {
    const std::string id = absl::StrCat(id_prefix, n);
    std::unique_lock<std::mutex> lock(mu);
    if (!arrived_cv.wait_for(lock, std::chrono::seconds(10),
                             [&] { return arrived.count(id) > 0; })) {
      return std::nullopt;
    }
    return arrived[id];
  };

  // Order 0 is not measured: its arrival means the stream has replayed
  // the feed's history and is tailing.
  if (!record(0).has_value() || !await_event(0).has_value()) {
    Die("the stream did not deliver the first order's event within 10s");
  }
  int64_t errors = 0;
  std::vector<double> latencies;
  const absl::Time start = absl::Now();
  for (int64_t n = 1; n <= orders; ++n) {
    std::optional<absl::Time> replied = record(n);
    std::optional<absl::Time> event =
        replied.has_value() ? await_event(n) : std::nullopt;
    if (!event.has_value()) {
      ++errors;
    } else {
      latencies.push_back(
          std::max(0.0, absl::ToDoubleMilliseconds(*event - *replied)));
    }
    absl::SleepFor(interval);  // Idle between orders: the stream waits.
  }
  const absl::Duration elapsed = absl::Now() - start;
  watch_context.TryCancel();
  tail.join();
  Recorder recorder;
  recorder.Add(latencies);
  recorder.Report("feed-latency", 1, errors, elapsed);
  return 0;
}

// The resource names in --names_file, one a line (blank lines skipped).
std::vector<std::string> ReadNames(const Flags& flags) {
  const std::string path = Get(flags, "names_file", "");
  if (path.empty()) Die("--names_file is required");
  std::ifstream in(path);
  if (!in) Die(absl::StrCat("cannot read ", path));
  std::vector<std::string> names;
  std::string line;
  while (std::getline(in, line)) {
    if (!line.empty()) names.push_back(line);
  }
  if (names.empty()) Die(absl::StrCat(path, " holds no names"));
  return names;
}

std::unique_ptr<v1::CustomerProfileService::Stub> NewStub(const Flags& flags) {
  return v1::CustomerProfileService::NewStub(
      grpc::CreateChannel(Get(flags, "addr", "127.0.0.1:50051"),
                          grpc::InsecureChannelCredentials()));
}

int CreateCustomers(const Flags& flags) {
  const int64_t count = GetInt(flags, "count", 1000);
  auto stub = NewStub(flags);
  const std::string run = absl::StrCat(absl::ToUnixMicros(absl::Now()));
  std::string out;
  for (int64_t i = 0; i < count; ++i) {
    v1::CreateCustomerRequest request;
    v1::Customer* customer = request.mutable_customer();
    customer->set_given_name("Reader");
    customer->set_family_name(absl::StrCat("Bench", i));
    customer->set_email(
        absl::StrCat("reader", run, "-", i, "@bench.example.com"));
    customer->set_phone(absl::StrFormat(
        "+86138%08d", static_cast<int>((i * 7919) % 100000000)));
    customer->set_birth_date(absl::StrFormat("19%02d-%02d-%02d", 50 + i % 50,
                                             1 + i % 12, 1 + i % 28));
    customer->set_locale("zh-CN");
    customer->set_gender(v1::Customer::FEMALE);
    customer->set_source_channel("web");
    v1::PostalAddress* address = customer->mutable_address();
    address->set_country_code("CN");
    address->set_city("上海");
    address->set_postal_code("200000");
    address->set_address_line(absl::StrCat("南京西路 ", i % 2000, " 号"));
    customer->add_tags("bench");
    customer->add_tags("reader");
    v1::ExternalIdentity* identity = customer->add_external_identities();
    identity->set_channel("store_card");
    identity->set_id(absl::StrCat("RB", run, "-", i));
    request.set_request_id(absl::StrCat("bench-reader-", run, "-", i));
    grpc::ClientContext context;
    context.set_deadline(absl::ToChronoTime(absl::Now() + absl::Seconds(10)));
    v1::Customer created;
    grpc::Status status = stub->CreateCustomer(&context, request, &created);
    if (!status.ok()) {
      Die(absl::StrCat("CreateCustomer failed: code ", status.error_code(),
                       ": ", status.error_message()));
    }
    absl::StrAppend(&out, created.name(), "\n");
  }
  std::fwrite(out.data(), 1, out.size(), stdout);
  return 0;
}

// Runs `call` (returns true on success) from --threads threads until
// --duration has passed or --max_rows calls were made; one report line under
// `mode`.
int RunClosedLoop(const Flags& flags, const char* mode,
                  const std::function<bool(std::mt19937_64&)>& call) {
  const int threads = static_cast<int>(GetInt(flags, "threads", 32));
  const absl::Duration duration =
      GetDuration(flags, "duration", absl::Seconds(10));
  const int64_t max_rows =
      GetInt(flags, "max_rows", std::numeric_limits<int64_t>::max());
  std::atomic<int64_t> claimed{0};
  std::atomic<int64_t> errors{0};
  Recorder recorder;
  const absl::Time start = absl::Now();
  const absl::Time stop = start + duration;
  std::vector<std::thread> workers;
  for (int t = 0; t < threads; ++t) {
    workers.emplace_back([&, t] {
      std::vector<double> latencies;
      std::mt19937_64 rng(t + 1);
      while (absl::Now() < stop && claimed.fetch_add(1) < max_rows) {
        absl::Time begin = absl::Now();
        if (call(rng)) {
          latencies.push_back(absl::ToDoubleMilliseconds(absl::Now() - begin));
        } else {
          ++errors;
        }
      }
      recorder.Add(latencies);
    });
  }
  for (std::thread& w : workers) w.join();
  recorder.Report(mode, threads, errors.load(), absl::Now() - start);
  return 0;
}

int EmptyCalls(const Flags& flags) {
  std::shared_ptr<grpc::Channel> channel =
      grpc::CreateChannel(Get(flags, "addr", "127.0.0.1:50051"),
                          grpc::InsecureChannelCredentials());
  // A generated stub's blocking call, with the request and reply left as
  // bytes: an empty HealthCheckRequest (service "") is zero bytes.
  const grpc::internal::RpcMethod check("/grpc.health.v1.Health/Check",
                                        grpc::internal::RpcMethod::NORMAL_RPC);
  std::atomic<int> reported{0};
  return RunClosedLoop(flags, "empty-call", [&](std::mt19937_64&) {
    grpc::Slice no_bytes("", 0);
    const grpc::ByteBuffer request(&no_bytes, 1);
    grpc::ClientContext context;
    context.set_deadline(absl::ToChronoTime(absl::Now() + absl::Seconds(10)));
    grpc::ByteBuffer response;
    grpc::Status status =
        grpc::internal::BlockingUnaryCall<grpc::ByteBuffer, grpc::ByteBuffer>(
            channel.get(), check, &context, request, &response);
    if (!status.ok() && reported.fetch_add(1) < 3) {
      std::fprintf(stderr, "crm-bench: Health/Check: code %d: %s\n",
                   status.error_code(), status.error_message().c_str());
    }
    return status.ok();
  });
}

int GetCustomers(const Flags& flags) {
  const std::vector<std::string> names = ReadNames(flags);
  auto stub = NewStub(flags);
  std::atomic<int> reported{0};
  return RunClosedLoop(flags, "get-customer", [&](std::mt19937_64& rng) {
    v1::GetCustomerRequest request;
    request.set_name(names[rng() % names.size()]);
    grpc::ClientContext context;
    context.set_deadline(absl::ToChronoTime(absl::Now() + absl::Seconds(10)));
    v1::Customer customer;
    grpc::Status status = stub->GetCustomer(&context, request, &customer);
    if (!status.ok() && reported.fetch_add(1) < 3) {
      std::fprintf(stderr, "crm-bench: GetCustomer: code %d: %s\n",
                   status.error_code(), status.error_message().c_str());
    }
    return status.ok();
  });
}

int ListCustomers(const Flags& flags) {
  const int page_size = static_cast<int>(GetInt(flags, "page_size", 20));
  auto stub = NewStub(flags);
  std::atomic<int> reported{0};
  std::atomic<int64_t> listed{0};
  int result = RunClosedLoop(flags, "list-customers", [&](std::mt19937_64&) {
    v1::ListCustomersRequest request;
    request.set_page_size(page_size);
    grpc::ClientContext context;
    context.set_deadline(absl::ToChronoTime(absl::Now() + absl::Seconds(10)));
    v1::ListCustomersResponse response;
    grpc::Status status = stub->ListCustomers(&context, request, &response);
    if (!status.ok() && reported.fetch_add(1) < 3) {
      std::fprintf(stderr, "crm-bench: ListCustomers: code %d: %s\n",
                   status.error_code(), status.error_message().c_str());
    }
    listed += response.customers_size();
    return status.ok();
  });
  std::fprintf(stderr, "crm-bench: list-customers returned %lld customers\n",
               static_cast<long long>(listed.load()));
  return result;
}

int RawSelect(const Flags& flags) {
  std::vector<std::string> ids = ReadNames(flags);
  for (std::string& id : ids) {
    if (absl::StartsWith(id, "customers/")) id = id.substr(10);
  }
  const std::string port = Get(flags, "port", "3306");
  const std::string user = Get(flags, "user", "");
  const char* password = std::getenv(Get(flags, "password_env", "").c_str());
  const std::string database = Get(flags, "database", "");
  if (user.empty() || database.empty() || password == nullptr) {
    Die("raw-select needs --user, --database and --password_env=VAR");
  }
  sql::Driver* driver = get_driver_instance();
  std::mutex connect_mu;
  std::atomic<int64_t> missing{0};
  int result = RunClosedLoop(flags, "raw-select", [&](std::mt19937_64& rng) {
    // One connection and one prepared statement per thread, made on its
    // first call and kept for the thread's life.
    struct ThreadState {
      sql::Driver* driver = nullptr;
      std::unique_ptr<sql::Connection> connection;
      std::unique_ptr<sql::PreparedStatement> select;
      ~ThreadState() {
        select.reset();
        connection.reset();
        if (driver != nullptr) driver->threadEnd();
      }
    };
    thread_local ThreadState state;
    try {
      if (state.select == nullptr) {
        std::lock_guard<std::mutex> lock(connect_mu);
        driver->threadInit();
        state.driver = driver;
        sql::ConnectOptionsMap options;
        options["hostName"] = sql::SQLString("tcp://127.0.0.1:" + port);
        options["userName"] = sql::SQLString(user);
        options["password"] = sql::SQLString(password);
        options["schema"] = sql::SQLString(database);
        options["OPT_CHARSET_NAME"] = sql::SQLString("utf8mb4");
        state.connection.reset(driver->connect(options));
        state.connection->setAutoCommit(true);
        state.select.reset(state.connection->prepareStatement(
            "SELECT id, state, merged_into, wrapped_key, pii, profile, "
            "email_bidx, phone_bidx, name_birth_bidx, country_code, "
            "create_time, update_time, version FROM customers WHERE id = ?"));
      }
      state.select->setString(1, ids[rng() % ids.size()]);
      std::unique_ptr<sql::ResultSet> rows(state.select->executeQuery());
      if (!rows->next()) {
        ++missing;
        return false;
      }
      // Read every column, as a repository mapping the row would.
      for (int column = 1; column <= 13; ++column) {
        (void)rows->getString(column);
      }
      return true;
    } catch (const sql::SQLException& e) {
      std::fprintf(stderr, "crm-bench: raw-select: MySQL error %d\n",
                   e.getErrorCode());
      state.select.reset();
      return false;
    }
  });
  if (missing.load() > 0) {
    std::fprintf(stderr, "crm-bench: raw-select: %lld ids without a row\n",
                 static_cast<long long>(missing.load()));
  }
  return result;
}

// The fields of one line of a gen-csv file (comma-separated; a field in
// double quotes may hold commas; no escaped quotes are generated).
std::vector<std::string> SplitCsvLine(absl::string_view line) {
  std::vector<std::string> fields(1);
  bool quoted = false;
  for (char c : line) {
    if (c == '"') {
      quoted = !quoted;
    } else if (c == ',' && !quoted) {
      fields.emplace_back();
    } else {
      fields.back() += c;
    }
  }
  return fields;
}

// 64 hex digits standing for a blind index of `value`: the raw side does no
// cryptography, only a cheap hash of the same width.
std::string Hex64(absl::string_view value) {
  uint64_t h = 1469598103934665603ULL;
  std::string out;
  for (int round = 0; round < 4; ++round) {
    for (char c : value)
      h = (h ^ static_cast<unsigned char>(c)) * 1099511628211ULL;
    h = (h ^ round) * 1099511628211ULL;
    absl::StrAppend(&out, absl::Hex(h, absl::kZeroPad16));
  }
  return out;
}

int RawImport(const Flags& flags) {
  const absl::Time start = absl::Now();
  const int threads = static_cast<int>(GetInt(flags, "threads", 2));
  const int64_t batch = GetInt(flags, "batch", 1000);
  const std::string csv = Get(flags, "csv", "");
  const std::string port = Get(flags, "port", "3306");
  const std::string user = Get(flags, "user", "");
  const char* password = std::getenv(Get(flags, "password_env", "").c_str());
  const std::string database = Get(flags, "database", "");
  if (csv.empty() || user.empty() || database.empty() || password == nullptr) {
    Die("raw-import needs --csv, --user, --database and --password_env=VAR");
  }
  sql::Driver* driver = get_driver_instance();
  auto connect = [&]() {
    sql::ConnectOptionsMap options;
    options["hostName"] = sql::SQLString("tcp://127.0.0.1:" + port);
    options["userName"] = sql::SQLString(user);
    options["password"] = sql::SQLString(password);
    options["schema"] = sql::SQLString(database);
    options["OPT_CHARSET_NAME"] = sql::SQLString("utf8mb4");
    return std::unique_ptr<sql::Connection>(driver->connect(options));
  };
  try {
    auto connection = connect();
    std::unique_ptr<sql::Statement> statement(connection->createStatement());
    // The shapes (columns and keys) of the service's own tables.
    statement->execute("DROP TABLE IF EXISTS bench_raw_customers");
    statement->execute("CREATE TABLE bench_raw_customers LIKE customers");
    statement->execute("DROP TABLE IF EXISTS bench_raw_identifiers");
    statement->execute(
        "CREATE TABLE bench_raw_identifiers LIKE customer_identifiers");
  } catch (const sql::SQLException& e) {
    Die(absl::StrCat("raw-import setup failed: MySQL error ",
                     e.getErrorCode()));
  }
  // One customers row and its identifier rows per CSV line: the personal
  // fields as one plaintext column (where the service stores ciphertext),
  // the others as the profile column, hex "blind indexes".
  struct Row {
    std::string id, pii, profile, email_bidx, phone_bidx, name_birth_bidx;
    std::string external_bidx;
  };
  std::vector<Row> rows;
  {
    std::ifstream in(csv);
    if (!in) Die(absl::StrCat("cannot read ", csv));
    std::string line;
    std::getline(in, line);  // Header.
    std::mt19937_64 rng(7);
    while (std::getline(in, line)) {
      std::vector<std::string> f = SplitCsvLine(line);
      if (f.size() < 11) continue;
      Row row;
      row.id = absl::StrCat(absl::Hex(rng(), absl::kZeroPad16),
                            absl::Hex(rng(), absl::kZeroPad16));
      row.pii = absl::StrCat(f[0], "\x1f", f[1], "\x1f", f[2], "\x1f", f[3],
                             "\x1f", f[4], "\x1f", f[7], "\x1f", f[10]);
      row.profile =
          absl::StrCat(f[5], "\x1f", f[6], "\x1f", f[8], "\x1f", f[9]);
      row.email_bidx = Hex64(f[2]);
      row.phone_bidx = Hex64(f[3]);
      row.name_birth_bidx = Hex64(absl::StrCat(f[1], f[0], "\n", f[4]));
      row.external_bidx = Hex64(absl::StrCat("store_card:", f[10]));
      rows.push_back(std::move(row));
    }
  }
  const std::string wrapped_key(62, 'k');  // The size of a wrapped data key.
  std::atomic<size_t> next{0};
  std::atomic<int64_t> errors{0};
  Recorder recorder;
  std::vector<std::thread> workers;
  for (int t = 0; t < threads; ++t) {
    workers.emplace_back([&] {
      driver->threadInit();
      std::vector<double> latencies;
      try {
        auto connection = connect();
        connection->setAutoCommit(false);
        auto values = [](int count, int columns) {
          std::string group = "(?";
          for (int i = 1; i < columns; ++i) group += ", ?";
          group += ")";
          std::string text;
          for (int i = 0; i < count; ++i) {
            absl::StrAppend(&text, i > 0 ? ", " : "", group);
          }
          return text;
        };
        while (true) {
          const size_t first = next.fetch_add(static_cast<size_t>(batch));
          if (first >= rows.size()) break;
          const int count = static_cast<int>(std::min<size_t>(
              static_cast<size_t>(batch), rows.size() - first));
          std::unique_ptr<sql::PreparedStatement> customers(
              connection->prepareStatement(absl::StrCat(
                  "INSERT INTO bench_raw_customers (id, create_time, state, "
                  "merged_into, wrapped_key, pii, profile, email_bidx, "
                  "phone_bidx, name_birth_bidx, country_code, update_time, "
                  "version) VALUES ",
                  values(count, 13))));
          std::unique_ptr<sql::PreparedStatement> identifiers(
              connection->prepareStatement(absl::StrCat(
                  "INSERT IGNORE INTO bench_raw_identifiers (kind, "
                  "value_hash, customer_id) VALUES ",
                  values(3 * count, 3))));
          const std::string now = absl::FormatTime(
              "%Y-%m-%d %H:%M:%E6S", absl::Now(), absl::UTCTimeZone());
          int c = 1;
          int i = 1;
          for (int r = 0; r < count; ++r) {
            const Row& row = rows[first + r];
            customers->setString(c++, row.id);
            customers->setString(c++, now);
            customers->setString(c++, "ACTIVE");
            customers->setNull(c++, sql::DataType::VARCHAR);
            customers->setString(c++, wrapped_key);
            customers->setString(c++, row.pii);
            customers->setString(c++, row.profile);
            customers->setString(c++, row.email_bidx);
            customers->setString(c++, row.phone_bidx);
            customers->setString(c++, row.name_birth_bidx);
            customers->setString(c++, "CN");
            customers->setString(c++, now);
            customers->setInt64(c++, 1);
            for (const auto& [kind, hash] :
                 {std::pair<const char*, const std::string*>{
                      "external", &row.external_bidx},
                  {"email", &row.email_bidx},
                  {"phone", &row.phone_bidx}}) {
              identifiers->setString(i++, kind);
              identifiers->setString(i++, *hash);
              identifiers->setString(i++, row.id);
            }
          }
          absl::Time begin = absl::Now();
          // Concurrent batches may deadlock on the identifiers' index (as
          // the service's do); a deadlocked batch is retried, like the
          // service's unit of work retries.
          for (int attempt = 1;; ++attempt) {
            try {
              customers->executeUpdate();
              identifiers->executeUpdate();
              connection->commit();
              latencies.push_back(
                  absl::ToDoubleMilliseconds(absl::Now() - begin));
              break;
            } catch (const sql::SQLException& e) {
              connection->rollback();
              if (e.getErrorCode() == 1213 && attempt < 5) continue;
              std::fprintf(stderr,
                           "crm-bench: raw-import batch: MySQL error %d\n",
                           e.getErrorCode());
              errors += count;
              break;
            }
          }
        }
      } catch (const sql::SQLException& e) {
        std::fprintf(stderr, "crm-bench: raw-import thread: MySQL error %d\n",
                     e.getErrorCode());
        ++errors;
      }
      recorder.Add(latencies);
      driver->threadEnd();
    });
  }
  for (std::thread& w : workers) w.join();
  // Rows (not batches) per second over the whole command, reading the file
  // included, as the import's rate is taken over crm-import's whole run;
  // p50/p99 are per batch transaction.
  const double seconds = absl::ToDoubleSeconds(absl::Now() - start);
  std::vector<double> batches = recorder.Sorted();
  auto pct = [&](double p) {
    if (batches.empty()) return 0.0;
    return batches[std::min(
        batches.size() - 1,
        static_cast<size_t>(p * (batches.size() - 1) + 0.5))];
  };
  std::printf(
      "mode=raw-import threads=%d batch=%lld rows=%zu errors=%lld "
      "seconds=%.2f rate=%.1f p50_ms=%.2f p99_ms=%.2f\n",
      threads, static_cast<long long>(batch), rows.size(),
      static_cast<long long>(errors.load()), seconds,
      seconds > 0 ? rows.size() / seconds : 0.0, pct(0.5), pct(0.99));
  return 0;
}

int GrpcFrame(const Flags& flags) {
  v1::GetCustomerRequest request;
  request.set_name(Get(flags, "name", ""));
  if (request.name().empty()) Die("--name is required");
  const std::string message = request.SerializeAsString();
  std::string frame(5, '\0');
  const uint32_t size = static_cast<uint32_t>(message.size());
  frame[1] = static_cast<char>((size >> 24) & 0xff);
  frame[2] = static_cast<char>((size >> 16) & 0xff);
  frame[3] = static_cast<char>((size >> 8) & 0xff);
  frame[4] = static_cast<char>(size & 0xff);
  frame += message;
  std::fwrite(frame.data(), 1, frame.size(), stdout);
  return 0;
}

// Writes a customers CSV: distinct people, a few rows that repeat an
// earlier email (resolution -> UPDATED) and ~1% invalid rows (REJECTED).
int GenerateCsv(const Flags& flags) {
  const int64_t rows = GetInt(flags, "rows", 100000);
  std::mt19937_64 rng(static_cast<uint64_t>(GetInt(flags, "seed", 1)));
  static const char* kFamily[] = {"王", "李",    "张",   "刘",
                                  "陈", "Smith", "Brown"};
  static const char* kGiven[] = {"伟", "芳", "小明", "晓燕", "Emma", "Oliver"};
  static const char* kChannels[] = {"web", "app", "store", "wechat"};
  std::string out =
      "given_name,family_name,email,phone,birth_date,gender,country_code,city,"
      "tags,source_channel,identity:store_card\n";
  for (int64_t i = 0; i < rows; ++i) {
    uint64_t r = rng();
    int64_t person = i;
    if (r % 100 == 7 && i > 0) person = static_cast<int64_t>(rng() % i);
    std::string email = absl::StrCat("bulk", person, "@import.example.com");
    if (r % 100 == 13) email = "not-an-email";  // rejected by the service
    std::string phone = absl::StrCat(
        "+86139",
        absl::StrFormat("%08d", static_cast<int>(person % 100000000)));
    absl::StrAppend(&out, kGiven[r % 6], ",", kFamily[(r >> 8) % 7], ",", email,
                    ",", phone, ",",
                    absl::StrFormat("19%02d-%02d-%02d", 50 + (r >> 16) % 50,
                                    1 + (r >> 24) % 12, 1 + (r >> 32) % 28),
                    ",", (r >> 40) % 2 ? "female" : "male", ",CN,上海,",
                    "\"imported;bulk\"", ",", kChannels[(r >> 44) % 4], ",",
                    "SC", person, "\n");
    if (out.size() > (1 << 20)) {
      std::fwrite(out.data(), 1, out.size(), stdout);
      out.clear();
    }
  }
  std::fwrite(out.data(), 1, out.size(), stdout);
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    Die("usage: crm-bench raw-insert|record-order|empty-call|gen-csv|"
        "feed-latency|"
        "create-customers|get-customer|list-customers|raw-select|grpc-frame "
        "--flag=value...");
  }
  Flags flags;
  for (int i = 2; i < argc; ++i) {
    absl::string_view arg = argv[i];
    size_t eq = arg.find('=');
    if (!absl::StartsWith(arg, "--") || eq == absl::string_view::npos) {
      Die(absl::StrCat("expected --flag=value, got ", arg));
    }
    flags[std::string(arg.substr(2, eq - 2))] = std::string(arg.substr(eq + 1));
  }
  std::string mode = argv[1];
  if (mode == "raw-insert") return RawInsert(flags);
  if (mode == "record-order") return RecordOrders(flags);
  if (mode == "empty-call") return EmptyCalls(flags);
  if (mode == "gen-csv") return GenerateCsv(flags);
  if (mode == "feed-latency") return FeedLatency(flags);
  if (mode == "create-customers") return CreateCustomers(flags);
  if (mode == "get-customer") return GetCustomers(flags);
  if (mode == "list-customers") return ListCustomers(flags);
  if (mode == "raw-select") return RawSelect(flags);
  if (mode == "grpc-frame") return GrpcFrame(flags);
  if (mode == "raw-import") return RawImport(flags);
  Die(absl::StrCat("unknown mode ", mode));
}
