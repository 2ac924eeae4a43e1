// Segment rules: the shared filter language (services/common/filter,
// AIP-160) over one customer's read model and scores, with a documented,
// typed schema, so a rule is parsed and type-checked once and evaluated per
// customer in memory.
//
//   CRM_ASSIGN_OR_RETURN(Filter rule, ParseSegmentRule(
//       "rfm.recency >= 4 AND lifecycle = AT_RISK AND country = \"CN\" "
//       "AND tags:\"vip\" AND clv.p_alive < 0.3"));
//   bool member = MatchesSegmentRule(rule, {&facts, &aggregate, &score});
//
// Fields (README.md "Segment rules"): rfm.recency, rfm.frequency,
// rfm.monetary (int 1–5), rfm.cell, rfm.segment (string), value_tier (enum
// HIGH/MEDIUM/LOW), lifecycle (enum PROSPECT … LOYAL; alias
// lifecycle_stage), clv.p_alive, clv.expected_purchases (double), clv.value
// (int, minor units), cluster (int, the behaviour cluster's number; absent
// before a cluster fit), monetary (int, minor units of the scoring currency),
// order_count, purchase_days (int), first_order_time, last_order_time
// (timestamp), country (alias country_code), source_channel, locale
// (string), gender (enum FEMALE/MALE/OTHER), customer_type (enum
// INDIVIDUAL/BUSINESS; unstated is INDIVIDUAL), tags (repeated string; alias
// tag, where `tag = "x"` means `tags:"x"`), consents (repeated enum of the
// granted purposes). A value that is not known (no score yet, no CLV model,
// no orders) is unset and satisfies no comparison (AIP-160).
#pragma once

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "services/common/filter/filter_ast.h"
#include "services/common/filter/filter_schema.h"
#include "services/segmentation/read_model.h"
#include "services/segmentation/score_repository.h"

namespace crm::segmentation {

// The schema rules are checked against.
const crm::common::filter::FilterSchema& SegmentRuleSchema();

// The parsed, type-checked rule. Errors are INVALID_ARGUMENT with reason
// FILTER_INVALID, metadata {"field": `field`, "position": column}, and a
// message naming `field`, the column and the problem (unknown field, wrong
// type, comparator not allowed, syntax), never the rule's values.
absl::StatusOr<crm::common::filter::Filter> ParseSegmentRule(
    absl::string_view rule, absl::string_view field = "segment.rule");

// What a rule is evaluated on; any pointer may be null (then its fields are
// unset).
struct SegmentSubject {
  const CustomerFacts* facts = nullptr;
  const CustomerAggregate* aggregate = nullptr;
  const CustomerScoreRecord* score = nullptr;
};

// Whether the customer satisfies `rule`.
bool MatchesSegmentRule(const crm::common::filter::Filter& rule,
                        const SegmentSubject& subject);

}  // namespace crm::segmentation
