// What loyalty asks of segmentation (crm.segmentation.v1.SegmentationService):
// the segments a customer belongs to (ListCustomerSegments) and the members
// of a segment, a page at a time (ListSegmentMembers). Every call has a
// deadline. The gRPC implementation is GrpcSegmentationClient
// (grpc_segmentation_client.h); unit tests use the fake in
// tests/testing/fakes/loyalty/fake_segmentation_client.h.
//
//   absl::StatusOr<std::vector<std::string>> segments =
//       client.SegmentsOfCustomer("c1", now + absl::Milliseconds(300));
#pragma once

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"

namespace crm::loyalty {

// One page of a segment's members.
struct SegmentMemberPage {
  std::vector<std::string> customer_ids;  // Ascending.
  std::string next_page_token;            // Empty on the last page.
};

class SegmentationClient {
 public:
  SegmentationClient(const SegmentationClient&) = delete;
  SegmentationClient& operator=(const SegmentationClient&) = delete;
  virtual ~SegmentationClient() = default;

  // The ids of every segment `customer_id` is a member of (all pages).
  // DEADLINE_EXCEEDED or UNAVAILABLE when segmentation does not answer by
  // `deadline`; any other error as segmentation reported it.
  virtual absl::StatusOr<std::vector<std::string>> SegmentsOfCustomer(
      absl::string_view customer_id, absl::Time deadline) = 0;

  // Up to `page_size` members of segment `segment_id` after `page_token`
  // (empty: from the first). NOT_FOUND for an unknown segment; errors as
  // above.
  virtual absl::StatusOr<SegmentMemberPage> SegmentMembersPage(
      absl::string_view segment_id, absl::string_view page_token, int page_size,
      absl::Time deadline) = 0;

 protected:
  SegmentationClient() = default;
};

}  // namespace crm::loyalty
