#include "gateway/openapi/proto_comments.h"

#include <google/protobuf/descriptor.pb.h>

#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"

namespace crm::gateway::openapi {
namespace {

using google::protobuf::SourceLocation;

// Comment text without the single space protoc keeps after "//", lines
// joined with '\n', surrounding blank lines removed.
std::string CleanComment(const std::string& raw) {
  std::vector<std::string> lines;
  for (absl::string_view line : absl::StrSplit(raw, '\n')) {
    if (!line.empty() && line.front() == ' ') line.remove_prefix(1);
    lines.emplace_back(absl::StripTrailingAsciiWhitespace(line));
  }
  while (!lines.empty() && lines.back().empty()) lines.pop_back();
  size_t first = 0;
  while (first < lines.size() && lines[first].empty()) ++first;
  return absl::StrJoin(lines.begin() + static_cast<long>(first), lines.end(),
                       "\n");
}

template <typename T>
std::string CommentOf(const T* element) {
  SourceLocation location;
  if (element == nullptr || !element->GetSourceLocation(&location)) return "";
  std::string text = CleanComment(location.leading_comments);
  if (text.empty()) text = CleanComment(location.trailing_comments);
  return text;
}

}  // namespace

ProtoComments::ProtoComments(absl::string_view descriptor_set) {
  google::protobuf::FileDescriptorSet set;
  if (!descriptor_set.empty() &&
      set.ParseFromArray(descriptor_set.data(),
                         static_cast<int>(descriptor_set.size()))) {
    for (const google::protobuf::FileDescriptorProto& file : set.file()) {
      if (database_.Add(file)) file_names_.push_back(file.name());
    }
  }
  pool_ = std::make_unique<google::protobuf::DescriptorPool>(&database_);
}

const google::protobuf::FileDescriptor* ProtoComments::FindFile(
    absl::string_view name) const {
  return pool_->FindFileByName(std::string(name));
}

std::string ProtoComments::Of(
    const google::protobuf::Descriptor* message) const {
  return CommentOf(pool_->FindMessageTypeByName(message->full_name()));
}

std::string ProtoComments::Of(
    const google::protobuf::FieldDescriptor* field) const {
  if (field->is_extension()) {
    return CommentOf(pool_->FindExtensionByName(field->full_name()));
  }
  return CommentOf(pool_->FindFieldByName(field->full_name()));
}

std::string ProtoComments::Of(
    const google::protobuf::EnumDescriptor* enum_type) const {
  return CommentOf(pool_->FindEnumTypeByName(enum_type->full_name()));
}

std::string ProtoComments::Of(
    const google::protobuf::EnumValueDescriptor* value) const {
  const google::protobuf::EnumDescriptor* enum_type =
      pool_->FindEnumTypeByName(value->type()->full_name());
  if (enum_type == nullptr) return "";
  return CommentOf(enum_type->FindValueByNumber(value->number()));
}

std::string ProtoComments::Of(
    const google::protobuf::ServiceDescriptor* service) const {
  return CommentOf(pool_->FindServiceByName(service->full_name()));
}

std::string ProtoComments::Of(
    const google::protobuf::MethodDescriptor* method) const {
  return CommentOf(pool_->FindMethodByName(method->full_name()));
}

}  // namespace crm::gateway::openapi
