// feedback end to end below the binary: the gRPC adapter, the feedback
// manager and the MySQL repositories in a MySQL unit of work on a fresh
// database, called through a gRPC stub over an in-process channel. Errors are
// checked by code and reason.
#include <cppconn/resultset.h>
#include <cppconn/statement.h>

#include <cstdint>
#include <functional>
#include <memory>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include <gmock/gmock.h>
#include <google/protobuf/util/message_differencer.h>
#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>

#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "crm/type/v1/error_reason.pb.h"
#include "services/common/change_feed_consumer.h"
#include "services/common/clock.h"
#include "services/common/error_details.h"
#include "services/common/grpc_status.h"
#include "services/common/id_generator.h"
#include "services/common/idempotency.h"
#include "services/common/migrations.h"
#include "services/common/mysql_unit_of_work.h"
#include "services/common/timestamps.h"
#include "services/common/transaction.h"
#include "services/consents/mysql_consent_repository.h"
#include "services/feedback/customer_profile_events.h"
#include "services/feedback/feedback_manager.h"
#include "services/feedback/feedback_service.h"
#include "services/feedback/migrations.h"
#include "services/feedback/mysql_alert_repository.h"
#include "services/feedback/mysql_feedback_repository.h"
#include "services/feedback/mysql_survey_invitation_repository.h"
#include "services/feedback/mysql_survey_repository.h"
#include "services/feedback/mysql_ticket_repository.h"
#include "services/feedback/ticket_manager.h"
#include "tests/testing/status_matchers.h"
#include "tests/testing/test_database.h"

namespace crm::feedback {
namespace {

using ::crm::common::ErrorMetadataOf;
using ::crm::common::ReasonOf;
using ::crm::testing::IsOk;
using ::crm::testing::StatusIs;
using ::google::protobuf::util::MessageDifferencer;
namespace reason = ::crm::type::v1;

// The reason and the field named by the error of `result`.
template <typename T>
std::pair<reason::ErrorReason, std::string> ReasonAndField(
    const absl::StatusOr<T>& result) {
  return {ReasonOf(result.status()), ErrorMetadataOf(result.status())["field"]};
}

const absl::Time kStart = absl::FromUnixSeconds(1767225600);  // 2026-01-01

class FeedbackServiceTest : public ::testing::Test {
 protected:
  void SetUp() override {
    CRM_ASSERT_OK_AND_ASSIGN(database_,
                             crm::testing::TestDatabase::Create("feedback"));
    CRM_ASSERT_OK_AND_ASSIGN(pool_,
                             database_->NewMigratedPool(Migrations(), 8));
    unit_of_work_ = std::make_unique<crm::common::MySqlUnitOfWork>(*pool_);
    manager_ = std::make_unique<FeedbackManager>(*unit_of_work_, items_,
                                                 idempotency_, clock_, ids_);
    survey_manager_ = std::make_unique<SurveyManager>(
        *unit_of_work_, surveys_, invitations_, consents_, idempotency_, clock_,
        ids_, tiers_);
    ticket_manager_ = std::make_unique<TicketManager>(
        *unit_of_work_, tickets_, items_, idempotency_, clock_, ids_, tiers_,
        ticket_settings_);
    alert_manager_ = std::make_unique<AlertManager>(*unit_of_work_, alerts_,
                                                    idempotency_, clock_);
    exporter_ = std::make_unique<CustomerFeedbackExporter>(
        *unit_of_work_, stores_, clock_, ticket_settings_);
    service_ = std::make_unique<FeedbackServiceImpl>(
        *manager_, *survey_manager_, *ticket_manager_, *alert_manager_,
        *exporter_);
    grpc::ServerBuilder builder;
    builder.RegisterService(service_.get());
    server_ = builder.BuildAndStart();
    ASSERT_NE(server_, nullptr);
    stub_ = v1::FeedbackService::NewStub(
        server_->InProcessChannel(grpc::ChannelArguments()));
  }

  void TearDown() override {
    if (server_ != nullptr) server_->Shutdown();
  }

