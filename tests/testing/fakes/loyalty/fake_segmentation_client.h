// A SegmentationClient (services/loyalty/segmentation_client.h) over
// in-memory memberships, for unit tests: it can be made to fail (as a down
// or slow segmentation: every call DEADLINE_EXCEEDED) and counts calls.
//
//   crm::testing::FakeSegmentationClient segmentation;
//   segmentation.AddMember("vip", "c1");
//   segmentation.set_down(true);
#pragma once

#include <algorithm>
#include <iterator>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "services/loyalty/segmentation_client.h"

namespace crm::testing {

class FakeSegmentationClient final : public crm::loyalty::SegmentationClient {
 public:
  void AddMember(const std::string& segment, const std::string& customer) {
    members_[segment].insert(customer);
  }
  void RemoveMember(const std::string& segment, const std::string& customer) {
    members_[segment].erase(customer);
  }
  void set_down(bool down) { down_ = down; }
  int calls() const { return calls_; }

  absl::StatusOr<std::vector<std::string>> SegmentsOfCustomer(
      absl::string_view customer_id, absl::Time /*deadline*/) override {
    ++calls_;
    if (down_) return absl::DeadlineExceededError("segmentation is down");
    std::vector<std::string> segments;
    for (const auto& [segment, customers] : members_) {
      if (customers.count(std::string(customer_id)) > 0) {
        segments.push_back(segment);
      }
    }
    return segments;
  }

  // Page tokens are the offset of the page's first member.
  absl::StatusOr<crm::loyalty::SegmentMemberPage> SegmentMembersPage(
      absl::string_view segment_id, absl::string_view page_token, int page_size,
      absl::Time /*deadline*/) override {
    ++calls_;
    if (down_) return absl::DeadlineExceededError("segmentation is down");
    auto it = members_.find(std::string(segment_id));
    if (it == members_.end()) return absl::NotFoundError("no such segment");
    size_t offset = 0;
    if (!page_token.empty() && !absl::SimpleAtoi(page_token, &offset)) {
      return absl::InvalidArgumentError("bad page token");
    }
    const std::set<std::string>& all = it->second;
    crm::loyalty::SegmentMemberPage page;
    auto member = all.begin();
    std::advance(member, std::min(offset, all.size()));
    size_t position = offset;
    for (; member != all.end() &&
           static_cast<int>(page.customer_ids.size()) < page_size;
         ++member, ++position) {
      page.customer_ids.push_back(*member);
    }
    if (member != all.end()) page.next_page_token = absl::StrCat(position);
    return page;
  }

 private:
  std::map<std::string, std::set<std::string>> members_;
  bool down_ = false;
  int calls_ = 0;
};

}  // namespace crm::testing
