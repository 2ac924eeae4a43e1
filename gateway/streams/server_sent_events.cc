#include "gateway/streams/server_sent_events.h"

#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "services/common/error_details.h"

namespace crm::gateway::streams {
namespace {

// `value` without CR and LF.
std::string SingleLine(absl::string_view value) {
  std::string line;
  line.reserve(value.size());
  for (char c : value) {
    if (c != '\r' && c != '\n') line.push_back(c);
  }
  return line;
}

absl::StatusOr<int64_t> ParsePosition(absl::string_view value,
                                      absl::string_view field) {
  int64_t position = 0;
  const absl::string_view trimmed = absl::StripAsciiWhitespace(value);
  const bool digits_only =
      !trimmed.empty() &&
      trimmed.find_first_not_of("0123456789") == absl::string_view::npos;
  if (!digits_only || !absl::SimpleAtoi(trimmed, &position)) {
    return common::InvalidFieldError(
        field, "must be the id of an event (a non-negative integer)");
  }
  return position;
}

}  // namespace

std::string SseEvent(absl::string_view id, absl::string_view type,
                     absl::string_view data) {
  std::string block;
  block.reserve(data.size() + id.size() + type.size() + 24);
  absl::StrAppend(&block, "id: ", SingleLine(id), "\n");
  if (!type.empty()) absl::StrAppend(&block, "event: ", SingleLine(type), "\n");
  size_t start = 0;
  while (true) {
    const size_t end = data.find('\n', start);
    absl::string_view line = data.substr(start, end == absl::string_view::npos
                                                    ? absl::string_view::npos
                                                    : end - start);
    absl::StrAppend(&block, "data: ", SingleLine(line), "\n");
    if (end == absl::string_view::npos) break;
    start = end + 1;
  }
  block.push_back('\n');
  return block;
}

std::string SseRetry(int64_t milliseconds) {
  return absl::StrCat("retry: ", milliseconds, "\n\n");
}

absl::StatusOr<int64_t> ResumePosition(const common::HttpRequest& request) {
  if (auto header = request.headers.find(kLastEventIdHeader);
      header != request.headers.end() &&
      !absl::StripAsciiWhitespace(header->second).empty()) {
    return ParsePosition(header->second, "Last-Event-ID");
  }
  if (auto since = request.query.find(kSinceParameter);
      since != request.query.end()) {
    return ParsePosition(since->second, kSinceParameter);
  }
  return 0;
}

}  // namespace crm::gateway::streams
