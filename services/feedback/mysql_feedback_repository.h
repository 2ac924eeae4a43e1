// FeedbackRepository on the service's MySQL/MariaDB database (table
// `feedback`, migrations/0001_create_feedback.sql): all of feedback's SQL and
// row mapping, prepared statements only, on the connection of the caller's
// unit of work (mysql_unit_of_work.h).
//
//   MySqlUnitOfWork unit_of_work(pool);
//   MySqlFeedbackRepository feedback;
//   FeedbackManager manager(unit_of_work, feedback, idempotency, clock, ids);
#pragma once

#include "services/feedback/feedback_repository.h"

namespace crm::feedback {

class MySqlFeedbackRepository final : public FeedbackRepository {
 public:
  MySqlFeedbackRepository() = default;

  absl::Status Insert(crm::common::Transaction& tx,
                      const FeedbackRecord& feedback) override;
  absl::StatusOr<crm::common::Page<FeedbackRecord>> List(
      crm::common::Transaction& tx, const FeedbackFilter& filter,
      const crm::common::PageRequest& page) override;
};

}  // namespace crm::feedback
