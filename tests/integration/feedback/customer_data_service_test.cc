// A customer's data on MariaDB: a merge and then an erasure arriving on the
// profile feed through the shared consumer (each exactly once), checked in
// the tables themselves — after the erasure no row of any feedback table
// holds the customer's id or the phone number they wrote (feedback's own
// change feed included), while the counts stay — and the export through the
// gRPC stub.
#include <memory>
#include <string>

#include <gmock/gmock.h>
#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>

#include "crm/customerprofile/v1/change_event.pb.h"
#include "services/common/change_feed_consumer.h"
#include "services/common/mysql_unit_of_work.h"
#include "tests/integration/feedback/feedback_service_fixture.h"
#include "tests/testing/status_matchers.h"

namespace crm::feedback {
namespace {

using ::crm::testing::IsOk;
namespace cp = ::crm::customerprofile::v1;

constexpr char kPhone[] = "13912345678";

class CustomerDataServiceTest : public FeedbackServiceFixture {
 protected:
  v1::Feedback Complain(const std::string& customer, const std::string& text) {
    v1::SubmitFeedbackRequest request;
    request.mutable_feedback()->set_customer(customer);
    request.mutable_feedback()->set_channel("web");
    request.mutable_feedback()->set_type(v1::Feedback::COMPLAINT);
    request.mutable_feedback()->set_text(text);
    request.mutable_feedback()->set_order(customer + "/orders/o-1");
    grpc::ClientContext context;
    v1::Feedback response;
    EXPECT_TRUE(stub_->SubmitFeedback(&context, request, &response).ok());
    clock_.Advance(absl::Seconds(1));
    return response;
  }

  v1::CustomerFeedbackExport Export(const std::string& customer) {
    grpc::ClientContext context;
    v1::ExportCustomerFeedbackRequest request;
    request.set_customer(customer);
    v1::CustomerFeedbackExport response;
    EXPECT_TRUE(
        stub_->ExportCustomerFeedback(&context, request, &response).ok());
    return response;
  }

