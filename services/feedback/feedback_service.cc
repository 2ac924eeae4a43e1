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

grpc::Status FeedbackServiceImpl::GetFeedback(
    grpc::ServerContext* context, const v1::GetFeedbackRequest* request,
    v1::Feedback* response) {
  return ReplyWith(manager_.GetFeedback(RequestContextOf(context), *request),
                   response);
}

grpc::Status FeedbackServiceImpl::ListFeedback(
    grpc::ServerContext* context, const v1::ListFeedbackRequest* request,
    v1::ListFeedbackResponse* response) {
  return ReplyWith(manager_.ListFeedback(RequestContextOf(context), *request),
                   response);
}

grpc::Status FeedbackServiceImpl::CreateSurvey(
    grpc::ServerContext* context, const v1::CreateSurveyRequest* request,
    v1::Survey* response) {
  return ReplyWith(surveys_.CreateSurvey(RequestContextOf(context), *request),
                   response);
}

grpc::Status FeedbackServiceImpl::GetSurvey(grpc::ServerContext* context,
                                            const v1::GetSurveyRequest* request,
                                            v1::Survey* response) {
  return ReplyWith(surveys_.GetSurvey(RequestContextOf(context), *request),
                   response);
}

grpc::Status FeedbackServiceImpl::UpdateSurvey(
    grpc::ServerContext* context, const v1::UpdateSurveyRequest* request,
    v1::Survey* response) {
  return ReplyWith(surveys_.UpdateSurvey(RequestContextOf(context), *request),
                   response);
}

grpc::Status FeedbackServiceImpl::SubmitSurveyResponse(
    grpc::ServerContext* context,
    const v1::SubmitSurveyResponseRequest* request,
    v1::SurveyResponse* response) {
  return ReplyWith(
      surveys_.SubmitSurveyResponse(RequestContextOf(context), *request),
      response);
}

grpc::Status FeedbackServiceImpl::GetSurveyScores(
    grpc::ServerContext* context, const v1::GetSurveyScoresRequest* request,
    v1::SurveyScores* response) {
  return ReplyWith(
      surveys_.GetSurveyScores(RequestContextOf(context), *request), response);
}

}  // namespace crm::feedback
