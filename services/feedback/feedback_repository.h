// Storage of feedback items: the record as stored, and the interface the
// feedback manager (feedback_manager.h) uses inside a unit of work. The MySQL
// implementation is MySqlFeedbackRepository (mysql_feedback_repository.h);
// unit tests use the in-memory fake in tests/testing/fakes/feedback/.
//
//   CRM_RETURN_IF_ERROR(feedback.Insert(tx, record));
//   CRM_ASSIGN_OR_RETURN(Page<FeedbackRecord> page,
//                        feedback.List(tx, filter, page_request));
//
// The repository stores what it is given: it validates nothing, makes no id
// and knows no resource name.
#pragma once

#include <cstdint>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "crm/feedback/v1/feedback.pb.h"
#include "services/common/keyset_page.h"
#include "services/common/unit_of_work.h"
#include "services/feedback/feedback_validation.h"

namespace crm::feedback {

// One feedback item as stored (its fields as in crm.feedback.v1.Feedback,
// except that the customer is kept as its bare id: the `{customer}` of the
// API's `customers/{customer}`).
struct FeedbackRecord {
  std::string id;
  std::string customer_id;
  std::string channel;
  v1::Feedback::Type type = v1::Feedback::TYPE_UNSPECIFIED;
  int32_t rating = 0;
  std::string text;
  std::string order_id;
  absl::Time create_time;
};

class FeedbackRepository {
 public:
  FeedbackRepository(const FeedbackRepository&) = delete;
  FeedbackRepository& operator=(const FeedbackRepository&) = delete;
  virtual ~FeedbackRepository() = default;

  // Stores `feedback` (create_time with microsecond precision).
  // ALREADY_EXISTS if an item with the same id exists; nothing is written
  // then.
  virtual absl::Status Insert(crm::common::Transaction& tx,
                              const FeedbackRecord& feedback) = 0;

  // Items matching `filter`, ordered by create_time then id, both
  // descending, starting strictly after `page.after` (or at the newest), at
  // most `page.page_size` of them; `next` is set when more may follow.
  virtual absl::StatusOr<crm::common::Page<FeedbackRecord>> List(
      crm::common::Transaction& tx, const FeedbackFilter& filter,
      const crm::common::PageRequest& page) = 0;

 protected:
  FeedbackRepository() = default;
};

}  // namespace crm::feedback
