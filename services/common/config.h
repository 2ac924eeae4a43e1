// Settings from command-line flags with environment-variable fallbacks.
//
//   Config config = Config::LoadOrExit(
//       "crm-loyalty",
//       {{.flag = "grpc_port", .env = "LOYALTY_GRPC_PORT",
//         .default_value = "50053", .help = "gRPC listen port"},
//        {.flag = "db_password", .env = "LOYALTY_DB_PASSWORD",
//         .required = true, .secret = true, .help = "database password"}},
//       argc, argv);
//   int port = config.GetInt("grpc_port");
//
// Precedence: `--flag=value` (or `--flag value`), then the environment
// variable, then the default. `--help` prints every option and exits 0.
#pragma once

#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"

namespace crm::common {

struct ConfigOption {
  std::string flag;           // Flag name without dashes, e.g. "grpc_port".
  std::string env;            // Environment variable, e.g. "LOYALTY_GRPC_PORT".
  std::string default_value;  // Used when neither flag nor env is set.
  bool required = false;      // Start-up fails, naming flag and env, if unset.
  bool secret = false;        // Never printed (Describe() shows "<set>").
  std::string help;           // One line for --help.
};

// Looks up an environment variable; returns nullopt when unset.
using EnvLookup = std::function<std::optional<std::string>(const std::string&)>;

// Reads the real process environment.
std::optional<std::string> ProcessEnv(const std::string& name);

class Config {
 public:
  // Parses `argv` against `options`. Errors (INVALID_ARGUMENT) name the
  // offending flag: unknown flags, a missing required setting (naming both
  // the flag and the environment variable), a flag without a value.
  static absl::StatusOr<Config> Load(const std::vector<ConfigOption>& options,
                                     int argc, const char* const* argv,
                                     const EnvLookup& env = ProcessEnv);

  // Load(); on error prints the message to stderr and exits with status 2;
  // on --help prints usage for `program` and exits 0.
  static Config LoadOrExit(const std::string& program,
                           const std::vector<ConfigOption>& options, int argc,
                           const char* const* argv);

  // Value of a declared option; the empty string if unset and no default.
  // Asking for an undeclared option is a programming error (aborts).
  const std::string& GetString(absl::string_view flag) const;
  // Typed getters; INVALID_ARGUMENT naming the flag if the value does not
  // parse. Durations use absl syntax ("500ms", "5s").
  absl::StatusOr<int> GetInt(absl::string_view flag) const;
  absl::StatusOr<bool> GetBool(absl::string_view flag) const;
  absl::StatusOr<absl::Duration> GetDuration(absl::string_view flag) const;

  // "flag=value" pairs for a start-up log line, secrets masked.
  std::string Describe() const;

 private:
  std::vector<ConfigOption> options_;
  std::map<std::string, std::string, std::less<>> values_;
};

}  // namespace crm::common
