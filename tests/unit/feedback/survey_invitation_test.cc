// Survey invitations and scores by value tier without a database: the
// invitation rules (input, the channel-to-consent mapping, default deny),
// the survey manager over the in-memory fakes (one invitation per survey and
// order or ticket, consent refusals, a response answering its invitation
// once, the value tier stored at answer time and the scores grouped and
// filtered by it), and the profile feed keeping consents, moving invitations
// on a merge and deleting them on an erasure.
#include <optional>
#include <string>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "absl/time/time.h"
#include "crm/customerprofile/v1/change_event.pb.h"
#include "crm/type/v1/error_reason.pb.h"
#include "services/common/clock.h"
#include "services/common/error_details.h"
#include "services/common/id_generator.h"
#include "services/common/request_context.h"
#include "services/common/timestamps.h"
#include "services/feedback/customer_profile_events.h"
#include "services/feedback/survey_invitation_rules.h"
#include "services/feedback/survey_manager.h"
#include "tests/testing/fakes/consents/in_memory_consent_repository.h"
#include "tests/testing/fakes/fake_unit_of_work.h"
#include "tests/testing/fakes/feedback/fake_value_tiers.h"
#include "tests/testing/fakes/feedback/in_memory_feedback_repository.h"
#include "tests/testing/fakes/feedback/in_memory_survey_invitation_repository.h"
#include "tests/testing/fakes/feedback/in_memory_survey_repository.h"
#include "tests/testing/fakes/feedback/in_memory_ticket_repository.h"
#include "tests/testing/fakes/in_memory_idempotency_repository.h"
#include "tests/testing/status_matchers.h"

