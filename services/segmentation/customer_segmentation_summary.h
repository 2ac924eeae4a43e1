// SummarizeCustomerSegmentation: one customer's standing at a glance — the
// scores, the memberships and the newest lifecycle-stage changes —
// answered by the managers that serve ListCustomerSegments and
// ListLifecycleTransitions, so each part is exactly what that call returns.
// One call instead of two for a caller that shows them together (the
// gateway's customer view).
//
//   CustomerSegmentationSummarizer summarizer(memberships, scoring);
//   absl::StatusOr<v1::CustomerSegmentationSummary> summary =
//       summarizer.SummarizeCustomerSegmentation(context, request);
#pragma once

#include "absl/status/statusor.h"
#include "crm/segmentation/v1/segmentation_service.pb.h"
#include "services/common/request_context.h"
#include "services/segmentation/membership_manager.h"
#include "services/segmentation/scoring_manager.h"

namespace crm::segmentation {

// The most memberships and lifecycle-stage changes one summary may include.
inline constexpr int kMaxSummarySegments = 1000;
inline constexpr int kMaxSummaryTransitions = 100;

class CustomerSegmentationSummarizer {
 public:
  // Both managers must outlive this object.
  CustomerSegmentationSummarizer(MembershipManager& memberships,
                                 ScoringManager& scoring)
      : memberships_(memberships), scoring_(scoring) {}
  CustomerSegmentationSummarizer(const CustomerSegmentationSummarizer&) =
      delete;
  CustomerSegmentationSummarizer& operator=(
      const CustomerSegmentationSummarizer&) = delete;

  // INVALID_ARGUMENT naming the field for a malformed `customer` or a count
  // out of range; otherwise the first error of the reads. A part whose
  // count is 0 is not read.
  absl::StatusOr<v1::CustomerSegmentationSummary> SummarizeCustomerSegmentation(
      const crm::common::RequestContext& context,
      const v1::SummarizeCustomerSegmentationRequest& request);

 private:
  MembershipManager& memberships_;
  ScoringManager& scoring_;
};

}  // namespace crm::segmentation
