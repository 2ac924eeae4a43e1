// crm-demo-data: generates the deterministic demo set (demo_generator.h) and
// loads it into customer-profile through its public gRPC API.
//
//   crm-demo-data [--seed=42] [--customers=3000] [--addr=HOST:PORT]
//                 [--end_date=2026-11-01] [--threads=4] [--dry_run]
//
// --addr defaults to $CUSTOMER_PROFILE_ADDR, then 127.0.0.1:50051.
// --dry_run prints the plan's size and fingerprint without connecting.
// Running it twice with the same options writes nothing new (every write is
// idempotent). Prints a one-line summary on stdout; exit 1 if any write
// failed, 2 for usage errors.
#include <grpcpp/grpcpp.h>

#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <functional>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "crm/customerprofile/v1/customer_profile_service.grpc.pb.h"
#include "tools/demo_data/demo_generator.h"

namespace {

namespace v1 = ::crm::customerprofile::v1;
using crm::tools::DemoOptions;
using crm::tools::DemoPlan;

constexpr char kUsage[] =
    "usage: crm-demo-data [--seed=42] [--customers=3000] [--addr=HOST:PORT]\n"
    "                     [--end_date=YYYY-MM-DD] [--threads=4] [--dry_run]\n";

[[noreturn]] void UsageError(const std::string& message) {
  std::fprintf(stderr, "crm-demo-data: %s\n%s", message.c_str(), kUsage);
  std::exit(2);
}

struct Args {
  DemoOptions demo;
  std::string addr;
  int threads = 4;
  bool dry_run = false;
};

Args ParseArgs(int argc, char** argv) {
  Args args;
  const char* env_addr = std::getenv("CUSTOMER_PROFILE_ADDR");
  args.addr =
      env_addr != nullptr && *env_addr != '\0' ? env_addr : "127.0.0.1:50051";
  for (int i = 1; i < argc; ++i) {
    absl::string_view arg = argv[i];
    auto value = [&](absl::string_view flag) -> const char* {
      std::string prefix = absl::StrCat(flag, "=");
      if (absl::StartsWith(arg, prefix)) return argv[i] + prefix.size();
      return nullptr;
    };
    if (arg == "--help" || arg == "-h") {
      std::fputs(kUsage, stdout);
      std::exit(0);
    } else if (arg == "--dry_run") {
      args.dry_run = true;
    } else if (const char* v = value("--seed")) {
      if (!absl::SimpleAtoi(v, &args.demo.seed)) UsageError("bad --seed");
    } else if (const char* v = value("--customers")) {
      if (!absl::SimpleAtoi(v, &args.demo.customers) ||
          args.demo.customers < 1 || args.demo.customers > 1000000) {
        UsageError("--customers must be in 1..1000000");
      }
    } else if (const char* v = value("--threads")) {
      if (!absl::SimpleAtoi(v, &args.threads) || args.threads < 1 ||
          args.threads > 64) {
        UsageError("--threads must be in 1..64");
      }
    } else if (const char* v = value("--addr")) {
      args.addr = v;
    } else if (const char* v = value("--end_date")) {
      if (!absl::ParseCivilTime(v, &args.demo.end_day)) {
        UsageError("--end_date must be YYYY-MM-DD");
      }
    } else {
      UsageError(absl::StrCat("unknown argument ", arg));
    }
  }
  return args;
}

// Runs fn(0..count-1) on `threads` threads; returns the number of failures
// and keeps the first few messages.
class Runner {
 public:
  Runner(int threads) : threads_(threads) {}

  int Run(const char* phase, int count,
          const std::function<grpc::Status(int)>& fn) {
    std::atomic<int> next{0};
    std::atomic<int> failures{0};
    std::vector<std::thread> workers;
    for (int t = 0; t < threads_; ++t) {
      workers.emplace_back([&] {
        for (int i = next++; i < count; i = next++) {
          grpc::Status status = Retry(fn, i);
          if (!status.ok()) {
            ++failures;
            std::lock_guard<std::mutex> lock(mu_);
            if (messages_.size() < 5) {
              messages_.push_back(absl::StrCat(phase, " #", i, ": code ",
                                               status.error_code(), ": ",
                                               status.error_message()));
            }
          }
        }
      });
    }
    for (std::thread& w : workers) w.join();
    return failures.load();
  }

  const std::vector<std::string>& messages() const { return messages_; }

 private:
  static grpc::Status Retry(const std::function<grpc::Status(int)>& fn, int i) {
    grpc::Status status;
    for (int attempt = 0; attempt < 5; ++attempt) {
      status = fn(i);
      if (status.error_code() != grpc::StatusCode::UNAVAILABLE &&
          status.error_code() != grpc::StatusCode::ABORTED &&
          status.error_code() != grpc::StatusCode::DEADLINE_EXCEEDED) {
        return status;
      }
      absl::SleepFor(absl::Milliseconds(200 << attempt));
    }
    return status;
  }

  int threads_;
  std::mutex mu_;
  std::vector<std::string> messages_;
};

void SetDeadline(grpc::ClientContext* context) {
  context->set_deadline(absl::ToChronoTime(absl::Now() + absl::Seconds(30)));
}

// Customers are written with ResolveCustomer, which says whether a write
// created a customer or matched an existing one.
v1::ResolveCustomerRequest ResolveRequestOf(
    const v1::CreateCustomerRequest& create) {
  v1::ResolveCustomerRequest request;
  *request.mutable_customer() = create.customer();
  request.set_request_id(create.request_id());
  request.set_strict_phone(create.strict_phone());
  return request;
}

}  // namespace

