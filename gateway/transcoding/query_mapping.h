// Sets request fields from query parameters, as google.api.http transcoding
// does for every request field not bound by the path or the body.
//
//   QueryMapping mapping = QueryMapping::ForRequest(
//       *cp::UpdateCustomerRequest::descriptor(),
//       /*excluded=*/{"customer"});  // the body and path fields
//   cp::UpdateCustomerRequest request;
//   absl::Status s = mapping.Apply(ParseQueryString("update_mask=email&"
//                                                   "strictPhone=true"),
//                                  &request);
//
// Parameter names: a field's name or its lowerCamel JSON name, nested
// message fields as dotted paths of either ("address.countryCode"). Values:
// - numbers in decimal, bools true/false/1/0; an empty value leaves a
//   number or bool at its default;
// - enums by value name (or number);
// - bytes as base64 (standard or URL-safe);
// - google.protobuf.FieldMask as comma-separated paths (lowerCamel paths
//   become snake_case), Timestamp in RFC 3339, Duration as "1.5s", the
//   wrapper types as their value;
// - a repeated field takes the parameter once per element
//   (`types=A&types=B`); a singular field given twice is an error.
// Errors are INVALID_ARGUMENT, reason FIELD_INVALID, metadata `field`
// naming the parameter as the client wrote it (unknown parameters: all of
// them as field violations); values are never echoed.
#pragma once

#include <google/protobuf/descriptor.h>
#include <google/protobuf/message.h>

#include <set>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace crm::gateway::transcoding {

// Query parameters in request order, percent-decoded ('+' is a space).
using QueryParams = std::vector<std::pair<std::string, std::string>>;

// The parameters of the query part of `target` ("/p?a=1&b=2"); malformed
// percent-encoding is INVALID_ARGUMENT (the HTTP server has already
// rejected such targets).
absl::StatusOr<QueryParams> ParseQueryString(absl::string_view target);

class QueryMapping {
 public:
  // The mapping for `request`: every field reachable through singular
  // message fields (up to a depth of 4, no cycles), except the fields whose
  // snake_case paths are in `excluded` or below one of them. Struct, Value,
  // Any and map fields are never mapped.
  static QueryMapping ForRequest(const google::protobuf::Descriptor& request,
                                 const std::set<std::string>& excluded);

  // Sets the fields `params` name on `request` (of the descriptor given to
  // ForRequest).
  absl::Status Apply(const QueryParams& params,
                     google::protobuf::Message* request) const;

  // The accepted snake_case parameter names, sorted (for error messages).
  const std::vector<std::string>& names() const { return names_; }

 private:
  using FieldPath = std::vector<const google::protobuf::FieldDescriptor*>;

  void AddFields(const google::protobuf::Descriptor& message,
                 const std::string& snake_prefix,
                 const std::string& json_prefix, FieldPath* path,
                 const std::set<std::string>& excluded, int depth);

  std::vector<FieldPath> fields_;
  // Parameter name (snake and lowerCamel) -> index into fields_.
  std::unordered_map<std::string, size_t> by_name_;
  std::vector<std::string> names_;
};

// Sets the scalar, enum or well-known-type `field` of `message` (appends
// when repeated) from the text `value`; the error names `param`.
absl::Status SetFieldFromText(const google::protobuf::FieldDescriptor& field,
                              absl::string_view value, absl::string_view param,
                              google::protobuf::Message* message);

}  // namespace crm::gateway::transcoding
