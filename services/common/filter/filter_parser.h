// Parses the AIP-160 subset documented in services/common/filter/README.md
// against a resource's FilterSchema into a typed Filter.
//
//   CRM_ASSIGN_OR_RETURN(
//       Filter filter,
//       ParseFilter("tags:\"vip\" AND create_time > \"2026-01-01T00:00:00Z\"",
//                   CustomerFilterSchema()));
//
// Precedence follows AIP-160's grammar: OR binds tighter than AND, so
// `a = 1 AND b = 2 OR c = 3` means `a = 1 AND (b = 2 OR c = 3)`; terms
// separated only by whitespace are ANDed (`a = 1 b = 2`); NOT and a leading
// `-` negate the term that follows. AND, OR and NOT are upper case.
//
// Every error is FilterError() (filter_error.h): INVALID_ARGUMENT, reason
// FILTER_INVALID, the 1-based column and what was expected; messages never
// repeat the caller's values.
#pragma once

#include <cstddef>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "services/common/filter/filter_ast.h"
#include "services/common/filter/filter_schema.h"

namespace crm::common::filter {

struct FilterLimits {
  size_t max_bytes = 4096;  // Longer filters are rejected before parsing.
  int max_depth = 32;       // Nesting of parentheses and NOT.
};

// The Filter of `text` (empty or whitespace-only: a Filter matching
// everything). The result points into `schema`, which must outlive it.
absl::StatusOr<Filter> ParseFilter(absl::string_view text,
                                   const FilterSchema& schema,
                                   const FilterLimits& limits = {});

}  // namespace crm::common::filter
