// What feedback does with a customer's data over in-memory fakes: the
// identifier scrubber, a merge moving items, survey responses and tickets to
// the survivor, an erasure unlinking and scrubbing all of them (tickets and
// their history included) while the counts stay, and the export.
#include <string>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "absl/time/time.h"
#include "crm/customerprofile/v1/change_event.pb.h"
#include "services/common/clock.h"
#include "services/common/id_generator.h"
#include "services/common/request_context.h"
#include "services/feedback/customer_feedback_export.h"
#include "services/feedback/customer_profile_events.h"
#include "services/feedback/feedback_manager.h"
#include "services/feedback/identifier_scrubber.h"
#include "services/feedback/ticket_manager.h"
#include "tests/testing/fakes/fake_unit_of_work.h"
#include "tests/testing/fakes/feedback/in_memory_feedback_repository.h"
#include "tests/testing/fakes/feedback/in_memory_survey_repository.h"
#include "tests/testing/fakes/feedback/in_memory_ticket_repository.h"
#include "tests/testing/fakes/in_memory_idempotency_repository.h"
#include "tests/testing/status_matchers.h"

namespace crm::feedback {
namespace {

using ::crm::common::RequestContext;
using ::crm::testing::IsOk;
namespace cp = ::crm::customerprofile::v1;

const absl::Time kMonday10 = absl::FromUnixSeconds(1767607200);

TEST(IdentifierScrubberTest, RemovesIdentifiersByShapeAndKeepsTheRest) {
  EXPECT_EQ(ScrubIdentifiers("写信给 li.lei+vip@example.com.cn 谢谢", ""),
            "写信给 [removed] 谢谢");
  EXPECT_EQ(ScrubIdentifiers("call +86 138-1234-5678 now", ""),
            "call [removed] now");
  EXPECT_EQ(ScrubIdentifiers("手机13812345678，订单号１２３４５６７８", ""),
            "手机[removed]，订单号[removed]");
  EXPECT_EQ(ScrubIdentifiers("3 items for 199.00 yuan, room 1203", ""),
            "3 items for 199.00 yuan, room 1203");
  EXPECT_EQ(
      ScrubIdentifiers("I am cust-8812ab, see cust-8812ab", "cust-8812ab"),
      "I am [removed], see [removed]");
  EXPECT_EQ(ScrubIdentifiers("a@b is not an address", ""),
            "a@b is not an address");
  EXPECT_EQ(ScrubIdentifiers("快递太慢了", "c1"), "快递太慢了");
}

class CustomerDataTest : public ::testing::Test {
 protected:
  v1::Feedback Submit(const std::string& customer, const std::string& text) {
    v1::SubmitFeedbackRequest request;
    request.mutable_feedback()->set_customer(customer);
    request.mutable_feedback()->set_channel("app");
    request.mutable_feedback()->set_type(v1::Feedback::COMPLAINT);
    request.mutable_feedback()->set_text(text);
    absl::StatusOr<v1::Feedback> item =
        feedback_manager_.SubmitFeedback(context_, request);
    EXPECT_THAT(item.status(), IsOk());
    clock_.Advance(absl::Seconds(1));
    return item.value_or(v1::Feedback());
  }

  v1::Ticket OpenTicket(const v1::Feedback& item) {
    v1::CreateTicketRequest request;
    request.mutable_ticket()->set_feedback(item.name());
    absl::StatusOr<v1::Ticket> ticket =
        ticket_manager_.CreateTicket(context_, request);
    EXPECT_THAT(ticket.status(), IsOk());
    return ticket.value_or(v1::Ticket());
  }

  // A response to survey s1 (version 1: one free-text question, `why`).
  void AddResponse(const std::string& customer, const std::string& text) {
    crm::testing::FakeTransaction tx(context_);
    if (!surveys_.Get(tx, "s1", false).ok()) {
      SurveyRecord survey;
      survey.id = "s1";
      v1::SurveyQuestion* why = survey.definition.add_questions();
      why->set_id("why");
      why->set_kind(v1::SurveyQuestion::FREE_TEXT);
      survey.create_time = clock_.Now();
      survey.update_time = survey.create_time;
      ASSERT_THAT(surveys_.Insert(tx, survey), IsOk());
    }
    SurveyResponseRecord response;
    response.id = ids_.NewId();
    response.survey_id = "s1";
    response.customer_id = customer;
    response.channel = "app";
    response.subject = "customers/" + customer + "/orders/o1";
    v1::SurveyAnswer answer;
    answer.set_question_id("why");
    answer.set_text(text);
    response.answers.push_back(answer);
    response.create_time = clock_.Now();
    ASSERT_THAT(surveys_.InsertResponse(tx, response), IsOk());
  }