namespace crm::feedback {
namespace {

using ::crm::common::ErrorMetadataOf;
using ::crm::common::ReasonOf;
using ::crm::testing::IsOk;
using ::crm::testing::StatusIs;
namespace cp = ::crm::customerprofile::v1;
namespace reason = ::crm::type::v1;
using Invitation = v1::SurveyInvitation;
using Response = v1::SurveyResponse;

v1::SurveyInvitation InvitationOf(const std::string& customer,
                                  const std::string& subject,
                                  Invitation::Channel channel) {
  v1::SurveyInvitation invitation;
  invitation.set_customer(customer);
  invitation.set_subject(subject);
  invitation.set_channel(channel);
  return invitation;
}

TEST(SurveyInvitationRules, InputIsCheckedAndNormalised) {
  CRM_ASSERT_OK_AND_ASSIGN(
      NewSurveyInvitation ok,
      NormalizeSurveyInvitation(InvitationOf(
          " customers/c1 ", "customers/c1/orders/o1", Invitation::EMAIL)));
  EXPECT_EQ(ok.customer_id, "c1");
  EXPECT_EQ(ok.subject, "customers/c1/orders/o1");
  CRM_EXPECT_OK(NormalizeSurveyInvitation(
                    InvitationOf("customers/c1", "tickets/t1", Invitation::SMS))
                    .status());

  struct Case {
    v1::SurveyInvitation input;
    const char* field;
    reason::ErrorReason reason;
  };
  const Case cases[] = {
      {InvitationOf("", "tickets/t1", Invitation::SMS), "invitation.customer",
       reason::FIELD_REQUIRED},
      {InvitationOf("c1", "tickets/t1", Invitation::SMS), "invitation.customer",
       reason::FIELD_INVALID},
      {InvitationOf("customers/c1", " ", Invitation::SMS), "invitation.subject",
       reason::FIELD_REQUIRED},
      {InvitationOf("customers/c1", "orders/o1", Invitation::SMS),
       "invitation.subject", reason::FIELD_INVALID},
      // An order of another customer.
      {InvitationOf("customers/c1", "customers/c2/orders/o1", Invitation::SMS),
       "invitation.subject", reason::FIELD_INVALID},
      {InvitationOf("customers/c1", "tickets/t1",
                    Invitation::CHANNEL_UNSPECIFIED),
       "invitation.channel", reason::FIELD_REQUIRED},
      {InvitationOf("customers/c1", "tickets/t1",
                    static_cast<Invitation::Channel>(9)),
       "invitation.channel", reason::FIELD_INVALID},
  };
  for (const Case& c : cases) {
    absl::StatusOr<NewSurveyInvitation> result =
        NormalizeSurveyInvitation(c.input);
    EXPECT_THAT(result, StatusIs(absl::StatusCode::kInvalidArgument))
        << c.field;
    EXPECT_EQ(ErrorMetadataOf(result.status())["field"], c.field);
    EXPECT_EQ(ReasonOf(result.status()), c.reason) << c.field;
  }
}

TEST(SurveyInvitationRules, EachChannelNeedsItsOwnConsentGranted) {
  EXPECT_EQ(InvitationConsentPurpose(Invitation::EMAIL),
            cp::Consent::EMAIL_MARKETING);
  EXPECT_EQ(InvitationConsentPurpose(Invitation::SMS),
            cp::Consent::SMS_MARKETING);
  NewSurveyInvitation email{"c1", "tickets/t1", Invitation::EMAIL};
  NewSurveyInvitation sms{"c1", "tickets/t1", Invitation::SMS};
  const std::vector<crm::consents::ConsentAnswer> email_only = {
      {cp::Consent::EMAIL_MARKETING, cp::Consent::GRANTED, std::nullopt},
      {cp::Consent::SMS_MARKETING, cp::Consent::REVOKED, std::nullopt}};
  CRM_EXPECT_OK(CheckInvitationConsent(email, email_only));
  const absl::Status refused = CheckInvitationConsent(sms, email_only);
  EXPECT_THAT(refused, StatusIs(absl::StatusCode::kFailedPrecondition));
  EXPECT_EQ(ReasonOf(refused), reason::CONSENT_REQUIRED);
  EXPECT_EQ(ErrorMetadataOf(refused)["purpose"], "SMS_MARKETING");
  EXPECT_EQ(ErrorMetadataOf(refused)["customer"], "customers/c1");
  // Unknown, denied and other purposes all refuse.
  EXPECT_EQ(ReasonOf(CheckInvitationConsent(email, {})),
            reason::CONSENT_REQUIRED);
  EXPECT_EQ(ReasonOf(CheckInvitationConsent(
                email, {{cp::Consent::EMAIL_MARKETING, cp::Consent::DENIED,
                         std::nullopt}})),
            reason::CONSENT_REQUIRED);
  EXPECT_EQ(ReasonOf(CheckInvitationConsent(
                email, {{cp::Consent::DATA_PROCESSING, cp::Consent::GRANTED,
                         std::nullopt}})),
            reason::CONSENT_REQUIRED);
}

TEST(SurveyInvitationRules, NamesRoundTrip) {
  EXPECT_EQ(SurveyInvitationName("s1", "i1"), "surveys/s1/invitations/i1");
  CRM_ASSERT_OK_AND_ASSIGN(
      SurveyInvitationId id,
      SurveyInvitationIdOf("surveys/s1/invitations/i1", "f"));
  EXPECT_EQ(id.survey_id, "s1");
  EXPECT_EQ(id.id, "i1");
  EXPECT_THAT(SurveyInvitationIdOf("surveys/s1/responses/i1", "f"),
              StatusIs(absl::StatusCode::kInvalidArgument));
}

class SurveyInvitationManagerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    v1::CreateSurveyRequest request;
    v1::SurveyQuestion* nps = request.mutable_survey()->add_questions();
    nps->set_id("nps");
    nps->set_text("Recommend us?");
    nps->set_kind(v1::SurveyQuestion::NPS);
    request.mutable_survey()->set_title("After your order");
    CRM_ASSERT_OK_AND_ASSIGN(survey_, manager_.CreateSurvey(context_, request));
    consents_.Answer("c1", cp::Consent::EMAIL_MARKETING, cp::Consent::GRANTED);
  }

