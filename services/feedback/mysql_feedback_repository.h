// FeedbackRepository on the service's MySQL/MariaDB database (table
// `feedback`, migrations/): all of feedback's SQL and
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
  absl::StatusOr<FeedbackRecord> Get(crm::common::Transaction& tx,
                                     const std::string& id) override;
  absl::StatusOr<crm::common::Page<FeedbackRecord>> List(
      crm::common::Transaction& tx, const crm::common::filter::Filter& filter,
      const crm::common::PageRequest& page) override;
  absl::StatusOr<int64_t> AnonymizeCustomer(
      crm::common::Transaction& tx, const std::string& customer_id) override;
  absl::StatusOr<std::vector<FeedbackRecord>> ListByCustomer(
      crm::common::Transaction& tx, const std::string& customer_id) override;
  absl::Status RewriteText(crm::common::Transaction& tx, const std::string& id,
                           const std::string& text) override;
  absl::StatusOr<int64_t> ReassignCustomer(
      crm::common::Transaction& tx, const std::string& from_customer_id,
      const std::string& to_customer_id) override;
};

}  // namespace crm::feedback
