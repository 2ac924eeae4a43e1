// Survey invitations and scores by value tier on MariaDB through the gRPC
// service: consents kept from customer-profile's feed (through the feed
// consumer, as main.cc wires it), an invitation once per survey and order
// (also under concurrent requests), refused without consent, answered once
// (also under concurrent answers), listed with the filter in SQL, exported,
// an erased customer's invitations and consents gone, and the scores grouped
// and filtered by the value tier stored at answer time.
#include <atomic>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include <gmock/gmock.h>
#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>

#include "crm/customerprofile/v1/change_event.pb.h"
#include "crm/type/v1/error_reason.pb.h"
#include "services/common/change_feed_consumer.h"
#include "services/common/error_details.h"
#include "services/common/timestamps.h"
#include "tests/integration/feedback/feedback_service_fixture.h"

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

class SurveyInvitationServiceTest : public FeedbackServiceFixture {
 protected:
  void SetUp() override {
    FeedbackServiceFixture::SetUp();
    crm::common::FeedConsumerOptions options;
    options.consumer = "feedback";
    consumer_ = std::make_unique<crm::common::FeedConsumer>(
        *pool_,
        [](int64_t)
            -> absl::StatusOr<std::unique_ptr<crm::common::FeedStream>> {
          return absl::UnavailableError("no stream in this test");
        },
        [this](sql::Connection& connection, int64_t,
               absl::string_view payload) {
          const crm::common::RequestContext request;
          crm::common::MySqlTransaction tx(connection, request);
          return ApplyCustomerProfileEvent(stores_, tx, payload);
        },
        options);
    v1::CreateSurveyRequest request;
    request.mutable_survey()->set_title("After your order");
    v1::SurveyQuestion* nps = request.mutable_survey()->add_questions();
    nps->set_id("nps");
    nps->set_text("Recommend us?");
    nps->set_kind(v1::SurveyQuestion::NPS);
    grpc::ClientContext context;
    ASSERT_TRUE(stub_->CreateSurvey(&context, request, &survey_).ok());
  }

  // Feeds event `sequence` to the consumer, as customer-profile's feed would.
  void Feed(int64_t sequence, cp::ChangeEvent event) {
    event.set_sequence(sequence);
    CRM_ASSERT_OK_AND_ASSIGN(
        bool applied, consumer_->ApplyOne(sequence, event.SerializeAsString()));
    EXPECT_TRUE(applied);
  }

  static cp::ChangeEvent Updated(const std::string& customer,
                                 cp::Consent::Purpose purpose,
                                 cp::Consent::Status status) {
    cp::ChangeEvent event;
    event.set_type(cp::ChangeEvent::CUSTOMER_UPDATED);
    event.set_customer_name(customer);
    event.mutable_customer()->set_name(customer);
    event.mutable_customer()->set_state(cp::Customer::ACTIVE);
    cp::Consent* consent = event.mutable_customer()->add_consents();
    consent->set_purpose(purpose);
    consent->set_status(status);
    return event;
  }

  absl::StatusOr<v1::SurveyInvitation> Invite(
      const std::string& customer, const std::string& subject,
      Invitation::Channel channel, const std::string& request_id = "") {
    v1::CreateSurveyInvitationRequest request;
    request.set_parent(survey_.name());
    request.mutable_invitation()->set_customer(customer);
    request.mutable_invitation()->set_subject(subject);
    request.mutable_invitation()->set_channel(channel);
    request.set_request_id(request_id);
    grpc::ClientContext context;
    v1::SurveyInvitation response;
    return Reply(stub_->CreateSurveyInvitation(&context, request, &response),
                 response);
  }

  absl::StatusOr<v1::SurveyResponse> Answer(const std::string& customer,
                                            int nps,
                                            const std::string& invitation) {
    v1::SubmitSurveyResponseRequest request;
    request.set_parent(survey_.name());
    request.mutable_response()->set_customer(customer);
    request.mutable_response()->set_channel("email");
    request.mutable_response()->set_invitation(invitation);
    v1::SurveyAnswer* answer = request.mutable_response()->add_answers();
    answer->set_question_id("nps");
    answer->set_score(nps);
    grpc::ClientContext context;
    v1::SurveyResponse response;
    return Reply(stub_->SubmitSurveyResponse(&context, request, &response),
                 response);
  }

