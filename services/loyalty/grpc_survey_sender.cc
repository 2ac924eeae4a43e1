#include "services/loyalty/grpc_survey_sender.h"

#include <string>

#include <grpcpp/grpcpp.h>

#include "absl/strings/str_cat.h"
#include "services/common/grpc_status.h"

namespace crm::loyalty {

namespace fb = ::crm::feedback::v1;

absl::StatusOr<std::string> GrpcSurveySender::SendInvitation(
    const SurveyInvitationRequest& request, absl::Time deadline) {
  fb::CreateSurveyInvitationRequest call;
  call.set_parent(request.survey);
  call.set_request_id(request.request_id);
  fb::SurveyInvitation* invitation = call.mutable_invitation();
  invitation->set_customer(absl::StrCat("customers/", request.customer_id));
  invitation->set_subject(request.subject);
  invitation->set_channel(request.channel == v1::Campaign::SMS
                              ? fb::SurveyInvitation::SMS
                              : fb::SurveyInvitation::EMAIL);
  grpc::ClientContext context;
  context.set_deadline(absl::ToChronoTime(deadline));
  fb::SurveyInvitation created;
  grpc::Status status = stub_->CreateSurveyInvitation(&context, call, &created);
  if (!status.ok()) return crm::common::FromGrpcStatus(status);
  return created.name();
}

absl::Status GrpcSurveySender::CheckSurvey(const std::string& survey,
                                           absl::Time deadline) {
  fb::GetSurveyRequest call;
  call.set_name(survey);
  grpc::ClientContext context;
  context.set_deadline(absl::ToChronoTime(deadline));
  // A journey is created interactively, often just after feedback (re)starts
  // while the channel is still backing off from a refused connection: wait
  // for it within the deadline instead of failing at once.
  context.set_wait_for_ready(true);
  fb::Survey found;
  return crm::common::FromGrpcStatus(stub_->GetSurvey(&context, call, &found));
}

}  // namespace crm::loyalty