  absl::Status Apply(const cp::ChangeEvent& event) {
    return unit_of_work_.Run(context_, [&](crm::common::Transaction& tx) {
      return ApplyCustomerProfileEvent(stores_, tx, event.SerializeAsString());
    });
  }

  v1::CustomerFeedbackExport Export(const std::string& customer) {
    v1::ExportCustomerFeedbackRequest request;
    request.set_customer(customer);
    absl::StatusOr<v1::CustomerFeedbackExport> data =
        exporter_.Export(context_, request);
    EXPECT_THAT(data.status(), IsOk());
    return data.value_or(v1::CustomerFeedbackExport());
  }

  RequestContext context_;
  crm::common::FakeClock clock_{kMonday10};
  crm::common::SequentialIdGenerator ids_{"d"};
  crm::testing::FakeUnitOfWork unit_of_work_{clock_};
  crm::testing::InMemoryFeedbackRepository feedback_{&unit_of_work_};
  crm::testing::InMemorySurveyRepository surveys_{&unit_of_work_};
  crm::testing::InMemoryTicketRepository tickets_{&unit_of_work_};
  crm::testing::InMemoryIdempotencyRepository keys_{&unit_of_work_};
  CustomerDataStores stores_{feedback_, surveys_, tickets_, &keys_};
  UnknownValueTiers tiers_;
  TicketSettings settings_;
  FeedbackManager feedback_manager_{unit_of_work_, feedback_, keys_, clock_,
                                    ids_};
  TicketManager ticket_manager_{unit_of_work_, tickets_, feedback_, keys_,
                                clock_,        ids_,     tiers_,    settings_};
  CustomerFeedbackExporter exporter_{unit_of_work_, stores_, clock_, settings_};
};

TEST_F(CustomerDataTest, MergeMovesEverythingToTheSurvivorOnce) {
  const v1::Feedback dup_item = Submit("customers/dup-0001", "快递太慢了");
  OpenTicket(dup_item);
  AddResponse("dup-0001", "还行");
  Submit("customers/surv-0001", "包装破了");

  cp::ChangeEvent merged;
  merged.set_type(cp::ChangeEvent::CUSTOMER_MERGED);
  merged.mutable_merge()->set_survivor("customers/surv-0001");
  merged.mutable_merge()->set_duplicate("customers/dup-0001");
  ASSERT_THAT(Apply(merged), IsOk());
  ASSERT_THAT(Apply(merged), IsOk());  // A repeat finds nothing left.

  const v1::CustomerFeedbackExport survivor = Export("customers/surv-0001");
  EXPECT_EQ(survivor.feedback_size(), 2);
  EXPECT_EQ(survivor.survey_responses_size(), 1);
  ASSERT_EQ(survivor.tickets_size(), 1);
  EXPECT_EQ(survivor.tickets(0).customer(), "customers/surv-0001");
  EXPECT_EQ(survivor.ticket_events_size(), 1);  // CREATED.
  const v1::CustomerFeedbackExport duplicate = Export("customers/dup-0001");
  EXPECT_EQ(duplicate.feedback_size() + duplicate.survey_responses_size() +
                duplicate.tickets_size(),
            0);
}

TEST_F(CustomerDataTest, ErasureUnlinksAndScrubsTicketsAndTheirHistory) {
  const v1::Feedback item =
      Submit("customers/gone-0001",
             "我的电话13812345678，快递太慢了，邮箱 a.b@qq.com");
  const v1::Ticket ticket = OpenTicket(item);
  v1::AddTicketCommentRequest comment;
  comment.set_name(ticket.name());
  comment.set_text("已致电 138 1234 5678");
  ASSERT_THAT(ticket_manager_.AddTicketComment(context_, comment).status(),
              IsOk());
  AddResponse("gone-0001", "call me on 13812345678");
  Submit("customers/stay-0001", "快递太慢了 13812345678");

  cp::ChangeEvent erased;
  erased.set_type(cp::ChangeEvent::CUSTOMER_ERASED);
  erased.set_customer_name("customers/gone-0001");
  ASSERT_THAT(Apply(erased), IsOk());

  ASSERT_EQ(feedback_.items().size(), 2u);
  EXPECT_EQ(feedback_.items()[0].customer_id, "");
  EXPECT_EQ(feedback_.items()[0].text,
            "我的电话[removed]，快递太慢了，邮箱 [removed]");
  EXPECT_TRUE(feedback_.items()[0].analysis.has_value());          // Kept.
  EXPECT_EQ(feedback_.items()[1].text, "快递太慢了 13812345678");  // Others.
  ASSERT_EQ(tickets_.tickets().size(), 1u);
  const TicketRecord& stored = tickets_.tickets()[0];
  EXPECT_EQ(stored.customer_id, "");
  EXPECT_EQ(stored.description,
            "我的电话[removed]，快递太慢了，邮箱 [removed]");
  EXPECT_EQ(stored.title.find("13812345678"), std::string::npos);
  EXPECT_EQ(stored.category, ticket.category());  // Aggregates keep working.
  for (const TicketEventRecord& event : tickets_.events()) {
    EXPECT_EQ(event.text.find("5678"), std::string::npos) << event.text;
  }
  ASSERT_EQ(surveys_.responses().size(), 1u);
  EXPECT_EQ(surveys_.responses()[0].customer_id, "");
  EXPECT_EQ(surveys_.responses()[0].subject, "");
  EXPECT_EQ(surveys_.responses()[0].answers[0].text(), "call me on [removed]");

  const v1::CustomerFeedbackExport left = Export("customers/gone-0001");
  EXPECT_EQ(left.feedback_size() + left.survey_responses_size() +
                left.tickets_size() + left.ticket_events_size(),
            0);
}

TEST_F(CustomerDataTest, ErasureForgetsTheCustomersStoredResponses) {
  // Idempotent calls whose stored responses hold the customer's text: an
  // item, a ticket opened from it (naming the customer) and a comment on it
  // (naming only the ticket); another customer's item.
  auto submit = [&](const std::string& customer, const std::string& id) {
    v1::SubmitFeedbackRequest request;
    request.mutable_feedback()->set_customer(customer);
    request.mutable_feedback()->set_channel("app");
    request.mutable_feedback()->set_type(v1::Feedback::COMPLAINT);
    request.mutable_feedback()->set_text("邮箱 a.b@qq.com");
    request.set_request_id(id);
    absl::StatusOr<v1::Feedback> item =
        feedback_manager_.SubmitFeedback(context_, request);
    EXPECT_THAT(item.status(), IsOk());
    return item.value_or(v1::Feedback());
  };
  const v1::Feedback item = submit("customers/gone-0002", "f-gone");
  v1::CreateTicketRequest open;
  open.mutable_ticket()->set_feedback(item.name());
  open.set_request_id("t-gone");
  absl::StatusOr<v1::Ticket> ticket =
      ticket_manager_.CreateTicket(context_, open);
  ASSERT_THAT(ticket.status(), IsOk());
  v1::AddTicketCommentRequest comment;
  comment.set_name(ticket->name());
  comment.set_text("已致电 13812345678");
  comment.set_request_id("c-gone");
  ASSERT_THAT(ticket_manager_.AddTicketComment(context_, comment).status(),
              IsOk());
  const v1::Feedback kept = submit("customers/stay-0002", "f-stay");
  ASSERT_EQ(keys_.size(), 4u);

  cp::ChangeEvent erased;
  erased.set_type(cp::ChangeEvent::CUSTOMER_ERASED);
  erased.set_customer_name("customers/gone-0002");
  ASSERT_THAT(Apply(erased), IsOk());

  EXPECT_EQ(keys_.size(), 1u);
  // The other customer's request is still answered from its stored
  // response; the erased customer's runs again (a new item).
  EXPECT_EQ(submit("customers/stay-0002", "f-stay").name(), kept.name());
  EXPECT_NE(submit("customers/gone-0002", "f-gone").name(), item.name());
}

TEST_F(CustomerDataTest, ExportHoldsEverythingOfOneCustomer) {
  const v1::Feedback first = Submit("customers/c-0001", "快递太慢了");
  const v1::Feedback second = Submit("customers/c-0001", "包装破了");
  OpenTicket(first);
  AddResponse("c-0001", "ok");
  Submit("customers/c-0002", "别人的");
  const v1::CustomerFeedbackExport data = Export("customers/c-0001");
  EXPECT_EQ(data.customer(), "customers/c-0001");
  ASSERT_EQ(data.feedback_size(), 2);
  EXPECT_EQ(data.feedback(0).name(), second.name());  // Newest first.
  ASSERT_EQ(data.survey_responses_size(), 1);
  // The kind of the question in the version answered.
  EXPECT_EQ(data.survey_responses(0).answers(0).question_kind(),
            v1::SurveyQuestion::FREE_TEXT);
  EXPECT_EQ(data.tickets_size(), 1);
  EXPECT_EQ(data.ticket_events_size(), 1);
  EXPECT_TRUE(data.has_export_time());
  v1::ExportCustomerFeedbackRequest bad;
  bad.set_customer("c-0001");
  EXPECT_EQ(exporter_.Export(context_, bad).status().code(),
            absl::StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace crm::feedback
