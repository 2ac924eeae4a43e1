#include "services/common/field_behavior.h"

#include <memory>
#include <string>
#include <utility>

#include "absl/base/const_init.h"
#include "absl/container/flat_hash_map.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/synchronization/mutex.h"
#include "services/common/error_details.h"

namespace crm::common {
namespace {

using ::google::api::FieldBehavior;
using ::google::protobuf::Descriptor;
using ::google::protobuf::FieldDescriptor;
using ::google::protobuf::FieldMask;
using ::google::protobuf::Message;
using ::google::protobuf::Reflection;

// What the walks need to know about one field; only fields with a behaviour
// that matters here, or a message type to descend into, are listed.
struct FieldFacts {
  const FieldDescriptor* field = nullptr;
  bool required = false;
  bool output_only = false;
  // A message field (singular or repeated, not a map) that is not
  // OUTPUT_ONLY: the walks descend into it when it is set.
  bool descend = false;
};

// The fields of one message type, in declaration order.
struct MessageFacts {
  std::vector<FieldFacts> fields;
};

std::unique_ptr<const MessageFacts> BuildFacts(const Descriptor& descriptor) {
  auto facts = std::make_unique<MessageFacts>();
  for (int i = 0; i < descriptor.field_count(); ++i) {
    const FieldDescriptor* field = descriptor.field(i);
    FieldFacts entry;
    entry.field = field;
    entry.required = HasFieldBehavior(*field, google::api::REQUIRED);
    entry.output_only = HasFieldBehavior(*field, google::api::OUTPUT_ONLY);
    entry.descend = !entry.output_only &&
                    field->cpp_type() == FieldDescriptor::CPPTYPE_MESSAGE &&
                    !field->is_map();
    if (entry.required || entry.output_only || entry.descend) {
      facts->fields.push_back(entry);
    }
  }
  return facts;
}

// The cached facts of `descriptor`. Descriptors of generated messages live
// for the whole process, so entries are never evicted.
const MessageFacts& FactsOf(const Descriptor* descriptor) {
  ABSL_CONST_INIT static absl::Mutex mutex(absl::kConstInit);
  // Guarded by `mutex`.
  static auto* const cache =
      new absl::flat_hash_map<const Descriptor*,
                              std::unique_ptr<const MessageFacts>>();
  {
    absl::ReaderMutexLock lock(&mutex);
    auto it = cache->find(descriptor);
    if (it != cache->end()) return *it->second;
  }
  std::unique_ptr<const MessageFacts> facts = BuildFacts(*descriptor);
  absl::MutexLock lock(&mutex);
  auto [it, inserted] = cache->try_emplace(descriptor, std::move(facts));
  return *it->second;
}

bool IsSet(const Message& message, const FieldDescriptor& field) {
  const Reflection& reflection = *message.GetReflection();
  if (field.is_repeated()) return reflection.FieldSize(message, &field) > 0;
  return reflection.HasField(message, &field);
}

// Which REQUIRED fields below an update's resource are enforced.
struct UpdateScope {
  absl::string_view resource_field;
  const FieldMask* mask = nullptr;
  bool everything = false;  // the mask holds "*"

  // `relative_path`: dotted, without indexes, relative to the resource.
  bool Enforces(absl::string_view relative_path) const {
    if (everything) return true;
    for (const std::string& path : mask->paths()) {
      if (path == relative_path) return true;
      if (absl::StartsWith(relative_path, path) &&
          relative_path.size() > path.size() &&
          relative_path[path.size()] == '.') {
        return true;
      }
    }
    return false;
  }
};

struct RequiredWalk {
  const UpdateScope* scope = nullptr;  // null: enforce every REQUIRED field
  std::vector<std::string> unset;

  // `path`: the message's own path with indexes ("" at the top).
  // `relative_path`: present below the update's resource only.
  void Visit(const Message& message, const std::string& path,
             const std::string* relative_path) {
    for (const FieldFacts& facts : FactsOf(message.GetDescriptor()).fields) {
      if (facts.output_only) continue;
      const FieldDescriptor& field = *facts.field;
      const std::string field_path =
          path.empty() ? field.name() : absl::StrCat(path, ".", field.name());
      std::string field_relative_path;
      const std::string* child_relative_path = nullptr;
      if (relative_path != nullptr) {
        field_relative_path =
            relative_path->empty()
                ? field.name()
                : absl::StrCat(*relative_path, ".", field.name());
        child_relative_path = &field_relative_path;
      } else if (scope != nullptr && path.empty() &&
                 field.name() == scope->resource_field) {
        child_relative_path = &field_relative_path;  // "" = the resource
      }
      const bool set = IsSet(message, field);
      if (facts.required && !set &&
          (relative_path == nullptr || scope->Enforces(field_relative_path))) {
        unset.push_back(field_path);
      }
      if (!facts.descend || !set) continue;
      const Reflection& reflection = *message.GetReflection();
      if (field.is_repeated()) {
        const int size = reflection.FieldSize(message, &field);
        for (int i = 0; i < size; ++i) {
          Visit(reflection.GetRepeatedMessage(message, &field, i),
                absl::StrCat(field_path, "[", i, "]"), child_relative_path);
        }
      } else {
        Visit(reflection.GetMessage(message, &field), field_path,
              child_relative_path);
      }
    }
  }

