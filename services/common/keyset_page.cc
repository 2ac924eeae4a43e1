#include "services/common/keyset_page.h"

#include <cstdint>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "services/common/error_details.h"
#include "services/common/page_token.h"
#include "services/common/status_macros.h"
#include "services/common/timestamps.h"

namespace crm::common {
namespace {

constexpr absl::string_view kLatestDatetime = "9999-12-31 23:59:59.999999";

}  // namespace

absl::StatusOr<PageRequest> ParsePageRequest(int page_size,
                                             absl::string_view page_token,
                                             absl::string_view query) {
  PageRequest request;
  CRM_ASSIGN_OR_RETURN(request.page_size, NormalizePageSize(page_size));
  if (page_token.empty()) return request;
  CRM_ASSIGN_OR_RETURN(PageCursor cursor, DecodePageToken(page_token, query));
  int64_t micros = 0;
  if (!absl::SimpleAtoi(cursor.sort_key, &micros) || cursor.id.empty()) {
    return ErrorWithReason(InvalidFieldError("page_token", "is malformed"),
                           ::crm::type::v1::PAGE_TOKEN_INVALID,
                           {{"field", "page_token"}});
  }
  request.after = KeysetPosition{absl::FromUnixMicros(micros), cursor.id};
  return request;
}

std::string NextPageToken(const std::optional<KeysetPosition>& next,
                          absl::string_view query) {
  if (!next.has_value()) return "";
  return EncodePageToken(
      PageCursor{absl::StrCat(absl::ToUnixMicros(next->create_time)), next->id},
      query);
}

void BindKeysetAfter(sql::PreparedStatement& statement, int first_index,
                     const std::optional<KeysetPosition>& after) {
  const std::string time = after.has_value()
                               ? FormatSqlDatetime(after->create_time)
                               : std::string(kLatestDatetime);
  statement.setString(first_index, time);
  statement.setString(first_index + 1, time);
  statement.setString(first_index + 2, after.has_value() ? after->id : "");
}

}  // namespace crm::common
