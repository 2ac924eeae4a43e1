// The gRPC face of feedback (crm.feedback.v1): each RPC hands the request and
// the call's deadline to FeedbackManager (feedback_manager.h) and maps the
// result to a gRPC status with its error details. Nothing else happens here.
//
//   FeedbackServiceImpl service(manager);
//   builder.RegisterService(&service);
#pragma once

#include <grpcpp/grpcpp.h>

#include "crm/feedback/v1/feedback_service.grpc.pb.h"
#include "services/feedback/feedback_manager.h"

namespace crm::feedback {

class FeedbackServiceImpl final : public v1::FeedbackService::Service {
 public:
  // `manager` must outlive the service.
  explicit FeedbackServiceImpl(FeedbackManager& manager) : manager_(manager) {}

  grpc::Status SubmitFeedback(grpc::ServerContext* context,
                              const v1::SubmitFeedbackRequest* request,
                              v1::Feedback* response) override;
  grpc::Status ListFeedback(grpc::ServerContext* context,
                            const v1::ListFeedbackRequest* request,
                            v1::ListFeedbackResponse* response) override;

 private:
  FeedbackManager& manager_;
};

}  // namespace crm::feedback
