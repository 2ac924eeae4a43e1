// MembershipRepository on the service's MySQL/MariaDB database (tables of
// migrations/0004_create_memberships.sql, indexed by segment in
// 0005_index_membership_changes_by_segment.sql): SQL and row mapping only.
//
//   MySqlMembershipRepository memberships;
//   MembershipManager manager(unit_of_work, segments, memberships, ...);
#pragma once

#include "services/segmentation/membership_repository.h"

namespace crm::segmentation {

class MySqlMembershipRepository final : public MembershipRepository {
 public:
  MySqlMembershipRepository() = default;

  absl::StatusOr<std::vector<MembershipRecord>> ListOfCustomer(
      crm::common::Transaction& tx, absl::string_view customer_id) override;
  absl::StatusOr<std::vector<MembershipRecord>> ListOfSegment(
      crm::common::Transaction& tx, absl::string_view segment_id,
      absl::string_view after, int limit) override;
  absl::StatusOr<int64_t> CountOfSegment(crm::common::Transaction& tx,
                                         absl::string_view segment_id) override;
  absl::StatusOr<std::vector<DailyNetChange>> NetChangesByDay(
      crm::common::Transaction& tx, absl::string_view segment_id,
      absl::Time from, absl::Time to) override;
  absl::Status Insert(crm::common::Transaction& tx,
                      const MembershipRecord& membership) override;
  absl::StatusOr<std::vector<std::vector<MembershipRecord>>> ListOfCustomers(
      crm::common::Transaction& tx,
      const std::vector<std::string>& customer_ids) override;
  absl::Status InsertMany(
      crm::common::Transaction& tx,
      const std::vector<MembershipRecord>& memberships) override;
  absl::Status RemoveMany(
      crm::common::Transaction& tx,
      const std::vector<MembershipRecord>& memberships) override;
  absl::Status AppendChanges(
      crm::common::Transaction& tx,
      const std::vector<MembershipChangeRecord>& changes) override;
  absl::Status Remove(crm::common::Transaction& tx,
                      absl::string_view customer_id,
                      absl::string_view segment_id) override;
  absl::Status AppendChange(crm::common::Transaction& tx,
                            const MembershipChangeRecord& change) override;
  absl::StatusOr<std::vector<MembershipChangeRecord>> ListChanges(
      crm::common::Transaction& tx, absl::string_view customer_id) override;
  absl::Status DeleteCustomer(crm::common::Transaction& tx,
                              absl::string_view customer_id) override;
  absl::Status DeleteSegment(crm::common::Transaction& tx,
                             absl::string_view segment_id) override;
};

}  // namespace crm::segmentation
