#include "services/feedback/feedback_service.h"

#include "services/common/grpc_reply.h"
#include "services/common/grpc_request_context.h"

namespace crm::feedback {

using ::crm::common::ReplyWith;
using ::crm::common::RequestContextOf;

grpc::Status FeedbackServiceImpl::SubmitFeedback(
    grpc::ServerContext* context, const v1::SubmitFeedbackRequest* request,
    v1::Feedback* response) {
  return ReplyWith(manager_.SubmitFeedback(RequestContextOf(context), *request),
                   response);
}

grpc::Status FeedbackServiceImpl::ListFeedback(
    grpc::ServerContext* context, const v1::ListFeedbackRequest* request,
    v1::ListFeedbackResponse* response) {
  return ReplyWith(manager_.ListFeedback(RequestContextOf(context), *request),
                   response);
}

}  // namespace crm::feedback