int main(int argc, char** argv) {
  Args args = ParseArgs(argc, argv);
  DemoPlan plan = crm::tools::GenerateDemoPlan(args.demo);
  const uint64_t fingerprint = crm::tools::PlanFingerprint(plan);
  if (args.dry_run) {
    std::printf(
        "crm-demo-data: seed %llu: %zu customers, %zu resolution writes, %zu "
        "orders, %zu refunds, %zu events; fingerprint %016llx\n",
        static_cast<unsigned long long>(args.demo.seed), plan.customers.size(),
        plan.resolution_writes.size(), plan.orders.size(), plan.refunds.size(),
        plan.events.size(), static_cast<unsigned long long>(fingerprint));
    return 0;
  }

  auto stub = v1::CustomerProfileService::NewStub(
      grpc::CreateChannel(args.addr, grpc::InsecureChannelCredentials()));
  absl::Time start = absl::Now();
  Runner runner(args.threads);
  int failures = 0;

  std::vector<std::string> customer_names(plan.customers.size());
  failures += runner.Run("customer", plan.customers.size(), [&](int i) {
    grpc::ClientContext context;
    SetDeadline(&context);
    v1::ResolveCustomerResponse response;
    grpc::Status status = stub->ResolveCustomer(
        &context, ResolveRequestOf(plan.customers[i].request), &response);
    if (status.ok()) customer_names[i] = response.customer().name();
    return status;
  });
  std::atomic<int> resolved_to_target{0};
  failures +=
      runner.Run("resolution", plan.resolution_writes.size(), [&](int i) {
        grpc::ClientContext context;
        SetDeadline(&context);
        v1::ResolveCustomerResponse response;
        const auto& write = plan.resolution_writes[i];
        grpc::Status status = stub->ResolveCustomer(
            &context, ResolveRequestOf(write.request), &response);
        if (status.ok() &&
            response.outcome() == v1::ResolveCustomerResponse::MATCHED &&
            response.customer().name() == customer_names[write.target]) {
          ++resolved_to_target;
        }
        return status;
      });

  std::vector<std::string> order_names(plan.orders.size());
  failures += runner.Run("order", plan.orders.size(), [&](int i) {
    const auto& demo = plan.orders[i];
    if (customer_names[demo.customer].empty()) {
      return grpc::Status(grpc::StatusCode::FAILED_PRECONDITION,
                          "its customer was not created");
    }
    v1::RecordOrderRequest request;
    *request.mutable_order() = demo.order;
    request.mutable_order()->set_customer(customer_names[demo.customer]);
    grpc::ClientContext context;
    SetDeadline(&context);
    v1::Order response;
    grpc::Status status = stub->RecordOrder(&context, request, &response);
    if (status.ok()) order_names[i] = response.name();
    return status;
  });
  failures += runner.Run("refund", plan.refunds.size(), [&](int i) {
    const auto& demo = plan.refunds[i];
    if (order_names[demo.order].empty()) {
      return grpc::Status(grpc::StatusCode::FAILED_PRECONDITION,
                          "its order was not recorded");
    }
    v1::RefundOrderRequest request = demo.request;
    request.set_name(order_names[demo.order]);
    grpc::ClientContext context;
    SetDeadline(&context);
    v1::Order response;
    return stub->RefundOrder(&context, request, &response);
  });

  constexpr int kBatch = 500;
  const int batches =
      (static_cast<int>(plan.events.size()) + kBatch - 1) / kBatch;
  std::atomic<int64_t> events_recorded{0};
  failures += runner.Run("events", batches, [&](int b) {
    v1::RecordEventsRequest request;
    for (size_t i = static_cast<size_t>(b) * kBatch;
         i < plan.events.size() && i < static_cast<size_t>(b + 1) * kBatch;
         ++i) {
      const auto& demo = plan.events[i];
      if (customer_names[demo.customer].empty()) continue;
      v1::InteractionEvent* event = request.add_events();
      *event = demo.event;
      event->set_customer(customer_names[demo.customer]);
    }
    if (request.events_size() == 0) return grpc::Status::OK;
    grpc::ClientContext context;
    SetDeadline(&context);
    v1::RecordEventsResponse response;
    grpc::Status status = stub->RecordEvents(&context, request, &response);
    if (status.ok()) events_recorded += response.recorded_count();
    return status;
  });

  for (const std::string& message : runner.messages()) {
    std::fprintf(stderr, "crm-demo-data: failed: %s\n", message.c_str());
  }
  std::printf(
      "crm-demo-data: seed %llu loaded in %.1f s: %zu customers (+%zu "
      "resolution writes, %d resolved to the expected customer), %zu orders, "
      "%zu refunds, %zu events (%lld new); %d failures\n",
      static_cast<unsigned long long>(args.demo.seed),
      absl::ToDoubleSeconds(absl::Now() - start), plan.customers.size(),
      plan.resolution_writes.size(), resolved_to_target.load(),
      plan.orders.size(), plan.refunds.size(), plan.events.size(),
      static_cast<long long>(events_recorded.load()), failures);
  return failures == 0 ? 0 : 1;
}
