// Storage of segment memberships and their history (segment_memberships,
// segment_membership_changes; migrations/0004_create_memberships.sql), kept
// by MembershipManager (membership_manager.h) inside the feed's transaction
// and the units of work of the segment and score RPCs. The MySQL
// implementation is MySqlMembershipRepository.
//
//   CRM_RETURN_IF_ERROR(memberships.Insert(tx, {segment_id, customer_id,
//   now})); CRM_RETURN_IF_ERROR(memberships.AppendChange(tx, change));
//
// Stores what it is given and computes nothing.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/civil_time.h"
#include "absl/time/time.h"
#include "services/common/unit_of_work.h"

namespace crm::segmentation {

// A customer is in a segment since enter_time.
struct MembershipRecord {
  std::string segment_id;
  std::string customer_id;
  absl::Time enter_time;

  bool operator==(const MembershipRecord&) const = default;
};

enum class MembershipChangeKind { kEntered = 1, kLeft = 2 };
enum class MembershipChangeReason {
  kRule = 1,    // The rule was evaluated on the customer's data.
  kMerged = 2,  // The customer was merged into another.
};

// One entry of a customer's membership history.
struct MembershipChangeRecord {
  std::string customer_id;
  std::string segment_id;
  MembershipChangeKind kind = MembershipChangeKind::kEntered;
  MembershipChangeReason reason = MembershipChangeReason::kRule;
  absl::Time time;

  bool operator==(const MembershipChangeRecord&) const = default;
};

// The net change (entries minus exits) of a segment's size over one UTC day.
struct DailyNetChange {
  absl::CivilDay day;
  int64_t net = 0;

  bool operator==(const DailyNetChange&) const = default;
};

class MembershipRepository {
 public:
  MembershipRepository(const MembershipRepository&) = delete;
  MembershipRepository& operator=(const MembershipRepository&) = delete;
  virtual ~MembershipRepository() = default;

  // The memberships of `customer_id`, by segment id.
  virtual absl::StatusOr<std::vector<MembershipRecord>> ListOfCustomer(
      crm::common::Transaction& tx, absl::string_view customer_id) = 0;

  // The batch forms for a full recompute: the memberships of each of
  // `customer_ids` (distinct), at the same positions, by segment id;
  // `memberships` stored as by Insert, removed as by Remove (customer and
  // segment), `changes` appended in order, as by AppendChange on each. The
  // MySQL implementation sends multi-row statements.
  virtual absl::StatusOr<std::vector<std::vector<MembershipRecord>>>
  ListOfCustomers(crm::common::Transaction& tx,
                  const std::vector<std::string>& customer_ids) {
    std::vector<std::vector<MembershipRecord>> found;
    found.reserve(customer_ids.size());
    for (const std::string& id : customer_ids) {
      absl::StatusOr<std::vector<MembershipRecord>> one =
          ListOfCustomer(tx, id);
      if (!one.ok()) return one.status();
      found.push_back(*std::move(one));
    }
    return found;
  }
  virtual absl::Status InsertMany(
      crm::common::Transaction& tx,
      const std::vector<MembershipRecord>& memberships) {
    for (const MembershipRecord& membership : memberships) {
      absl::Status inserted = Insert(tx, membership);
      if (!inserted.ok()) return inserted;
    }
    return absl::OkStatus();
  }
  virtual absl::Status RemoveMany(
      crm::common::Transaction& tx,
      const std::vector<MembershipRecord>& memberships) {
    for (const MembershipRecord& membership : memberships) {
      absl::Status removed =
          Remove(tx, membership.customer_id, membership.segment_id);
      if (!removed.ok()) return removed;
    }
    return absl::OkStatus();
  }
  virtual absl::Status AppendChanges(
      crm::common::Transaction& tx,
      const std::vector<MembershipChangeRecord>& changes) {
    for (const MembershipChangeRecord& change : changes) {
      absl::Status appended = AppendChange(tx, change);
      if (!appended.ok()) return appended;
    }
    return absl::OkStatus();
  }

  // Up to `limit` memberships of `segment_id` with customer_id > `after`, by
  // customer id.
  virtual absl::StatusOr<std::vector<MembershipRecord>> ListOfSegment(
      crm::common::Transaction& tx, absl::string_view segment_id,
      absl::string_view after, int limit) = 0;

  // How many customers are members of `segment_id` now.
  virtual absl::StatusOr<int64_t> CountOfSegment(
      crm::common::Transaction& tx, absl::string_view segment_id) = 0;

  // The history of `segment_id` with change times in [from, to), summed per
  // UTC day of the change time: ENTERED entries count +1, LEFT entries -1.
  // Only days with entries, by day.
  virtual absl::StatusOr<std::vector<DailyNetChange>> NetChangesByDay(
      crm::common::Transaction& tx, absl::string_view segment_id,
      absl::Time from, absl::Time to) = 0;

  // Stores a membership; OK (and unchanged) if it is already stored.
  virtual absl::Status Insert(crm::common::Transaction& tx,
                              const MembershipRecord& membership) = 0;

  // Removes the membership (customer_id, segment_id); OK if there is none.
  virtual absl::Status Remove(crm::common::Transaction& tx,
                              absl::string_view customer_id,
                              absl::string_view segment_id) = 0;

  // Appends one history entry.
  virtual absl::Status AppendChange(crm::common::Transaction& tx,
                                    const MembershipChangeRecord& change) = 0;

  // The history of `customer_id`, oldest first (appended order within the
  // same time).
  virtual absl::StatusOr<std::vector<MembershipChangeRecord>> ListChanges(
      crm::common::Transaction& tx, absl::string_view customer_id) = 0;

  // Removes every membership and history entry of `customer_id`.
  virtual absl::Status DeleteCustomer(crm::common::Transaction& tx,
                                      absl::string_view customer_id) = 0;

  // Removes every membership and history entry of `segment_id` (a deleted
  // segment).
  virtual absl::Status DeleteSegment(crm::common::Transaction& tx,
                                     absl::string_view segment_id) = 0;

 protected:
  MembershipRepository() = default;
};

}  // namespace crm::segmentation