  absl::StatusOr<v1::Feedback> Submit(
      const v1::SubmitFeedbackRequest& request) {
    grpc::ClientContext context;
    v1::Feedback response;
    grpc::Status status = stub_->SubmitFeedback(&context, request, &response);
    if (!status.ok()) return crm::common::FromGrpcStatus(status);
    return response;
  }

  absl::StatusOr<v1::ListFeedbackResponse> List(int page_size,
                                                const std::string& token,
                                                const std::string& filter) {
    grpc::ClientContext context;
    v1::ListFeedbackRequest request;
    request.set_page_size(page_size);
    request.set_page_token(token);
    request.set_filter(filter);
    v1::ListFeedbackResponse response;
    grpc::Status status = stub_->ListFeedback(&context, request, &response);
    if (!status.ok()) return crm::common::FromGrpcStatus(status);
    return response;
  }

  // Every page of a listing, following next_page_token; the names in order.
  absl::StatusOr<std::vector<std::string>> ListAll(int page_size,
                                                   const std::string& filter,
                                                   std::vector<int>* sizes) {
    std::vector<std::string> names;
    std::string token;
    do {
      absl::StatusOr<v1::ListFeedbackResponse> page =
          List(page_size, token, filter);
      if (!page.ok()) return page.status();
      sizes->push_back(page->feedback_size());
      for (const v1::Feedback& f : page->feedback()) names.push_back(f.name());
      token = page->next_page_token();
      if (sizes->size() > 100) return absl::InternalError("endless pages");
    } while (!token.empty());
    return names;
  }

  int64_t CountFeedback() {
    return crm::common::WithConnection<int64_t>(
               *pool_,
               [&](sql::Connection& connection) -> absl::StatusOr<int64_t> {
                 std::unique_ptr<sql::Statement> statement(
                     connection.createStatement());
                 std::unique_ptr<sql::ResultSet> rows(
                     statement->executeQuery("SELECT COUNT(*) FROM feedback"));
                 if (!rows->next()) return absl::NotFoundError("no row");
                 return rows->getInt64(1);
               })
        .value_or(-1);
  }

  // A valid request for `customer` (a `customers/{customer}` name).
  static v1::SubmitFeedbackRequest NewRequest(const std::string& customer,
                                              const std::string& request_id) {
    v1::SubmitFeedbackRequest request;
    v1::Feedback* feedback = request.mutable_feedback();
    feedback->set_customer(customer);
    feedback->set_channel("wechat");
    feedback->set_type(v1::Feedback::COMPLAINT);
    feedback->set_rating(2);
    feedback->set_text("快递太慢了，包装也破了。");
    if (!customer.empty()) feedback->set_order(customer + "/orders/o-1001");
    request.set_request_id(request_id);
    return request;
  }

