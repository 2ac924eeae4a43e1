// Reading a generated OpenAPI document in tests: the document parsed into a
// google.protobuf.Value, and a path lookup through it.
//
//   google::protobuf::Value document = ParseDocument(json);
//   const google::protobuf::Value* op =
//       Find(document, {"paths", "/v1/customers", "get"});
#pragma once

#include <google/protobuf/struct.pb.h>

#include <initializer_list>
#include <string>

namespace crm::testing {

// The JSON text as a Value; a parse failure fails the current test.
google::protobuf::Value ParseDocument(const std::string& json);

// The member at `keys` (object keys), or nullptr where one is missing.
const google::protobuf::Value* Find(const google::protobuf::Value& root,
                                    std::initializer_list<std::string> keys);

}  // namespace crm::testing
