// SurveySender (survey_sender.h) over feedback's gRPC API:
// FeedbackService.CreateSurveyInvitation and GetSurvey with the deadline
// given.
//
//   GrpcSurveySender sender(FeedbackService::NewStub(channel));
#pragma once

#include <memory>
#include <string>

#include "crm/feedback/v1/feedback_service.grpc.pb.h"
#include "services/loyalty/survey_sender.h"

namespace crm::loyalty {

class GrpcSurveySender final : public SurveySender {
 public:
  explicit GrpcSurveySender(
      std::unique_ptr<::crm::feedback::v1::FeedbackService::StubInterface> stub)
      : stub_(std::move(stub)) {}

  absl::StatusOr<std::string> SendInvitation(
      const SurveyInvitationRequest& request, absl::Time deadline) override;
  absl::Status CheckSurvey(const std::string& survey,
                           absl::Time deadline) override;

 private:
  const std::unique_ptr<::crm::feedback::v1::FeedbackService::StubInterface>
      stub_;
};

}  // namespace crm::loyalty
