// The gRPC face of feedback (crm.feedback.v1): each RPC hands the request and
// the call's deadline to FeedbackManager (feedback_manager.h), SurveyManager
// (survey_manager.h), TicketManager (ticket_manager.h), AlertManager
// (alert_manager.h), CustomerFeedbackExporter (customer_feedback_export.h)
// or ChangeFeedStreamer (change_feed_streamer.h) and maps the result to a gRPC
// status with its error details. Nothing else happens here.
//
//   FeedbackServiceImpl service(feedback_manager, survey_manager,
//                               ticket_manager, alert_manager, exporter,
//                               &feed_streamer);
//   builder.RegisterService(&service);
#pragma once

#include <grpcpp/grpcpp.h>

#include "crm/feedback/v1/feedback_service.grpc.pb.h"
#include "services/feedback/alert_manager.h"
#include "services/feedback/change_feed_streamer.h"
#include "services/feedback/customer_feedback_export.h"
#include "services/feedback/customer_feedback_summary.h"
#include "services/feedback/feedback_manager.h"
#include "services/feedback/survey_manager.h"
#include "services/feedback/ticket_manager.h"

namespace crm::feedback {

class FeedbackServiceImpl final : public v1::FeedbackService::Service {
 public:
  // The managers and `feed` must outlive the service; without `feed`
  // WatchChanges is UNIMPLEMENTED.
  FeedbackServiceImpl(FeedbackManager& manager, SurveyManager& surveys,
                      TicketManager& tickets, AlertManager& alerts,
                      CustomerFeedbackExporter& exporter,
                      ChangeFeedStreamer* feed = nullptr)
      : manager_(manager),
        surveys_(surveys),
        tickets_(tickets),
        alerts_(alerts),
        exporter_(exporter),
        feed_(feed) {}

  grpc::Status SubmitFeedback(grpc::ServerContext* context,
                              const v1::SubmitFeedbackRequest* request,
                              v1::Feedback* response) override;
  grpc::Status GetFeedback(grpc::ServerContext* context,
                           const v1::GetFeedbackRequest* request,
                           v1::Feedback* response) override;
  grpc::Status ListFeedback(grpc::ServerContext* context,
                            const v1::ListFeedbackRequest* request,
                            v1::ListFeedbackResponse* response) override;
  grpc::Status CreateSurvey(grpc::ServerContext* context,
                            const v1::CreateSurveyRequest* request,
                            v1::Survey* response) override;
  grpc::Status GetSurvey(grpc::ServerContext* context,
                         const v1::GetSurveyRequest* request,
                         v1::Survey* response) override;
  grpc::Status UpdateSurvey(grpc::ServerContext* context,
                            const v1::UpdateSurveyRequest* request,
                            v1::Survey* response) override;
  grpc::Status SubmitSurveyResponse(
      grpc::ServerContext* context,
      const v1::SubmitSurveyResponseRequest* request,
      v1::SurveyResponse* response) override;
  grpc::Status ListSurveys(grpc::ServerContext* context,
                           const v1::ListSurveysRequest* request,
                           v1::ListSurveysResponse* response) override;
  grpc::Status ListSurveyResponses(
      grpc::ServerContext* context,
      const v1::ListSurveyResponsesRequest* request,
      v1::ListSurveyResponsesResponse* response) override;
  grpc::Status GetSurveyScores(grpc::ServerContext* context,
                               const v1::GetSurveyScoresRequest* request,
                               v1::SurveyScores* response) override;
  grpc::Status CreateSurveyInvitation(
      grpc::ServerContext* context,
      const v1::CreateSurveyInvitationRequest* request,
      v1::SurveyInvitation* response) override;
  grpc::Status ListSurveyInvitations(
      grpc::ServerContext* context,
      const v1::ListSurveyInvitationsRequest* request,
      v1::ListSurveyInvitationsResponse* response) override;
  grpc::Status CreateTicket(grpc::ServerContext* context,
                            const v1::CreateTicketRequest* request,
                            v1::Ticket* response) override;
  grpc::Status GetTicket(grpc::ServerContext* context,
                         const v1::GetTicketRequest* request,
                         v1::Ticket* response) override;
  grpc::Status ListTickets(grpc::ServerContext* context,
                           const v1::ListTicketsRequest* request,
                           v1::ListTicketsResponse* response) override;
  grpc::Status UpdateTicket(grpc::ServerContext* context,
                            const v1::UpdateTicketRequest* request,
                            v1::Ticket* response) override;
  grpc::Status TransitionTicket(grpc::ServerContext* context,
                                const v1::TransitionTicketRequest* request,
                                v1::Ticket* response) override;
  grpc::Status AssignTicket(grpc::ServerContext* context,
                            const v1::AssignTicketRequest* request,
                            v1::Ticket* response) override;
  grpc::Status AddTicketComment(grpc::ServerContext* context,
                                const v1::AddTicketCommentRequest* request,
                                v1::TicketEvent* response) override;
  grpc::Status ListTicketEvents(
      grpc::ServerContext* context, const v1::ListTicketEventsRequest* request,
      v1::ListTicketEventsResponse* response) override;
  grpc::Status ListAlerts(grpc::ServerContext* context,
                          const v1::ListAlertsRequest* request,
                          v1::ListAlertsResponse* response) override;
  grpc::Status AcknowledgeAlert(grpc::ServerContext* context,
                                const v1::AcknowledgeAlertRequest* request,
                                v1::Alert* response) override;
  grpc::Status WatchAlerts(grpc::ServerContext* context,
                           const v1::WatchAlertsRequest* request,
                           grpc::ServerWriter<v1::Alert>* writer) override;
  grpc::Status ExportCustomerFeedback(
      grpc::ServerContext* context,
      const v1::ExportCustomerFeedbackRequest* request,
      v1::CustomerFeedbackExport* response) override;
  grpc::Status SummarizeCustomerFeedback(
      grpc::ServerContext* context,
      const v1::SummarizeCustomerFeedbackRequest* request,
      v1::CustomerFeedbackSummary* response) override;
  grpc::Status WatchChanges(
      grpc::ServerContext* context, const v1::WatchChangesRequest* request,
      grpc::ServerWriter<v1::ChangeEvent>* writer) override;

 private:
  FeedbackManager& manager_;
  SurveyManager& surveys_;
  TicketManager& tickets_;
  AlertManager& alerts_;
  CustomerFeedbackExporter& exporter_;
  ChangeFeedStreamer* const feed_;
  CustomerFeedbackSummarizer summarizer_{manager_, tickets_, surveys_, alerts_};
};

}  // namespace crm::feedback
