// ListSurveys and ListSurveyResponses on MariaDB through the gRPC stub:
// newest first with a stable order on equal times, pages that neither skip
// nor repeat (also while responses arrive), tokens bound to parent and
// filter, the customer / channel / create_time filter, the answers' question
// kinds from the version answered (also after UpdateSurvey and in the
// export), the errors, and the feed's merges and erasures as the list sees
// them.
#include <set>
#include <string>
#include <utility>
#include <vector>

#include <gmock/gmock.h>
#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>

#include "crm/customerprofile/v1/change_event.pb.h"
#include "crm/type/v1/error_reason.pb.h"
#include "services/common/error_details.h"
#include "services/common/timestamps.h"
#include "tests/integration/feedback/feedback_service_fixture.h"
#include "tests/testing/status_matchers.h"

namespace crm::feedback {
namespace {

using ::crm::common::ErrorMetadataOf;
using ::crm::common::ReasonOf;
using ::crm::testing::StatusIs;
using ::testing::ElementsAre;
using ::testing::ElementsAreArray;
namespace cp = ::crm::customerprofile::v1;
namespace reason = ::crm::type::v1;
using Q = v1::SurveyQuestion;

class SurveyListServiceTest : public FeedbackServiceFixture {
 protected:
  v1::Survey NewSurvey(
      const std::string& title,
      const std::vector<std::pair<std::string, Q::Kind>>& questions) {
    v1::CreateSurveyRequest request;
    request.mutable_survey()->set_title(title);
    for (const auto& [id, kind] : questions) {
      Q* question = request.mutable_survey()->add_questions();
      question->set_id(id);
      question->set_text("Question " + id);
      question->set_kind(kind);
    }
    grpc::ClientContext context;
    v1::Survey survey;
    grpc::Status status = stub_->CreateSurvey(&context, request, &survey);
    EXPECT_TRUE(status.ok()) << status.error_message();
    return survey;
  }

  // A response of `customer` (empty: anonymous) scoring each question.
  v1::SurveyResponse Respond(
      const v1::Survey& survey, const std::string& customer,
      const std::string& channel,
      const std::vector<std::pair<std::string, int>>& scores) {
    v1::SubmitSurveyResponseRequest request;
    request.set_parent(survey.name());
    request.mutable_response()->set_customer(customer);
    request.mutable_response()->set_channel(channel);
    for (const auto& [id, score] : scores) {
      v1::SurveyAnswer* answer = request.mutable_response()->add_answers();
      answer->set_question_id(id);
      answer->set_score(score);
      // Output only: ignored.
      answer->set_question_kind(Q::MULTIPLE_CHOICE);
    }
    grpc::ClientContext context;
    v1::SurveyResponse response;
    grpc::Status status =
        stub_->SubmitSurveyResponse(&context, request, &response);
    EXPECT_TRUE(status.ok()) << status.error_message();
    return response;
  }

  absl::StatusOr<v1::ListSurveyResponsesResponse> ListResponses(
      const std::string& parent, const std::string& filter, int page_size,
      const std::string& token = "") {
    v1::ListSurveyResponsesRequest request;
    request.set_parent(parent);
    request.set_filter(filter);
    request.set_page_size(page_size);
    request.set_page_token(token);
    grpc::ClientContext context;
    v1::ListSurveyResponsesResponse response;
    return Reply(stub_->ListSurveyResponses(&context, request, &response),
                 response);
  }

  // The names of every page of `parent` and `filter`, in order; fails the
  // test on an error or a page larger than `page_size`.
  std::vector<std::string> AllNames(const std::string& parent,
                                    const std::string& filter, int page_size) {
    std::vector<std::string> names;
    std::string token;
    for (int pages = 0; pages < 100; ++pages) {
      absl::StatusOr<v1::ListSurveyResponsesResponse> page =
          ListResponses(parent, filter, page_size, token);
      EXPECT_TRUE(page.ok()) << page.status();
      if (!page.ok()) break;
      EXPECT_LE(page->responses_size(), page_size);
      for (const v1::SurveyResponse& response : page->responses()) {
        names.push_back(response.name());
      }
      token = page->next_page_token();
      if (token.empty()) break;
    }
    return names;
  }

  absl::StatusOr<v1::ListSurveysResponse> ListSurveys(
      int page_size, const std::string& token = "") {
    v1::ListSurveysRequest request;
    request.set_page_size(page_size);
    request.set_page_token(token);
    grpc::ClientContext context;
    v1::ListSurveysResponse response;
    return Reply(stub_->ListSurveys(&context, request, &response), response);
  }

