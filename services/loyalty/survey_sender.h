// The seam through which journeys send surveys: feedback's
// CreateSurveyInvitation (GrpcSurveySender, grpc_survey_sender.h; an
// in-memory fake for tests in tests/testing/fakes/loyalty/).
//
//   absl::StatusOr<std::string> invitation =
//       sender.SendInvitation(request, clock.Now() + absl::Seconds(5));
//   absl::Status known = sender.CheckSurvey("surveys/csat", deadline);
#pragma once

#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "crm/loyalty/v1/campaign.pb.h"

namespace crm::loyalty {

// One invitation to create.
struct SurveyInvitationRequest {
  std::string survey;       // `surveys/{survey}`.
  std::string customer_id;  // The member invited.
  // What it is sent for: `customers/{c}/orders/{o}` of that member or
  // `tickets/{t}`.
  std::string subject;
  // EMAIL or SMS.
  v1::Campaign::MarketingChannel channel = v1::Campaign::EMAIL;
  // Idempotency key: the same key always yields the same invitation.
  std::string request_id;
};

class SurveySender {
 public:
  SurveySender(const SurveySender&) = delete;
  SurveySender& operator=(const SurveySender&) = delete;
  virtual ~SurveySender() = default;

  // Creates the invitation, or returns the one created before under the
  // same `request_id`; its name, `surveys/{survey}/invitations/{id}`.
  // The call ends by `deadline`. Errors as feedback answers them (with
  // their ErrorInfo): NOT_FOUND for an unknown survey; FAILED_PRECONDITION
  // with reason CONSENT_REQUIRED when the member has not consented to the
  // channel; ALREADY_EXISTS with metadata `resource` (the existing
  // invitation) when the survey was already sent for the subject;
  // INVALID_ARGUMENT for a request feedback refuses for good; anything else
  // (UNAVAILABLE, DEADLINE_EXCEEDED, ...) may pass on a retry.
  virtual absl::StatusOr<std::string> SendInvitation(
      const SurveyInvitationRequest& request, absl::Time deadline) = 0;

  // OK when feedback has `survey` (`surveys/{survey}`); NOT_FOUND when it
  // has not; anything else (UNAVAILABLE, DEADLINE_EXCEEDED, ...) when it
  // could not say. The call ends by `deadline`.
  virtual absl::Status CheckSurvey(const std::string& survey,
                                   absl::Time deadline) = 0;

 protected:
  SurveySender() = default;
};

}  // namespace crm::loyalty