  absl::StatusOr<v1::SurveyInvitation> Invite(
      const std::string& customer, const std::string& subject,
      Invitation::Channel channel = Invitation::EMAIL,
      const std::string& request_id = "") {
    v1::CreateSurveyInvitationRequest request;
    request.set_parent(survey_.name());
    *request.mutable_invitation() = InvitationOf(customer, subject, channel);
    request.set_request_id(request_id);
    return manager_.CreateSurveyInvitation(context_, request);
  }

  absl::StatusOr<v1::SurveyResponse> Answer(
      const std::string& customer, int nps, const std::string& invitation = "",
      const std::string& channel = "email") {
    v1::SubmitSurveyResponseRequest request;
    request.set_parent(survey_.name());
    request.mutable_response()->set_customer(customer);
    request.mutable_response()->set_channel(channel);
    request.mutable_response()->set_invitation(invitation);
    v1::SurveyAnswer* answer = request.mutable_response()->add_answers();
    answer->set_question_id("nps");
    answer->set_score(nps);
    return manager_.SubmitSurveyResponse(context_, request);
  }

  crm::common::RequestContext context_;
  crm::common::FakeClock clock_{absl::FromUnixSeconds(1772582400)};  // 4 Mar
  crm::common::SequentialIdGenerator ids_{"si"};
  crm::testing::FakeUnitOfWork unit_of_work_{clock_};
  crm::testing::InMemorySurveyRepository surveys_{&unit_of_work_};
  crm::testing::InMemorySurveyInvitationRepository invitations_{&unit_of_work_};
  crm::testing::InMemoryConsentRepository consents_{&unit_of_work_};
  crm::testing::InMemoryIdempotencyRepository keys_{&unit_of_work_};
  crm::testing::FakeValueTiers tiers_;
  SurveyManager manager_{unit_of_work_, surveys_, invitations_, consents_,
                         keys_,         clock_,   ids_,         tiers_};
  v1::Survey survey_;
};

TEST_F(SurveyInvitationManagerTest, OneInvitationPerSurveyAndOrder) {
  CRM_ASSERT_OK_AND_ASSIGN(v1::SurveyInvitation first,
                           Invite("customers/c1", "customers/c1/orders/o1",
                                  Invitation::EMAIL, "inv-1"));
  EXPECT_THAT(first.name(),
              ::testing::StartsWith(survey_.name() + "/invitations/"));
  EXPECT_EQ(first.customer(), "customers/c1");
  EXPECT_EQ(first.state(), Invitation::SENT);
  EXPECT_TRUE(first.response().empty());
  EXPECT_FALSE(first.has_answer_time());

  // The same request again: the first response.
  CRM_ASSERT_OK_AND_ASSIGN(v1::SurveyInvitation repeat,
                           Invite("customers/c1", "customers/c1/orders/o1",
                                  Invitation::EMAIL, "inv-1"));
  EXPECT_EQ(repeat.name(), first.name());
  // Another request for the same order: ALREADY_EXISTS naming the first.
  absl::StatusOr<v1::SurveyInvitation> again = Invite(
      "customers/c1", "customers/c1/orders/o1", Invitation::EMAIL, "inv-2");
  EXPECT_THAT(again, StatusIs(absl::StatusCode::kAlreadyExists));
  EXPECT_EQ(ReasonOf(again.status()), reason::RESOURCE_ALREADY_EXISTS);
  EXPECT_EQ(ErrorMetadataOf(again.status())["resource"], first.name());
  EXPECT_EQ(invitations_.invitations().size(), 1u);

  // Another order, or a ticket, is another invitation.
  CRM_EXPECT_OK(Invite("customers/c1", "customers/c1/orders/o2").status());
  CRM_EXPECT_OK(Invite("customers/c1", "tickets/t1").status());
  EXPECT_EQ(invitations_.invitations().size(), 3u);

  v1::CreateSurveyInvitationRequest unknown;
  unknown.set_parent("surveys/none");
  *unknown.mutable_invitation() =
      InvitationOf("customers/c1", "tickets/t2", Invitation::EMAIL);
  EXPECT_THAT(manager_.CreateSurveyInvitation(context_, unknown),
              StatusIs(absl::StatusCode::kNotFound));
}

