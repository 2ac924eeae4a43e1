#include "services/loyalty/grpc_segmentation_client.h"

#include <string>
#include <vector>

#include <grpcpp/grpcpp.h>

#include "absl/strings/str_cat.h"
#include "services/common/grpc_status.h"
#include "services/common/resource_name.h"

namespace crm::loyalty {
namespace {

namespace seg = ::crm::segmentation::v1;

// A context whose call ends at `deadline`.
void SetDeadline(grpc::ClientContext& context, absl::Time deadline) {
  context.set_deadline(absl::ToChronoTime(deadline));
}

// The id of `name` (`{collection}/{id}`), or the name itself if malformed
// (segmentation's answer, not trusted to be well formed, is compared as
// is).
std::string IdOf(const std::string& name, absl::string_view collection) {
  absl::StatusOr<std::string> id =
      crm::common::ParseResourceName(name, collection, "name");
  return id.ok() ? *id : name;
}

}  // namespace

absl::StatusOr<std::vector<std::string>>
GrpcSegmentationClient::SegmentsOfCustomer(absl::string_view customer_id,
                                           absl::Time deadline) {
  std::vector<std::string> segments;
  seg::ListCustomerSegmentsRequest request;
  request.set_parent(absl::StrCat("customers/", customer_id));
  request.set_page_size(1000);
  // Pages share the deadline; a customer is rarely in more than one page.
  for (int page = 0; page < 100; ++page) {
    grpc::ClientContext context;
    SetDeadline(context, deadline);
    seg::ListCustomerSegmentsResponse response;
    grpc::Status status =
        stub_->ListCustomerSegments(&context, request, &response);
    if (!status.ok()) return crm::common::FromGrpcStatus(status);
    for (const seg::SegmentMember& member : response.segment_members()) {
      segments.push_back(IdOf(member.segment(), "segments"));
    }
    if (response.next_page_token().empty()) return segments;
    request.set_page_token(response.next_page_token());
  }
  return absl::InternalError("segmentation returned too many pages");
}

absl::StatusOr<SegmentMemberPage> GrpcSegmentationClient::SegmentMembersPage(
    absl::string_view segment_id, absl::string_view page_token, int page_size,
    absl::Time deadline) {
  seg::ListSegmentMembersRequest request;
  request.set_parent(absl::StrCat("segments/", segment_id));
  request.set_page_size(page_size);
  request.set_page_token(std::string(page_token));
  grpc::ClientContext context;
  SetDeadline(context, deadline);
  seg::ListSegmentMembersResponse response;
  grpc::Status status = stub_->ListSegmentMembers(&context, request, &response);
  if (!status.ok()) return crm::common::FromGrpcStatus(status);
  SegmentMemberPage page;
  for (const seg::SegmentMember& member : response.segment_members()) {
    page.customer_ids.push_back(IdOf(member.customer(), "customers"));
  }
  page.next_page_token = response.next_page_token();
  return page;
}

}  // namespace crm::loyalty