  absl::Status Result() const {
    if (unset.empty()) return absl::OkStatus();
    absl::Status status = RequiredFieldError(unset.front());
    for (size_t i = 1; i < unset.size(); ++i) {
      status = WithFieldViolation(std::move(status), unset[i], "required");
    }
    return status;
  }
};

// True when a component of `path` ("a.b.c", read from `resource` down) names
// an OUTPUT_ONLY or IDENTIFIER field. False for a path that stops naming
// fields before reaching one (an unknown path).
bool PathGoesThroughHiddenField(const Descriptor& resource,
                                absl::string_view path) {
  const Descriptor* descriptor = &resource;
  for (absl::string_view component : absl::StrSplit(path, '.')) {
    if (descriptor == nullptr) return false;  // through a scalar: unknown
    const FieldDescriptor* field =
        descriptor->FindFieldByName(std::string(component));
    if (field == nullptr) return false;  // unknown: kept for the caller
    if (HasFieldBehavior(*field, google::api::OUTPUT_ONLY) ||
        HasFieldBehavior(*field, google::api::IDENTIFIER)) {
      return true;
    }
    descriptor = field->cpp_type() == FieldDescriptor::CPPTYPE_MESSAGE &&
                         !field->is_map()
                     ? field->message_type()
                     : nullptr;
  }
  return false;
}

}  // namespace

std::vector<FieldBehavior> FieldBehaviorsOf(const FieldDescriptor& field) {
  const google::protobuf::FieldOptions& options = field.options();
  const int count = options.ExtensionSize(google::api::field_behavior);
  std::vector<FieldBehavior> behaviors;
  behaviors.reserve(count);
  for (int i = 0; i < count; ++i) {
    behaviors.push_back(options.GetExtension(google::api::field_behavior, i));
  }
  return behaviors;
}

bool HasFieldBehavior(const FieldDescriptor& field, FieldBehavior behavior) {
  const google::protobuf::FieldOptions& options = field.options();
  const int count = options.ExtensionSize(google::api::field_behavior);
  for (int i = 0; i < count; ++i) {
    if (options.GetExtension(google::api::field_behavior, i) == behavior) {
      return true;
    }
  }
  return false;
}

absl::Status CheckRequiredFields(const Message& request) {
  RequiredWalk walk;
  walk.Visit(request, "", nullptr);
  return walk.Result();
}

absl::Status CheckRequiredFieldsForUpdate(const Message& request,
                                          absl::string_view resource_field,
                                          const FieldMask& update_mask) {
  UpdateScope scope;
  scope.resource_field = resource_field;
  scope.mask = &update_mask;
  for (const std::string& path : update_mask.paths()) {
    if (path == "*") scope.everything = true;
  }
  RequiredWalk walk;
  walk.scope = &scope;
  walk.Visit(request, "", nullptr);
  return walk.Result();
}

void ClearOutputOnlyFields(Message* message) {
  const Reflection& reflection = *message->GetReflection();
  for (const FieldFacts& facts : FactsOf(message->GetDescriptor()).fields) {
    const FieldDescriptor* field = facts.field;
    if (facts.output_only) {
      reflection.ClearField(message, field);
      continue;
    }
    if (!facts.descend) continue;
    if (field->is_repeated()) {
      const int size = reflection.FieldSize(*message, field);
      for (int i = 0; i < size; ++i) {
        ClearOutputOnlyFields(
            reflection.MutableRepeatedMessage(message, field, i));
      }
    } else if (reflection.HasField(*message, field)) {
      ClearOutputOnlyFields(reflection.MutableMessage(message, field));
    }
  }
}

FieldMask WithoutOutputOnlyPaths(const Descriptor& resource,
                                 const FieldMask& update_mask) {
  FieldMask kept;
  for (const std::string& path : update_mask.paths()) {
    if (path != "*" && PathGoesThroughHiddenField(resource, path)) continue;
    kept.add_paths(path);
  }
  return kept;
}

}  // namespace crm::common
