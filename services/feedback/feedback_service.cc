#include "services/feedback/feedback_service.h"

#include "services/common/grpc_reply.h"
#include "services/common/grpc_request_context.h"
#include "services/common/grpc_status.h"

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

grpc::Status FeedbackServiceImpl::ListSurveys(
    grpc::ServerContext* context, const v1::ListSurveysRequest* request,
    v1::ListSurveysResponse* response) {
  return ReplyWith(surveys_.ListSurveys(RequestContextOf(context), *request),
                   response);
}

grpc::Status FeedbackServiceImpl::ListSurveyResponses(
    grpc::ServerContext* context, const v1::ListSurveyResponsesRequest* request,
    v1::ListSurveyResponsesResponse* response) {
  return ReplyWith(
      surveys_.ListSurveyResponses(RequestContextOf(context), *request),
      response);
}

grpc::Status FeedbackServiceImpl::GetSurveyScores(
    grpc::ServerContext* context, const v1::GetSurveyScoresRequest* request,
    v1::SurveyScores* response) {
  return ReplyWith(
      surveys_.GetSurveyScores(RequestContextOf(context), *request), response);
}

grpc::Status FeedbackServiceImpl::CreateSurveyInvitation(
    grpc::ServerContext* context,
    const v1::CreateSurveyInvitationRequest* request,
    v1::SurveyInvitation* response) {
  return ReplyWith(
      surveys_.CreateSurveyInvitation(RequestContextOf(context), *request),
      response);
}

grpc::Status FeedbackServiceImpl::ListSurveyInvitations(
    grpc::ServerContext* context,
    const v1::ListSurveyInvitationsRequest* request,
    v1::ListSurveyInvitationsResponse* response) {
  return ReplyWith(
      surveys_.ListSurveyInvitations(RequestContextOf(context), *request),
      response);
}

grpc::Status FeedbackServiceImpl::CreateTicket(
    grpc::ServerContext* context, const v1::CreateTicketRequest* request,
    v1::Ticket* response) {
  return ReplyWith(tickets_.CreateTicket(RequestContextOf(context), *request),
                   response);
}

grpc::Status FeedbackServiceImpl::GetTicket(grpc::ServerContext* context,
                                            const v1::GetTicketRequest* request,
                                            v1::Ticket* response) {
  return ReplyWith(tickets_.GetTicket(RequestContextOf(context), *request),
                   response);
}

grpc::Status FeedbackServiceImpl::ListTickets(
    grpc::ServerContext* context, const v1::ListTicketsRequest* request,
    v1::ListTicketsResponse* response) {
  return ReplyWith(tickets_.ListTickets(RequestContextOf(context), *request),
                   response);
}

grpc::Status FeedbackServiceImpl::UpdateTicket(
    grpc::ServerContext* context, const v1::UpdateTicketRequest* request,
    v1::Ticket* response) {
  return ReplyWith(tickets_.UpdateTicket(RequestContextOf(context), *request),
                   response);
}

grpc::Status FeedbackServiceImpl::TransitionTicket(
    grpc::ServerContext* context, const v1::TransitionTicketRequest* request,
    v1::Ticket* response) {
  return ReplyWith(
      tickets_.TransitionTicket(RequestContextOf(context), *request), response);
}

grpc::Status FeedbackServiceImpl::AssignTicket(
    grpc::ServerContext* context, const v1::AssignTicketRequest* request,
    v1::Ticket* response) {
  return ReplyWith(tickets_.AssignTicket(RequestContextOf(context), *request),
                   response);
}

grpc::Status FeedbackServiceImpl::AddTicketComment(
    grpc::ServerContext* context, const v1::AddTicketCommentRequest* request,
    v1::TicketEvent* response) {
  return ReplyWith(
      tickets_.AddTicketComment(RequestContextOf(context), *request), response);
}

grpc::Status FeedbackServiceImpl::ListTicketEvents(
    grpc::ServerContext* context, const v1::ListTicketEventsRequest* request,
    v1::ListTicketEventsResponse* response) {
  return ReplyWith(
      tickets_.ListTicketEvents(RequestContextOf(context), *request), response);
}

grpc::Status FeedbackServiceImpl::ListAlerts(
    grpc::ServerContext* context, const v1::ListAlertsRequest* request,
    v1::ListAlertsResponse* response) {
  return ReplyWith(alerts_.ListAlerts(RequestContextOf(context), *request),
                   response);
}

grpc::Status FeedbackServiceImpl::AcknowledgeAlert(
    grpc::ServerContext* context, const v1::AcknowledgeAlertRequest* request,
    v1::Alert* response) {
  return ReplyWith(
      alerts_.AcknowledgeAlert(RequestContextOf(context), *request), response);
}

grpc::Status FeedbackServiceImpl::WatchAlerts(
    grpc::ServerContext* context, const v1::WatchAlertsRequest* request,
    grpc::ServerWriter<v1::Alert>* writer) {
  return crm::common::ToGrpcStatus(alerts_.WatchAlerts(
      RequestContextOf(context), *request,
      [writer](const v1::Alert& alert) { return writer->Write(alert); }));
}

grpc::Status FeedbackServiceImpl::ExportCustomerFeedback(
    grpc::ServerContext* context,
    const v1::ExportCustomerFeedbackRequest* request,
    v1::CustomerFeedbackExport* response) {
  return ReplyWith(exporter_.Export(RequestContextOf(context), *request),
                   response);
}

grpc::Status FeedbackServiceImpl::SummarizeCustomerFeedback(
    grpc::ServerContext* context,
    const v1::SummarizeCustomerFeedbackRequest* request,
    v1::CustomerFeedbackSummary* response) {
  return ReplyWith(summarizer_.SummarizeCustomerFeedback(
                       RequestContextOf(context), *request),
                   response);
}

grpc::Status FeedbackServiceImpl::WatchChanges(
    grpc::ServerContext* context, const v1::WatchChangesRequest* request,
    grpc::ServerWriter<v1::ChangeEvent>* writer) {
  if (feed_ == nullptr) {
    return grpc::Status(grpc::StatusCode::UNIMPLEMENTED, "no change feed");
  }
  return crm::common::ToGrpcStatus(feed_->Watch(
      RequestContextOf(context), *request,
      [writer](const v1::ChangeEvent& event) { return writer->Write(event); }));
}

}  // namespace crm::feedback
