#include "services/common/filter/filter_error.h"

#include <string>

#include "absl/strings/str_cat.h"
#include "crm/type/v1/error_reason.pb.h"
#include "services/common/error_details.h"

namespace crm::common::filter {

absl::Status FilterError(int column, absl::string_view message) {
  const std::string position = absl::StrCat(column);
  const std::string description =
      absl::StrCat("at column ", position, ": ", message);
  absl::Status status =
      absl::InvalidArgumentError(absl::StrCat("filter: ", description));
  status = ErrorWithReason(std::move(status), ::crm::type::v1::FILTER_INVALID,
                           {{"field", "filter"}, {"position", position}});
  return WithFieldViolation(std::move(status), "filter", description);
}

}  // namespace crm::common::filter
