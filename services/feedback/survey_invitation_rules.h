// The rules of survey invitations, as pure functions: the input checked and
// normalised, the one mapping of invitation channel to the consent it needs,
// and the names.
//
// | channel | needs (GRANTED, customer-profile's Consent.Purpose)     |
// |---------|---------------------------------------------------------|
// | EMAIL   | EMAIL_MARKETING                                         |
// | SMS     | SMS_MARKETING                                           |
//
// An invitation asks the customer for something they did not ask for, so it
// is treated as marketing contact on its channel. Default deny: a purpose
// without a known answer (no feed event carried it), DENIED and REVOKED all
// refuse. Recording a response the customer sent needs no consent.
//
//   CRM_ASSIGN_OR_RETURN(NewSurveyInvitation invitation,
//                        NormalizeSurveyInvitation(request.invitation()));
//   CRM_RETURN_IF_ERROR(CheckInvitationConsent(invitation, answers));
#pragma once

#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "crm/customerprofile/v1/customer.pb.h"
#include "crm/feedback/v1/survey.pb.h"
#include "services/consents/consent_repository.h"

namespace crm::feedback {

inline constexpr char kInvitationsCollection[] = "invitations";

// An invitation checked and normalised, names reduced to ids.
struct NewSurveyInvitation {
  std::string customer_id;
  std::string subject;  // Order or ticket name.
  v1::SurveyInvitation::Channel channel =
      v1::SurveyInvitation::CHANNEL_UNSPECIFIED;
};

// Checks `input` (output-only fields are ignored): `customer` is
// `customers/{customer}`; `subject` is `customers/{c}/orders/{o}` of that
// same customer or `tickets/{t}` (CheckSurveySubject); `channel` is EMAIL or
// SMS. INVALID_ARGUMENT naming the field ("invitation.subject", ...) with
// reason FIELD_REQUIRED (unset, or only whitespace) or FIELD_INVALID.
absl::StatusOr<NewSurveyInvitation> NormalizeSurveyInvitation(
    const v1::SurveyInvitation& input);

// The consent purpose an invitation on `channel` needs (table above);
// PURPOSE_UNSPECIFIED for an unknown channel (which nothing grants).
::crm::customerprofile::v1::Consent::Purpose InvitationConsentPurpose(
    v1::SurveyInvitation::Channel channel);

// OK when `answers` grant the purpose `channel` needs; otherwise
// FAILED_PRECONDITION with reason CONSENT_REQUIRED and metadata `customer`
// (the customer's name), `purpose` and `channel`.
absl::Status CheckInvitationConsent(
    const NewSurveyInvitation& invitation,
    const std::vector<crm::consents::ConsentAnswer>& answers);

// `surveys/{survey_id}/invitations/{id}`.
std::string SurveyInvitationName(absl::string_view survey_id,
                                 absl::string_view id);

// The ids of `surveys/{survey}/invitations/{invitation}`; INVALID_ARGUMENT
// (FIELD_INVALID) naming `field` for another form.
struct SurveyInvitationId {
  std::string survey_id;
  std::string id;
};
absl::StatusOr<SurveyInvitationId> SurveyInvitationIdOf(
    absl::string_view name, absl::string_view field);

}  // namespace crm::feedback
