// FeedbackRepository on the service's MySQL/MariaDB database (table
// `feedback`, migrations/0001_create_feedback.sql). Every statement is a
// prepared statement; writes run in transactions with retries (transaction.h)
// and record their request id in the same transaction (idempotency_store.h).
//
//   MySqlFeedbackRepository repository(pool, SystemClock::Instance(),
//                                      RandomIdGenerator::Instance());
#pragma once

#include "services/common/clock.h"
#include "services/common/id_generator.h"
#include "services/common/mysql_pool.h"
#include "services/feedback/feedback_repository.h"

namespace crm::feedback {

class MySqlFeedbackRepository final : public FeedbackRepository {
 public:
  // `pool`, `clock` and `ids` must outlive the repository.
  MySqlFeedbackRepository(crm::common::MySqlPool& pool,
                          const crm::common::Clock& clock,
                          const crm::common::IdGenerator& ids)
      : pool_(pool), clock_(clock), ids_(ids) {}

  absl::StatusOr<v1::Feedback> Submit(
      const v1::Feedback& feedback,
      const v1::SubmitFeedbackRequest& request) override;
  absl::StatusOr<crm::common::Page<v1::Feedback>> List(
      const FeedbackFilter& filter,
      const crm::common::PageRequest& page) override;

 private:
  crm::common::MySqlPool& pool_;
  const crm::common::Clock& clock_;
  const crm::common::IdGenerator& ids_;
};

}  // namespace crm::feedback
