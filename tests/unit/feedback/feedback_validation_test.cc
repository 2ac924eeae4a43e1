// The feedback rules and filter grammar without a database.
#include "services/feedback/feedback_validation.h"

#include <string>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "crm/type/v1/error_reason.pb.h"
#include "services/common/error_details.h"
#include "tests/testing/status_matchers.h"

namespace crm::feedback {
namespace {

using ::crm::common::ErrorMetadataOf;
using ::crm::common::ReasonOf;
using ::crm::testing::StatusIs;
namespace reason = ::crm::type::v1;

TEST(ParseFeedbackFilter, AcceptsEmptyAndCustomerEquality) {
  CRM_ASSERT_OK_AND_ASSIGN(FeedbackFilter none, ParseFeedbackFilter("  "));
  EXPECT_FALSE(none.customer_id.has_value());
  for (const char* filter :
       {"customer = \"customers/c-1\"", "customer=\"customers/c-1\"",
        "  customer   =   \"customers/c-1\"  ",
        // The bare-id alias.
        "customer_id = \"c-1\"", "customer_id=\"c-1\""}) {
    CRM_ASSERT_OK_AND_ASSIGN(FeedbackFilter parsed,
                             ParseFeedbackFilter(filter));
    EXPECT_EQ(parsed.customer_id, "c-1") << filter;
  }
}

TEST(ParseFeedbackFilter, RejectsEverythingElse) {
  for (const char* filter : {"customer",
                             "customer =",
                             "customer = customers/c1",
                             "customer = 'customers/c1'",
                             "customer = \"customers/c1",
                             "customer == \"customers/c1\"",
                             "customer = \"c1\"",
                             "customer = \"accounts/c1\"",
                             "customer = \"customers/\"",
                             "customer = \"customers/a b\"",
                             "customers = \"customers/c1\"",
                             "customer = \"customers/c1\" OR true",
                             "customer_id",
                             "customer_id =",
                             "customer_id = c1",
                             "customer_id = \"customers/c1\"",
                             "customer_idx = \"c1\"",
                             "customer_id = \"\"",
                             "customer_id = \"a b\"",
                             "type = COMPLAINT"}) {
    absl::StatusOr<FeedbackFilter> parsed = ParseFeedbackFilter(filter);
    EXPECT_THAT(parsed, StatusIs(absl::StatusCode::kInvalidArgument)) << filter;
    EXPECT_EQ(ReasonOf(parsed.status()), reason::FILTER_INVALID) << filter;
    EXPECT_EQ(ErrorMetadataOf(parsed.status())["field"], "filter");
  }
}

TEST(ParseFeedbackFilter, NameAndAliasGiveTheSameQuery) {
  CRM_ASSERT_OK_AND_ASSIGN(FeedbackFilter by_name,
                           ParseFeedbackFilter("customer = \"customers/c1\""));
  CRM_ASSERT_OK_AND_ASSIGN(FeedbackFilter by_id,
                           ParseFeedbackFilter("customer_id = \"c1\""));
  EXPECT_EQ(by_name.customer_id, "c1");
  EXPECT_EQ(by_name.QueryFingerprint(), by_id.QueryFingerprint());
}

TEST(FeedbackFilter, FingerprintsDifferByCustomer) {
  FeedbackFilter all;
  FeedbackFilter alice{.customer_id = "alice"};
  FeedbackFilter bob{.customer_id = "bob"};
  EXPECT_NE(all.QueryFingerprint(), alice.QueryFingerprint());
  EXPECT_NE(alice.QueryFingerprint(), bob.QueryFingerprint());
}

TEST(NormalizeNewFeedback, TrimsIdsAndKeepsText) {
  v1::Feedback input;
  input.set_name("feedback/forged");
  input.set_customer(" customers/c1 ");
  input.set_channel(" app ");
  input.set_type(v1::Feedback::PRAISE);
  input.set_rating(5);
  input.set_text("  很好！ ");
  CRM_ASSERT_OK_AND_ASSIGN(v1::Feedback feedback, NormalizeNewFeedback(input));
  EXPECT_EQ(feedback.name(), "");
  EXPECT_EQ(feedback.customer(), "customers/c1");
  EXPECT_EQ(feedback.channel(), "app");
  EXPECT_EQ(feedback.text(), "  很好！ ");
}

TEST(NormalizeNewFeedback, RejectsUnknownTypeAndInvalidUtf8) {
  v1::Feedback input;
  input.set_customer("customers/c1");
  input.set_channel("web");
  input.set_type(static_cast<v1::Feedback::Type>(42));
  absl::StatusOr<v1::Feedback> unknown_type = NormalizeNewFeedback(input);
  EXPECT_THAT(unknown_type, StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_EQ(ReasonOf(unknown_type.status()), reason::FIELD_INVALID);
  EXPECT_EQ(ErrorMetadataOf(unknown_type.status())["field"], "feedback.type");
  input.set_type(v1::Feedback::QUESTION);
  input.set_text("\xED\xA0\x80");  // An encoded surrogate.
  absl::StatusOr<v1::Feedback> bad_text = NormalizeNewFeedback(input);
  EXPECT_THAT(bad_text, StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_EQ(ReasonOf(bad_text.status()), reason::FIELD_INVALID);
  EXPECT_EQ(ErrorMetadataOf(bad_text.status())["field"], "feedback.text");
}

TEST(NormalizeNewFeedback, NamesEachOffendingFieldWithItsReason) {
  struct Case {
    const char* field;
    reason::ErrorReason reason;
    void (*spoil)(v1::Feedback&);
  };
  const Case cases[] = {
      {"feedback.customer", reason::FIELD_REQUIRED,
       [](v1::Feedback& f) { f.set_customer("  "); }},
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
       [](v1::Feedback& f) { f.set_channel(std::string(33, 'w')); }},
      {"feedback.rating", reason::FIELD_INVALID,
       [](v1::Feedback& f) { f.set_rating(6); }},
      {"feedback.rating", reason::FIELD_INVALID,
       [](v1::Feedback& f) { f.set_rating(-1); }},
      {"feedback.text", reason::FIELD_INVALID,
       [](v1::Feedback& f) { f.set_text(std::string(10001, 't')); }},
      {"feedback.order_id", reason::FIELD_INVALID,
       [](v1::Feedback& f) { f.set_order_id(std::string(65, 'o')); }},
  };
  for (const Case& c : cases) {
    v1::Feedback input;
    input.set_customer("customers/c1");
    input.set_channel("web");
    input.set_type(v1::Feedback::PRAISE);
    ASSERT_TRUE(NormalizeNewFeedback(input).ok());
    c.spoil(input);
    absl::StatusOr<v1::Feedback> result = NormalizeNewFeedback(input);
    EXPECT_THAT(result, StatusIs(absl::StatusCode::kInvalidArgument))
        << c.field;
    EXPECT_EQ(ReasonOf(result.status()), c.reason) << c.field;
    EXPECT_EQ(ErrorMetadataOf(result.status())["field"], c.field);
  }
}

}  // namespace
}  // namespace crm::feedback
