// crm-import: imports customers from a CSV file into customer-profile over
// the client-streaming ImportCustomers RPC.
//
//   crm-import [--addr=HOST:PORT] [--strict_phone] [--report=FILE]
//              [--deadline=DURATION] [--progress=auto|tty|plain|none] FILE
//
// FILE is a header-mapped CSV (see clients/customer_profile/customer_csv.h
// for the columns), or "-" for standard input. Rows that
// cannot be parsed or mapped are REJECTED locally with their line number and
// never sent. Exit status: 0 when the import ran (even if rows were
// rejected), 1 when the RPC failed (transport, deadline, server error; rows
// already acknowledged by the server stay written, each whole), 2 for usage
// errors and unreadable or invalid files (wrong header, not UTF-8).
// Personal data is never printed: the report holds line numbers, outcomes,
// customer names (ids) and error texts that name fields, not values.
#include <grpcpp/grpcpp.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "clients/customer_profile/csv_import.h"
#include "crm/customerprofile/v1/customer_profile_service.grpc.pb.h"

namespace {

namespace v1 = ::crm::customerprofile::v1;

constexpr char kUsage[] =
    "usage: crm-import [--addr=HOST:PORT] [--strict_phone] [--report=FILE]\n"
    "                  [--deadline=DURATION] [--progress=auto|tty|plain|none]"
    " FILE\n"
    "\n"
    "Imports customers from a header-mapped CSV file (\"-\" = stdin) over\n"
    "customer-profile's ImportCustomers RPC.\n"
    "  --addr          customer-profile address (env CUSTOMER_PROFILE_ADDR,\n"
    "                  default 127.0.0.1:50051)\n"
    "  --strict_phone  reject phone numbers that do not parse\n"
    "  --report=FILE   write per-row results as CSV: "
    "line,outcome,customer,error\n"
    "  --deadline=D    deadline of the whole import (default: 60s plus 1s\n"
    "                  per 25 KB of input)\n"
    "  --progress=M    auto (default: live line on a TTY, periodic lines\n"
    "                  otherwise), tty, plain or none\n"
    "Exit status: 0 imported (rows may be rejected: see the summary),\n"
    "1 the RPC failed, 2 usage or input error.\n";

struct Options {
  std::string addr;
  bool strict_phone = false;
  std::string report;
  std::optional<absl::Duration> deadline;
  std::string progress = "auto";
  std::string file;
};

[[noreturn]] void UsageError(const std::string& message) {
  std::fprintf(stderr, "crm-import: %s\n\n%s", message.c_str(), kUsage);
  std::exit(2);
}

Options ParseArgs(int argc, char** argv) {
  Options options;
  const char* env_addr = std::getenv("CUSTOMER_PROFILE_ADDR");
  options.addr =
      env_addr != nullptr && *env_addr != '\0' ? env_addr : "127.0.0.1:50051";
  for (int i = 1; i < argc; ++i) {
    std::string arg = argv[i];
    auto value_of = [&](absl::string_view flag) -> std::optional<std::string> {
      std::string prefix = absl::StrCat(flag, "=");
      if (absl::StartsWith(arg, prefix)) return arg.substr(prefix.size());
      if (arg == flag) {
        if (i + 1 >= argc) UsageError(absl::StrCat(flag, " needs a value"));
        return std::string(argv[++i]);
      }
      return std::nullopt;
    };
    if (arg == "--help" || arg == "-h") {
      std::fputs(kUsage, stdout);
      std::exit(0);
    } else if (arg == "--strict_phone" || arg == "--strict_phone=true") {
      options.strict_phone = true;
    } else if (arg == "--strict_phone=false") {
      options.strict_phone = false;
    } else if (auto v = value_of("--addr")) {
      options.addr = *v;
    } else if (auto v = value_of("--report")) {
      options.report = *v;
    } else if (auto v = value_of("--deadline")) {
      absl::Duration d;
      if (!absl::ParseDuration(*v, &d) || d <= absl::ZeroDuration()) {
        UsageError("--deadline must be a positive duration such as 10m");
      }
      options.deadline = d;
    } else if (auto v = value_of("--progress")) {
      if (*v != "auto" && *v != "tty" && *v != "plain" && *v != "none") {
        UsageError("--progress must be auto, tty, plain or none");
      }
      options.progress = *v;
    } else if (absl::StartsWith(arg, "--")) {
      UsageError(absl::StrCat("unknown flag ", arg));
    } else if (options.file.empty()) {
      options.file = arg;
    } else {
      UsageError("only one FILE may be given");
    }
  }
  if (options.file.empty()) UsageError("FILE is required");
  if (options.addr.empty()) UsageError("--addr must not be empty");
  return options;
}

const char* OutcomeName(v1::ImportRowResult::Outcome outcome) {
  switch (outcome) {
    case v1::ImportRowResult::CREATED:
      return "CREATED";
    case v1::ImportRowResult::UPDATED:
      return "UPDATED";
    case v1::ImportRowResult::REJECTED:
      return "REJECTED";
    default:
      return "UNSPECIFIED";
  }
}

std::string CsvQuote(const std::string& text) {
  std::string out = "\"";
  for (char c : text) {
    if (c == '"') out += '"';
    out += c;
  }
  out += '"';
  return out;
}

// Prints progress on stderr from its own thread until stopped.
class Progress {
 public:
  Progress(const std::string& mode, const std::atomic<int64_t>& sent,
           const std::atomic<int64_t>& rejected,
           const std::atomic<bool>& all_sent)
      : sent_(sent), rejected_(rejected), all_sent_(all_sent) {
    tty_ = mode == "tty" || (mode == "auto" && isatty(STDERR_FILENO) == 1);
    if (mode == "none") return;
    start_ = absl::Now();
    thread_ = std::thread([this] { Loop(); });
  }
  ~Progress() { Stop(); }