TEST_F(SurveyInvitationManagerTest, InvitationsWithoutConsentAreRefused) {
  // c1 granted e-mail only; c2 has no known answers; c3 revoked SMS.
  consents_.Answer("c3", cp::Consent::SMS_MARKETING, cp::Consent::REVOKED);
  const struct {
    const char* customer;
    Invitation::Channel channel;
    const char* purpose;
  } refused[] = {
      {"customers/c1", Invitation::SMS, "SMS_MARKETING"},
      {"customers/c2", Invitation::EMAIL, "EMAIL_MARKETING"},
      {"customers/c3", Invitation::SMS, "SMS_MARKETING"},
  };
  for (const auto& c : refused) {
    absl::StatusOr<v1::SurveyInvitation> result =
        Invite(c.customer, "tickets/t1", c.channel, "r");
    EXPECT_THAT(result, StatusIs(absl::StatusCode::kFailedPrecondition))
        << c.customer;
    EXPECT_EQ(ReasonOf(result.status()), reason::CONSENT_REQUIRED);
    EXPECT_EQ(ErrorMetadataOf(result.status())["purpose"], c.purpose);
  }
  EXPECT_TRUE(invitations_.invitations().empty());

  // Once granted (a later feed event), the same request_id now succeeds: a
  // refusal is not stored as the request's response.
  consents_.Answer("c3", cp::Consent::SMS_MARKETING, cp::Consent::GRANTED);
  CRM_EXPECT_OK(
      Invite("customers/c3", "tickets/t1", Invitation::SMS, "r-3").status());
  EXPECT_EQ(invitations_.invitations().size(), 1u);
}

TEST_F(SurveyInvitationManagerTest, AResponseAnswersItsInvitationOnce) {
  tiers_.Set("c1", ValueTier::kHigh);
  CRM_ASSERT_OK_AND_ASSIGN(v1::SurveyInvitation invitation,
                           Invite("customers/c1", "customers/c1/orders/o1"));
  clock_.Advance(absl::Minutes(5));
  // Customer and subject come from the invitation.
  CRM_ASSERT_OK_AND_ASSIGN(v1::SurveyResponse response,
                           Answer("", 10, invitation.name()));
  EXPECT_EQ(response.customer(), "customers/c1");
  EXPECT_EQ(response.subject(), "customers/c1/orders/o1");
  EXPECT_EQ(response.invitation(), invitation.name());
  EXPECT_EQ(response.value_tier(), Response::HIGH);

  v1::ListSurveyInvitationsRequest list;
  list.set_parent(survey_.name());
  CRM_ASSERT_OK_AND_ASSIGN(v1::ListSurveyInvitationsResponse listed,
                           manager_.ListSurveyInvitations(context_, list));
  ASSERT_EQ(listed.invitations_size(), 1);
  EXPECT_EQ(listed.invitations(0).state(), Invitation::ANSWERED);
  EXPECT_EQ(listed.invitations(0).response(), response.name());
  EXPECT_EQ(
      crm::common::FromProtoTimestamp(listed.invitations(0).answer_time()),
      clock_.Now());

  // A second answer is refused, and nothing is stored.
  absl::StatusOr<v1::SurveyResponse> second =
      Answer("customers/c1", 3, invitation.name());
  EXPECT_THAT(second, StatusIs(absl::StatusCode::kFailedPrecondition));
  EXPECT_EQ(ReasonOf(second.status()), reason::RESOURCE_STATE_CONFLICT);
  EXPECT_EQ(ErrorMetadataOf(second.status())["resource"], invitation.name());
  EXPECT_EQ(surveys_.responses().size(), 1u);
}

