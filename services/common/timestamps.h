// Conversions between absl::Time, google.protobuf.Timestamp and MySQL
// DATETIME(6) text. Every stored time is UTC with microsecond precision.
//
//   absl::Time now = TruncateToMicros(clock.Now());
//   statement->setString(3, FormatSqlDatetime(now));
//   *customer.mutable_create_time() = ToProtoTimestamp(now);
//   CRM_ASSIGN_OR_RETURN(absl::Time t,
//                        ParseSqlDatetime(rows->getString("create_time")));
#pragma once

#include <string>

#include <google/protobuf/timestamp.pb.h>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"

namespace crm::common {

// `t` rounded down to a whole microsecond: what DATETIME(6) stores, so a
// value returned from a write equals the value read back later.
absl::Time TruncateToMicros(absl::Time t);

google::protobuf::Timestamp ToProtoTimestamp(absl::Time t);
absl::Time FromProtoTimestamp(const google::protobuf::Timestamp& timestamp);

// "YYYY-MM-DD HH:MM:SS.ffffff" in UTC (sub-microsecond digits dropped).
std::string FormatSqlDatetime(absl::Time t);

// Parses DATETIME text as read back from MySQL ("YYYY-MM-DD HH:MM:SS" with an
// optional fraction) as UTC. INTERNAL if malformed: it is stored data.
absl::StatusOr<absl::Time> ParseSqlDatetime(absl::string_view text);

}  // namespace crm::common
