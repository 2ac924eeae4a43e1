#include "services/common/filter/filter_ast.h"

#include <string>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"

namespace crm::common::filter {
namespace {

absl::Status RewriteNode(
    FilterNode& node,
    const std::function<absl::Status(Restriction&)>& rewrite) {
  if (node.kind == FilterNode::Kind::kRestriction) {
    return rewrite(node.restriction);
  }
  for (FilterNode& operand : node.operands) {
    absl::Status status = RewriteNode(operand, rewrite);
    if (!status.ok()) return status;
  }
  return absl::OkStatus();
}

bool NodeMentions(const FilterNode& node, absl::string_view path) {
  if (node.kind == FilterNode::Kind::kRestriction) {
    return node.restriction.field != nullptr &&
           node.restriction.field->path == path;
  }
  for (const FilterNode& operand : node.operands) {
    if (NodeMentions(operand, path)) return true;
  }
  return false;
}

// `text` double-quoted with the escapes the parser reads.
std::string Quote(const std::string& text) {
  std::string out = "\"";
  for (char c : text) {
    switch (c) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\t':
        out += "\\t";
        break;
      case '\r':
        out += "\\r";
        break;
      default:
        out.push_back(c);
    }
  }
  out.push_back('"');
  return out;
}

struct ValueText {
  bool quote_strings;
  std::string operator()(const std::string& v) const {
    return quote_strings ? Quote(v) : v;
  }
  std::string operator()(int64_t v) const { return absl::StrCat(v); }
  std::string operator()(double v) const { return absl::StrCat(v); }
  std::string operator()(bool v) const { return v ? "true" : "false"; }
  std::string operator()(absl::Time v) const {
    return Quote(
        absl::FormatTime("%Y-%m-%dT%H:%M:%E*SZ", v, absl::UTCTimeZone()));
  }
  // "<seconds>[.<fraction>]s", as the parser reads durations.
  std::string operator()(absl::Duration v) const {
    const int64_t micros = absl::ToInt64Microseconds(v);
    const uint64_t magnitude = micros < 0 ? 0 - static_cast<uint64_t>(micros)
                                          : static_cast<uint64_t>(micros);
    std::string text =
        absl::StrCat(micros < 0 ? "-" : "", magnitude / 1'000'000);
    if (magnitude % 1'000'000 != 0) {
      std::string fraction = absl::StrFormat("%06d", magnitude % 1'000'000);
      while (fraction.back() == '0') fraction.pop_back();
      absl::StrAppend(&text, ".", fraction);
    }
    return Quote(absl::StrCat(text, "s"));
  }
};

std::string NodeText(const FilterNode& node) {
  switch (node.kind) {
    case FilterNode::Kind::kRestriction: {
      const Restriction& r = node.restriction;
      const bool quote =
          r.field == nullptr || r.field->type != FieldType::kEnum;
      return absl::StrCat(r.field != nullptr ? r.field->path : "?", " ",
                          ComparatorText(r.comparator), " ",
                          std::visit(ValueText{quote}, r.value));
    }
    case FilterNode::Kind::kNot: {
      // NOT takes a restriction or a parenthesised expression, so a nested
      // negation needs parentheses: NOT (NOT a = 1).
      const FilterNode& operand = node.operands.at(0);
      const bool wrap = operand.kind == FilterNode::Kind::kNot;
      return absl::StrCat("NOT ", wrap ? "(" : "", NodeText(operand),
                          wrap ? ")" : "");
    }
    case FilterNode::Kind::kAnd:
    case FilterNode::Kind::kOr: {
      std::vector<std::string> parts;
      for (const FilterNode& operand : node.operands) {
        parts.push_back(NodeText(operand));
      }
      return absl::StrCat(
          "(",
          absl::StrJoin(parts,
                        node.kind == FilterNode::Kind::kAnd ? " AND " : " OR "),
          ")");
    }
  }
  return "";
}

}  // namespace

absl::Status RewriteValues(
    Filter& filter, const std::function<absl::Status(Restriction&)>& rewrite) {
  if (!filter.root.has_value()) return absl::OkStatus();
  return RewriteNode(*filter.root, rewrite);
}

bool MentionsField(const Filter& filter, absl::string_view path) {
  return filter.root.has_value() && NodeMentions(*filter.root, path);
}

std::string DebugString(const Filter& filter) {
  return filter.root.has_value() ? NodeText(*filter.root) : "";
}

}  // namespace crm::common::filter