  void Stop() {
    {
      std::lock_guard<std::mutex> lock(mu_);
      stop_ = true;
    }
    cv_.notify_all();
    if (thread_.joinable()) thread_.join();
    if (tty_ && printed_) std::fputs("\n", stderr);
  }

 private:
  void Loop() {
    const auto interval =
        tty_ ? std::chrono::milliseconds(250) : std::chrono::seconds(5);
    std::unique_lock<std::mutex> lock(mu_);
    while (!cv_.wait_for(lock, interval, [this] { return stop_; })) {
      double seconds = absl::ToDoubleSeconds(absl::Now() - start_);
      int64_t sent = sent_.load();
      // "Sent" means accepted by the transport: the server works through
      // the rows buffered in flow control after the last one is sent.
      std::string line =
          all_sent_.load()
              ? absl::StrFormat(
                    "crm-import: all %d rows sent, %d rejected locally; "
                    "waiting for the server to finish (%.1f s)",
                    sent, rejected_.load(), seconds)
              : absl::StrFormat(
                    "crm-import: %d rows sent, %.0f rows/s, %d rejected "
                    "locally, %.1f s",
                    sent, seconds > 0 ? sent / seconds : 0.0, rejected_.load(),
                    seconds);
      if (tty_) {
        std::fprintf(stderr, "\r\033[K%s", line.c_str());
      } else {
        std::fprintf(stderr, "%s\n", line.c_str());
      }
      std::fflush(stderr);
      printed_ = true;
    }
  }

  const std::atomic<int64_t>& sent_;
  const std::atomic<int64_t>& rejected_;
  const std::atomic<bool>& all_sent_;
  bool tty_ = false;
  bool printed_ = false;
  absl::Time start_;
  std::mutex mu_;
  std::condition_variable cv_;
  bool stop_ = false;
  std::thread thread_;
};

}  // namespace

