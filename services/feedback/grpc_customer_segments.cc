#include "services/feedback/grpc_customer_segments.h"

#include <set>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"

namespace crm::feedback {

namespace seg = ::crm::segmentation::v1;

std::vector<std::string> GrpcCustomerSegments::SegmentIdsOf(
    const std::string& customer_id) {
  // One deadline for every page: the caller waits at most deadline_.
  const auto deadline = absl::ToChronoTime(absl::Now() + deadline_);
  std::set<std::string> ids;
  std::string page_token;
  for (int page = 0; page < kMaxPages; ++page) {
    grpc::ClientContext context;
    context.set_deadline(deadline);
    seg::ListCustomerSegmentsRequest request;
    request.set_parent(absl::StrCat("customers/", customer_id));
    request.set_page_size(1000);
    request.set_page_token(page_token);
    seg::ListCustomerSegmentsResponse response;
    if (!stub_->ListCustomerSegments(&context, request, &response).ok()) {
      return {};
    }
    for (const seg::SegmentMember& member : response.segment_members()) {
      absl::string_view id = member.segment();
      if (absl::ConsumePrefix(&id, "segments/") && !id.empty() &&
          !absl::StrContains(id, '/')) {
        ids.emplace(id);
      }
    }
    page_token = response.next_page_token();
    if (page_token.empty()) break;
  }
  return std::vector<std::string>(ids.begin(), ids.end());
}

}  // namespace crm::feedback
