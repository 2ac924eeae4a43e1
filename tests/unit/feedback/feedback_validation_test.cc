// The feedback rules and filter grammar without a database.
#include "services/feedback/feedback_validation.h"

#include <string>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "tests/testing/status_matchers.h"

namespace crm::feedback {
namespace {

using ::crm::testing::StatusIs;
using ::testing::HasSubstr;

TEST(ParseFeedbackFilter, AcceptsEmptyAndCustomerEquality) {
  CRM_ASSERT_OK_AND_ASSIGN(FeedbackFilter none, ParseFeedbackFilter("  "));
  EXPECT_FALSE(none.customer_id.has_value());
  for (const char* filter : {"customer_id = \"c-1\"", "customer_id=\"c-1\"",
                             "  customer_id   =   \"c-1\"  "}) {
    CRM_ASSERT_OK_AND_ASSIGN(FeedbackFilter parsed,
                             ParseFeedbackFilter(filter));
    EXPECT_EQ(parsed.customer_id, "c-1") << filter;
  }
}

TEST(ParseFeedbackFilter, RejectsEverythingElse) {
  for (const char* filter :
       {"customer_id", "customer_id =", "customer_id = c1",
        "customer_id = 'c1'", "customer_id = \"c1", "customer_id == \"c1\"",
        "customer = \"c1\"", "customer_idx = \"c1\"", "customer_id = \"\"",
        "customer_id = \"a b\"", "customer_id = \"c1\" OR true",
        "type = COMPLAINT"}) {
    EXPECT_THAT(
        ParseFeedbackFilter(filter),
        StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("filter")))
        << filter;
  }
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
  input.set_customer_id(" c1 ");
  input.set_channel(" app ");
  input.set_type(v1::Feedback::PRAISE);
  input.set_rating(5);
  input.set_text("  很好！ ");
  CRM_ASSERT_OK_AND_ASSIGN(v1::Feedback feedback, NormalizeNewFeedback(input));
  EXPECT_EQ(feedback.name(), "");
  EXPECT_EQ(feedback.customer_id(), "c1");
  EXPECT_EQ(feedback.channel(), "app");
  EXPECT_EQ(feedback.text(), "  很好！ ");
}

TEST(NormalizeNewFeedback, RejectsUnknownTypeAndInvalidUtf8) {
  v1::Feedback input;
  input.set_customer_id("c1");
  input.set_channel("web");
  input.set_type(static_cast<v1::Feedback::Type>(42));
  EXPECT_THAT(NormalizeNewFeedback(input),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("type")));
  input.set_type(v1::Feedback::QUESTION);
  input.set_text("\xED\xA0\x80");  // An encoded surrogate.
  EXPECT_THAT(NormalizeNewFeedback(input),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("text")));
}

}  // namespace
}  // namespace crm::feedback
