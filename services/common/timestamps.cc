#include "services/common/timestamps.h"

#include <cstdint>

#include "absl/strings/str_cat.h"

namespace crm::common {

absl::Time TruncateToMicros(absl::Time t) {
  return absl::FromUnixMicros(absl::ToUnixMicros(t));
}

google::protobuf::Timestamp ToProtoTimestamp(absl::Time t) {
  const int64_t micros = absl::ToUnixMicros(t);
  int64_t seconds = micros / 1000000;
  int64_t fraction = micros % 1000000;
  if (fraction < 0) {
    fraction += 1000000;
    seconds -= 1;
  }
  google::protobuf::Timestamp timestamp;
  timestamp.set_seconds(seconds);
  timestamp.set_nanos(static_cast<int32_t>(fraction * 1000));
  return timestamp;
}

absl::Time FromProtoTimestamp(const google::protobuf::Timestamp& timestamp) {
  return absl::FromUnixSeconds(timestamp.seconds()) +
         absl::Nanoseconds(timestamp.nanos());
}

std::string FormatSqlDatetime(absl::Time t) {
  return absl::FormatTime("%Y-%m-%d %H:%M:%E6S", TruncateToMicros(t),
                          absl::UTCTimeZone());
}

absl::StatusOr<absl::Time> ParseSqlDatetime(absl::string_view text) {
  absl::Time t;
  std::string error;
  if (!absl::ParseTime("%Y-%m-%d %H:%M:%E*S", text, absl::UTCTimeZone(), &t,
                       &error)) {
    return absl::InternalError(
        absl::StrCat("stored DATETIME value does not parse: ", error));
  }
  return t;
}

}  // namespace crm::common