  absl::StatusOr<v1::ListSurveyInvitationsResponse> ListInvitations(
      const std::string& filter) {
    v1::ListSurveyInvitationsRequest request;
    request.set_parent("surveys/-");
    request.set_filter(filter);
    grpc::ClientContext context;
    v1::ListSurveyInvitationsResponse response;
    return Reply(stub_->ListSurveyInvitations(&context, request, &response),
                 response);
  }

  std::unique_ptr<crm::common::FeedConsumer> consumer_;
  v1::Survey survey_;
};

TEST_F(SurveyInvitationServiceTest, OneInvitationPerOrderEvenWhenConcurrent) {
  Feed(1, Updated("customers/c1", cp::Consent::EMAIL_MARKETING,
                  cp::Consent::GRANTED));
  CRM_ASSERT_OK_AND_ASSIGN(v1::SurveyInvitation first,
                           Invite("customers/c1", "customers/c1/orders/o1",
                                  Invitation::EMAIL, "inv-1"));
  EXPECT_EQ(first.state(), Invitation::SENT);
  CRM_ASSERT_OK_AND_ASSIGN(v1::SurveyInvitation repeat,
                           Invite("customers/c1", "customers/c1/orders/o1",
                                  Invitation::EMAIL, "inv-1"));
  EXPECT_EQ(repeat.name(), first.name());
  absl::StatusOr<v1::SurveyInvitation> again = Invite(
      "customers/c1", "customers/c1/orders/o1", Invitation::EMAIL, "inv-2");
  EXPECT_THAT(again, StatusIs(absl::StatusCode::kAlreadyExists));
  EXPECT_EQ(ErrorMetadataOf(again.status())["resource"], first.name());

  // Eight requests for one new order at once: exactly one invitation; the
  // others learn it exists (or, should the unit of work give up on a
  // deadlock, are told to retry: ABORTED).
  std::atomic<int> created{0};
  std::atomic<int> already{0};
  std::atomic<int> other{0};
  std::vector<std::thread> threads;
  for (int i = 0; i < 8; ++i) {
    threads.emplace_back([&, i] {
      absl::StatusOr<v1::SurveyInvitation> result =
          Invite("customers/c1", "customers/c1/orders/o2", Invitation::EMAIL,
                 "race-" + std::to_string(i));
      if (result.ok()) {
        ++created;
      } else if (absl::IsAlreadyExists(result.status())) {
        ++already;
      } else if (!absl::IsAborted(result.status())) {
        ++other;
      }
    });
  }
  for (std::thread& thread : threads) thread.join();
  EXPECT_EQ(created.load(), 1);
  EXPECT_GE(already.load(), 1);
  EXPECT_EQ(other.load(), 0);
  EXPECT_EQ(Count("SELECT COUNT(*) FROM survey_invitations"), 2);
}

TEST_F(SurveyInvitationServiceTest, RefusedWithoutTheChannelsConsent) {
  Feed(1, Updated("customers/c1", cp::Consent::EMAIL_MARKETING,
                  cp::Consent::GRANTED));
  // SMS was never answered: default deny.
  absl::StatusOr<v1::SurveyInvitation> sms =
      Invite("customers/c1", "tickets/t1", Invitation::SMS);
  EXPECT_THAT(sms, StatusIs(absl::StatusCode::kFailedPrecondition));
  EXPECT_EQ(ReasonOf(sms.status()), reason::CONSENT_REQUIRED);
  EXPECT_EQ(ErrorMetadataOf(sms.status())["purpose"], "SMS_MARKETING");
  // A customer the feed never mentioned.
  EXPECT_EQ(
      ReasonOf(
          Invite("customers/c2", "tickets/t1", Invitation::EMAIL).status()),
      reason::CONSENT_REQUIRED);
  // Revoked on the feed: refused from then on.
  Feed(2, Updated("customers/c1", cp::Consent::EMAIL_MARKETING,
                  cp::Consent::REVOKED));
  EXPECT_EQ(
      ReasonOf(
          Invite("customers/c1", "tickets/t1", Invitation::EMAIL).status()),
      reason::CONSENT_REQUIRED);
  EXPECT_EQ(Count("SELECT COUNT(*) FROM survey_invitations"), 0);
}

