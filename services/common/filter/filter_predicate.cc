#include "services/common/filter/filter_predicate.h"

#include <variant>

namespace crm::common::filter {
namespace {

template <typename T>
bool Compare(const T& left, Comparator comparator, const T& right) {
  switch (comparator) {
    case Comparator::kEq:
    case Comparator::kHas:
      return left == right;
    case Comparator::kNe:
      return left != right;
    case Comparator::kLt:
      return left < right;
    case Comparator::kLe:
      return left <= right;
    case Comparator::kGt:
      return left > right;
    case Comparator::kGe:
      return left >= right;
  }
  return false;
}

// `stored <comparator> wanted` for values of the same alternative.
bool CompareValues(const FilterValue& stored, Comparator comparator,
                   const FilterValue& wanted) {
  if (stored.index() != wanted.index()) return false;
  return std::visit(
      [&](const auto& left) {
        using T = std::decay_t<decltype(left)>;
        return Compare<T>(left, comparator, std::get<T>(wanted));
      },
      stored);
}

bool Evaluate(const FilterNode& node, const FilterRecord& record) {
  switch (node.kind) {
    case FilterNode::Kind::kAnd:
      for (const FilterNode& operand : node.operands) {
        if (!Evaluate(operand, record)) return false;
      }
      return true;
    case FilterNode::Kind::kOr:
      for (const FilterNode& operand : node.operands) {
        if (Evaluate(operand, record)) return true;
      }
      return false;
    case FilterNode::Kind::kNot:
      return !Evaluate(node.operands.at(0), record);
    case FilterNode::Kind::kRestriction: {
      const Restriction& restriction = node.restriction;
      const std::vector<FilterValue> values = record.Values(*restriction.field);
      if (restriction.comparator == Comparator::kHas) {
        for (const FilterValue& value : values) {
          if (CompareValues(value, Comparator::kEq, restriction.value)) {
            return true;
          }
        }
        return false;
      }
      if (values.size() != 1) return false;  // Unset: no comparison holds.
      return CompareValues(values.front(), restriction.comparator,
                           restriction.value);
    }
  }
  return false;
}

}  // namespace

std::vector<FilterValue> MapFilterRecord::Values(const FieldSpec& field) const {
  auto found = values_.find(field.path);
  if (found == values_.end()) return {};
  return found->second;
}

bool Matches(const Filter& filter, const FilterRecord& record) {
  return !filter.root.has_value() || Evaluate(*filter.root, record);
}

}  // namespace crm::common::filter
