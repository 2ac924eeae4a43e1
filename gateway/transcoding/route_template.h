// A google.api.http path template compiled for matching request paths
// (grammar in google/api/http.proto).
//
//   absl::StatusOr<RouteTemplate> t =
//       RouteTemplate::Parse("/v1/{name=customers/*/orders/*}:refund");
//   std::vector<std::string> values;
//   t->Match("/v1/customers/c1/orders/o9:refund", &values);  // true
//   // values == {"customers/c1/orders/o9"}: one per t->variables().
//   t->label();  // "/v1/customers/{customer}/orders/{order}:refund"
//
// Grammar: Template = "/" Segments [":" Verb]; Segment = "*" | "**" |
// LITERAL | "{" FieldPath ["=" Segments] "}"; a variable without "=" is
// "{x=*}". "**" (one or more segments) may only be the last segment.
// Matching works on the percent-decoded path: "*" matches one non-empty
// segment; without a verb, the last segment matched by a wildcard never
// contains ':' (so "/v1/customers/c1:view" does not match
// "/v1/{name=customers/*}").
#pragma once

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace crm::gateway::transcoding {

class RouteTemplate {
 public:
  // One '/'-separated segment, variables expanded in place:
  // "/v1/{name=customers/*}" is "v1", "customers", "*" (the last two with
  // variable 0).
  enum class Kind { kLiteral, kOne, kRest };  // LITERAL, "*", "**".
  struct Segment {
    Kind kind = Kind::kLiteral;
    std::string literal;  // Set for kLiteral.
    int variable = -1;    // Index into variables(), or -1.
  };
  struct Variable {
    std::string field_path;  // "name", "customer.name".
    int first_segment = 0;   // Index of its first segment.
    int end_segment = 0;     // One past its last segment.
  };

  // INVALID_ARGUMENT naming the problem when `text` does not follow the
  // grammar.
  static absl::StatusOr<RouteTemplate> Parse(absl::string_view text);

  // True if `path` matches; then `values` holds each variable's value (its
  // segments joined by '/') in the order of variables().
  bool Match(absl::string_view path, std::vector<std::string>* values) const;

  // True if some path matches both templates.
  bool Overlaps(const RouteTemplate& other) const;

  // The name of the wildcard segment `segment` for errors and labels: the
  // literal before it without a trailing 's' ("customers/*" -> "customer"),
  // else the variable's field path.
  std::string SegmentName(int segment) const;
  // The index of the segment of `path` that is not valid UTF-8 when
  // matched, or -1 (used to name the segment in errors).
  int InvalidUtf8Segment(absl::string_view path) const;

  const std::string& text() const { return text_; }
  // The template with each wildcard written as {SegmentName()}, e.g.
  // "/v1/customers/{customer}": the metrics and access-log label.
  const std::string& label() const { return label_; }
  const std::vector<Segment>& segments() const { return segments_; }
  const std::vector<Variable>& variables() const { return variables_; }
  const std::string& verb() const { return verb_; }

 private:
  // Splits `path` into segments after removing the verb; false if the verb
  // does not match.
  bool SplitPath(absl::string_view path,
                 std::vector<absl::string_view>* parts) const;

  std::string text_;
  std::string label_;
  std::vector<Segment> segments_;
  std::vector<Variable> variables_;
  std::string verb_;
};

}  // namespace crm::gateway::transcoding
