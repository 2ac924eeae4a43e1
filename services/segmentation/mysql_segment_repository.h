// SegmentRepository on the service's MySQL/MariaDB database (table
// `segments`, migrations/0001_create_segments.sql). Every statement is a
// prepared statement; writes run in transactions with retries (transaction.h)
// and record their request id in the same transaction (idempotency_store.h).
//
//   MySqlSegmentRepository repository(pool, SystemClock::Instance(),
//                                     RandomIdGenerator::Instance());
#pragma once

#include "services/common/clock.h"
#include "services/common/id_generator.h"
#include "services/common/mysql_pool.h"
#include "services/segmentation/segment_repository.h"

namespace crm::segmentation {

class MySqlSegmentRepository final : public SegmentRepository {
 public:
  // `pool`, `clock` and `ids` must outlive the repository.
  MySqlSegmentRepository(crm::common::MySqlPool& pool,
                         const crm::common::Clock& clock,
                         const crm::common::IdGenerator& ids)
      : pool_(pool), clock_(clock), ids_(ids) {}

  absl::StatusOr<v1::Segment> Create(
      const v1::Segment& segment,
      const v1::CreateSegmentRequest& request) override;
  absl::StatusOr<v1::Segment> Get(absl::string_view id) override;
  absl::StatusOr<crm::common::Page<v1::Segment>> List(
      const crm::common::PageRequest& page) override;

 private:
  crm::common::MySqlPool& pool_;
  const crm::common::Clock& clock_;
  const crm::common::IdGenerator& ids_;
};

}  // namespace crm::segmentation
