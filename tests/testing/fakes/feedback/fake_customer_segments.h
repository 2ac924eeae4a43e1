// A CustomerSegmentSource (services/feedback/customer_segment_source.h)
// answering from a map the test fills; every other customer is in no
// segment, as when segmentation is down. Counts the questions asked.
//
//   crm::testing::FakeCustomerSegments segments;
//   segments.Set("c1", {"vip", "churn_risk"});
#pragma once

#include <map>
#include <string>
#include <vector>

#include "absl/synchronization/mutex.h"
#include "services/feedback/customer_segment_source.h"

namespace crm::testing {

class FakeCustomerSegments final : public crm::feedback::CustomerSegmentSource {
 public:
  std::vector<std::string> SegmentIdsOf(
      const std::string& customer_id) override {
    absl::MutexLock lock(&mu_);
    ++asked_;
    auto found = segments_.find(customer_id);
    return found == segments_.end() ? std::vector<std::string>()
                                    : found->second;
  }

  void Set(const std::string& customer_id, std::vector<std::string> ids) {
    absl::MutexLock lock(&mu_);
    segments_[customer_id] = std::move(ids);
  }

  int asked() const {
    absl::MutexLock lock(&mu_);
    return asked_;
  }

 private:
  mutable absl::Mutex mu_;
  std::map<std::string, std::vector<std::string>> segments_;
  int asked_ = 0;
};

}  // namespace crm::testing
