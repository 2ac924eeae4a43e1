// Keyset pagination over (create_time DESC, id DESC), the order of every
// "newest first" List RPC, on top of page_token.h.
//
//   // In the service: validate the request and decode the token.
//   CRM_ASSIGN_OR_RETURN(PageRequest page,
//       ParsePageRequest(request.page_size(), request.page_token(), query));
//   CRM_ASSIGN_OR_RETURN(Page<Customer> result, repository.List(page));
//   response.set_next_page_token(NextPageToken(result.next, query));
//
//   // In the MySQL repository:
//   "SELECT ... FROM customers"
//   " WHERE (create_time < ? OR (create_time = ? AND id < ?))"
//   " ORDER BY create_time DESC, id DESC LIMIT ?"
//   BindKeysetAfter(*statement, 1, page.after);
//   statement->setInt(4, page.page_size + 1);
//   ... return MakePage(std::move(rows), page.page_size, position_of_row);
//
// `query` is a fingerprint of everything else that shapes the result (the
// collection, the filter), so a token is rejected when reused elsewhere.
#pragma once

#include <cppconn/prepared_statement.h>

#include <functional>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"

namespace crm::common {

// The sort key of one row.
struct KeysetPosition {
  absl::Time create_time;
  std::string id;
};

struct PageRequest {
  int page_size = 0;                    // Normalised: 1 .. kMaxPageSize.
  std::optional<KeysetPosition> after;  // Rows strictly after this one.
};

template <typename T>
struct Page {
  std::vector<T> items;
  std::optional<KeysetPosition> next;  // Set when more rows may follow.
};

// Normalises `page_size` (INVALID_ARGUMENT naming page_size if negative) and
// decodes `page_token` (INVALID_ARGUMENT naming page_token if malformed or
// issued for another `query`).
absl::StatusOr<PageRequest> ParsePageRequest(int page_size,
                                             absl::string_view page_token,
                                             absl::string_view query);

// The token for `next`; empty when `next` is nullopt (the last page).
std::string NextPageToken(const std::optional<KeysetPosition>& next,
                          absl::string_view query);

// Binds the three parameters of
//   (create_time < ? OR (create_time = ? AND id < ?))
// starting at parameter `first_index` to `after`'s time and id. Without
// `after` (the first page) the time is the largest DATETIME, so every row
// matches and the statement stays the same one, able to use an index on
// (create_time, id).
void BindKeysetAfter(sql::PreparedStatement& statement, int first_index,
                     const std::optional<KeysetPosition>& after);

// Cuts `rows` (fetched with LIMIT page_size + 1, in sort order) to a page:
// if there are more than `page_size` rows, keeps the first `page_size` and
// sets `next` to the position of the last row kept.
template <typename T>
Page<T> MakePage(std::vector<T> rows, int page_size,
                 const std::function<KeysetPosition(const T&)>& position_of) {
  Page<T> page;
  if (rows.size() > static_cast<size_t>(page_size)) {
    rows.resize(page_size);
    page.next = position_of(rows.back());
  }
  page.items = std::move(rows);
  return page;
}

}  // namespace crm::common