TEST_F(SurveyInvitationManagerTest, AResponseMustMatchItsInvitation) {
  CRM_ASSERT_OK_AND_ASSIGN(v1::SurveyInvitation invitation,
                           Invite("customers/c1", "tickets/t1"));
  absl::StatusOr<v1::SurveyResponse> other_customer =
      Answer("customers/c2", 9, invitation.name());
  EXPECT_EQ(ErrorMetadataOf(other_customer.status())["field"],
            "response.customer");
  EXPECT_THAT(Answer("", 9, "surveys/other/invitations/x"),
              StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(Answer("", 9, survey_.name() + "/invitations/none"),
              StatusIs(absl::StatusCode::kNotFound));
  EXPECT_THAT(Answer("", 9, "tickets/t1"),
              StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_TRUE(surveys_.responses().empty());
  // The invitation is still open.
  CRM_EXPECT_OK(Answer("customers/c1", 9, invitation.name()).status());
}

TEST_F(SurveyInvitationManagerTest, ListsFilterByCustomerAndState) {
  consents_.Answer("c2", cp::Consent::SMS_MARKETING, cp::Consent::GRANTED);
  CRM_ASSERT_OK_AND_ASSIGN(v1::SurveyInvitation c1,
                           Invite("customers/c1", "tickets/t1"));
  clock_.Advance(absl::Seconds(1));
  CRM_ASSERT_OK_AND_ASSIGN(
      v1::SurveyInvitation c2,
      Invite("customers/c2", "customers/c2/orders/o9", Invitation::SMS));
  CRM_ASSERT_OK(Answer("", 9, c1.name()).status());

  v1::ListSurveyInvitationsRequest request;
  request.set_parent("surveys/-");
  request.set_page_size(1);
  CRM_ASSERT_OK_AND_ASSIGN(v1::ListSurveyInvitationsResponse page,
                           manager_.ListSurveyInvitations(context_, request));
  ASSERT_EQ(page.invitations_size(), 1);
  EXPECT_EQ(page.invitations(0).name(), c2.name());
  request.set_page_token(page.next_page_token());
  CRM_ASSERT_OK_AND_ASSIGN(page,
                           manager_.ListSurveyInvitations(context_, request));
  ASSERT_EQ(page.invitations_size(), 1);
  EXPECT_EQ(page.invitations(0).name(), c1.name());
  EXPECT_TRUE(page.next_page_token().empty());

  request.clear_page_token();
  request.set_page_size(0);
  request.set_filter("state = SENT");
  CRM_ASSERT_OK_AND_ASSIGN(page,
                           manager_.ListSurveyInvitations(context_, request));
  ASSERT_EQ(page.invitations_size(), 1);
  EXPECT_EQ(page.invitations(0).name(), c2.name());
  request.set_filter("customer = \"customers/c1\" AND channel = EMAIL");
  CRM_ASSERT_OK_AND_ASSIGN(page,
                           manager_.ListSurveyInvitations(context_, request));
  ASSERT_EQ(page.invitations_size(), 1);
  EXPECT_EQ(page.invitations(0).name(), c1.name());

  request.set_filter("customer = \"c1\"");
  absl::StatusOr<v1::ListSurveyInvitationsResponse> bad =
      manager_.ListSurveyInvitations(context_, request);
  EXPECT_EQ(ReasonOf(bad.status()), reason::FILTER_INVALID);
  request.clear_filter();
  request.set_parent("surveys/none");
  EXPECT_THAT(manager_.ListSurveyInvitations(context_, request),
              StatusIs(absl::StatusCode::kNotFound));
}

TEST_F(SurveyInvitationManagerTest, ScoresGroupAndFilterByTierAtAnswerTime) {
  tiers_.Set("high", ValueTier::kHigh);
  tiers_.Set("low", ValueTier::kLow);
  CRM_ASSERT_OK(Answer("customers/high", 10).status());  // Promoter.
  CRM_ASSERT_OK(Answer("customers/high", 9).status());   // Promoter.
  CRM_ASSERT_OK(Answer("customers/low", 2).status());    // Detractor.
  CRM_ASSERT_OK(Answer("", 8).status());                 // Anonymous.
  EXPECT_EQ(tiers_.asked(), 3);  // Anonymous responses ask nobody.
  // Tiers change later; the stored tier is the one at answer time.
  tiers_.Set("low", ValueTier::kHigh);

  v1::GetSurveyScoresRequest request;
  request.set_survey(survey_.name());
  *request.mutable_start_time() = crm::common::ToProtoTimestamp(clock_.Now());
  *request.mutable_end_time() = request.start_time();
  CRM_ASSERT_OK_AND_ASSIGN(v1::SurveyScores scores,
                           manager_.GetSurveyScores(context_, request));
  EXPECT_EQ(scores.total().responses(), 4);
  ASSERT_EQ(scores.by_value_tier_size(), 4);
  EXPECT_EQ(scores.by_value_tier(0).value_tier(), Response::HIGH);
  EXPECT_EQ(scores.by_value_tier(0).scores().responses(), 2);
  EXPECT_DOUBLE_EQ(scores.by_value_tier(0).scores().nps(), 100);
  EXPECT_EQ(scores.by_value_tier(1).value_tier(), Response::MEDIUM);
  EXPECT_EQ(scores.by_value_tier(1).scores().responses(), 0);
  EXPECT_EQ(scores.by_value_tier(2).value_tier(), Response::LOW);
  EXPECT_DOUBLE_EQ(scores.by_value_tier(2).scores().nps(), -100);
  EXPECT_EQ(scores.by_value_tier(3).value_tier(), Response::VALUE_TIER_UNKNOWN);
  EXPECT_EQ(scores.by_value_tier(3).scores().passives(), 1);

  request.set_value_tier(Response::HIGH);
  CRM_ASSERT_OK_AND_ASSIGN(scores, manager_.GetSurveyScores(context_, request));
  EXPECT_EQ(scores.total().responses(), 2);
  EXPECT_DOUBLE_EQ(scores.total().nps(), 100);
  ASSERT_EQ(scores.by_channel_size(), 1);
  EXPECT_EQ(scores.by_channel(0).scores().responses(), 2);
  ASSERT_EQ(scores.by_value_tier_size(), 1);
  EXPECT_EQ(scores.trend(0).scores().responses(), 2);

  request.set_value_tier(static_cast<Response::ValueTier>(42));
  absl::StatusOr<v1::SurveyScores> bad =
      manager_.GetSurveyScores(context_, request);
  EXPECT_EQ(ErrorMetadataOf(bad.status())["field"], "value_tier");
}

// The profile feed: consents kept, invitations moved and erased.
class SurveyInvitationFeedTest : public SurveyInvitationManagerTest {
 protected:
  absl::Status Apply(const cp::ChangeEvent& event) {
    return unit_of_work_.Run(context_, [&](crm::common::Transaction& tx) {
      return ApplyCustomerProfileEvent(stores_, tx, event.SerializeAsString());
    });
  }

  static cp::ChangeEvent Updated(const std::string& customer, int64_t sequence,
                                 cp::Consent::Status email) {
    cp::ChangeEvent event;
    event.set_type(cp::ChangeEvent::CUSTOMER_UPDATED);
    event.set_sequence(sequence);
    event.set_customer_name(customer);
    event.mutable_customer()->set_name(customer);
    event.mutable_customer()->set_state(cp::Customer::ACTIVE);
    cp::Consent* consent = event.mutable_customer()->add_consents();
    consent->set_purpose(cp::Consent::EMAIL_MARKETING);
    consent->set_status(email);
    return event;
  }

  crm::testing::InMemoryFeedbackRepository feedback_{&unit_of_work_};
  crm::testing::InMemoryTicketRepository tickets_{&unit_of_work_};
  CustomerDataStores stores_{feedback_, surveys_,      tickets_,
                             &keys_,    &invitations_, &consents_};
};

TEST_F(SurveyInvitationFeedTest, ConsentsFollowTheFeed) {
  CRM_ASSERT_OK(Apply(Updated("customers/c9", 5, cp::Consent::GRANTED)));
  CRM_EXPECT_OK(Invite("customers/c9", "tickets/t1").status());
  // Revoked by a later event: refused.
  CRM_ASSERT_OK(Apply(Updated("customers/c9", 6, cp::Consent::REVOKED)));
  EXPECT_EQ(ReasonOf(Invite("customers/c9", "tickets/t2").status()),
            reason::CONSENT_REQUIRED);
  // A stale event does not undo the newer answer.
  CRM_ASSERT_OK(Apply(Updated("customers/c9", 4, cp::Consent::GRANTED)));
  EXPECT_EQ(ReasonOf(Invite("customers/c9", "tickets/t2").status()),
            reason::CONSENT_REQUIRED);
}

TEST_F(SurveyInvitationFeedTest, MergeMovesAndErasureDeletesInvitations) {
  consents_.Answer("dup", cp::Consent::EMAIL_MARKETING, cp::Consent::GRANTED);
  CRM_ASSERT_OK_AND_ASSIGN(v1::SurveyInvitation invitation,
                           Invite("customers/dup", "customers/dup/orders/o1",
                                  Invitation::EMAIL, "inv-dup"));
  CRM_ASSERT_OK(Answer("", 9, invitation.name()).status());

  cp::ChangeEvent merged;
  merged.set_type(cp::ChangeEvent::CUSTOMER_MERGED);
  merged.set_sequence(10);
  merged.set_customer_name("customers/c1");
  merged.mutable_merge()->set_survivor("customers/c1");
  merged.mutable_merge()->set_duplicate("customers/dup");
  merged.mutable_customer()->set_state(cp::Customer::ACTIVE);
  cp::Consent* consent = merged.mutable_customer()->add_consents();
  consent->set_purpose(cp::Consent::EMAIL_MARKETING);
  consent->set_status(cp::Consent::GRANTED);
  CRM_ASSERT_OK(Apply(merged));
  ASSERT_EQ(invitations_.invitations().size(), 1u);
  EXPECT_EQ(invitations_.invitations()[0].customer_id, "c1");
  // The duplicate's consents are forgotten.
  EXPECT_EQ(ReasonOf(Invite("customers/dup", "tickets/t5").status()),
            reason::CONSENT_REQUIRED);

  cp::ChangeEvent erased;
  erased.set_type(cp::ChangeEvent::CUSTOMER_ERASED);
  erased.set_sequence(11);
  erased.set_customer_name("customers/c1");
  CRM_ASSERT_OK(Apply(erased));
  EXPECT_TRUE(invitations_.invitations().empty());
  ASSERT_EQ(surveys_.responses().size(), 1u);
  EXPECT_TRUE(surveys_.responses()[0].invitation_id.empty());
  EXPECT_TRUE(surveys_.responses()[0].customer_id.empty());
  // Consents forgotten: nothing more can be sent.
  EXPECT_EQ(ReasonOf(Invite("customers/c1", "tickets/t6").status()),
            reason::CONSENT_REQUIRED);
  // The stored response of the invitation was forgotten with the customer:
  // the request runs again, and now finds no consent.
  EXPECT_EQ(ReasonOf(Invite("customers/dup", "customers/dup/orders/o1",
                            Invitation::EMAIL, "inv-dup")
                         .status()),
            reason::CONSENT_REQUIRED);
}

}  // namespace
}  // namespace crm::feedback
