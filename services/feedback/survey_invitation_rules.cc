#include "services/feedback/survey_invitation_rules.h"

#include <algorithm>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "crm/type/v1/error_reason.pb.h"
#include "services/common/error_details.h"
#include "services/common/resource_name.h"
#include "services/common/status_macros.h"
#include "services/feedback/feedback_validation.h"
#include "services/feedback/survey_rules.h"

namespace crm::feedback {

namespace cp = ::crm::customerprofile::v1;
using ::crm::common::InvalidFieldError;
using ::crm::common::RequiredFieldError;
using ::crm::consents::ConsentAnswer;

absl::StatusOr<NewSurveyInvitation> NormalizeSurveyInvitation(
    const v1::SurveyInvitation& input) {
  NewSurveyInvitation invitation;
  const absl::string_view customer =
      absl::StripAsciiWhitespace(input.customer());
  if (customer.empty()) return RequiredFieldError("invitation.customer");
  CRM_ASSIGN_OR_RETURN(invitation.customer_id,
                       CustomerIdOf(customer, "invitation.customer"));

  invitation.subject = std::string(absl::StripAsciiWhitespace(input.subject()));
  if (invitation.subject.empty()) {
    return RequiredFieldError("invitation.subject");
  }
  CRM_RETURN_IF_ERROR(
      CheckSurveySubject(invitation.subject, "invitation.subject"));
  if (absl::StartsWith(invitation.subject,
                       absl::StrCat(kCustomersCollection, "/")) &&
      !absl::StartsWith(invitation.subject,
                        absl::StrCat(CustomerName(invitation.customer_id), "/",
                                     kOrdersCollection, "/"))) {
    return InvalidFieldError("invitation.subject",
                             "an order must be of the invited customer");
  }

  switch (input.channel()) {
    case v1::SurveyInvitation::EMAIL:
    case v1::SurveyInvitation::SMS:
      invitation.channel = input.channel();
      break;
    case v1::SurveyInvitation::CHANNEL_UNSPECIFIED:
      return RequiredFieldError("invitation.channel");
    default:
      return InvalidFieldError("invitation.channel", "must be EMAIL or SMS");
  }
  return invitation;
}

cp::Consent::Purpose InvitationConsentPurpose(
    v1::SurveyInvitation::Channel channel) {
  switch (channel) {
    case v1::SurveyInvitation::EMAIL:
      return cp::Consent::EMAIL_MARKETING;
    case v1::SurveyInvitation::SMS:
      return cp::Consent::SMS_MARKETING;
    default:
      return cp::Consent::PURPOSE_UNSPECIFIED;
  }
}

absl::Status CheckInvitationConsent(const NewSurveyInvitation& invitation,
                                    const std::vector<ConsentAnswer>& answers) {
  const cp::Consent::Purpose purpose =
      InvitationConsentPurpose(invitation.channel);
  const bool granted =
      purpose != cp::Consent::PURPOSE_UNSPECIFIED &&
      std::any_of(answers.begin(), answers.end(),
                  [&](const ConsentAnswer& answer) {
                    return answer.purpose == purpose &&
                           answer.status == cp::Consent::GRANTED;
                  });
  if (granted) return absl::OkStatus();
  const std::string purpose_name = cp::Consent::Purpose_Name(purpose);
  const std::string channel_name =
      v1::SurveyInvitation::Channel_Name(invitation.channel);
  return crm::common::ErrorWithReason(
      absl::FailedPreconditionError(absl::StrCat(
          "invitation.channel: the customer has not granted the ", purpose_name,
          " consent an invitation by ", channel_name, " needs")),
      ::crm::type::v1::CONSENT_REQUIRED,
      {{"customer", CustomerName(invitation.customer_id)},
       {"purpose", purpose_name},
       {"channel", channel_name}});
}

std::string SurveyInvitationName(absl::string_view survey_id,
                                 absl::string_view id) {
  return absl::StrCat(SurveyName(survey_id), "/", kInvitationsCollection, "/",
                      id);
}

absl::StatusOr<SurveyInvitationId> SurveyInvitationIdOf(
    absl::string_view name, absl::string_view field) {
  std::vector<absl::string_view> parts = absl::StrSplit(name, '/');
  if (parts.size() != 4 || parts[0] != kSurveysCollection ||
      parts[2] != kInvitationsCollection ||
      !crm::common::ValidateResourceId(parts[1], field).ok() ||
      !crm::common::ValidateResourceId(parts[3], field).ok()) {
    return InvalidFieldError(
        field, "must be surveys/{survey}/invitations/{invitation}");
  }
  return SurveyInvitationId{std::string(parts[1]), std::string(parts[3])};
}

}  // namespace crm::feedback
