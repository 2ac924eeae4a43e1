// Request and response bodies in the proto3 JSON mapping, through
// protobuf's JSON utilities.
#pragma once

#include <google/protobuf/message.h>

#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace crm::gateway {

// Parses a JSON object into `message` (lowerCamelCase or original field
// names). INVALID_ARGUMENT with a message naming the problem when the body
// is empty ("request body is required"), is not valid JSON, is not an
// object, has a value of the wrong type (naming the field), has a field the
// message does not define (naming it) or contains invalid UTF-8. The body is
// never echoed in the message.
absl::Status ParseJsonBody(absl::string_view body,
                           google::protobuf::Message* message);

// The JSON of `message`: lowerCamelCase names, fields with default values
// included, int64 as strings. INTERNAL if protobuf cannot print it.
absl::StatusOr<std::string> MessageToJson(
    const google::protobuf::Message& message);

}  // namespace crm::gateway
