#include "services/common/request_context.h"

#include <algorithm>

#include "services/common/error_details.h"

namespace crm::common {

absl::Duration RequestContext::Remaining(absl::Time now) const {
  if (!has_deadline()) return absl::InfiniteDuration();
  return std::max(deadline_ - now, absl::ZeroDuration());
}

absl::Status RequestContext::CheckActive(absl::Time now) const {
  if (IsCancelled()) {
    return ErrorWithReason(absl::CancelledError("the caller cancelled"),
                           ::crm::type::v1::REQUEST_CANCELLED);
  }
  return CheckDeadline(now);
}

absl::Status RequestContext::CheckDeadline(absl::Time now) const {
  if (has_deadline() && now >= deadline_) {
    return ErrorWithReason(
        absl::DeadlineExceededError("the request's deadline has passed"),
        ::crm::type::v1::REQUEST_DEADLINE_EXCEEDED);
  }
  return absl::OkStatus();
}

}  // namespace crm::common