TEST_F(SurveyInvitationServiceTest, AnsweredOnceAndListedByState) {
  Feed(1, Updated("customers/c1", cp::Consent::SMS_MARKETING,
                  cp::Consent::GRANTED));
  CRM_ASSERT_OK_AND_ASSIGN(
      v1::SurveyInvitation invitation,
      Invite("customers/c1", "tickets/t1", Invitation::SMS));
  CRM_ASSERT_OK_AND_ASSIGN(
      v1::SurveyInvitation open,
      Invite("customers/c1", "tickets/t2", Invitation::SMS));

  // Four answers at once: exactly one is recorded.
  std::atomic<int> recorded{0};
  std::atomic<int> refused{0};
  std::vector<std::thread> threads;
  for (int i = 0; i < 4; ++i) {
    threads.emplace_back([&] {
      absl::StatusOr<v1::SurveyResponse> result =
          Answer("", 9, invitation.name());
      if (result.ok()) {
        ++recorded;
        EXPECT_EQ(result->customer(), "customers/c1");
        EXPECT_EQ(result->subject(), "tickets/t1");
      }
      if (ReasonOf(result.status()) == reason::RESOURCE_STATE_CONFLICT ||
          absl::IsAborted(result.status())) {
        ++refused;
      }
    });
  }
  for (std::thread& thread : threads) thread.join();
  EXPECT_EQ(recorded.load(), 1);
  EXPECT_EQ(refused.load(), 3);
  EXPECT_EQ(Count("SELECT COUNT(*) FROM survey_responses"), 1);

  CRM_ASSERT_OK_AND_ASSIGN(v1::ListSurveyInvitationsResponse answered,
                           ListInvitations("state = ANSWERED"));
  ASSERT_EQ(answered.invitations_size(), 1);
  EXPECT_EQ(answered.invitations(0).name(), invitation.name());
  EXPECT_FALSE(answered.invitations(0).response().empty());
  EXPECT_TRUE(answered.invitations(0).has_answer_time());
  CRM_ASSERT_OK_AND_ASSIGN(
      v1::ListSurveyInvitationsResponse sent,
      ListInvitations("state = SENT AND customer = \"customers/c1\" AND "
                      "channel = SMS"));
  ASSERT_EQ(sent.invitations_size(), 1);
  EXPECT_EQ(sent.invitations(0).name(), open.name());
  CRM_ASSERT_OK_AND_ASSIGN(sent, ListInvitations("subject = \"tickets/t2\""));
  ASSERT_EQ(sent.invitations_size(), 1);
}

