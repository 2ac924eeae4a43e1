// Storage of feedback items: the record as stored, and the interface the
// feedback manager (feedback_manager.h) and the customer-profile feed
// handler (customer_profile_events.h) use inside a unit of work. The MySQL
// implementation is MySqlFeedbackRepository (mysql_feedback_repository.h);
// unit tests use the in-memory fake in tests/testing/fakes/feedback/.
//
//   CRM_RETURN_IF_ERROR(feedback.Insert(tx, record));
//   CRM_ASSIGN_OR_RETURN(Page<FeedbackRecord> page,
//                        feedback.List(tx, query.filter, page_request));
//
// The repository stores what it is given: it validates nothing, makes no id
// and knows no resource name.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "crm/feedback/v1/feedback.pb.h"
#include "crm/feedback/v1/text_analysis.pb.h"
#include "services/common/filter/filter_ast.h"
#include "services/common/keyset_page.h"
#include "services/common/unit_of_work.h"

namespace crm::feedback {

// One feedback item as stored (its fields as in crm.feedback.v1.Feedback,
// with the customer and the order kept as bare ids).
struct FeedbackRecord {
  std::string id;
  std::string customer_id;  // Empty: anonymous (or erased).
  std::string channel;
  v1::Feedback::Type type = v1::Feedback::TYPE_UNSPECIFIED;
  int32_t rating = 0;
  std::string text;
  std::string order_id;  // Empty: none. An order of `customer_id`.
  std::vector<std::string> attachment_uris;
  v1::Feedback::Language language = v1::Feedback::LANGUAGE_UNSPECIFIED;
  // Unset when the text was not analysed (no text).
  std::optional<v1::TextAnalysis> analysis;
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

  // The item with `id`; NOT_FOUND if there is none.
  virtual absl::StatusOr<FeedbackRecord> Get(crm::common::Transaction& tx,
                                             const std::string& id) = 0;

  // Items matching `filter` (over FeedbackFilterSchema(), feedback_filter.h,
  // with the meaning FeedbackFilterView gives it), ordered by create_time
  // then id, both descending, starting strictly after `page.after` (or at
  // the newest), at most `page.page_size` of them; `next` is set when more
  // may follow.
  virtual absl::StatusOr<crm::common::Page<FeedbackRecord>> List(
      crm::common::Transaction& tx, const crm::common::filter::Filter& filter,
      const crm::common::PageRequest& page) = 0;

  // Unlinks every item of `customer_id` from the customer: customer_id,
  // order_id and attachment_uris become empty; text, rating and analysis
  // stay. Returns how many items changed (0 when the customer has none).
  virtual absl::StatusOr<int64_t> AnonymizeCustomer(
      crm::common::Transaction& tx, const std::string& customer_id) = 0;

  // Every item of `customer_id` (non-empty), newest first.
  virtual absl::StatusOr<std::vector<FeedbackRecord>> ListByCustomer(
      crm::common::Transaction& tx, const std::string& customer_id) = 0;

  // Replaces the text of item `id` (the erasure's scrubbing; the analysis
  // stays). Nothing when there is no such item.
  virtual absl::Status RewriteText(crm::common::Transaction& tx,
                                   const std::string& id,
                                   const std::string& text) = 0;

  // Moves every item of `from_customer_id` to `to_customer_id` (a merge).
  // Returns how many items moved.
  virtual absl::StatusOr<int64_t> ReassignCustomer(
      crm::common::Transaction& tx, const std::string& from_customer_id,
      const std::string& to_customer_id) = 0;

 protected:
  FeedbackRepository() = default;
};

}  // namespace crm::feedback
