#include "services/segmentation/customer_segmentation_summary.h"

#include <string>
#include <utility>

#include "absl/strings/str_cat.h"
#include "services/common/error_details.h"
#include "services/common/field_behavior.h"
#include "services/common/resource_name.h"
#include "services/common/status_macros.h"

namespace crm::segmentation {
namespace {

absl::Status CheckCount(int count, int max, absl::string_view field) {
  if (count < 0 || count > max) {
    return crm::common::InvalidFieldError(field,
                                          absl::StrCat("must be 0 to ", max));
  }
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<v1::CustomerSegmentationSummary>
CustomerSegmentationSummarizer::SummarizeCustomerSegmentation(
    const crm::common::RequestContext& context,
    const v1::SummarizeCustomerSegmentationRequest& request) {
  CRM_RETURN_IF_ERROR(crm::common::CheckRequiredFields(request));
  CRM_RETURN_IF_ERROR(crm::common::ParseResourceName(request.customer(),
                                                     "customers", "customer")
                          .status());
  CRM_RETURN_IF_ERROR(CheckCount(request.segment_count(), kMaxSummarySegments,
                                 "segment_count"));
  CRM_RETURN_IF_ERROR(CheckCount(request.lifecycle_transition_count(),
                                 kMaxSummaryTransitions,
                                 "lifecycle_transition_count"));

  v1::CustomerSegmentationSummary summary;
  summary.set_customer(request.customer());
  if (request.segment_count() > 0) {
    v1::ListCustomerSegmentsRequest list;
    list.set_parent(request.customer());
    list.set_page_size(request.segment_count());
    CRM_ASSIGN_OR_RETURN(v1::ListCustomerSegmentsResponse page,
                         memberships_.ListCustomerSegments(context, list));
    if (page.has_customer_score()) {
      *summary.mutable_customer_score() =
          std::move(*page.mutable_customer_score());
    }
    *summary.mutable_segment_members() =
        std::move(*page.mutable_segment_members());
  }
  if (request.lifecycle_transition_count() > 0) {
    v1::ListLifecycleTransitionsRequest list;
    list.set_parent(request.customer());
    list.set_page_size(request.lifecycle_transition_count());
    CRM_ASSIGN_OR_RETURN(v1::ListLifecycleTransitionsResponse page,
                         scoring_.ListLifecycleTransitions(context, list));
    *summary.mutable_lifecycle_transitions() =
        std::move(*page.mutable_lifecycle_transitions());
  }
  return summary;
}

}  // namespace crm::segmentation
