// The gRPC face of feedback (crm.feedback.v1): each RPC hands the request and
// the call's deadline to FeedbackManager (feedback_manager.h) or
// SurveyManager (survey_manager.h) and maps the result to a gRPC status with
// its error details. Nothing else happens here.
//
//   FeedbackServiceImpl service(feedback_manager, survey_manager);
//   builder.RegisterService(&service);
#pragma once

#include <grpcpp/grpcpp.h>

#include "crm/feedback/v1/feedback_service.grpc.pb.h"
#include "services/feedback/feedback_manager.h"
#include "services/feedback/survey_manager.h"

namespace crm::feedback {

class FeedbackServiceImpl final : public v1::FeedbackService::Service {
 public:
  // The managers must outlive the service.
  FeedbackServiceImpl(FeedbackManager& manager, SurveyManager& surveys)
      : manager_(manager), surveys_(surveys) {}

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
  grpc::Status GetSurveyScores(grpc::ServerContext* context,
                               const v1::GetSurveyScoresRequest* request,
                               v1::SurveyScores* response) override;

 private:
  FeedbackManager& manager_;
  SurveyManager& surveys_;
};

}  // namespace crm::feedback
