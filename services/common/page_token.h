// Opaque page tokens for keyset pagination (AIP-158).
//
// A token carries the sort key of the last row returned and a fingerprint of
// the query (filter, order, parent) so that a token is rejected if reused
// with a different query. Tokens are base64url text; clients must not parse
// them.
//
//   CRM_ASSIGN_OR_RETURN(int size, NormalizePageSize(request.page_size()));
//   std::optional<PageCursor> after;
//   if (!request.page_token().empty()) {
//     CRM_ASSIGN_OR_RETURN(after, DecodePageToken(request.page_token(), fp));
//   }
//   ... SELECT ... WHERE (create_time, id) < (?, ?) ORDER BY ... LIMIT size+1
#pragma once

#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace crm::common {

inline constexpr int kDefaultPageSize = 50;
inline constexpr int kMaxPageSize = 1000;

struct PageCursor {
  std::string sort_key;  // e.g. create time in microseconds, as text.
  std::string id;        // Tie-breaker: the last row's id.
};

// 0 -> default_size, above max_size -> max_size, negative -> INVALID_ARGUMENT
// ("page_size must not be negative").
absl::StatusOr<int> NormalizePageSize(int requested,
                                      int default_size = kDefaultPageSize,
                                      int max_size = kMaxPageSize);

std::string EncodePageToken(const PageCursor& cursor,
                            absl::string_view query_fingerprint);

// INVALID_ARGUMENT naming `page_token` if the token is malformed or was
// issued for another query.
absl::StatusOr<PageCursor> DecodePageToken(absl::string_view token,
                                           absl::string_view query_fingerprint);

}  // namespace crm::common
