// Where the survey manager learns the segments a customer is in at answer
// time (the scores' `segment` filter). The production source asks
// segmentation (grpc_customer_segments.h) with a short deadline; any
// failure is "no segment", so a response is never refused because
// segmentation is down, slow or not configured. Unit tests use the fake in
// tests/testing/fakes/feedback/fake_customer_segments.h.
//
//   const std::vector<std::string> ids = segments.SegmentIdsOf(customer_id);
#pragma once

#include <string>
#include <vector>

namespace crm::feedback {

class CustomerSegmentSource {
 public:
  CustomerSegmentSource(const CustomerSegmentSource&) = delete;
  CustomerSegmentSource& operator=(const CustomerSegmentSource&) = delete;
  virtual ~CustomerSegmentSource() = default;

  // The bare ids (the `{segment}` of `segments/{segment}`) of the segments
  // `customer_id` (non-empty) is a member of, distinct, in any order; empty
  // when it is in none or they cannot be learnt in time. Never blocks longer
  // than the source's deadline.
  virtual std::vector<std::string> SegmentIdsOf(
      const std::string& customer_id) = 0;

 protected:
  CustomerSegmentSource() = default;
};

// Knows no segment (no segmentation configured).
class NoCustomerSegments final : public CustomerSegmentSource {
 public:
  NoCustomerSegments() = default;
  std::vector<std::string> SegmentIdsOf(
      const std::string& /*customer_id*/) override {
    return {};
  }
};

}  // namespace crm::feedback
