// JSON-lines logging: one object per line on stderr, e.g.
//   {"time":"2026-11-23T05:15:54.123456Z","level":"INFO",
//    "service":"crm-loyalty","request_id":"abc","message":"started",
//    "port":"50053"}
// Abseil here has no absl/log; this is the project's logger.
// Never pass plaintext PII or secrets as messages or fields.
#pragma once

#include <ostream>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/string_view.h"

namespace crm::common {

enum class LogLevel { kDebug, kInfo, kWarning, kError };

using LogFields = std::vector<std::pair<std::string, std::string>>;

// Sets the service name written on every line and the minimum level.
// Call once at start-up; thread-safe afterwards. Without it, lines carry
// service "unknown" and level INFO and above are written.
void InitLogging(std::string service_name,
                 LogLevel min_level = LogLevel::kInfo);
// Redirects output (tests); nullptr restores stderr.
void SetLogSinkForTesting(std::ostream* sink);
// Parses "debug", "info", "warning", "error" (case-insensitive).
bool ParseLogLevel(absl::string_view text, LogLevel* level);

// Writes one line. `request_id` may be empty. Lines are written whole even
// from many threads.
void Log(LogLevel level, absl::string_view message,
         const LogFields& fields = {}, absl::string_view request_id = {});

inline void LogInfo(absl::string_view message, const LogFields& fields = {},
                    absl::string_view request_id = {}) {
  Log(LogLevel::kInfo, message, fields, request_id);
}
inline void LogWarning(absl::string_view message, const LogFields& fields = {},
                       absl::string_view request_id = {}) {
  Log(LogLevel::kWarning, message, fields, request_id);
}
inline void LogError(absl::string_view message, const LogFields& fields = {},
                     absl::string_view request_id = {}) {
  Log(LogLevel::kError, message, fields, request_id);
}

// Escapes `text` as the inside of a JSON string (no quotes added).
std::string JsonEscape(absl::string_view text);

}  // namespace crm::common
