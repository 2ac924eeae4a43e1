// A direct JSON-to-message parser for the common request bodies: plain
// messages of scalars, strings, enums by name, nested messages, arrays and
// maps. It reads the body once and sets each field by reflection, without
// protobuf's JSON stream parser and its intermediate binary encoding.
//
//   if (!ParsePlainJsonObject(body, message)) {
//     message->Clear();
//     ... parse with google::protobuf::util::JsonStringToMessage ...
//   }
//
// Contract: when it returns true, `message` holds exactly what protobuf's
// JsonStringToMessage (unknown fields refused) gives for `body`. It returns
// false, leaving `message` in an unspecified state, for everything it does
// not take on itself, so that protobuf's parser decides and words the
// error: invalid JSON; unknown fields; null; duplicate keys; a second member
// of one oneof; well-known types (google.protobuf.*); bytes; numbers given
// as strings for floating-point fields and any integer not written as a
// plain decimal literal; enums given by number or by an unknown name;
// strings that are not valid UTF-8; a single value where an array is
// expected; nesting deeper than 32 objects.
#pragma once

#include <google/protobuf/message.h>

#include "absl/strings/string_view.h"

namespace crm::gateway {

// Parses the JSON object `body` into the empty `message`; true if it did.
bool ParsePlainJsonObject(absl::string_view body,
                          google::protobuf::Message* message);

}  // namespace crm::gateway
