#include "gateway/openapi/openapi_path.h"

#include <set>
#include <utility>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"

namespace crm::gateway::openapi {
namespace {

// "customers" -> "customer", "categories" -> "category"; other words as is.
std::string Singular(absl::string_view word) {
  if (absl::EndsWith(word, "ies") && word.size() > 3) {
    return absl::StrCat(word.substr(0, word.size() - 3), "y");
  }
  if (absl::EndsWith(word, "s") && word.size() > 1) {
    return std::string(word.substr(0, word.size() - 1));
  }
  return std::string(word);
}

// The variable names of `pattern` ("customers/{customer}/orders/{order}")
// when it has the shape of `segments` (same literals, a variable wherever
// `segments` has a wildcard); empty otherwise.
std::vector<std::string> MatchResourcePattern(
    absl::string_view pattern, const std::vector<std::string>& segments) {
  std::vector<absl::string_view> parts = absl::StrSplit(pattern, '/');
  if (parts.size() != segments.size()) return {};
  std::vector<std::string> names;
  for (size_t i = 0; i < parts.size(); ++i) {
    const bool wildcard = segments[i] == "*" || segments[i] == "**";
    const bool variable = absl::StartsWith(parts[i], "{") &&
                          absl::EndsWith(parts[i], "}") && parts[i].size() > 2;
    if (wildcard != variable) return {};
    if (variable) {
      names.emplace_back(parts[i].substr(1, parts[i].size() - 2));
    } else if (parts[i] != segments[i]) {
      return {};
    }
  }
  return names;
}

}  // namespace

OpenApiPath ToOpenApiPath(const transcoding::RouteTemplate& path_template,
                          const std::vector<std::string>& resource_patterns) {
  OpenApiPath result;
  std::set<std::string> used;
  auto unique = [&used](std::string name) {
    std::string candidate = name;
    for (int n = 2; used.count(candidate) > 0; ++n) {
      candidate = absl::StrCat(name, n);
    }
    used.insert(candidate);
    return candidate;
  };
  std::vector<std::string> parts;
  std::string previous_literal;
  using Kind = transcoding::RouteTemplate::Kind;
  auto text_of = [](const transcoding::RouteTemplate::Segment& segment) {
    switch (segment.kind) {
      case Kind::kOne:
        return std::string("*");
      case Kind::kRest:
        return std::string("**");
      case Kind::kLiteral:
        break;
    }
    return segment.literal;
  };
  const auto& segments = path_template.segments();
  for (size_t s = 0; s < segments.size();) {
    const transcoding::RouteTemplate::Segment& segment = segments[s];
    if (segment.variable < 0) {
      if (segment.kind != Kind::kLiteral) {
        OpenApiPathParameter parameter;
        parameter.name =
            unique(previous_literal.empty() ? std::string("segment")
                                            : Singular(previous_literal));
        parameter.multi_segment = segment.kind == Kind::kRest;
        parts.push_back(absl::StrCat("{", parameter.name, "}"));
        result.parameters.push_back(std::move(parameter));
      } else {
        parts.push_back(segment.literal);
        previous_literal = segment.literal;
      }
      ++s;
      continue;
    }
    const transcoding::RouteTemplate::Variable& variable =
        path_template.variables()[static_cast<size_t>(segment.variable)];
    std::vector<std::string> variable_segments;
    for (int v = variable.first_segment; v < variable.end_segment; ++v) {
      variable_segments.push_back(text_of(segments[static_cast<size_t>(v)]));
    }
    s = static_cast<size_t>(variable.end_segment);
    std::vector<std::string> names;
    for (const std::string& pattern : resource_patterns) {
      names = MatchResourcePattern(pattern, variable_segments);
      if (!names.empty()) break;
    }
    const std::string field_leaf(
        absl::string_view(variable.field_path)
            .substr(variable.field_path.rfind('.') + 1));
    std::vector<std::string> pattern_parts;
    std::vector<OpenApiPathParameter> parameters;
    size_t wildcard_index = 0;
    for (const std::string& part : variable_segments) {
      if (part != "*" && part != "**") {
        parts.push_back(part);
        pattern_parts.push_back(part);
        previous_literal = part;
        continue;
      }
      OpenApiPathParameter parameter;
      if (wildcard_index < names.size()) {
        parameter.name = names[wildcard_index];
      } else if (variable_segments.size() == 1) {
        parameter.name = field_leaf;
      } else if (!previous_literal.empty()) {
        parameter.name = Singular(previous_literal);
      } else {
        parameter.name = field_leaf;
      }
      ++wildcard_index;
      parameter.name = unique(parameter.name);
      parameter.field_path = variable.field_path;
      parameter.multi_segment = part == "**";
      parts.push_back(absl::StrCat("{", parameter.name, "}"));
      pattern_parts.push_back(absl::StrCat("{", parameter.name, "}"));
      parameters.push_back(std::move(parameter));
    }
    const std::string field_pattern = absl::StrJoin(pattern_parts, "/");
    for (OpenApiPathParameter& parameter : parameters) {
      parameter.field_pattern = field_pattern;
      result.parameters.push_back(std::move(parameter));
    }
  }
  result.path = absl::StrCat("/", absl::StrJoin(parts, "/"));
  if (!path_template.verb().empty()) {
    absl::StrAppend(&result.path, ":", path_template.verb());
  }
  return result;
}

}  // namespace crm::gateway::openapi