TEST_F(SurveyInvitationServiceTest, AnErasedCustomersInvitationsAreGone) {
  Feed(1, Updated("customers/c1", cp::Consent::EMAIL_MARKETING,
                  cp::Consent::GRANTED));
  CRM_ASSERT_OK_AND_ASSIGN(
      v1::SurveyInvitation invitation,
      Invite("customers/c1", "customers/c1/orders/o1", Invitation::EMAIL));
  CRM_ASSERT_OK(Answer("", 10, invitation.name()).status());
  CRM_ASSERT_OK(
      Invite("customers/c1", "tickets/t1", Invitation::EMAIL).status());
  EXPECT_EQ(Count("SELECT COUNT(*) FROM survey_invitations"), 2);
  EXPECT_EQ(Count("SELECT COUNT(*) FROM customer_consents"), 1);
  v1::ExportCustomerFeedbackRequest export_request;
  export_request.set_customer("customers/c1");
  CRM_ASSERT_OK_AND_ASSIGN(
      v1::CustomerFeedbackExport exported,
      exporter_->Export(crm::common::RequestContext(), export_request));
  EXPECT_EQ(exported.survey_invitations_size(), 2);

  cp::ChangeEvent erased;
  erased.set_type(cp::ChangeEvent::CUSTOMER_ERASED);
  erased.set_customer_name("customers/c1");
  Feed(2, erased);

  EXPECT_EQ(Count("SELECT COUNT(*) FROM survey_invitations"), 0);
  EXPECT_EQ(Count("SELECT COUNT(*) FROM customer_consents"), 0);
  EXPECT_EQ(Count("SELECT COUNT(*) FROM survey_responses WHERE "
                  "invitation_id <> '' OR customer_id <> '' OR subject <> ''"),
            0);
  // The score stays.
  EXPECT_EQ(Count("SELECT COUNT(*) FROM survey_scored_answers"), 1);
  CRM_ASSERT_OK_AND_ASSIGN(v1::ListSurveyInvitationsResponse listed,
                           ListInvitations(""));
  EXPECT_EQ(listed.invitations_size(), 0);
  CRM_ASSERT_OK_AND_ASSIGN(
      exported,
      exporter_->Export(crm::common::RequestContext(), export_request));
  EXPECT_EQ(exported.survey_invitations_size(), 0);
  // Nothing more can be sent to the erased customer.
  EXPECT_EQ(
      ReasonOf(
          Invite("customers/c1", "tickets/t9", Invitation::EMAIL).status()),
      reason::CONSENT_REQUIRED);
}

TEST_F(SurveyInvitationServiceTest, ScoresGroupedAndFilteredByTier) {
  survey_tiers_.Set("gold", ValueTier::kHigh);
  survey_tiers_.Set("mid", ValueTier::kMedium);
  CRM_ASSERT_OK(Answer("customers/gold", 10, "").status());
  CRM_ASSERT_OK(Answer("customers/gold", 6, "").status());
  CRM_ASSERT_OK(Answer("customers/mid", 9, "").status());
  CRM_ASSERT_OK_AND_ASSIGN(v1::SurveyResponse anonymous, Answer("", 3, ""));
  EXPECT_EQ(anonymous.value_tier(), Response::VALUE_TIER_UNKNOWN);
  survey_tiers_.Set("mid", ValueTier::kLow);  // Later changes do not count.

  v1::GetSurveyScoresRequest request;
  request.set_survey(survey_.name());
  *request.mutable_start_time() = crm::common::ToProtoTimestamp(kMonday10);
  *request.mutable_end_time() = request.start_time();
  grpc::ClientContext context;
  v1::SurveyScores scores;
  ASSERT_TRUE(stub_->GetSurveyScores(&context, request, &scores).ok());
  EXPECT_EQ(scores.total().responses(), 4);
  ASSERT_EQ(scores.by_value_tier_size(), 4);
  EXPECT_EQ(scores.by_value_tier(0).value_tier(), Response::HIGH);
  EXPECT_EQ(scores.by_value_tier(0).scores().responses(), 2);
  EXPECT_DOUBLE_EQ(scores.by_value_tier(0).scores().nps(), 0);
  EXPECT_EQ(scores.by_value_tier(1).value_tier(), Response::MEDIUM);
  EXPECT_DOUBLE_EQ(scores.by_value_tier(1).scores().nps(), 100);
  EXPECT_EQ(scores.by_value_tier(2).scores().responses(), 0);
  EXPECT_EQ(scores.by_value_tier(3).value_tier(), Response::VALUE_TIER_UNKNOWN);
  EXPECT_EQ(scores.by_value_tier(3).scores().detractors(), 1);

  request.set_value_tier(Response::HIGH);
  grpc::ClientContext filtered_context;
  ASSERT_TRUE(stub_->GetSurveyScores(&filtered_context, request, &scores).ok());
  EXPECT_EQ(scores.total().responses(), 2);
  EXPECT_EQ(scores.total().promoters(), 1);
  EXPECT_EQ(scores.total().detractors(), 1);
  ASSERT_EQ(scores.by_value_tier_size(), 1);
  ASSERT_EQ(scores.trend_size(), 1);
  EXPECT_EQ(scores.trend(0).scores().responses(), 2);
}

}  // namespace
}  // namespace crm::feedback
