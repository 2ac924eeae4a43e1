#include "services/common/logging.h"

#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstdint>

#include "absl/base/thread_annotations.h"
#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"

namespace crm::common {
namespace {

struct LoggerState {
  absl::Mutex config_mu;
  std::string service ABSL_GUARDED_BY(config_mu) = "unknown";
  std::atomic<int> min_level{static_cast<int>(LogLevel::kInfo)};
  // Serialises writes so that lines never interleave.
  absl::Mutex write_mu;
  std::ostream* sink ABSL_GUARDED_BY(write_mu) = nullptr;
};

LoggerState& State() {
  static LoggerState* const state = new LoggerState();
  return *state;
}

absl::string_view LevelName(LogLevel level) {
  switch (level) {
    case LogLevel::kDebug:
      return "DEBUG";
    case LogLevel::kInfo:
      return "INFO";
    case LogLevel::kWarning:
      return "WARNING";
    case LogLevel::kError:
      return "ERROR";
  }
  return "INFO";
}

bool IsReservedKey(absl::string_view key) {
  return key == "time" || key == "level" || key == "service" ||
         key == "request_id" || key == "message";
}

void AppendField(std::string* out, absl::string_view key,
                 absl::string_view value) {
  absl::StrAppend(out, ",\"", JsonEscape(key), "\":\"", JsonEscape(value),
                  "\"");
}

// Length of the valid UTF-8 sequence starting at text[i], or 0 if invalid.
size_t Utf8SequenceLength(absl::string_view text, size_t i) {
  const auto byte = [&](size_t k) {
    return static_cast<unsigned char>(text[k]);
  };
  const unsigned char lead = byte(i);
  size_t length;
  uint32_t code_point;
  if (lead >= 0xC2 && lead <= 0xDF) {
    length = 2;
    code_point = lead & 0x1F;
  } else if (lead >= 0xE0 && lead <= 0xEF) {
    length = 3;
    code_point = lead & 0x0F;
  } else if (lead >= 0xF0 && lead <= 0xF4) {
    length = 4;
    code_point = lead & 0x07;
  } else {
    return 0;
  }
  if (i + length > text.size()) return 0;
  for (size_t k = 1; k < length; ++k) {
    if ((byte(i + k) & 0xC0) != 0x80) return 0;
    code_point = (code_point << 6) | (byte(i + k) & 0x3F);
  }
  // Reject overlong forms, surrogates and values above U+10FFFF.
  if ((length == 3 && code_point < 0x800) ||
      (length == 4 && (code_point < 0x10000 || code_point > 0x10FFFF)) ||
      (code_point >= 0xD800 && code_point <= 0xDFFF)) {
    return 0;
  }
  return length;
}

void WriteAll(int fd, absl::string_view data) {
  while (!data.empty()) {
    ssize_t written = ::write(fd, data.data(), data.size());
    if (written < 0) {
      if (errno == EINTR) continue;
      return;  // Nowhere left to report a failing stderr.
    }
    data.remove_prefix(static_cast<size_t>(written));
  }
}

}  // namespace

void InitLogging(std::string service_name, LogLevel min_level) {
  LoggerState& state = State();
  {
    absl::MutexLock lock(&state.config_mu);
    state.service = std::move(service_name);
  }
  state.min_level.store(static_cast<int>(min_level), std::memory_order_relaxed);
}

void SetLogSinkForTesting(std::ostream* sink) {
  LoggerState& state = State();
  absl::MutexLock lock(&state.write_mu);
  state.sink = sink;
}

bool ParseLogLevel(absl::string_view text, LogLevel* level) {
  const std::string lower = absl::AsciiStrToLower(text);
  if (lower == "debug") {
    *level = LogLevel::kDebug;
  } else if (lower == "info") {
    *level = LogLevel::kInfo;
  } else if (lower == "warning" || lower == "warn") {
    *level = LogLevel::kWarning;
  } else if (lower == "error") {
    *level = LogLevel::kError;
  } else {
    return false;
  }
  return true;
}

void Log(LogLevel level, absl::string_view message, const LogFields& fields,
         absl::string_view request_id) {
  LoggerState& state = State();
  if (static_cast<int>(level) <
      state.min_level.load(std::memory_order_relaxed)) {
    return;
  }
  std::string service;
  {
    absl::MutexLock lock(&state.config_mu);
    service = state.service;
  }
  std::string line;
  line.reserve(160 + message.size());
  absl::StrAppend(&line, "{\"time\":\"",
                  absl::FormatTime("%Y-%m-%dT%H:%M:%E6SZ", absl::Now(),
                                   absl::UTCTimeZone()),
                  "\",\"level\":\"", LevelName(level), "\"");
  AppendField(&line, "service", service);
  if (!request_id.empty()) AppendField(&line, "request_id", request_id);
  AppendField(&line, "message", message);
  for (const auto& [key, value] : fields) {
    // A field may not shadow a standard key: JSON objects with duplicate
    // keys are read differently by different tools.
    AppendField(&line, IsReservedKey(key) ? absl::StrCat("field_", key) : key,
                value);
  }
  line += "}\n";

  absl::MutexLock lock(&state.write_mu);
  if (state.sink != nullptr) {
    state.sink->write(line.data(), static_cast<std::streamsize>(line.size()));
    state.sink->flush();
  } else {
    WriteAll(STDERR_FILENO, line);
  }
}

std::string JsonEscape(absl::string_view text) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  out.reserve(text.size() + 8);
  for (size_t i = 0; i < text.size();) {
    const unsigned char c = static_cast<unsigned char>(text[i]);
    if (c >= 0x80) {
      // Valid UTF-8 passes through; a broken byte becomes U+FFFD so the
      // line stays valid JSON.
      size_t length = Utf8SequenceLength(text, i);
      if (length == 0) {
        out += "\\ufffd";
        ++i;
      } else {
        out.append(text.data() + i, length);
        i += length;
      }
      continue;
    }
    switch (c) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\r':
        out += "\\r";
        break;
      case '\t':
        out += "\\t";
        break;
      case '\b':
        out += "\\b";
        break;
      case '\f':
        out += "\\f";
        break;
      default:
        if (c < 0x20 || c == 0x7F) {
          out += "\\u00";
          out += kHex[c >> 4];
          out += kHex[c & 0xF];
        } else {
          out += static_cast<char>(c);
        }
    }
    ++i;
  }
  return out;
}

}  // namespace crm::common
