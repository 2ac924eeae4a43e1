// A proto3 JSON printer that writes straight into a caller's buffer: the
// gateway's response bodies and stream events without protobuf's
// binary-to-JSON conversion (which re-serializes the message and walks it
// through a type resolver).
//
//   std::string body;
//   CRM_RETURN_IF_ERROR(AppendMessageJson(customer, &body));
//   // {"name":"customers/c1","givenName":"Ada",...}
//
// The output is the proto3 JSON mapping as protobuf prints it with
// always_print_primitive_fields: lowerCamelCase names; every singular
// scalar, enum, repeated and map field, also with its default value
// (0, "", false, the first enum value, [] and {}); message fields, oneof
// members and proto3 `optional` fields only when set; 64-bit integers as
// strings, enums by name (an unknown number as the number), bytes as
// base64, NaN and infinities as "NaN", "Infinity", "-Infinity". The
// well-known types have their JSON forms (Timestamp and Duration strings,
// FieldMask, wrappers, Struct, Value, ListValue, Empty); google.protobuf.Any
// is printed by protobuf's own printer. Fields are printed in declaration
// order.
#pragma once

#include <google/protobuf/message.h>

#include <string>

#include "absl/status/status.h"

namespace crm::gateway {

// Appends the JSON of `message` to `out`. INTERNAL (naming the type) only
// for an Any whose contents cannot be printed; `out` may then hold a
// partial document.
absl::Status AppendMessageJson(const google::protobuf::Message& message,
                               std::string* out);

}  // namespace crm::gateway
