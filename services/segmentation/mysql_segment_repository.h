// SegmentRepository on the service's MySQL/MariaDB database (table
// `segments`, migrations/0001_create_segments.sql): all of segmentation's SQL
// and row mapping, prepared statements only, on the connection of the
// caller's unit of work (mysql_unit_of_work.h).
//
//   MySqlUnitOfWork unit_of_work(pool);
//   MySqlSegmentRepository segments;
//   SegmentManager manager(unit_of_work, segments, idempotency, clock, ids);
#pragma once

#include "services/segmentation/segment_repository.h"

namespace crm::segmentation {

class MySqlSegmentRepository final : public SegmentRepository {
 public:
  MySqlSegmentRepository() = default;

  absl::Status Insert(crm::common::Transaction& tx,
                      const SegmentRecord& segment) override;
  absl::StatusOr<std::optional<SegmentRecord>> Find(
      crm::common::Transaction& tx, absl::string_view id) override;
  absl::StatusOr<std::optional<SegmentRecord>> FindForUpdate(
      crm::common::Transaction& tx, absl::string_view id) override;
  absl::Status Update(crm::common::Transaction& tx,
                      const SegmentRecord& segment) override;
  absl::Status Delete(crm::common::Transaction& tx,
                      absl::string_view id) override;
  absl::StatusOr<crm::common::Page<SegmentRecord>> List(
      crm::common::Transaction& tx,
      const crm::common::PageRequest& page) override;
  absl::StatusOr<std::vector<SegmentRecord>> ListAll(
      crm::common::Transaction& tx) override;
};

}  // namespace crm::segmentation