  // Rows of every feedback table whose text columns hold `needle`.
  int64_t RowsHolding(const std::string& needle) {
    const std::string like = "'%" + needle + "%'";
    int64_t rows = 0;
    rows += Count("SELECT COUNT(*) FROM feedback WHERE customer_id LIKE " +
                  like + " OR text LIKE " + like + " OR order_id LIKE " + like +
                  " OR analysis LIKE " + like);
    rows += Count(
        "SELECT COUNT(*) FROM survey_responses WHERE customer_id "
        "LIKE " +
        like + " OR subject LIKE " + like + " OR answers LIKE " + like);
    rows +=
        Count("SELECT COUNT(*) FROM tickets WHERE customer_id LIKE " + like +
              " OR title LIKE " + like + " OR description LIKE " + like);
    rows += Count("SELECT COUNT(*) FROM ticket_events WHERE text LIKE " + like);
    rows += Count("SELECT COUNT(*) FROM alerts WHERE summary LIKE " + like);
    rows += Count("SELECT COUNT(*) FROM change_feed_events WHERE `key` LIKE " +
                  like + " OR payload LIKE " + like);
    return rows;
  }
};

TEST_F(CustomerDataServiceTest, MergeThenErasureOnTheFeedExactlyOnce) {
  const v1::Feedback duplicate_item = Complain(
      "customers/dup-0001", std::string("电话 ") + kPhone + "，快递太慢了");
  v1::CreateTicketRequest open;
  open.mutable_ticket()->set_feedback(duplicate_item.name());
  CRM_ASSERT_OK_AND_ASSIGN(v1::Ticket ticket, Create(open));
  {
    grpc::ClientContext context;
    v1::AddTicketCommentRequest comment;
    comment.set_name(ticket.name());
    comment.set_text(std::string("回电 ") + kPhone);
    v1::TicketEvent event;
    ASSERT_TRUE(stub_->AddTicketComment(&context, comment, &event).ok());
  }
  {
    CRM_ASSERT_OK_AND_ASSIGN(
        v1::Survey survey,
        survey_manager_->CreateSurvey(crm::common::RequestContext(), [] {
          v1::CreateSurveyRequest request;
          request.mutable_survey()->set_title("After delivery");
          v1::SurveyQuestion* nps = request.mutable_survey()->add_questions();
          nps->set_id("nps");
          nps->set_text("推荐吗？");
          nps->set_kind(v1::SurveyQuestion::NPS);
          v1::SurveyQuestion* why = request.mutable_survey()->add_questions();
          why->set_id("why");
          why->set_text("为什么？");
          why->set_kind(v1::SurveyQuestion::FREE_TEXT);
          return request;
        }()));
    v1::SubmitSurveyResponseRequest respond;
    respond.set_parent(survey.name());
    respond.mutable_response()->set_customer("customers/dup-0001");
    respond.mutable_response()->set_channel("app");
    v1::SurveyAnswer* score = respond.mutable_response()->add_answers();
    score->set_question_id("nps");
    score->set_score(3);
    v1::SurveyAnswer* why = respond.mutable_response()->add_answers();
    why->set_question_id("why");
    why->set_text(std::string("call ") + kPhone);
    ASSERT_THAT(
        survey_manager_
            ->SubmitSurveyResponse(crm::common::RequestContext(), respond)
            .status(),
        IsOk());
  }
  Complain("customers/surv-0001", "包装破了");

  crm::common::FeedConsumerOptions options;
  options.consumer = "feedback";
  crm::common::FeedConsumer consumer(
      *pool_,
      [](int64_t) -> absl::StatusOr<std::unique_ptr<crm::common::FeedStream>> {
        return absl::UnavailableError("no stream in this test");
      },
      [&](sql::Connection& connection, int64_t, absl::string_view payload) {
        const crm::common::RequestContext request;
        crm::common::MySqlTransaction tx(connection, request);
        return ApplyCustomerProfileEvent(stores_, tx, payload);
      },
      options);

  cp::ChangeEvent merged;
  merged.set_type(cp::ChangeEvent::CUSTOMER_MERGED);
  merged.set_customer_name("customers/surv-0001");
  merged.mutable_merge()->set_survivor("customers/surv-0001");
  merged.mutable_merge()->set_duplicate("customers/dup-0001");
  CRM_ASSERT_OK_AND_ASSIGN(bool applied,
                           consumer.ApplyOne(1, merged.SerializeAsString()));
  EXPECT_TRUE(applied);
  CRM_ASSERT_OK_AND_ASSIGN(applied,
                           consumer.ApplyOne(1, merged.SerializeAsString()));
  EXPECT_FALSE(applied);

  v1::CustomerFeedbackExport survivor = Export("customers/surv-0001");
  EXPECT_EQ(survivor.feedback_size(), 2);
  EXPECT_EQ(survivor.survey_responses_size(), 1);
  ASSERT_EQ(survivor.tickets_size(), 1);
  EXPECT_EQ(survivor.ticket_events_size(), 2);
  EXPECT_EQ(RowsHolding("dup-0001"), 0);

  cp::ChangeEvent erased;
  erased.set_type(cp::ChangeEvent::CUSTOMER_ERASED);
  erased.set_customer_name("customers/surv-0001");
  CRM_ASSERT_OK_AND_ASSIGN(applied,
                           consumer.ApplyOne(2, erased.SerializeAsString()));
  EXPECT_TRUE(applied);

  EXPECT_EQ(RowsHolding("surv-0001"), 0);
  EXPECT_EQ(RowsHolding(kPhone), 0);
  // The counts the statistics need stay.
  EXPECT_EQ(Count("SELECT COUNT(*) FROM feedback"), 2);
  EXPECT_EQ(Count("SELECT COUNT(*) FROM survey_responses"), 1);
  EXPECT_EQ(Count("SELECT COUNT(*) FROM survey_scored_answers"), 1);
  EXPECT_EQ(Count("SELECT COUNT(*) FROM tickets WHERE category = "
                  "'delivery'"),
            1);
  survivor = Export("customers/surv-0001");
  EXPECT_EQ(survivor.feedback_size() + survivor.survey_responses_size() +
                survivor.tickets_size() + survivor.ticket_events_size(),
            0);
  CRM_ASSERT_OK_AND_ASSIGN(
      int64_t cursor,
      crm::common::FeedConsumer::LoadCursor(*pool_, "feedback"));
  EXPECT_EQ(cursor, 2);
}

}  // namespace
}  // namespace crm::feedback
