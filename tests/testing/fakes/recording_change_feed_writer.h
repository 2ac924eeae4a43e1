// A ChangeFeedWriter (services/common/change_feed_writer.h) that records the
// events appended by committed units of work, for unit tests.
//
//   crm::testing::RecordingChangeFeedWriter feed(&unit_of_work);
//   ... manager.RecordOrder(...) ...
//   ASSERT_EQ(feed.events().size(), 1);
//   EXPECT_EQ(feed.events()[0].type, ChangeEvent::ORDER_RECORDED);
#pragma once

#include <vector>

#include "services/common/change_feed_writer.h"
#include "tests/testing/fakes/fake_unit_of_work.h"

namespace crm::testing {

class RecordingChangeFeedWriter final : public crm::common::ChangeFeedWriter {
 public:
  explicit RecordingChangeFeedWriter(FakeUnitOfWork* unit_of_work) {
    if (unit_of_work != nullptr) {
      unit_of_work->Enlist([this] {
        size_t size = events_.size();
        return [this, size] { events_.resize(size); };
      });
    }
  }

  absl::Status Append(crm::common::Transaction& /*tx*/,
                      const crm::common::FeedEventRecord& event) override {
    crm::common::FeedEventRecord recorded = event;
    recorded.sequence = static_cast<int64_t>(events_.size()) + 1;
    events_.push_back(std::move(recorded));
    return absl::OkStatus();
  }
  void NotifyCommitted() override { ++notifications_; }

  // Events of committed units of work, with sequences 1, 2, 3, ...
  const std::vector<crm::common::FeedEventRecord>& events() const {
    return events_;
  }
  int notifications() const { return notifications_; }

 private:
  std::vector<crm::common::FeedEventRecord> events_;
  int notifications_ = 0;
};

}  // namespace crm::testing
