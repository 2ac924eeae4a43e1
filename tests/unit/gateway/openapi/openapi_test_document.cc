#include "tests/unit/gateway/openapi/openapi_test_document.h"

#include <google/protobuf/util/json_util.h>
#include <gtest/gtest.h>

namespace crm::testing {

google::protobuf::Value ParseDocument(const std::string& json) {
  google::protobuf::Value value;
  auto status = google::protobuf::util::JsonStringToMessage(json, &value);
  EXPECT_TRUE(status.ok()) << status.ToString();
  return value;
}

const google::protobuf::Value* Find(const google::protobuf::Value& root,
                                    std::initializer_list<std::string> keys) {
  const google::protobuf::Value* current = &root;
  for (const std::string& key : keys) {
    if (!current->has_struct_value()) return nullptr;
    const auto& fields = current->struct_value().fields();
    auto found = fields.find(key);
    if (found == fields.end()) return nullptr;
    current = &found->second;
  }
  return current;
}

}  // namespace crm::testing
