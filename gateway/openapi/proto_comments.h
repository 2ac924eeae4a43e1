// The comments of .proto elements, read from a FileDescriptorSet generated
// with `protoc --include_source_info` (compiled-in descriptors have none).
// Elements are looked up by full name, so the descriptors may come from the
// generated pool.
//
//   ProtoComments comments(CrmApiDescriptorSet());
//   std::string text = comments.Of(Customer::descriptor());
//   // "A person or company the business deals with. ..." (no comment
//   // markers, lines joined with '\n', trimmed)
#pragma once

#include <google/protobuf/descriptor.h>
#include <google/protobuf/descriptor_database.h>

#include <memory>
#include <string>

#include "absl/strings/string_view.h"

namespace crm::gateway::openapi {

class ProtoComments {
 public:
  // `descriptor_set` is a serialized google.protobuf.FileDescriptorSet; an
  // empty or unparsable one yields no comments.
  explicit ProtoComments(absl::string_view descriptor_set);

  ProtoComments(const ProtoComments&) = delete;
  ProtoComments& operator=(const ProtoComments&) = delete;

  // The leading comment of the element (its trailing comment if it has no
  // leading one); empty when there is none.
  std::string Of(const google::protobuf::Descriptor* message) const;
  std::string Of(const google::protobuf::FieldDescriptor* field) const;
  std::string Of(const google::protobuf::EnumDescriptor* enum_type) const;
  std::string Of(const google::protobuf::EnumValueDescriptor* value) const;
  std::string Of(const google::protobuf::ServiceDescriptor* service) const;
  std::string Of(const google::protobuf::MethodDescriptor* method) const;

  // Every file of the set, in the pool built from it (nullptr if absent).
  const google::protobuf::FileDescriptor* FindFile(
      absl::string_view name) const;
  // The names of the files in the set, in set order.
  const std::vector<std::string>& file_names() const { return file_names_; }

 private:
  google::protobuf::SimpleDescriptorDatabase database_;
  std::unique_ptr<google::protobuf::DescriptorPool> pool_;
  std::vector<std::string> file_names_;
};

}  // namespace crm::gateway::openapi
