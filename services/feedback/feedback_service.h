// The gRPC face of feedback (crm.feedback.v1): converts requests, applies
// the rules of feedback_validation.h, calls the repository, and maps
// absl::Status to gRPC status. No SQL here.
//
//   auto service = std::make_unique<FeedbackServiceImpl>(
//       std::make_unique<MySqlFeedbackRepository>(pool, clock, ids));
//   builder.RegisterService(service.get());
#pragma once

#include <memory>

#include <grpcpp/grpcpp.h>

#include "absl/status/statusor.h"
#include "crm/feedback/v1/feedback_service.grpc.pb.h"
#include "services/feedback/feedback_repository.h"

namespace crm::feedback {

class FeedbackServiceImpl final : public v1::FeedbackService::Service {
 public:
  explicit FeedbackServiceImpl(std::unique_ptr<FeedbackRepository> repository);

  grpc::Status SubmitFeedback(grpc::ServerContext* context,
                              const v1::SubmitFeedbackRequest* request,
                              v1::Feedback* response) override;
  grpc::Status ListFeedback(grpc::ServerContext* context,
                            const v1::ListFeedbackRequest* request,
                            v1::ListFeedbackResponse* response) override;

  // The same operations without gRPC, for in-process callers and tests.
  absl::StatusOr<v1::Feedback> Submit(const v1::SubmitFeedbackRequest& request);
  absl::StatusOr<v1::ListFeedbackResponse> List(
      const v1::ListFeedbackRequest& request);

 private:
  std::unique_ptr<FeedbackRepository> repository_;
};

}  // namespace crm::feedback
