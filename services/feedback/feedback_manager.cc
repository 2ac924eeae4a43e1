#include "services/feedback/feedback_manager.h"

#include <optional>
#include <string>
#include <utility>

#include "services/common/field_behavior.h"
#include "services/common/idempotency_store.h"
#include "services/common/keyset_page.h"
#include "services/common/status_macros.h"
#include "services/common/timestamps.h"
#include "services/feedback/feedback_filter.h"
#include "services/feedback/feedback_validation.h"
#include "services/feedback/text_analysis.h"
#include "services/feedback/text_language.h"

namespace crm::feedback {
namespace {

using ::crm::common::Page;
using ::crm::common::PageRequest;
using ::crm::common::RequestContext;
using ::crm::common::Transaction;

// The idempotency key namespace of SubmitFeedback request ids.
constexpr char kSubmitFeedbackMethod[] = "SubmitFeedback";

}  // namespace

v1::Feedback ToFeedbackProto(const FeedbackRecord& feedback) {
  v1::Feedback proto;
  proto.set_name(FeedbackName(feedback.id));
  const bool linked = !feedback.customer_id.empty();
  if (linked) proto.set_customer(CustomerName(feedback.customer_id));
  proto.set_anonymous(!linked);
  proto.set_channel(feedback.channel);
  proto.set_type(feedback.type);
  proto.set_rating(feedback.rating);
  proto.set_text(feedback.text);
  if (linked && !feedback.order_id.empty()) {
    proto.set_order(OrderName(feedback.customer_id, feedback.order_id));
  }
  for (const std::string& uri : feedback.attachment_uris) {
    proto.add_attachment_uris(uri);
  }
  proto.set_language(feedback.language);
  if (feedback.analysis.has_value()) {
    *proto.mutable_analysis() = *feedback.analysis;
  }
  *proto.mutable_create_time() =
      crm::common::ToProtoTimestamp(feedback.create_time);
  return proto;
}

absl::StatusOr<v1::Feedback> FeedbackManager::SubmitFeedback(
    const RequestContext& context, const v1::SubmitFeedbackRequest& request) {
  CRM_RETURN_IF_ERROR(crm::common::CheckRequiredFields(request));
  // Output-only values a client sent are ignored, also by the idempotency
  // fingerprint.
  v1::SubmitFeedbackRequest input = request;
  crm::common::ClearOutputOnlyFields(&input);
  CRM_RETURN_IF_ERROR(crm::common::ValidateRequestId(input.request_id()));
  CRM_ASSIGN_OR_RETURN(NewFeedback normalized,
                       NormalizeNewFeedback(input.feedback()));
  // Analysed before the transaction, which stays short.
  const v1::Feedback::Language language = DetectTextLanguage(normalized.text);
  std::optional<v1::TextAnalysis> analysis;
  if (!normalized.text.empty()) {
    analysis = AnalyzeText(lexicon_, normalized.text);
  }
  // What the alert rules need to know of the customer, asked before the
  // transaction (a remote call with its deadline).
  CustomerStanding standing;
  if (alerts_ != nullptr) {
    FeedbackRecord draft;
    draft.customer_id = normalized.customer_id;
    draft.type = normalized.type;
    draft.analysis = analysis;
    standing = alerts_->StandingForFeedback(draft);
  }
  return crm::common::RunIdempotent<v1::Feedback>(
      unit_of_work_, idempotency_, clock_, context, kSubmitFeedbackMethod,
      input.request_id(), input,
      [&](Transaction& tx) -> absl::StatusOr<v1::Feedback> {
        FeedbackRecord record;
        record.id = ids_.NewId();
        record.customer_id = normalized.customer_id;
        record.channel = normalized.channel;
        record.type = normalized.type;
        record.rating = normalized.rating;
        record.text = normalized.text;
        record.order_id = normalized.order_id;
        record.attachment_uris = normalized.attachment_uris;
        record.language = language;
        record.analysis = analysis;
        record.create_time = crm::common::TruncateToMicros(clock_.Now());
        CRM_RETURN_IF_ERROR(feedback_.Insert(tx, record));
        if (alerts_ != nullptr) {
          CRM_RETURN_IF_ERROR(alerts_->OnFeedback(tx, record, standing));
        }
        return ToFeedbackProto(record);
      });
}

absl::StatusOr<v1::Feedback> FeedbackManager::GetFeedback(
    const RequestContext& context, const v1::GetFeedbackRequest& request) {
  CRM_RETURN_IF_ERROR(crm::common::CheckRequiredFields(request));
  CRM_ASSIGN_OR_RETURN(std::string id, FeedbackIdOf(request.name(), "name"));
  CRM_ASSIGN_OR_RETURN(
      FeedbackRecord record,
      unit_of_work_.Read<FeedbackRecord>(
          context, [&](Transaction& tx) -> absl::StatusOr<FeedbackRecord> {
            return feedback_.Get(tx, id);
          }));
  return ToFeedbackProto(record);
}

absl::StatusOr<v1::ListFeedbackResponse> FeedbackManager::ListFeedback(
    const RequestContext& context, const v1::ListFeedbackRequest& request) {
  CRM_RETURN_IF_ERROR(crm::common::CheckRequiredFields(request));
  CRM_ASSIGN_OR_RETURN(FeedbackQuery filter,
                       ParseFeedbackFilter(request.filter()));
  const std::string& query = filter.fingerprint;
  CRM_ASSIGN_OR_RETURN(PageRequest page,
                       crm::common::ParsePageRequest(
                           request.page_size(), request.page_token(), query));
  CRM_ASSIGN_OR_RETURN(
      Page<FeedbackRecord> result,
      unit_of_work_.Read<Page<FeedbackRecord>>(
          context,
          [&](Transaction& tx) -> absl::StatusOr<Page<FeedbackRecord>> {
            return feedback_.List(tx, filter.filter, page);
          }));
  v1::ListFeedbackResponse response;
  for (const FeedbackRecord& item : result.items) {
    *response.add_feedback() = ToFeedbackProto(item);
  }
  response.set_next_page_token(crm::common::NextPageToken(result.next, query));
  return response;
}

}  // namespace crm::feedback