int main(int argc, char** argv) {
  Options options = ParseArgs(argc, argv);

  std::ifstream file_stream;
  std::istream* input = &std::cin;
  int64_t input_bytes = 0;
  if (options.file != "-") {
    file_stream.open(options.file, std::ios::binary);
    if (!file_stream) {
      std::fprintf(stderr, "crm-import: cannot open %s\n",
                   options.file.c_str());
      return 2;
    }
    file_stream.seekg(0, std::ios::end);
    input_bytes = static_cast<int64_t>(file_stream.tellg());
    file_stream.seekg(0, std::ios::beg);
    input = &file_stream;
  }
  absl::Duration deadline =
      options.deadline.value_or(absl::Seconds(60 + input_bytes / 25000));

  grpc::ChannelArguments args;
  // One result per row comes back in a single response message.
  args.SetMaxReceiveMessageSize(-1);
  std::shared_ptr<grpc::Channel> channel = grpc::CreateCustomChannel(
      options.addr, grpc::InsecureChannelCredentials(), args);
  std::unique_ptr<v1::CustomerProfileService::Stub> stub =
      v1::CustomerProfileService::NewStub(channel);

  crm::customer_profile_client::CsvImportOptions import_options;
  import_options.deadline = deadline;
  import_options.strict_phone = options.strict_phone;
  import_options.metadata = {
      {"x-request-id",
       absl::StrCat("crm-import-", absl::ToUnixMicros(absl::Now()))}};
  import_options.report_rows = !options.report.empty();

  std::atomic<int64_t> sent{0};
  std::atomic<int64_t> rejected_locally{0};
  std::atomic<bool> all_sent{false};
  import_options.on_progress =
      [&](const crm::customer_profile_client::CsvImportProgress& p) {
        sent.store(p.rows_sent);
        rejected_locally.store(p.rows_rejected_locally);
        all_sent.store(p.all_rows_sent);
      };
  absl::Time start = absl::Now();
  Progress progress(options.progress, sent, rejected_locally, all_sent);
  absl::StatusOr<crm::customer_profile_client::CsvImportOutcome> outcome =
      crm::customer_profile_client::ImportCustomersFromCsv(*input, *stub,
                                                           import_options);
  progress.Stop();
  double seconds = absl::ToDoubleSeconds(absl::Now() - start);

  if (!outcome.ok()) {
    const absl::Status& status = outcome.status();
    if (status.code() == absl::StatusCode::kInvalidArgument) {
      // The file itself (header, encoding): nothing was sent.
      std::fprintf(stderr, "crm-import: %s\n",
                   std::string(status.message()).c_str());
      return 2;
    }
    std::fprintf(stderr,
                 "crm-import: import failed after %lld rows sent: %s (code "
                 "%d); rows acknowledged before the failure are written\n",
                 static_cast<long long>(sent.load()),
                 std::string(status.message()).c_str(),
                 static_cast<int>(status.code()));
    return 1;
  }

  const v1::ImportCustomersResponse& merged = outcome->response;
  if (!options.report.empty()) {
    std::ofstream report(options.report, std::ios::binary | std::ios::trunc);
    report << "line,outcome,customer,error\n";
    for (const v1::ImportRowResult& result : merged.results()) {
      report << result.line_number() << ',' << OutcomeName(result.outcome())
             << ',' << result.customer() << ',' << CsvQuote(result.error())
             << '\n';
    }
    if (!report) {
      std::fprintf(stderr, "crm-import: cannot write the report %s\n",
                   options.report.c_str());
      return 2;
    }
  }
  int64_t rows =
      merged.created_count() + merged.updated_count() + merged.rejected_count();
  std::printf(
      "crm-import: %lld rows in %.1f s (%.0f rows/s): %lld created, "
      "%lld updated, %lld rejected\n",
      static_cast<long long>(rows), seconds, seconds > 0 ? rows / seconds : 0.0,
      static_cast<long long>(merged.created_count()),
      static_cast<long long>(merged.updated_count()),
      static_cast<long long>(merged.rejected_count()));
  return 0;
}
