// An in-memory MembershipRepository
// (services/segmentation/membership_repository.h) for unit tests of the
// membership manager; rolled back with the FakeUnitOfWork it enlists in.
//
//   crm::testing::FakeUnitOfWork unit_of_work;
//   crm::testing::InMemoryMembershipRepository memberships(&unit_of_work);
//   EXPECT_THAT(memberships.changes(), SizeIs(2));
//
// Orders and pages as the MySQL implementation does.
#pragma once

#include <algorithm>
#include <cstdint>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/civil_time.h"
#include "absl/time/time.h"
#include "services/segmentation/membership_repository.h"
#include "tests/testing/fakes/fake_unit_of_work.h"

namespace crm::testing {

class InMemoryMembershipRepository final
    : public crm::segmentation::MembershipRepository {
 public:
  using MembershipRecord = crm::segmentation::MembershipRecord;
  using MembershipChangeRecord = crm::segmentation::MembershipChangeRecord;

  // Enlists in `unit_of_work` (if not null) to be rolled back with it.
  explicit InMemoryMembershipRepository(FakeUnitOfWork* unit_of_work) {
    if (unit_of_work != nullptr) {
      unit_of_work->Enlist([this] {
        auto saved = std::make_pair(memberships_, changes_);
        return [this, saved] {
          memberships_ = saved.first;
          changes_ = saved.second;
        };
      });
    }
  }

  absl::StatusOr<std::vector<MembershipRecord>> ListOfCustomer(
      crm::common::Transaction& /*tx*/,
      absl::string_view customer_id) override {
    std::vector<MembershipRecord> rows;
    for (const auto& [key, membership] : memberships_) {
      if (key.first == customer_id) rows.push_back(membership);
    }
    return rows;  // The map orders by (customer, segment).
  }

  absl::StatusOr<std::vector<MembershipRecord>> ListOfSegment(
      crm::common::Transaction& /*tx*/, absl::string_view segment_id,
      absl::string_view after, int limit) override {
    std::vector<MembershipRecord> rows;
    for (const auto& [key, membership] : memberships_) {
      if (key.second == segment_id && key.first > after &&
          rows.size() < static_cast<size_t>(limit)) {
        rows.push_back(membership);
      }
    }
    return rows;  // By customer id: the map's first key.
  }

  absl::StatusOr<int64_t> CountOfSegment(
      crm::common::Transaction& /*tx*/, absl::string_view segment_id) override {
    int64_t count = 0;
    for (const auto& [key, membership] : memberships_) {
      if (key.second == segment_id) ++count;
    }
    return count;
  }

  absl::StatusOr<std::vector<crm::segmentation::DailyNetChange>>
  NetChangesByDay(crm::common::Transaction& /*tx*/,
                  absl::string_view segment_id, absl::Time from,
                  absl::Time to) override {
    std::map<absl::CivilDay, int64_t> net;
    for (const MembershipChangeRecord& change : changes_) {
      if (change.segment_id != segment_id || change.time < from ||
          change.time >= to) {
        continue;
      }
      net[absl::ToCivilDay(change.time, absl::UTCTimeZone())] +=
          change.kind == crm::segmentation::MembershipChangeKind::kEntered ? 1
                                                                           : -1;
    }
    std::vector<crm::segmentation::DailyNetChange> days;
    for (const auto& [day, sum] : net) days.push_back({day, sum});
    return days;
  }

  absl::Status Insert(crm::common::Transaction& /*tx*/,
                      const MembershipRecord& membership) override {
    memberships_.emplace(
        std::make_pair(membership.customer_id, membership.segment_id),
        membership);
    return absl::OkStatus();
  }

  absl::Status Remove(crm::common::Transaction& /*tx*/,
                      absl::string_view customer_id,
                      absl::string_view segment_id) override {
    memberships_.erase(
        std::make_pair(std::string(customer_id), std::string(segment_id)));
    return absl::OkStatus();
  }

  absl::Status AppendChange(crm::common::Transaction& /*tx*/,
                            const MembershipChangeRecord& change) override {
    changes_.push_back(change);
    return absl::OkStatus();
  }

  absl::StatusOr<std::vector<MembershipChangeRecord>> ListChanges(
      crm::common::Transaction& /*tx*/,
      absl::string_view customer_id) override {
    std::vector<MembershipChangeRecord> rows;
    for (const MembershipChangeRecord& change : changes_) {
      if (change.customer_id == customer_id) rows.push_back(change);
    }
    std::stable_sort(
        rows.begin(), rows.end(),
        [](const MembershipChangeRecord& a, const MembershipChangeRecord& b) {
          return a.time < b.time;
        });
    return rows;
  }

  absl::Status DeleteCustomer(crm::common::Transaction& /*tx*/,
                              absl::string_view customer_id) override {
    for (auto it = memberships_.begin(); it != memberships_.end();) {
      it = it->first.first == customer_id ? memberships_.erase(it) : ++it;
    }
    std::erase_if(changes_, [&](const MembershipChangeRecord& change) {
      return change.customer_id == customer_id;
    });
    return absl::OkStatus();
  }

  absl::Status DeleteSegment(crm::common::Transaction& /*tx*/,
                             absl::string_view segment_id) override {
    for (auto it = memberships_.begin(); it != memberships_.end();) {
      it = it->first.second == segment_id ? memberships_.erase(it) : ++it;
    }
    std::erase_if(changes_, [&](const MembershipChangeRecord& change) {
      return change.segment_id == segment_id;
    });
    return absl::OkStatus();
  }

  // Every history entry, in order of appending.
  const std::vector<MembershipChangeRecord>& changes() const {
    return changes_;
  }
  size_t membership_count() const { return memberships_.size(); }

 private:
  std::map<std::pair<std::string, std::string>, MembershipRecord> memberships_;
  std::vector<MembershipChangeRecord> changes_;
};

}  // namespace crm::testing
