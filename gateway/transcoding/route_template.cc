#include "gateway/transcoding/route_template.h"

#include <algorithm>
#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "services/common/text_validation.h"

namespace crm::gateway::transcoding {
namespace {

absl::Status BadTemplate(absl::string_view text, absl::string_view why) {
  return absl::InvalidArgumentError(
      absl::StrCat("invalid path template \"", text, "\": ", why));
}

bool IsLiteral(absl::string_view text) {
  if (text.empty()) return false;
  for (char c : text) {
    if (c == '/' || c == '{' || c == '}' || c == '*' || c == '=' || c == ':' ||
        c == '?' || c == '#' || absl::ascii_isspace(c)) {
      return false;
    }
  }
  return true;
}

bool IsFieldPath(absl::string_view text) {
  if (text.empty()) return false;
  for (absl::string_view part : absl::StrSplit(text, '.')) {
    if (part.empty() || absl::ascii_isdigit(part.front())) return false;
    for (char c : part) {
      if (!absl::ascii_isalnum(c) && c != '_') return false;
    }
  }
  return true;
}

}  // namespace

absl::StatusOr<RouteTemplate> RouteTemplate::Parse(absl::string_view text) {
  RouteTemplate result;
  result.text_ = std::string(text);
  if (!absl::StartsWith(text, "/")) return BadTemplate(text, "must start /");
  // The verb: a ':' outside braces after the last segment.
  absl::string_view body = text.substr(1);
  int depth = 0;
  for (size_t i = 0; i < body.size(); ++i) {
    if (body[i] == '{') ++depth;
    if (body[i] == '}') --depth;
    if (body[i] == ':' && depth == 0) {
      result.verb_ = std::string(body.substr(i + 1));
      body = body.substr(0, i);
      if (!IsLiteral(result.verb_)) return BadTemplate(text, "invalid verb");
      break;
    }
  }
  // Segments, with variables holding '/'-separated segments of their own.
  size_t i = 0;
  auto add_plain = [&](absl::string_view part, int variable) -> absl::Status {
    Segment segment;
    segment.variable = variable;
    if (part == "*") {
      segment.kind = Kind::kOne;
    } else if (part == "**") {
      segment.kind = Kind::kRest;
    } else if (IsLiteral(part)) {
      segment.literal = std::string(part);
    } else {
      return BadTemplate(text, absl::StrCat("invalid segment \"", part, "\""));
    }
    result.segments_.push_back(std::move(segment));
    return absl::OkStatus();
  };
  while (i <= body.size()) {
    if (i < body.size() && body[i] == '{') {
      size_t close = body.find('}', i);
      if (close == absl::string_view::npos) {
        return BadTemplate(text, "unclosed '{'");
      }
      absl::string_view inside = body.substr(i + 1, close - i - 1);
      if (inside.find('{') != absl::string_view::npos) {
        return BadTemplate(text, "nested variables");
      }
      size_t equals = inside.find('=');
      Variable variable;
      variable.field_path = std::string(inside.substr(0, equals));
      if (!IsFieldPath(variable.field_path)) {
        return BadTemplate(text, "invalid variable field path");
      }
      for (const Variable& other : result.variables_) {
        if (other.field_path == variable.field_path) {
          return BadTemplate(text, "a field bound twice");
        }
      }
      absl::string_view pattern =
          equals == absl::string_view::npos ? "*" : inside.substr(equals + 1);
      variable.first_segment = static_cast<int>(result.segments_.size());
      const int index = static_cast<int>(result.variables_.size());
      for (absl::string_view part : absl::StrSplit(pattern, '/')) {
        if (absl::Status s = add_plain(part, index); !s.ok()) return s;
      }
      variable.end_segment = static_cast<int>(result.segments_.size());
      result.variables_.push_back(std::move(variable));
      i = close + 1;
    } else {
      size_t slash = body.find('/', i);
      if (slash == absl::string_view::npos) slash = body.size();
      if (absl::Status s = add_plain(body.substr(i, slash - i), -1); !s.ok()) {
        return s;
      }
      i = slash;
    }
    if (i == body.size()) break;
    if (body[i] != '/') return BadTemplate(text, "'}' must end a segment");
    ++i;
  }
  for (size_t s = 0; s + 1 < result.segments_.size(); ++s) {
    if (result.segments_[s].kind == Kind::kRest) {
      return BadTemplate(text, "'**' must be the last segment");
    }
  }
  // The label: literals as they are, each wildcard as {SegmentName()}.
  std::vector<std::string> parts;
  for (size_t s = 0; s < result.segments_.size(); ++s) {
    const Segment& segment = result.segments_[s];
    if (segment.kind == Kind::kLiteral) {
      parts.push_back(segment.literal);
    } else {
      parts.push_back(absl::StrCat("{", result.SegmentName(static_cast<int>(s)),
                                   segment.kind == Kind::kRest ? "=**" : "",
                                   "}"));
    }
  }
  result.label_ = absl::StrCat("/", absl::StrJoin(parts, "/"));
  if (!result.verb_.empty()) absl::StrAppend(&result.label_, ":", result.verb_);
  return result;
}

std::string RouteTemplate::SegmentName(int segment) const {
  const Segment& wildcard = segments_[segment];
  if (segment > 0 && segments_[segment - 1].kind == Kind::kLiteral &&
      segments_[segment - 1].literal != "v1") {
    absl::string_view literal = segments_[segment - 1].literal;
    absl::ConsumeSuffix(&literal, "s");
    return std::string(literal);
  }
  if (wildcard.variable >= 0) return variables_[wildcard.variable].field_path;
  return absl::StrCat("segment", segment);
}

bool RouteTemplate::SplitPath(absl::string_view path,
                              std::vector<absl::string_view>* parts) const {
  if (!absl::ConsumePrefix(&path, "/")) return false;
  if (!verb_.empty()) {
    if (path.size() <= verb_.size() || !absl::EndsWith(path, verb_) ||
        path[path.size() - verb_.size() - 1] != ':') {
      return false;
    }
    path.remove_suffix(verb_.size() + 1);
  }
  *parts = absl::StrSplit(path, '/');
  return true;
}

bool RouteTemplate::Match(absl::string_view path,
                          std::vector<std::string>* values) const {
  std::vector<absl::string_view> parts;
  if (!SplitPath(path, &parts)) return false;
  const bool rest = !segments_.empty() && segments_.back().kind == Kind::kRest;
  if (rest ? parts.size() < segments_.size()
           : parts.size() != segments_.size()) {
    return false;
  }
  for (size_t s = 0; s < segments_.size(); ++s) {
    const Segment& segment = segments_[s];
    const absl::string_view part = parts[s];
    switch (segment.kind) {
      case Kind::kLiteral:
        if (part != segment.literal) return false;
        break;
      case Kind::kOne:
        if (part.empty()) return false;
        if (verb_.empty() && s + 1 == parts.size() &&
            part.find(':') != absl::string_view::npos) {
          return false;
        }
        break;
      case Kind::kRest:
        for (size_t p = s; p < parts.size(); ++p) {
          if (parts[p].empty()) return false;
        }
        if (verb_.empty() &&
            parts.back().find(':') != absl::string_view::npos) {
          return false;
        }
        break;
    }
  }
  values->clear();
  values->reserve(variables_.size());
  for (const Variable& variable : variables_) {
    const size_t end = segments_[variable.end_segment - 1].kind == Kind::kRest
                           ? parts.size()
                           : static_cast<size_t>(variable.end_segment);
    std::string value;
    for (size_t p = variable.first_segment; p < end; ++p) {
      if (p > static_cast<size_t>(variable.first_segment)) value.push_back('/');
      value.append(parts[p].data(), parts[p].size());
    }
    values->push_back(std::move(value));
  }
  return true;
}

int RouteTemplate::InvalidUtf8Segment(absl::string_view path) const {
  std::vector<absl::string_view> parts;
  if (!SplitPath(path, &parts)) return -1;
  for (size_t p = 0; p < parts.size(); ++p) {
    if (!common::IsValidUtf8(parts[p])) {
      return static_cast<int>(std::min(p, segments_.size() - 1));
    }
  }
  return -1;
}

bool RouteTemplate::Overlaps(const RouteTemplate& other) const {
  if (verb_ != other.verb_) return false;
  const bool rest = !segments_.empty() && segments_.back().kind == Kind::kRest;
  const bool other_rest =
      !other.segments_.empty() && other.segments_.back().kind == Kind::kRest;
  const size_t n = segments_.size();
  const size_t m = other.segments_.size();
  if (!rest && !other_rest && n != m) return false;
  if (rest && !other_rest && m < n) return false;
  if (other_rest && !rest && n < m) return false;
  for (size_t s = 0; s < std::min(n, m); ++s) {
    const Segment& a = segments_[s];
    const Segment& b = other.segments_[s];
    if (a.kind == Kind::kLiteral && b.kind == Kind::kLiteral &&
        a.literal != b.literal) {
      return false;
    }
  }
  return true;
}

}  // namespace crm::gateway::transcoding
