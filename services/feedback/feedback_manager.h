// Feedback items' domain logic, over the storage seam (unit_of_work.h) and
// the feedback repository (feedback_repository.h): validates and normalises
// new items (feedback_validation.h), detects their language
// (text_language.h) and analyses their text (text_analysis.h), makes their ids,
// names and create times, makes SubmitFeedback idempotent on its request_id,
// and gets and pages items (feedback_filter.h). No SQL and no gRPC here.
//
//   FeedbackManager manager(unit_of_work, feedback, idempotency, clock, ids);
//   absl::StatusOr<v1::Feedback> stored = manager.SubmitFeedback(ctx, request);
//
// Thread-safe: every call runs in its own unit of work.
#pragma once

#include "absl/status/statusor.h"
#include "crm/feedback/v1/feedback.pb.h"
#include "crm/feedback/v1/feedback_service.pb.h"
#include "services/common/clock.h"
#include "services/common/id_generator.h"
#include "services/common/idempotency.h"
#include "services/common/request_context.h"
#include "services/common/unit_of_work.h"
#include "services/feedback/alert_raiser.h"
#include "services/feedback/feedback_repository.h"
#include "services/feedback/text_lexicon.h"

namespace crm::feedback {

class FeedbackManager {
 public:
  // Every argument must outlive the manager. With `alerts`, every stored
  // item is also counted for complaint spikes in the same transaction
  // (AlertRaiser::OnFeedback).
  FeedbackManager(crm::common::UnitOfWork& unit_of_work,
                  FeedbackRepository& feedback,
                  crm::common::IdempotencyRepository& idempotency,
                  const crm::common::Clock& clock,
                  const crm::common::IdGenerator& ids,
                  const Lexicon& lexicon = DefaultLexicon(),
                  AlertRaiser* alerts = nullptr)
      : unit_of_work_(unit_of_work),
        feedback_(feedback),
        idempotency_(idempotency),
        clock_(clock),
        ids_(ids),
        lexicon_(lexicon),
        alerts_(alerts) {}
  FeedbackManager(const FeedbackManager&) = delete;
  FeedbackManager& operator=(const FeedbackManager&) = delete;

  // Stores `request.feedback()` normalised (NormalizeNewFeedback; output-only
  // fields ignored) under a new `feedback/{id}` name with create_time now,
  // its language and (for a non-empty text) its analysis with `lexicon`,
  // and returns it as stored. INVALID_ARGUMENT naming the field
  // for an invalid item or request_id. Idempotent on a non-empty request_id: a
  // repeat of an identical request returns the first response and stores
  // nothing; the same request id with a different request is
  // INVALID_ARGUMENT with reason REQUEST_ID_REUSED.
  absl::StatusOr<v1::Feedback> SubmitFeedback(
      const crm::common::RequestContext& context,
      const v1::SubmitFeedbackRequest& request);

  // The item named `request.name()`: INVALID_ARGUMENT for a malformed name,
  // NOT_FOUND (RESOURCE_NOT_FOUND) if there is none.
  absl::StatusOr<v1::Feedback> GetFeedback(
      const crm::common::RequestContext& context,
      const v1::GetFeedbackRequest& request);

  // One page of the items matching `request.filter()` (ParseFeedbackFilter),
  // newest first. INVALID_ARGUMENT for a malformed filter (FILTER_INVALID),
  // a negative page_size, or a page_token that is malformed or was issued
  // for another filter.
  absl::StatusOr<v1::ListFeedbackResponse> ListFeedback(
      const crm::common::RequestContext& context,
      const v1::ListFeedbackRequest& request);

 private:
  crm::common::UnitOfWork& unit_of_work_;
  FeedbackRepository& feedback_;
  crm::common::IdempotencyRepository& idempotency_;
  const crm::common::Clock& clock_;
  const crm::common::IdGenerator& ids_;
  const Lexicon& lexicon_;
  AlertRaiser* const alerts_;
};

// The API form of a stored item.
v1::Feedback ToFeedbackProto(const FeedbackRecord& feedback);

}  // namespace crm::feedback
