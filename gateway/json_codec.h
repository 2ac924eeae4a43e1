// Request and response bodies in the proto3 JSON mapping: parsed by
// json_body_parser.h where it can and by protobuf's JSON utilities
// otherwise, printed by json_printer.h.
#pragma once

#include <google/protobuf/message.h>

#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace crm::gateway {

// Parses a JSON object into `message` (lowerCamelCase or original field
// names). INVALID_ARGUMENT otherwise, never echoing the body:
// - reason FIELD_INVALID (metadata `field` and a field violation naming the
//   field by its JSON path) when a value has the wrong type or shape, or a
//   field is one the message does not define;
// - reason BODY_MALFORMED when the body is empty, is not valid JSON, is not
//   an object or contains invalid UTF-8.
absl::Status ParseJsonBody(absl::string_view body,
                           google::protobuf::Message* message);

// The JSON of `message` (AppendMessageJson): lowerCamelCase names, fields
// with default values included, int64 as strings. INTERNAL if it cannot be
// printed.
absl::StatusOr<std::string> MessageToJson(
    const google::protobuf::Message& message);

}  // namespace crm::gateway
