#include "services/feedback/feedback_service.h"

#include <utility>

#include "services/common/grpc_reply.h"
#include "services/common/idempotency_store.h"
#include "services/common/keyset_page.h"
#include "services/common/status_macros.h"
#include "services/feedback/feedback_validation.h"

namespace crm::feedback {

FeedbackServiceImpl::FeedbackServiceImpl(
    std::unique_ptr<FeedbackRepository> repository)
    : repository_(std::move(repository)) {}

grpc::Status FeedbackServiceImpl::SubmitFeedback(
    grpc::ServerContext* /*context*/, const v1::SubmitFeedbackRequest* request,
    v1::Feedback* response) {
  return crm::common::ReplyWith(Submit(*request), response);
}

grpc::Status FeedbackServiceImpl::ListFeedback(
    grpc::ServerContext* /*context*/, const v1::ListFeedbackRequest* request,
    v1::ListFeedbackResponse* response) {
  return crm::common::ReplyWith(List(*request), response);
}

absl::StatusOr<v1::Feedback> FeedbackServiceImpl::Submit(
    const v1::SubmitFeedbackRequest& request) {
  CRM_RETURN_IF_ERROR(crm::common::ValidateRequestId(request.request_id()));
  CRM_ASSIGN_OR_RETURN(v1::Feedback feedback,
                       NormalizeNewFeedback(request.feedback()));
  return repository_->Submit(feedback, request);
}

absl::StatusOr<v1::ListFeedbackResponse> FeedbackServiceImpl::List(
    const v1::ListFeedbackRequest& request) {
  CRM_ASSIGN_OR_RETURN(FeedbackFilter filter,
                       ParseFeedbackFilter(request.filter()));
  const std::string query = filter.QueryFingerprint();
  CRM_ASSIGN_OR_RETURN(crm::common::PageRequest page,
                       crm::common::ParsePageRequest(
                           request.page_size(), request.page_token(), query));
  CRM_ASSIGN_OR_RETURN(crm::common::Page<v1::Feedback> result,
                       repository_->List(filter, page));
  v1::ListFeedbackResponse response;
  for (v1::Feedback& item : result.items) {
    *response.add_feedback() = std::move(item);
  }
  response.set_next_page_token(crm::common::NextPageToken(result.next, query));
  return response;
}

}  // namespace crm::feedback
