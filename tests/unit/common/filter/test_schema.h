// A small resource schema covering every field type, shared by the filter
// tests (unit and integration).
//
//   const FilterSchema& schema = TestFilterSchema();
//   ParseFilter("age >= 18 AND tags:\"vip\"", schema);
#pragma once

#include <cstdlib>

#include "services/common/filter/filter_schema.h"

namespace crm::common::filter::testing {

inline const FilterSchema& TestFilterSchema() {
  static const FilterSchema* const schema = [] {
    absl::StatusOr<FilterSchema> built = FilterSchema::Create(
        {
            // Strings accept every comparator here (bytes order them).
            FieldSpec::String("name").WithComparators(
                {Comparator::kEq, Comparator::kNe, Comparator::kLt,
                 Comparator::kLe, Comparator::kGt, Comparator::kGe}),
            FieldSpec::String("email").WithComparators({Comparator::kEq}),
            FieldSpec::String("tags").Repeated(),
            FieldSpec::String("address.country_code"),
            FieldSpec::Enum("state", {"ACTIVE", "MERGED", "ERASED"}),
            FieldSpec::Int64("age"),
            FieldSpec::Double("score"),
            FieldSpec::Bool("vip"),
            FieldSpec::Timestamp("create_time"),
            FieldSpec::Duration("ttl"),
        },
        {
            {"tag", "tags", {.equals_means_has = true}},
            {"country_code", "address.country_code", {}},
        });
    if (!built.ok()) std::abort();
    return new FilterSchema(*std::move(built));
  }();
  return *schema;
}

}  // namespace crm::common::filter::testing
