// Enforces the google.api.field_behavior annotations of the crm protos
// (AIP-203), so services do not keep hand-written lists of required and
// output-only fields:
//   - REQUIRED: CheckRequiredFields() rejects a request that leaves one unset;
//   - OUTPUT_ONLY: ClearOutputOnlyFields() drops values a client sent (they
//     are ignored, not rejected), and WithoutOutputOnlyPaths() drops such
//     paths from an update mask.
//
// "Unset" follows proto3 presence: a message field is unset when absent; a
// scalar without presence when it holds its default ("", 0, false, enum 0);
// a repeated or map field when empty. The walk recurses into message fields
// that are set, singular or repeated (`events[2].customer`), never into map
// values, and never into OUTPUT_ONLY fields (whatever they hold is ignored).
// Field paths are the proto field names (snake_case) joined by ".".
//
// Example (a manager, before any other validation):
//   CRM_RETURN_IF_ERROR(CheckRequiredFields(request));
//   v1::Customer customer = request.customer();
//   ClearOutputOnlyFields(&customer);
// and for an update:
//   CRM_RETURN_IF_ERROR(CheckRequiredFieldsForUpdate(
//       request, "customer", request.update_mask()));
//   FieldMask mask = WithoutOutputOnlyPaths(*v1::Customer::descriptor(),
//                                           request.update_mask());
//
// Descriptors are walked once each; the per-descriptor field lists are cached
// for the life of the process (thread-safe), so a check costs one hash lookup
// per message visited plus the field reads.
#ifndef CRM_SERVICES_COMMON_FIELD_BEHAVIOR_H_
#define CRM_SERVICES_COMMON_FIELD_BEHAVIOR_H_

#include <vector>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "google/api/field_behavior.pb.h"
#include "google/protobuf/descriptor.h"
#include "google/protobuf/field_mask.pb.h"
#include "google/protobuf/message.h"

namespace crm::common {

// The field behaviours `field` is annotated with (empty if none).
std::vector<google::api::FieldBehavior> FieldBehaviorsOf(
    const google::protobuf::FieldDescriptor& field);
// True if `field` carries `behavior`.
bool HasFieldBehavior(const google::protobuf::FieldDescriptor& field,
                      google::api::FieldBehavior behavior);

// OK when every REQUIRED field of `request` (and of the set messages below
// it) is set. Otherwise INVALID_ARGUMENT with reason FIELD_REQUIRED naming
// the first unset field in declaration order, depth first (as
// RequiredFieldError(path)), and one BadRequest field violation per unset
// field, e.g. "customer.external_identities[0].id".
absl::Status CheckRequiredFields(const google::protobuf::Message& request);

// As CheckRequiredFields(), for an update request (AIP-134): below the
// resource field `resource_field` of `request` (e.g. "customer"), a REQUIRED
// field is enforced only when `update_mask` holds "*", the field's path
// relative to the resource (indexes dropped: "consents.purpose"), or a prefix
// of it ("consents"). An empty mask means "the fields that are set", so it
// enforces nothing below the resource. Fields of the request outside the
// resource are checked as by CheckRequiredFields().
absl::Status CheckRequiredFieldsForUpdate(
    const google::protobuf::Message& request, absl::string_view resource_field,
    const google::protobuf::FieldMask& update_mask);

// Clears every OUTPUT_ONLY field of `message` and of the set messages below
// it (AIP-203: output-only values sent by a client are ignored). IDENTIFIER
// fields (a resource's `name`) are kept: the caller decides whether the name
// is ignored (create) or names the target (update).
void ClearOutputOnlyFields(google::protobuf::Message* message);

// `update_mask` without the paths that name, or go through, an OUTPUT_ONLY
// or IDENTIFIER field of `resource` ("state", "purchase_summary.order_count",
// "name"). "*" and paths that name no field are kept unchanged (rejecting
// unknown paths is the caller's job). Order is preserved.
google::protobuf::FieldMask WithoutOutputOnlyPaths(
    const google::protobuf::Descriptor& resource,
    const google::protobuf::FieldMask& update_mask);

}  // namespace crm::common

#endif  // CRM_SERVICES_COMMON_FIELD_BEHAVIOR_H_