  crm::common::FakeClock clock_{kStart};
  crm::common::SequentialIdGenerator ids_{"fb"};
  std::unique_ptr<crm::testing::TestDatabase> database_;
  std::unique_ptr<crm::common::MySqlPool> pool_;
  std::unique_ptr<crm::common::MySqlUnitOfWork> unit_of_work_;
  MySqlFeedbackRepository items_;
  MySqlSurveyRepository surveys_;
  MySqlSurveyInvitationRepository invitations_;
  crm::consents::MySqlConsentRepository consents_;
  MySqlTicketRepository tickets_;
  crm::common::MySqlIdempotencyRepository idempotency_;
  MySqlAlertRepository alerts_;
  CustomerDataStores stores_{items_,  surveys_,      tickets_,
                             nullptr, &invitations_, &consents_};
  UnknownValueTiers tiers_;
  TicketSettings ticket_settings_;
  std::unique_ptr<FeedbackManager> manager_;
  std::unique_ptr<SurveyManager> survey_manager_;
  std::unique_ptr<TicketManager> ticket_manager_;
  std::unique_ptr<AlertManager> alert_manager_;
  std::unique_ptr<CustomerFeedbackExporter> exporter_;
  std::unique_ptr<FeedbackServiceImpl> service_;
  std::unique_ptr<grpc::Server> server_;
  std::unique_ptr<v1::FeedbackService::Stub> stub_;
};

TEST_F(FeedbackServiceTest, SubmitAndListRoundTripChineseText) {
  CRM_ASSERT_OK_AND_ASSIGN(v1::Feedback submitted,
                           Submit(NewRequest("customers/cust1", "f-1")));
  EXPECT_EQ(submitted.name(), "feedback/fb0000000001");
  EXPECT_EQ(submitted.customer(), "customers/cust1");
  EXPECT_EQ(submitted.text(), "快递太慢了，包装也破了。");
  EXPECT_EQ(submitted.type(), v1::Feedback::COMPLAINT);
  EXPECT_EQ(submitted.rating(), 2);
  EXPECT_EQ(crm::common::FromProtoTimestamp(submitted.create_time()), kStart);

  CRM_ASSERT_OK_AND_ASSIGN(v1::ListFeedbackResponse listed, List(0, "", ""));
  ASSERT_EQ(listed.feedback_size(), 1);
  EXPECT_TRUE(MessageDifferencer::Equals(listed.feedback(0), submitted))
      << listed.feedback(0).DebugString();
  EXPECT_TRUE(listed.next_page_token().empty());
}

TEST_F(FeedbackServiceTest, RejectsInvalidFieldsNamingThem) {
  struct Case {
    std::string field;
    reason::ErrorReason reason;
    std::function<void(v1::Feedback&)> spoil;
  };
  const std::vector<Case> cases = {
      {"feedback.customer", reason::FIELD_INVALID,
       [](v1::Feedback& f) { f.set_customer("cust1"); }},
      {"feedback.customer", reason::FIELD_INVALID,
       [](v1::Feedback& f) {
         f.set_customer("customers/" + std::string(65, 'c'));
       }},
      {"feedback.channel", reason::FIELD_REQUIRED,
       [](v1::Feedback& f) { f.set_channel(""); }},
      {"feedback.channel", reason::FIELD_INVALID,
       [](v1::Feedback& f) { f.set_channel(std::string(33, 'w')); }},
      {"feedback.type", reason::FIELD_REQUIRED,
       [](v1::Feedback& f) { f.set_type(v1::Feedback::TYPE_UNSPECIFIED); }},
      {"feedback.rating", reason::FIELD_INVALID,
       [](v1::Feedback& f) { f.set_rating(6); }},
      {"feedback.rating", reason::FIELD_INVALID,
       [](v1::Feedback& f) { f.set_rating(-1); }},
      {"feedback.text", reason::FIELD_INVALID,
       [](v1::Feedback& f) { f.set_text(std::string(10001, 't')); }},
      {"feedback.order", reason::FIELD_INVALID,
       [](v1::Feedback& f) { f.set_order("customers/other/orders/o-1"); }},
      {"feedback.attachment_uris[0]", reason::FIELD_INVALID,
       [](v1::Feedback& f) { f.add_attachment_uris("file:///etc/passwd"); }},
  };
  for (const Case& c : cases) {
    v1::SubmitFeedbackRequest request = NewRequest("customers/cust1", "");
    c.spoil(*request.mutable_feedback());
    absl::StatusOr<v1::Feedback> result = Submit(request);
    EXPECT_THAT(result, StatusIs(absl::StatusCode::kInvalidArgument))
        << c.field;
    EXPECT_EQ(ReasonAndField(result), std::make_pair(c.reason, c.field));
  }
  absl::StatusOr<v1::Feedback> long_id =
      Submit(NewRequest("customers/cust1", std::string(65, 'r')));
  EXPECT_THAT(long_id, StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_EQ(ReasonAndField(long_id),
            std::make_pair(reason::FIELD_INVALID, std::string("request_id")));
  EXPECT_EQ(CountFeedback(), 0);

  // 10000 characters of Chinese (30000 bytes) is within the limit.
  v1::SubmitFeedbackRequest long_text = NewRequest("customers/cust1", "");
  std::string text;
  for (int i = 0; i < 10000; ++i) text += "好";
  long_text.mutable_feedback()->set_text(text);
  CRM_ASSERT_OK_AND_ASSIGN(v1::Feedback stored, Submit(long_text));
  EXPECT_EQ(stored.text(), text);
  // No rating is fine.
  v1::SubmitFeedbackRequest unrated = NewRequest("customers/cust1", "");
  unrated.mutable_feedback()->set_rating(0);
  EXPECT_THAT(Submit(unrated), IsOk());
}

TEST_F(FeedbackServiceTest, RepeatedRequestIdReturnsFirstResponse) {
  v1::SubmitFeedbackRequest request = NewRequest("customers/cust1", "same");
  CRM_ASSERT_OK_AND_ASSIGN(v1::Feedback first, Submit(request));
  clock_.Advance(absl::Seconds(2));
  CRM_ASSERT_OK_AND_ASSIGN(v1::Feedback second, Submit(request));
  EXPECT_TRUE(MessageDifferencer::Equals(first, second));
  EXPECT_EQ(CountFeedback(), 1);

  v1::SubmitFeedbackRequest changed = NewRequest("customers/cust1", "same");
  changed.mutable_feedback()->set_rating(5);
  absl::StatusOr<v1::Feedback> reused = Submit(changed);
  EXPECT_THAT(reused, StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_EQ(ReasonOf(reused.status()), reason::REQUEST_ID_REUSED);
  EXPECT_EQ(CountFeedback(), 1);
}

TEST_F(FeedbackServiceTest, ListsPagesAndFiltersByCustomer) {
  std::vector<std::string> all_names;
  std::vector<std::string> alice_names;
  for (int i = 0; i < 9; ++i) {
    if (i % 2 == 0) clock_.Advance(absl::Milliseconds(3));
    const std::string customer =
        i % 3 == 0 ? "customers/alice" : "customers/bob";
    CRM_ASSERT_OK_AND_ASSIGN(v1::Feedback f, Submit(NewRequest(customer, "")));
    all_names.insert(all_names.begin(), f.name());
    if (customer == "customers/alice")
      alice_names.insert(alice_names.begin(), f.name());
  }

  std::vector<int> sizes;
  CRM_ASSERT_OK_AND_ASSIGN(std::vector<std::string> listed,
                           ListAll(4, "", &sizes));
  EXPECT_THAT(sizes, ::testing::ElementsAre(4, 4, 1));
  EXPECT_EQ(listed, all_names);
  EXPECT_EQ(std::set<std::string>(listed.begin(), listed.end()).size(), 9u);

  std::vector<int> alice_sizes;
  CRM_ASSERT_OK_AND_ASSIGN(
      std::vector<std::string> alice,
      ListAll(1, "customer = \"customers/alice\"", &alice_sizes));
  EXPECT_THAT(alice_sizes, ::testing::ElementsAre(1, 1, 1));
  EXPECT_EQ(alice, alice_names);

  CRM_ASSERT_OK_AND_ASSIGN(v1::ListFeedbackResponse compact,
                           List(10, "", "customer=\"customers/alice\""));
  EXPECT_EQ(compact.feedback_size(), 3);
  // `customer_id = "<id>"` is an alias of the same filter.
  CRM_ASSERT_OK_AND_ASSIGN(v1::ListFeedbackResponse by_id,
                           List(10, "", "customer_id = \"alice\""));
  ASSERT_EQ(by_id.feedback_size(), 3);
  for (const v1::Feedback& f : by_id.feedback()) {
    EXPECT_EQ(f.customer(), "customers/alice");
  }

  // A token only works with the filter it was issued for.
  CRM_ASSERT_OK_AND_ASSIGN(v1::ListFeedbackResponse first,
                           List(1, "", "customer = \"customers/alice\""));
  ASSERT_FALSE(first.next_page_token().empty());
  EXPECT_THAT(List(1, first.next_page_token(), ""),
              StatusIs(absl::StatusCode::kInvalidArgument));
}

TEST_F(FeedbackServiceTest, ListRejectsUnsupportedFiltersAndPaging) {
  for (const char* filter :
       {"customer = \"alice\"", "password = \"x\"", "rating = five",
        "customer = \"customers/alice\" AND rating = NOTATYPE",
        "customer = \"customers/\"", "type = NOTATYPE",
        "customer_id = \"a\"b\""}) {
    absl::StatusOr<v1::ListFeedbackResponse> result = List(10, "", filter);
    EXPECT_THAT(result, StatusIs(absl::StatusCode::kInvalidArgument)) << filter;
    EXPECT_EQ(ReasonAndField(result),
              std::make_pair(reason::FILTER_INVALID, std::string("filter")))
        << filter;
  }
  EXPECT_THAT(List(-1, "", ""), StatusIs(absl::StatusCode::kInvalidArgument));
}

TEST_F(FeedbackServiceTest, ErasureOnTheProfileFeedAnonymisesExactlyOnce) {
  namespace cp = ::crm::customerprofile::v1;
  CRM_ASSERT_OK_AND_ASSIGN(v1::Feedback erased,
                           Submit(NewRequest("customers/alice", "")));
  CRM_ASSERT_OK_AND_ASSIGN(v1::Feedback kept,
                           Submit(NewRequest("customers/bob", "")));
  // The consumer main.cc runs, without a stream: ApplyOne is what it does
  // with each event received.
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
  cp::ChangeEvent event;
  event.set_sequence(7);
  event.set_type(cp::ChangeEvent::CUSTOMER_ERASED);
  event.set_customer_name("customers/alice");
  CRM_ASSERT_OK_AND_ASSIGN(bool applied,
                           consumer.ApplyOne(7, event.SerializeAsString()));
  EXPECT_TRUE(applied);
  CRM_ASSERT_OK_AND_ASSIGN(bool again,
                           consumer.ApplyOne(7, event.SerializeAsString()));
  EXPECT_FALSE(again);

  CRM_ASSERT_OK_AND_ASSIGN(v1::ListFeedbackResponse all, List(10, "", ""));
  ASSERT_EQ(all.feedback_size(), 2);
  for (const v1::Feedback& f : all.feedback()) {
    if (f.name() == erased.name()) {
      EXPECT_TRUE(f.anonymous());
      EXPECT_EQ(f.customer(), "");
      EXPECT_EQ(f.order(), "");
      EXPECT_EQ(f.attachment_uris_size(), 0);
      EXPECT_EQ(f.text(), erased.text());
    } else {
      EXPECT_EQ(f.name(), kept.name());
      EXPECT_EQ(f.customer(), "customers/bob");
    }
  }
  CRM_ASSERT_OK_AND_ASSIGN(v1::ListFeedbackResponse alice,
                           List(10, "", "customer = \"customers/alice\""));
  EXPECT_EQ(alice.feedback_size(), 0);
  CRM_ASSERT_OK_AND_ASSIGN(
      int64_t cursor,
      crm::common::FeedConsumer::LoadCursor(*pool_, "feedback"));
  EXPECT_EQ(cursor, 7);
}

TEST_F(FeedbackServiceTest, SubmittedTextIsAnalysedAndFilterable) {
  v1::SubmitFeedbackRequest request = NewRequest("customers/cust1", "");
  request.mutable_feedback()->set_text("客服态度非常差，不满意！");
  CRM_ASSERT_OK_AND_ASSIGN(v1::Feedback angry, Submit(request));
  EXPECT_EQ(angry.language(), v1::Feedback::CHINESE);
  EXPECT_EQ(angry.analysis().sentiment(), v1::TextAnalysis::NEGATIVE);
  EXPECT_EQ(angry.analysis().category(), "service_attitude");
  EXPECT_GT(angry.analysis().evidence_size(), 0);
  request.mutable_feedback()->set_text("Fast delivery, very happy");
  request.mutable_feedback()->set_type(v1::Feedback::PRAISE);
  CRM_ASSERT_OK_AND_ASSIGN(v1::Feedback happy, Submit(request));
  EXPECT_EQ(happy.language(), v1::Feedback::ENGLISH);
  EXPECT_EQ(happy.analysis().sentiment(), v1::TextAnalysis::POSITIVE);

  CRM_ASSERT_OK_AND_ASSIGN(
      v1::ListFeedbackResponse negative,
      List(10, "",
           "analysis.sentiment = NEGATIVE AND analysis.category = "
           "\"service_attitude\""));
  ASSERT_EQ(negative.feedback_size(), 1);
  EXPECT_EQ(negative.feedback(0).name(), angry.name());
  EXPECT_TRUE(MessageDifferencer::Equals(negative.feedback(0).analysis(),
                                         angry.analysis()));
}

TEST_F(FeedbackServiceTest, SurveysVersionsResponsesAndScoresOnMariaDb) {
  grpc::ClientContext create_context;
  v1::CreateSurveyRequest create;
  create.mutable_survey()->set_title("售后回访");
  v1::SurveyQuestion* nps = create.mutable_survey()->add_questions();
  nps->set_id("nps");
  nps->set_text("您向朋友推荐我们的可能性有多大？");
  nps->set_kind(v1::SurveyQuestion::NPS);
  nps->set_required(true);
  v1::SurveyQuestion* csat = create.mutable_survey()->add_questions();
  csat->set_id("csat");
  csat->set_text("Satisfied?");
  csat->set_kind(v1::SurveyQuestion::CSAT);
  v1::Survey survey;
  ASSERT_TRUE(stub_->CreateSurvey(&create_context, create, &survey).ok());
  EXPECT_EQ(survey.version(), 1);

  // Two days of responses: day 1 on the app (9, 10, 3), day 3 on the web (7).
  const int scores[] = {9, 10, 3, 7};
  for (int i = 0; i < 4; ++i) {
    if (i == 3) clock_.Advance(absl::Hours(48));
    grpc::ClientContext context;
    v1::SubmitSurveyResponseRequest submit;
    submit.set_parent(survey.name());
    submit.mutable_response()->set_customer("customers/c" + std::to_string(i));
    submit.mutable_response()->set_channel(i == 3 ? "web" : "app");
    v1::SurveyAnswer* answer = submit.mutable_response()->add_answers();
    answer->set_question_id("nps");
    answer->set_score(scores[i]);
    v1::SurveyAnswer* satisfaction = submit.mutable_response()->add_answers();
    satisfaction->set_question_id("csat");
    satisfaction->set_score(i == 2 ? 2 : 5);
    v1::SurveyResponse response;
    ASSERT_TRUE(stub_->SubmitSurveyResponse(&context, submit, &response).ok());
    EXPECT_EQ(response.survey_version(), 1);
  }

  grpc::ClientContext scores_context;
  v1::GetSurveyScoresRequest request;
  request.set_survey(survey.name());
  *request.mutable_start_time() = crm::common::ToProtoTimestamp(kStart);
  *request.mutable_end_time() =
      crm::common::ToProtoTimestamp(kStart + absl::Hours(72));
  v1::SurveyScores result;
  ASSERT_TRUE(stub_->GetSurveyScores(&scores_context, request, &result).ok());
  EXPECT_EQ(result.total().responses(), 4);
  EXPECT_EQ(result.total().promoters(), 2);
  EXPECT_EQ(result.total().passives(), 1);
  EXPECT_EQ(result.total().detractors(), 1);
  EXPECT_DOUBLE_EQ(result.total().nps(), 25.0);
  EXPECT_DOUBLE_EQ(result.total().csat_percent(), 75.0);
  ASSERT_EQ(result.by_channel_size(), 2);
  EXPECT_EQ(result.by_channel(0).channel(), "app");
  EXPECT_NEAR(result.by_channel(0).scores().nps(), 100.0 / 3, 1e-9);
  ASSERT_EQ(result.trend_size(), 4);
  EXPECT_EQ(result.trend(0).scores().responses(), 3);
  EXPECT_EQ(result.trend(1).scores().responses(), 0);
  EXPECT_EQ(result.trend(2).scores().responses(), 1);

  // A stale etag is ABORTED with ETAG_MISMATCH; the right one makes v2.
  v1::UpdateSurveyRequest update;
  *update.mutable_survey() = survey;
  update.mutable_survey()->set_title("售后回访 v2");
  for (int attempt = 0; attempt < 2; ++attempt) {
    grpc::ClientContext context;
    v1::Survey updated;
    grpc::Status status = stub_->UpdateSurvey(&context, update, &updated);
    if (attempt == 0) {
      ASSERT_TRUE(status.ok());
      EXPECT_EQ(updated.version(), 2);
    } else {
      absl::Status decoded = crm::common::FromGrpcStatus(status);
      EXPECT_EQ(decoded.code(), absl::StatusCode::kAborted);
      EXPECT_EQ(ReasonOf(decoded), reason::ETAG_MISMATCH);
    }
  }
}

}  // namespace
}  // namespace crm::feedback
