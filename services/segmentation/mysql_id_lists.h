// Multi-row reads over a batch of customer ids for the MySQL repositories.
// At least kMinRangeIds ids in ascending order (a recompute's batch, every
// id of the read model between its first and last) are read as one
// primary-key range, `customer_id BETWEEN first AND last`, and the rows of
// ids not in the batch are skipped by the caller (IdPositions); other id
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
#include <optional>
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

// Where each row of a read over `ids` (distinct) goes. A range read returns
// its rows in key order, so they are matched by walking the ascending list
// (rows of one id in a row, as a customer's spend, match alike); a row out
// of that order, or a list that is not ascending, is looked up in a hash map
// built on first need.
class IdPositions {
 public:
  // `ids` must outlive this object.
  explicit IdPositions(const std::vector<std::string>& ids)
      : ids_(ids), ascending_(std::is_sorted(ids.begin(), ids.end())) {}

  // The position of `id` in the list; nullopt when it is not there.
  std::optional<size_t> Find(absl::string_view id) {
    if (ascending_) {
      while (next_ < ids_.size() && absl::string_view(ids_[next_]) < id) {
        ++next_;
      }
      if (next_ < ids_.size() && ids_[next_] == id) return next_;
      // Past every id before it: strictly between two neighbours, absent.
      if (next_ == 0 || absl::string_view(ids_[next_ - 1]) < id) {
        return std::nullopt;
      }
    }
    if (map_.empty()) {
      map_.reserve(ids_.size());
      for (size_t i = 0; i < ids_.size(); ++i) map_.emplace(ids_[i], i);
    }
    auto at = map_.find(id);
    if (at == map_.end()) return std::nullopt;
    return at->second;
  }

 private:
  const std::vector<std::string>& ids_;
  const bool ascending_;
  size_t next_ = 0;
  absl::flat_hash_map<std::string, size_t> map_;
};

}  // namespace crm::segmentation
