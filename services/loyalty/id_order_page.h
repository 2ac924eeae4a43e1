// Pagination of a List RPC whose rows are read in id order (campaigns,
// rewards, journeys, webhook endpoints), on top of page_token.h:
//
//   CRM_ASSIGN_OR_RETURN(IdOrderPage page,
//       ParseIdOrderPage(request.page_size(), request.page_token(),
//       "rewards"));
//   ... rows = repository.List(tx, page.after, page.page_size + 1);
//   response.set_next_page_token(TrimToPage(rows, page));
//   for (const auto& row : rows) ...
#pragma once

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "services/common/page_token.h"
#include "services/common/status_macros.h"

namespace crm::loyalty {

struct IdOrderPage {
  int page_size = 0;  // Normalised.
  std::string after;  // Rows with a larger id; "" on the first page.
  std::string query;  // The token's fingerprint.
};

// INVALID_ARGUMENT naming page_size (negative) or page_token (malformed, or
// issued for another `query`).
inline absl::StatusOr<IdOrderPage> ParseIdOrderPage(int page_size,
                                                    absl::string_view token,
                                                    absl::string_view query) {
  IdOrderPage page;
  page.query = std::string(query);
  CRM_ASSIGN_OR_RETURN(page.page_size,
                       crm::common::NormalizePageSize(page_size));
  if (!token.empty()) {
    CRM_ASSIGN_OR_RETURN(crm::common::PageCursor cursor,
                         crm::common::DecodePageToken(token, query));
    page.after = cursor.id;
  }
  return page;
}

// `rows` were read with page.page_size + 1 as their limit: cuts them to the
// page and returns the next page's token, "" when this page is the last.
// Row must have an `id`.
template <typename Row>
std::string TrimToPage(std::vector<Row>& rows, const IdOrderPage& page) {
  if (static_cast<int>(rows.size()) <= page.page_size) return "";
  rows.resize(page.page_size);
  return crm::common::EncodePageToken({"", rows.back().id}, page.query);
}

}  // namespace crm::loyalty