  absl::Status ApplyFeedEvent(const cp::ChangeEvent& event) {
    return unit_of_work_->Run(crm::common::RequestContext(),
                              [&](crm::common::Transaction& tx) {
                                return ApplyCustomerProfileEvent(
                                    stores_, tx, event.SerializeAsString());
                              });
  }

  std::vector<std::string> NamesOf(
      const std::vector<v1::SurveyResponse>& responses) {
    std::vector<std::string> names;
    for (const v1::SurveyResponse& response : responses) {
      names.push_back(response.name());
    }
    return names;
  }
};

// The `{response}` of `surveys/{survey}/responses/{response}`.
std::string ResponseId(const v1::SurveyResponse& response) {
  return response.name().substr(response.name().rfind('/') + 1);
}

template <typename T>
std::pair<reason::ErrorReason, std::string> ReasonAndField(
    const absl::StatusOr<T>& result) {
  return {ReasonOf(result.status()), ErrorMetadataOf(result.status())["field"]};
}

TEST_F(SurveyListServiceTest, ListsSurveysNewestFirstAtTheirCurrentVersion) {
  std::vector<v1::Survey> created;
  for (int i = 0; i < 5; ++i) {
    // Surveys 1 and 2 share a create_time: the later id comes first.
    if (i != 2) clock_.Advance(absl::Minutes(1));
    created.push_back(
        NewSurvey("survey " + std::to_string(i), {{"nps", Q::NPS}}));
  }
  v1::UpdateSurveyRequest update;
  *update.mutable_survey() = created[0];
  update.mutable_survey()->set_title("survey 0, v2");
  {
    grpc::ClientContext context;
    v1::Survey updated;
    ASSERT_TRUE(stub_->UpdateSurvey(&context, update, &updated).ok());
  }

  std::vector<std::string> names;
  std::string token;
  int pages = 0;
  do {
    CRM_ASSERT_OK_AND_ASSIGN(v1::ListSurveysResponse page,
                             ListSurveys(2, token));
    ++pages;
    for (const v1::Survey& survey : page.surveys()) {
      names.push_back(survey.name());
      if (survey.name() == created[0].name()) {
        EXPECT_EQ(survey.version(), 2);
        EXPECT_EQ(survey.title(), "survey 0, v2");
        EXPECT_FALSE(survey.etag().empty());
      }
    }
    token = page.next_page_token();
  } while (!token.empty() && pages < 10);
  EXPECT_EQ(pages, 3);
  EXPECT_THAT(names, ElementsAre(created[4].name(), created[3].name(),
                                 created[2].name(), created[1].name(),
                                 created[0].name()));

  CRM_ASSERT_OK_AND_ASSIGN(v1::ListSurveysResponse everything, ListSurveys(0));
  EXPECT_EQ(everything.surveys_size(), 5);
  EXPECT_TRUE(everything.next_page_token().empty());
  EXPECT_EQ(ReasonAndField(ListSurveys(-1)),
            std::make_pair(reason::FIELD_INVALID, std::string("page_size")));
  EXPECT_THAT(ListSurveys(2, "not-a-token"),
              StatusIs(absl::StatusCode::kInvalidArgument));
}

TEST_F(SurveyListServiceTest, PagesAcrossEverySurveyWithAndWithoutFilter) {
  const v1::Survey delivery = NewSurvey("delivery", {{"nps", Q::NPS}});
  const v1::Survey store = NewSurvey("store", {{"csat", Q::CSAT}});
  // Nine responses, newest last; three pairs share a create_time.
  struct Spec {
    const v1::Survey* survey;
    std::string customer;
    std::string channel;
  };
  const std::vector<Spec> specs = {
      {&delivery, "customers/ann", "app"},
      {&store, "customers/bob", "web"},
      {&delivery, "", "app"},
      {&store, "customers/ann", "store"},
      {&delivery, "customers/bob", "web"},
      {&store, "customers/ann", "app"},
      {&delivery, "customers/ann", "web"},
      {&store, "", "store"},
      {&delivery, "customers/ann", "app"},
  };
  std::vector<v1::SurveyResponse> submitted;
  for (size_t i = 0; i < specs.size(); ++i) {
    if (i % 3 != 1) clock_.Advance(absl::Seconds(1));
    const bool nps = specs[i].survey == &delivery;
    submitted.push_back(Respond(*specs[i].survey, specs[i].customer,
                                specs[i].channel,
                                {{nps ? "nps" : "csat", nps ? 9 : 4}}));
  }
  // Newest first: by time, then by id (both descending).
  std::vector<v1::SurveyResponse> newest_first = submitted;
  std::sort(
      newest_first.begin(), newest_first.end(),
      [](const v1::SurveyResponse& a, const v1::SurveyResponse& b) {
        const absl::Time ta = crm::common::FromProtoTimestamp(a.create_time());
        const absl::Time tb = crm::common::FromProtoTimestamp(b.create_time());
        return ta != tb ? ta > tb : ResponseId(a) > ResponseId(b);
      });
  auto keep = [&](auto predicate) {
    std::vector<v1::SurveyResponse> kept;
    for (const v1::SurveyResponse& r : newest_first) {
      if (predicate(r)) kept.push_back(r);
    }
    return NamesOf(kept);
  };

  for (int page_size : {1, 2, 4, 50}) {
    EXPECT_THAT(AllNames("surveys/-", "", page_size),
                ElementsAreArray(NamesOf(newest_first)))
        << page_size;
  }
  EXPECT_THAT(AllNames(delivery.name(), "", 2),
              ElementsAreArray(keep([&](const v1::SurveyResponse& r) {
                return r.name().rfind(delivery.name() + "/", 0) == 0;
              })));
  const std::vector<std::string> anns = keep([](const v1::SurveyResponse& r) {
    return r.customer() == "customers/ann";
  });
  ASSERT_EQ(anns.size(), 5u);
  EXPECT_THAT(AllNames("surveys/-", "customer = \"customers/ann\"", 2),
              ElementsAreArray(anns));
  EXPECT_THAT(AllNames("surveys/-",
                       "customer = \"customers/ann\" AND channel = \"app\"", 1),
              ElementsAreArray(keep([](const v1::SurveyResponse& r) {
                return r.customer() == "customers/ann" && r.channel() == "app";
              })));
  // Anonymous responses have no customer: `!=` does not select them.
  EXPECT_THAT(AllNames("surveys/-", "customer != \"customers/ann\"", 3),
              ElementsAreArray(keep([](const v1::SurveyResponse& r) {
                return !r.customer().empty() && r.customer() != "customers/ann";
              })));
  const std::string since = absl::FormatTime(
      "%Y-%m-%dT%H:%M:%E6SZ",
      crm::common::FromProtoTimestamp(submitted[4].create_time()),
      absl::UTCTimeZone());
  EXPECT_THAT(
      AllNames(store.name(), "create_time >= \"" + since + "\"", 1),
      ElementsAreArray(keep([&](const v1::SurveyResponse& r) {
        return r.name().rfind(store.name() + "/", 0) == 0 &&
               crm::common::FromProtoTimestamp(r.create_time()) >=
                   crm::common::FromProtoTimestamp(submitted[4].create_time());
      })));

  // Responses arriving between pages come before the cursor: the pages
  // still hold each earlier response exactly once.
  CRM_ASSERT_OK_AND_ASSIGN(v1::ListSurveyResponsesResponse first,
                           ListResponses("surveys/-", "", 4));
  clock_.Advance(absl::Seconds(1));
  Respond(delivery, "customers/ann", "app", {{"nps", 10}});
  std::vector<std::string> seen =
      NamesOf({first.responses().begin(), first.responses().end()});
  std::string token = first.next_page_token();
  while (!token.empty()) {
    CRM_ASSERT_OK_AND_ASSIGN(v1::ListSurveyResponsesResponse page,
                             ListResponses("surveys/-", "", 4, token));
    for (const v1::SurveyResponse& r : page.responses()) {
      seen.push_back(r.name());
    }
    token = page.next_page_token();
  }
  EXPECT_THAT(seen, ElementsAreArray(NamesOf(newest_first)));

  // A token is bound to its parent and its filter.
  CRM_ASSERT_OK_AND_ASSIGN(
      v1::ListSurveyResponsesResponse filtered,
      ListResponses("surveys/-", "customer = \"customers/ann\"", 1));
  ASSERT_FALSE(filtered.next_page_token().empty());
  EXPECT_EQ(
      ReasonAndField(
          ListResponses("surveys/-", "", 1, filtered.next_page_token())),
      std::make_pair(reason::PAGE_TOKEN_INVALID, std::string("page_token")));
  EXPECT_EQ(
      ReasonAndField(ListResponses(delivery.name(),
                                   "customer = \"customers/ann\"", 1,
                                   filtered.next_page_token())),
      std::make_pair(reason::PAGE_TOKEN_INVALID, std::string("page_token")));
}

TEST_F(SurveyListServiceTest, LatestNpsAndCsatOfACustomerByQuestionKind) {
  // The kinds sit at different question ids and positions in each survey.
  const v1::Survey after_order =
      NewSurvey("after order", {{"recommend", Q::NPS}, {"happy", Q::CSAT}});
  const v1::Survey after_call =
      NewSurvey("after call", {{"effort", Q::CES}, {"satisfied", Q::CSAT}});
  clock_.Advance(absl::Seconds(1));
  const v1::SurveyResponse first = Respond(after_order, "customers/cat", "app",
                                           {{"recommend", 3}, {"happy", 2}});
  ASSERT_EQ(first.answers_size(), 2);
  EXPECT_EQ(first.answers(0).question_kind(), Q::NPS);
  EXPECT_EQ(first.answers(1).question_kind(), Q::CSAT);
  clock_.Advance(absl::Seconds(1));
  Respond(after_order, "customers/cat", "web", {{"recommend", 9}});
  clock_.Advance(absl::Seconds(1));
  Respond(after_call, "customers/cat", "call_center",
          {{"effort", 2}, {"satisfied", 5}});
  clock_.Advance(absl::Seconds(1));
  Respond(after_order, "customers/dan", "app",
          {{"recommend", 0}, {"happy", 1}});

  // The latest answer of each kind, walking the customer's responses newest
  // first a page at a time, without reading any survey.
  int latest_nps = -1;
  int latest_csat = -1;
  std::string token;
  do {
    CRM_ASSERT_OK_AND_ASSIGN(
        v1::ListSurveyResponsesResponse page,
        ListResponses("surveys/-", "customer = \"customers/cat\"", 1, token));
    for (const v1::SurveyResponse& response : page.responses()) {
      EXPECT_EQ(response.customer(), "customers/cat");
      for (const v1::SurveyAnswer& answer : response.answers()) {
        EXPECT_NE(answer.question_kind(), Q::KIND_UNSPECIFIED);
        EXPECT_NE(answer.question_kind(), Q::MULTIPLE_CHOICE);
        if (answer.question_kind() == Q::NPS && latest_nps < 0) {
          latest_nps = answer.score();
        }
        if (answer.question_kind() == Q::CSAT && latest_csat < 0) {
          latest_csat = answer.score();
        }
      }
    }
    token = page.next_page_token();
  } while (!token.empty());
  EXPECT_EQ(latest_nps, 9);
  EXPECT_EQ(latest_csat, 5);
}

TEST_F(SurveyListServiceTest, AResponseKeepsTheKindsOfTheVersionItAnswered) {
  const v1::Survey v1_survey = NewSurvey("kiosk", {{"score", Q::NPS}});
  clock_.Advance(absl::Seconds(1));
  Respond(v1_survey, "customers/eve", "store", {{"score", 4}});
  // Version 2 turns the same question id into a CSAT question.
  v1::UpdateSurveyRequest update;
  *update.mutable_survey() = v1_survey;
  update.mutable_survey()->mutable_questions(0)->set_kind(Q::CSAT);
  {
    grpc::ClientContext context;
    v1::Survey updated;
    ASSERT_TRUE(stub_->UpdateSurvey(&context, update, &updated).ok());
    ASSERT_EQ(updated.version(), 2);
  }
  clock_.Advance(absl::Seconds(1));
  const v1::SurveyResponse second =
      Respond(v1_survey, "customers/eve", "store", {{"score", 4}});
  EXPECT_EQ(second.answers(0).question_kind(), Q::CSAT);

  CRM_ASSERT_OK_AND_ASSIGN(v1::ListSurveyResponsesResponse listed,
                           ListResponses(v1_survey.name(), "", 10));
  ASSERT_EQ(listed.responses_size(), 2);
  EXPECT_EQ(listed.responses(0).survey_version(), 2);
  EXPECT_EQ(listed.responses(0).answers(0).question_kind(), Q::CSAT);
  EXPECT_EQ(listed.responses(1).survey_version(), 1);
  EXPECT_EQ(listed.responses(1).answers(0).question_kind(), Q::NPS);

  grpc::ClientContext context;
  v1::ExportCustomerFeedbackRequest request;
  request.set_customer("customers/eve");
  v1::CustomerFeedbackExport exported;
  ASSERT_TRUE(stub_->ExportCustomerFeedback(&context, request, &exported).ok());
  ASSERT_EQ(exported.survey_responses_size(), 2);
  EXPECT_EQ(exported.survey_responses(0).answers(0).question_kind(), Q::CSAT);
  EXPECT_EQ(exported.survey_responses(1).answers(0).question_kind(), Q::NPS);
}

TEST_F(SurveyListServiceTest, RejectsBadParentFilterAndPageSize) {
  const v1::Survey survey = NewSurvey("s", {{"nps", Q::NPS}});
  EXPECT_EQ(ReasonAndField(ListResponses("", "", 10)),
            std::make_pair(reason::FIELD_REQUIRED, std::string("parent")));
  for (const char* parent :
       {"surveys", "surveys/", "tickets/t-1", "surveys/a/responses",
        "surveys/-/x", "surveys/a b"}) {
    absl::StatusOr<v1::ListSurveyResponsesResponse> result =
        ListResponses(parent, "", 10);
    EXPECT_THAT(result, StatusIs(absl::StatusCode::kInvalidArgument)) << parent;
    EXPECT_EQ(ErrorMetadataOf(result.status())["field"], "parent") << parent;
  }
  EXPECT_THAT(ListResponses("surveys/unknown-survey", "", 10),
              StatusIs(absl::StatusCode::kNotFound));
  for (const char* filter :
       {"customer = \"ann\"", "customer = \"customers/\"", "rating = 3",
        "customer > \"customers/ann\"", "channel = ", "create_time > 5",
        "customer = \"customers/ann\" OR", "survey_version = 1"}) {
    absl::StatusOr<v1::ListSurveyResponsesResponse> result =
        ListResponses(survey.name(), filter, 10);
    EXPECT_THAT(result, StatusIs(absl::StatusCode::kInvalidArgument)) << filter;
    EXPECT_EQ(ReasonAndField(result),
              std::make_pair(reason::FILTER_INVALID, std::string("filter")))
        << filter;
  }
  EXPECT_EQ(ReasonAndField(ListResponses("surveys/-", "", -1)),
            std::make_pair(reason::FIELD_INVALID, std::string("page_size")));
  EXPECT_EQ(
      ReasonAndField(ListResponses("surveys/-", "", 10, "garbage")),
      std::make_pair(reason::PAGE_TOKEN_INVALID, std::string("page_token")));
  // Over 1000 is 1000, not an error.
  EXPECT_TRUE(ListResponses("surveys/-", "", 5000).ok());
}

TEST_F(SurveyListServiceTest, MergesAndErasuresOnTheFeedAsTheListSeesThem) {
  const v1::Survey survey = NewSurvey("s", {{"nps", Q::NPS}});
  clock_.Advance(absl::Seconds(1));
  const v1::SurveyResponse by_duplicate =
      Respond(survey, "customers/dup-1", "app", {{"nps", 8}});
  clock_.Advance(absl::Seconds(1));
  const v1::SurveyResponse by_survivor =
      Respond(survey, "customers/surv-1", "web", {{"nps", 10}});

  cp::ChangeEvent merged;
  merged.set_type(cp::ChangeEvent::CUSTOMER_MERGED);
  merged.set_customer_name("customers/surv-1");
  merged.mutable_merge()->set_survivor("customers/surv-1");
  merged.mutable_merge()->set_duplicate("customers/dup-1");
  ASSERT_TRUE(ApplyFeedEvent(merged).ok());
  EXPECT_THAT(AllNames("surveys/-", "customer = \"customers/surv-1\"", 1),
              ElementsAre(by_survivor.name(), by_duplicate.name()));
  EXPECT_TRUE(
      AllNames("surveys/-", "customer = \"customers/dup-1\"", 10).empty());
  CRM_ASSERT_OK_AND_ASSIGN(
      v1::ListSurveyResponsesResponse moved,
      ListResponses(survey.name(), "customer = \"customers/surv-1\"", 10));
  ASSERT_EQ(moved.responses_size(), 2);
  EXPECT_EQ(moved.responses(1).customer(), "customers/surv-1");

  cp::ChangeEvent erased;
  erased.set_type(cp::ChangeEvent::CUSTOMER_ERASED);
  erased.set_customer_name("customers/surv-1");
  ASSERT_TRUE(ApplyFeedEvent(erased).ok());
  // The old name finds nothing; the responses stay, without a customer.
  EXPECT_TRUE(
      AllNames("surveys/-", "customer = \"customers/surv-1\"", 10).empty());
  CRM_ASSERT_OK_AND_ASSIGN(v1::ListSurveyResponsesResponse all,
                           ListResponses("surveys/-", "", 10));
  ASSERT_EQ(all.responses_size(), 2);
  for (const v1::SurveyResponse& response : all.responses()) {
    EXPECT_TRUE(response.customer().empty());
    EXPECT_EQ(response.answers(0).question_kind(), Q::NPS);
  }
}

}  // namespace
}  // namespace crm::feedback
