// Segment rules: the documented fields type-check (errors with reason
// FILTER_INVALID naming segment.rule and the column), and rules evaluate
// over a customer's facts, aggregate and scores, unknown values unset.
#include "services/segmentation/segment_rule.h"

#include <string>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "absl/time/time.h"
#include "crm/type/v1/error_reason.pb.h"
#include "services/common/error_details.h"
#include "tests/testing/status_matchers.h"

namespace crm::segmentation {
namespace {

using ::crm::common::ErrorMetadataOf;
using ::crm::common::ReasonOf;
using ::crm::testing::IsOk;

struct Customer {
  CustomerFacts facts;
  CustomerAggregate aggregate;
  CustomerScoreRecord score;
};

Customer AtRiskVip() {
  Customer c;
  c.facts.customer_id = "c1";
  c.facts.country_code = "CN";
  c.facts.tags = {"b2b", "vip"};
  c.facts.granted_consents = {"EMAIL_MARKETING"};
  c.aggregate.order_count = 7;
  c.aggregate.purchase_days = 5;
  c.aggregate.last_order_time = absl::FromUnixSeconds(1767225600);
  c.score.rfm = RfmScore{4, 5, 3};
  c.score.rfm_segment = "Loyal Customers";
  c.score.lifecycle_stage = LifecycleStage::kAtRisk;
  c.score.value_tier = ValueTier::kHigh;
  c.score.monetary_minor = 123456;
  c.score.p_alive = 0.25;
  c.score.clv_minor = 9000;
  return c;
}

bool Matches(const std::string& rule, const Customer& c) {
  absl::StatusOr<crm::common::filter::Filter> parsed = ParseSegmentRule(rule);
  EXPECT_THAT(parsed, IsOk()) << rule;
  if (!parsed.ok()) return false;
  return MatchesSegmentRule(*parsed,
                            SegmentSubject{&c.facts, &c.aggregate, &c.score});
}

TEST(SegmentRuleTest, TheIssueExampleMatches) {
  const Customer c = AtRiskVip();
  EXPECT_TRUE(Matches(
      "rfm.recency >= 4 AND lifecycle = \"AT_RISK\" AND country = \"CN\" AND "
      "tags:\"vip\" AND clv.p_alive < 0.3",
      c));
  EXPECT_FALSE(Matches("rfm.recency >= 5 AND lifecycle = AT_RISK", c));
  EXPECT_FALSE(Matches("clv.p_alive >= 0.3", c));
}

TEST(SegmentRuleTest, EveryDocumentedFieldEvaluates) {
  const Customer c = AtRiskVip();
  EXPECT_TRUE(Matches("rfm.cell = \"453\"", c));
  EXPECT_TRUE(Matches("rfm.segment = \"Loyal Customers\"", c));
  EXPECT_TRUE(Matches("value_tier = HIGH", c));
  EXPECT_TRUE(Matches("lifecycle_stage = AT_RISK", c));
  EXPECT_TRUE(Matches("monetary > 100000 AND clv.value = 9000", c));
  EXPECT_TRUE(Matches("order_count = 7 purchase_days >= 5", c));
  EXPECT_TRUE(Matches("last_order_time >= \"2026-01-01T00:00:00Z\"", c));
  EXPECT_TRUE(Matches("country_code = CN AND tag = \"b2b\"", c));
  EXPECT_TRUE(Matches("consents:EMAIL_MARKETING", c));
  EXPECT_FALSE(Matches("consents:SMS_MARKETING", c));
  EXPECT_TRUE(Matches("NOT gender = FEMALE", c));
  // An unstated type is an individual.
  EXPECT_TRUE(Matches("customer_type = INDIVIDUAL", c));
  Customer business = c;
  business.facts.customer_type = "BUSINESS";
  EXPECT_TRUE(
      Matches("customer_type = BUSINESS AND value_tier = HIGH", business));
  EXPECT_FALSE(Matches("customer_type = INDIVIDUAL", business));
  EXPECT_TRUE(Matches("customer_type = \"BUSINESS\"", business));
  EXPECT_FALSE(Matches("customer_type = \"BUSINESS\"", c));
}

TEST(SegmentRuleTest, UnknownValuesSatisfyNoComparison) {
  Customer prospect;
  prospect.facts.customer_id = "p";
  prospect.score.lifecycle_stage = LifecycleStage::kProspect;
  EXPECT_FALSE(Matches("rfm.recency >= 1", prospect));
  EXPECT_FALSE(Matches("rfm.recency != 3", prospect));
  EXPECT_FALSE(Matches("clv.p_alive < 1", prospect));
  EXPECT_TRUE(Matches("NOT clv.p_alive < 1", prospect));
  EXPECT_TRUE(Matches("lifecycle = PROSPECT", prospect));
  EXPECT_FALSE(
      MatchesSegmentRule(*ParseSegmentRule("country = CN"), SegmentSubject{}));
}

TEST(SegmentRuleTest, ErrorsNameTheRuleAndThePosition) {
  struct Case {
    std::string rule;
    std::string position;
  };
  for (const Case& c : {Case{"colour = \"red\"", "1"},          // unknown field
                        Case{"rfm.recency >= \"high\"", "16"},  // wrong type
                        Case{"lifecycle = SLEEPY", "13"},  // not an enum name
                        Case{"customer_type = \"COMPANY\"", "17"},
                        Case{"customer_type > 1", "17"},
                        Case{"tags = \"vip\"", "6"},  // repeated needs :
                        Case{"rfm.recency >= 4 AND", "21"}}) {  // syntax
    absl::StatusOr<crm::common::filter::Filter> parsed =
        ParseSegmentRule(c.rule);
    ASSERT_FALSE(parsed.ok()) << c.rule;
    EXPECT_EQ(parsed.status().code(), absl::StatusCode::kInvalidArgument);
    EXPECT_EQ(ReasonOf(parsed.status()), crm::type::v1::FILTER_INVALID);
    EXPECT_EQ(ErrorMetadataOf(parsed.status())["field"], "segment.rule")
        << c.rule;
    EXPECT_FALSE(ErrorMetadataOf(parsed.status())["position"].empty())
        << c.rule;
  }
}

}  // namespace
}  // namespace crm::segmentation
