// The one error shape of the filter language: INVALID_ARGUMENT
// "filter: at column <n>: <message>", reason FILTER_INVALID, metadata
// {"field": "filter", "position": "<n>"} and a BadRequest violation on field
// "filter". `column` is 1-based and counts characters (UTF-8 code points).
//
//   return FilterError(restriction.value_column,
//                      "not a valid email address");  // never the value
#pragma once

#include "absl/status/status.h"
#include "absl/strings/string_view.h"

namespace crm::common::filter {

// `message` must not contain the caller's values (they may be personal
// data); field names from the schema and fixed token texts are fine.
absl::Status FilterError(int column, absl::string_view message);

}  // namespace crm::common::filter
