// Multi-row reads over a batch of customer ids for the MySQL repositories.
// At least kMinRangeIds ids in ascending order (a recompute's batch, every
// id of the read model between its first and last) are read as one
// primary-key range, `customer_id BETWEEN first AND last`, and the rows of
// ids not in the batch are skipped by the caller (PositionsOf); other id
// lists (the customers of a batch of feed events: at most the consumer's
// batch size, in event order) go in `IN (...)` lists of at most
// kMaxIdsPerList, each padded to a power of two by repeating its last id
// (which changes nothing an IN matches), so each statement has few shapes
// (services/common/sql_batches.h). A long ascending list of scattered ids
// would read every row between them: correct, but slow.
//
//   for (const IdFilter& filter : IdFilters(ids, "customer_id")) {
//     CachedStatement select = Prepared(tx, absl::StrCat(
//         "SELECT ... WHERE ", filter.condition));
//     filter.Bind(*select, 1, ids);
//     ...
//   }
#pragma once

#include <cppconn/prepared_statement.h>

#include <algorithm>
#include <cstddef>
#include <string>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "services/common/sql_batches.h"

namespace crm::segmentation {

inline constexpr size_t kMaxIdsPerList = 1024;
inline constexpr size_t kMinRangeIds = 256;

// One statement's share of a batch of ids: the WHERE condition and how to
// bind it.
struct IdFilter {
  std::string condition;  // "c BETWEEN ? AND ?" or "c IN (?, ...)".
  bool range = false;
  size_t begin = 0;  // IN list: ids [begin, begin + size), bound as
  size_t size = 0;   // `padded` parameters.
  size_t padded = 0;

  // Binds the filter's parameters from position `first`; returns how many.
  int Bind(sql::PreparedStatement& statement, int first,
           const std::vector<std::string>& ids) const {
    if (range) {
      statement.setString(first, ids.front());
      statement.setString(first + 1, ids.back());
      return 2;
    }
    for (size_t k = 0; k < padded; ++k) {
      statement.setString(first + static_cast<int>(k),
                          ids[begin + std::min(k, size - 1)]);
    }
    return static_cast<int>(padded);
  }
};

// The filters on `column` that together select every id of `ids` (none for
// no ids).
inline std::vector<IdFilter> IdFilters(const std::vector<std::string>& ids,
                                       absl::string_view column) {
  std::vector<IdFilter> filters;
  if (ids.empty()) return filters;
  if (ids.size() >= kMinRangeIds && std::is_sorted(ids.begin(), ids.end())) {
    IdFilter filter;
    filter.condition = absl::StrCat(column, " BETWEEN ? AND ?");
    filter.range = true;
    filters.push_back(std::move(filter));
    return filters;
  }
  for (size_t begin = 0; begin < ids.size(); begin += kMaxIdsPerList) {
    IdFilter filter;
    filter.begin = begin;
    filter.size = std::min(kMaxIdsPerList, ids.size() - begin);
    filter.padded = crm::common::SqlPaddedCount(filter.size);
    filter.condition = absl::StrCat(
        column, " IN (", crm::common::SqlPlaceholders(filter.padded), ")");
    filters.push_back(std::move(filter));
  }
  return filters;
}

// The position of each id in `ids`.
inline absl::flat_hash_map<std::string, size_t> PositionsOf(
    const std::vector<std::string>& ids) {
  absl::flat_hash_map<std::string, size_t> positions;
  positions.reserve(ids.size());
  for (size_t i = 0; i < ids.size(); ++i) positions.emplace(ids[i], i);
  return positions;
}

}  // namespace crm::segmentation
