// The rules of new feedback items, the ListFeedback filter and language
// detection, without a database.
#include "services/feedback/feedback_validation.h"

#include <string>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "absl/time/time.h"
#include "crm/type/v1/error_reason.pb.h"
#include "services/common/error_details.h"
#include "services/common/filter/filter_predicate.h"
#include "services/feedback/feedback_filter.h"
#include "services/feedback/text_language.h"
#include "tests/testing/status_matchers.h"

namespace crm::feedback {
namespace {

using ::crm::common::ErrorMetadataOf;
using ::crm::common::ReasonOf;
using ::crm::testing::StatusIs;
using ::testing::ElementsAre;
namespace reason = ::crm::type::v1;

v1::Feedback ValidInput() {
  v1::Feedback input;
  input.set_customer("customers/c1");
  input.set_channel("web");
  input.set_type(v1::Feedback::PRAISE);
  return input;
}

TEST(NormalizeNewFeedback, TrimsNamesLowerCasesTheChannelAndKeepsText) {
  v1::Feedback input = ValidInput();
  input.set_name("feedback/forged");
  input.set_customer(" customers/c1 ");
  input.set_channel(" WeChat ");
  input.set_rating(5);
  input.set_text("  很好！ ");
  input.set_order(" customers/c1/orders/o-9 ");
  input.add_attachment_uris(" https://img.example.com/a.jpg ");
  CRM_ASSERT_OK_AND_ASSIGN(NewFeedback item, NormalizeNewFeedback(input));
  EXPECT_EQ(item.customer_id, "c1");
  EXPECT_EQ(item.channel, "wechat");
  EXPECT_EQ(item.rating, 5);
  EXPECT_EQ(item.text, "  很好！ ");
  EXPECT_EQ(item.order_id, "o-9");
  EXPECT_THAT(item.attachment_uris,
              ElementsAre("https://img.example.com/a.jpg"));
}

TEST(NormalizeNewFeedback, AcceptsEveryChannelAndAnonymousItems) {
  for (const char* channel : kFeedbackChannels) {
    v1::Feedback input = ValidInput();
    input.set_channel(channel);
    EXPECT_TRUE(NormalizeNewFeedback(input).ok()) << channel;
  }
  v1::Feedback anonymous = ValidInput();
  anonymous.clear_customer();
  CRM_ASSERT_OK_AND_ASSIGN(NewFeedback item, NormalizeNewFeedback(anonymous));
  EXPECT_EQ(item.customer_id, "");
}

TEST(NormalizeNewFeedback, NamesEachOffendingFieldWithItsReason) {
  struct Case {
    const char* field;
    reason::ErrorReason reason;
    void (*spoil)(v1::Feedback&);
  };
  const Case cases[] = {
      {"feedback.customer", reason::FIELD_INVALID,
       [](v1::Feedback& f) { f.set_customer("c1"); }},
      {"feedback.customer", reason::FIELD_INVALID,
       [](v1::Feedback& f) { f.set_customer("accounts/c1"); }},
      {"feedback.customer", reason::FIELD_INVALID,
       [](v1::Feedback& f) { f.set_customer("customers/"); }},
      {"feedback.customer", reason::FIELD_INVALID,
       [](v1::Feedback& f) { f.set_customer("customers/c1/orders/o1"); }},
      {"feedback.customer", reason::FIELD_INVALID,
       [](v1::Feedback& f) {
         f.set_customer("customers/" + std::string(65, 'c'));
       }},
      {"feedback.channel", reason::FIELD_REQUIRED,
       [](v1::Feedback& f) { f.set_channel(" \t "); }},
      {"feedback.channel", reason::FIELD_INVALID,
       [](v1::Feedback& f) { f.set_channel("fax"); }},
      {"feedback.type", reason::FIELD_INVALID,
       [](v1::Feedback& f) {
         f.set_type(static_cast<v1::Feedback::Type>(42));
       }},
      {"feedback.rating", reason::FIELD_INVALID,
       [](v1::Feedback& f) { f.set_rating(6); }},
      {"feedback.rating", reason::FIELD_INVALID,
       [](v1::Feedback& f) { f.set_rating(-1); }},
      {"feedback.text", reason::FIELD_INVALID,
       [](v1::Feedback& f) { f.set_text(std::string(10001, 't')); }},
      {"feedback.text", reason::FIELD_INVALID,
       [](v1::Feedback& f) { f.set_text("\xED\xA0\x80"); }},  // A surrogate.
      {"feedback.order", reason::FIELD_INVALID,
       [](v1::Feedback& f) { f.set_order("o-1"); }},
      {"feedback.order", reason::FIELD_INVALID,
       [](v1::Feedback& f) { f.set_order("customers/c1/refunds/o-1"); }},
      {"feedback.order", reason::FIELD_INVALID,
       [](v1::Feedback& f) { f.set_order("customers/c2/orders/o-1"); }},
      {"feedback.order", reason::FIELD_INVALID,
       [](v1::Feedback& f) {
         f.clear_customer();
         f.set_order("customers/c1/orders/o-1");
       }},
      {"feedback.attachment_uris[0]", reason::FIELD_INVALID,
       [](v1::Feedback& f) { f.add_attachment_uris("ftp://x.example/a"); }},
      {"feedback.attachment_uris[1]", reason::FIELD_INVALID,
       [](v1::Feedback& f) {
         f.add_attachment_uris("https://x.example/a");
         f.add_attachment_uris("https://x.example/a b");
       }},
      {"feedback.attachment_uris[0]", reason::FIELD_INVALID,
       [](v1::Feedback& f) {
         f.add_attachment_uris("https://x.example/" + std::string(2040, 'a'));
       }},
      {"feedback.attachment_uris", reason::FIELD_INVALID,
       [](v1::Feedback& f) {
         for (int i = 0; i < 11; ++i) {
           f.add_attachment_uris("https://x.example/a");
         }
       }},
  };
  for (const Case& c : cases) {
    v1::Feedback input = ValidInput();
    ASSERT_TRUE(NormalizeNewFeedback(input).ok());
    c.spoil(input);
    absl::StatusOr<NewFeedback> result = NormalizeNewFeedback(input);
    EXPECT_THAT(result, StatusIs(absl::StatusCode::kInvalidArgument))
        << c.field;
    EXPECT_EQ(ReasonOf(result.status()), c.reason) << c.field;
    EXPECT_EQ(ErrorMetadataOf(result.status())["field"], c.field);
  }
}

TEST(DetectTextLanguage, ByTheScriptsOfTheLetters) {
  EXPECT_EQ(DetectTextLanguage(""), v1::Feedback::LANGUAGE_UNSPECIFIED);
  EXPECT_EQ(DetectTextLanguage("123 !!! 。"),
            v1::Feedback::LANGUAGE_UNSPECIFIED);
  EXPECT_EQ(DetectTextLanguage("配送太慢了，包装也破了。"),
            v1::Feedback::CHINESE);
  EXPECT_EQ(DetectTextLanguage("The app keeps crashing."),
            v1::Feedback::ENGLISH);
  EXPECT_EQ(DetectTextLanguage("客服态度 very rude"), v1::Feedback::MIXED);
  EXPECT_EQ(DetectTextLanguage("Доставка очень медленная"),
            v1::Feedback::OTHER);
}

// A stored item for filter tests.
FeedbackRecord Item(const std::string& customer_id) {
  FeedbackRecord record;
  record.id = "f1";
  record.customer_id = customer_id;
  record.channel = "app";
  record.type = v1::Feedback::COMPLAINT;
  record.rating = 2;
  record.order_id = customer_id.empty() ? "" : "o-1";
  record.language = v1::Feedback::CHINESE;
  record.create_time = absl::FromUnixSeconds(1767225600);
  return record;
}

bool Selects(const std::string& filter, const FeedbackRecord& record) {
  absl::StatusOr<FeedbackQuery> query = ParseFeedbackFilter(filter);
  EXPECT_TRUE(query.ok()) << filter << ": " << query.status();
  if (!query.ok()) return false;
  return crm::common::filter::Matches(query->filter,
                                      FeedbackFilterView(record));
}

TEST(ParseFeedbackFilter, CustomerByNameOrIdAndAnonymous) {
  const FeedbackRecord alice = Item("alice");
  const FeedbackRecord anonymous = Item("");
  EXPECT_TRUE(Selects("", alice));
  EXPECT_TRUE(Selects("customer = \"customers/alice\"", alice));
  EXPECT_TRUE(Selects("customer_id = \"alice\"", alice));
  EXPECT_FALSE(Selects("customer = \"customers/bob\"", alice));
  EXPECT_FALSE(Selects("customer = \"customers/alice\"", anonymous));
  // An unset customer satisfies no comparison, not even !=.
  EXPECT_FALSE(Selects("customer != \"customers/bob\"", anonymous));
  EXPECT_TRUE(Selects("anonymous = true", anonymous));
  EXPECT_FALSE(Selects("anonymous = true", alice));
  EXPECT_TRUE(Selects("order = \"customers/alice/orders/o-1\"", alice));
}

TEST(ParseFeedbackFilter, FieldsOfTheItemAndItsAnalysis) {
  FeedbackRecord item = Item("alice");
  EXPECT_TRUE(
      Selects("type = COMPLAINT AND channel = \"app\" AND rating <= 2", item));
  EXPECT_TRUE(Selects("language = CHINESE", item));
  EXPECT_TRUE(Selects("create_time >= \"2026-01-01T00:00:00Z\"", item));
  EXPECT_FALSE(Selects("create_time > \"2026-01-01T00:00:00Z\"", item));
  // Without analysis its fields are unset.
  EXPECT_FALSE(Selects("analysis.sentiment = NEGATIVE", item));
  EXPECT_TRUE(Selects("NOT analysis.sentiment = NEGATIVE", item));
  item.analysis.emplace();
  item.analysis->set_sentiment(v1::TextAnalysis::NEGATIVE);
  item.analysis->set_sentiment_score(-0.6);
  item.analysis->set_category("delivery");
  EXPECT_TRUE(Selects(
      "analysis.sentiment = NEGATIVE AND analysis.sentiment_score < -0.5 AND "
      "analysis.category = \"delivery\"",
      item));
}

TEST(ParseFeedbackFilter, ErrorsAreFilterInvalid) {
  for (const char* filter :
       {"customer", "customer = \"c1\"", "customer = \"accounts/c1\"",
        "password = \"x\"", "type = NOT_A_TYPE", "rating = high",
        "analysis.sentiment = SENTIMENT_UNSPECIFIED"}) {
    absl::StatusOr<FeedbackQuery> parsed = ParseFeedbackFilter(filter);
    EXPECT_THAT(parsed, StatusIs(absl::StatusCode::kInvalidArgument)) << filter;
    EXPECT_EQ(ReasonOf(parsed.status()), reason::FILTER_INVALID) << filter;
    EXPECT_EQ(ErrorMetadataOf(parsed.status())["field"], "filter");
  }
}

TEST(ParseFeedbackFilter, FingerprintsDifferByFilter) {
  CRM_ASSERT_OK_AND_ASSIGN(FeedbackQuery alice,
                           ParseFeedbackFilter("customer_id = \"alice\""));
  CRM_ASSERT_OK_AND_ASSIGN(FeedbackQuery bob,
                           ParseFeedbackFilter("customer_id = \"bob\""));
  CRM_ASSERT_OK_AND_ASSIGN(FeedbackQuery all, ParseFeedbackFilter(""));
  EXPECT_NE(alice.fingerprint, bob.fingerprint);
  EXPECT_NE(alice.fingerprint, all.fingerprint);
}

}  // namespace
}  // namespace crm::feedback
