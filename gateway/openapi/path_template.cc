#include "gateway/openapi/path_template.h"

#include <set>
#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"

namespace crm::gateway::openapi {
namespace {

absl::Status TemplateError(absl::string_view text, absl::string_view what) {
  return absl::InvalidArgumentError(
      absl::StrCat("path template \"", text, "\": ", what));
}

bool IsLiteral(absl::string_view segment) {
  if (segment.empty()) return false;
  for (char c : segment) {
    if (c == '{' || c == '}' || c == '=' || c == '*' || c == '/' || c == ':') {
      return false;
    }
  }
  return true;
}

bool IsFieldPath(absl::string_view path) {
  for (absl::string_view part : absl::StrSplit(path, '.')) {
    if (part.empty()) return false;
    for (char c : part) {
      if (!absl::ascii_isalnum(static_cast<unsigned char>(c)) && c != '_') {
        return false;
      }
    }
  }
  return true;
}

// Splits `text` at '/' outside braces.
std::vector<std::string> SplitSegments(absl::string_view text) {
  std::vector<std::string> parts;
  std::string current;
  int depth = 0;
  for (char c : text) {
    if (c == '{') ++depth;
    if (c == '}') --depth;
    if (c == '/' && depth == 0) {
      parts.push_back(std::move(current));
      current.clear();
    } else {
      current += c;
    }
  }
  parts.push_back(std::move(current));
  return parts;
}

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

absl::StatusOr<PathTemplate> ParsePathTemplate(absl::string_view text) {
  if (!absl::StartsWith(text, "/")) {
    return TemplateError(text, "must start with '/'");
  }
  absl::string_view rest = text.substr(1);
  PathTemplate result;
  // The verb is the text after the last ':' outside braces.
  int depth = 0;
  size_t verb_colon = absl::string_view::npos;
  for (size_t i = 0; i < rest.size(); ++i) {
    if (rest[i] == '{') ++depth;
    if (rest[i] == '}') --depth;
    if (depth < 0 || depth > 1) return TemplateError(text, "unbalanced braces");
    if (rest[i] == ':' && depth == 0) verb_colon = i;
  }
  if (depth != 0) return TemplateError(text, "unbalanced braces");
  if (verb_colon != absl::string_view::npos) {
    result.verb = std::string(rest.substr(verb_colon + 1));
    rest = rest.substr(0, verb_colon);
    if (!IsLiteral(result.verb)) return TemplateError(text, "bad verb");
  }
  for (const std::string& segment : SplitSegments(rest)) {
    PathTemplate::Segment parsed;
    if (absl::StartsWith(segment, "{")) {
      if (!absl::EndsWith(segment, "}")) {
        return TemplateError(text, "bad variable");
      }
      absl::string_view inner =
          absl::string_view(segment).substr(1, segment.size() - 2);
      PathTemplate::Variable variable;
      size_t equals = inner.find('=');
      variable.field_path = std::string(inner.substr(0, equals));
      if (!IsFieldPath(variable.field_path)) {
        return TemplateError(text, "bad field path in a variable");
      }
      if (equals == absl::string_view::npos) {
        variable.segments = {"*"};
      } else {
        for (absl::string_view part :
             absl::StrSplit(inner.substr(equals + 1), '/')) {
          if (part != "*" && part != "**" && !IsLiteral(part)) {
            return TemplateError(text, "bad segment in a variable");
          }
          variable.segments.emplace_back(part);
        }
      }
      parsed.variable = static_cast<int>(result.variables.size());
      result.variables.push_back(std::move(variable));
    } else if (segment == "*" || segment == "**" || IsLiteral(segment)) {
      parsed.literal = segment;
    } else {
      return TemplateError(text, "bad segment");
    }
    result.segments.push_back(std::move(parsed));
  }
  return result;
}

OpenApiPath ToOpenApiPath(const PathTemplate& path_template,
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
  for (const PathTemplate::Segment& segment : path_template.segments) {
    if (segment.variable < 0) {
      if (segment.literal == "*" || segment.literal == "**") {
        OpenApiPathParameter parameter;
        parameter.name =
            unique(previous_literal.empty() ? std::string("segment")
                                            : Singular(previous_literal));
        parameter.multi_segment = segment.literal == "**";
        parts.push_back(absl::StrCat("{", parameter.name, "}"));
        result.parameters.push_back(std::move(parameter));
      } else {
        parts.push_back(segment.literal);
        previous_literal = segment.literal;
      }
      continue;
    }
    const PathTemplate::Variable& variable =
        path_template.variables[static_cast<size_t>(segment.variable)];
    std::vector<std::string> names;
    for (const std::string& pattern : resource_patterns) {
      names = MatchResourcePattern(pattern, variable.segments);
      if (!names.empty()) break;
    }
    const std::string field_leaf(
        absl::string_view(variable.field_path)
            .substr(variable.field_path.rfind('.') + 1));
    std::vector<std::string> pattern_parts;
    std::vector<OpenApiPathParameter> parameters;
    size_t wildcard_index = 0;
    for (const std::string& part : variable.segments) {
      if (part != "*" && part != "**") {
        parts.push_back(part);
        pattern_parts.push_back(part);
        previous_literal = part;
        continue;
      }
      OpenApiPathParameter parameter;
      if (wildcard_index < names.size()) {
        parameter.name = names[wildcard_index];
      } else if (variable.segments.size() == 1) {
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
  if (!path_template.verb.empty()) {
    absl::StrAppend(&result.path, ":", path_template.verb);
  }
  return result;
}

}  // namespace crm::gateway::openapi
