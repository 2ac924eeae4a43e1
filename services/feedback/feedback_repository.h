// Storage of feedback items, behind an interface so the service logic does
// not depend on MySQL. The only implementation is MySqlFeedbackRepository
// (mysql_feedback_repository.h).
//
//   CRM_ASSIGN_OR_RETURN(v1::Feedback stored,
//                        repository.Submit(normalized, request));
#pragma once

#include "absl/status/statusor.h"
#include "crm/feedback/v1/feedback.pb.h"
#include "crm/feedback/v1/feedback_service.pb.h"
#include "services/common/keyset_page.h"
#include "services/feedback/feedback_validation.h"

namespace crm::feedback {

class FeedbackRepository {
 public:
  FeedbackRepository(const FeedbackRepository&) = delete;
  FeedbackRepository& operator=(const FeedbackRepository&) = delete;
  virtual ~FeedbackRepository() = default;

  // Stores `feedback` (already validated and normalised; output-only fields
  // ignored) with a new id and create_time now, and returns it as stored.
  // Idempotent on `request.request_id()`: a repeat of an identical `request`
  // returns the first response and stores nothing; the same request id with
  // a different request is INVALID_ARGUMENT naming request_id. An empty
  // request id is not recorded. UNAVAILABLE if the database is unreachable.
  virtual absl::StatusOr<v1::Feedback> Submit(
      const v1::Feedback& feedback,
      const v1::SubmitFeedbackRequest& request) = 0;

  // Feedback matching `filter`, ordered by create_time then id, both
  // descending, starting strictly after `page.after` (or at the newest), at
  // most `page.page_size` items; `next` is set when more may follow.
  virtual absl::StatusOr<crm::common::Page<v1::Feedback>> List(
      const FeedbackFilter& filter, const crm::common::PageRequest& page) = 0;

 protected:
  FeedbackRepository() = default;
};

}  // namespace crm::feedback
