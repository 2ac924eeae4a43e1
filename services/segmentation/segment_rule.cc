#include "services/segmentation/segment_rule.h"

#include <cstdlib>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "crm/type/v1/error_reason.pb.h"
#include "services/common/error_details.h"
#include "services/common/filter/filter_parser.h"
#include "services/common/filter/filter_predicate.h"

namespace crm::segmentation {
namespace {

using ::crm::common::filter::FieldSpec;
using ::crm::common::filter::Filter;
using ::crm::common::filter::FilterSchema;
using ::crm::common::filter::FilterValue;
using ::crm::common::filter::FixedFilterSchema;

std::vector<std::string> StageNames() {
  std::vector<std::string> names;
  for (int i = 1; i <= 7; ++i) {
    names.push_back(LifecycleStageName(static_cast<LifecycleStage>(i)));
  }
  return names;
}

FilterSchema BuildSegmentRuleSchema() {
  return FixedFilterSchema(
      {FieldSpec::Int64("rfm.recency"),
       FieldSpec::Int64("rfm.frequency"),
       FieldSpec::Int64("rfm.monetary"),
       FieldSpec::String("rfm.cell"),
       FieldSpec::String("rfm.segment"),
       FieldSpec::Enum("value_tier", {"HIGH", "MEDIUM", "LOW"}),
       FieldSpec::Enum("lifecycle", StageNames()),
       FieldSpec::Double("clv.p_alive"),
       FieldSpec::Double("clv.expected_purchases"),
       FieldSpec::Int64("clv.value"),
       FieldSpec::Int64("cluster"),
       FieldSpec::Int64("monetary"),
       FieldSpec::Int64("order_count"),
       FieldSpec::Int64("purchase_days"),
       FieldSpec::Timestamp("first_order_time"),
       FieldSpec::Timestamp("last_order_time"),
       FieldSpec::String("country"),
       FieldSpec::String("source_channel"),
       FieldSpec::String("locale"),
       FieldSpec::Enum("gender", {"FEMALE", "MALE", "OTHER"}),
       FieldSpec::Enum("customer_type", {"INDIVIDUAL", "BUSINESS"}),
       FieldSpec::String("tags").Repeated(),
       FieldSpec::Enum("consents", {"EMAIL_MARKETING", "SMS_MARKETING",
                                    "DATA_PROCESSING", "PROFILING"})
           .Repeated()},
      {{"lifecycle_stage", "lifecycle", {}},
       {"country_code", "country", {}},
       {"tag", "tags", {.equals_means_has = true}}});
}

// The values of one customer, by canonical path.
class SubjectRecord final : public crm::common::filter::FilterRecord {
 public:
  explicit SubjectRecord(const SegmentSubject& subject) : subject_(subject) {}

  std::vector<FilterValue> Values(const FieldSpec& field) const override {
    const std::string& path = field.path;
    const CustomerScoreRecord* score = subject_.score;
    const CustomerAggregate* aggregate = subject_.aggregate;
    const CustomerFacts* facts = subject_.facts;
    if (absl::StartsWith(path, "rfm.")) {
      if (score == nullptr || score->rfm.recency == 0) return {};
      if (path == "rfm.recency") return {int64_t{score->rfm.recency}};
      if (path == "rfm.frequency") return {int64_t{score->rfm.frequency}};
      if (path == "rfm.monetary") return {int64_t{score->rfm.monetary}};
      if (path == "rfm.cell") return {score->rfm.Cell()};
      if (path == "rfm.segment") return {score->rfm_segment};
    }
    if (path == "value_tier") {
      if (score == nullptr || score->value_tier == ValueTier::kUnspecified) {
        return {};
      }
      return {std::string(ValueTierName(score->value_tier))};
    }
    if (path == "lifecycle") {
      if (score == nullptr ||
          score->lifecycle_stage == LifecycleStage::kUnspecified) {
        return {};
      }
      return {std::string(LifecycleStageName(score->lifecycle_stage))};
    }
    if (path == "cluster") {
      if (score == nullptr || score->cluster == 0) return {};
      return {int64_t{score->cluster}};
    }
    if (path == "clv.p_alive") {
      if (score == nullptr || !score->p_alive.has_value()) return {};
      return {*score->p_alive};
    }
    if (path == "clv.expected_purchases") {
      if (score == nullptr || !score->expected_purchases.has_value()) return {};
      return {*score->expected_purchases};
    }
    if (path == "clv.value") {
      if (score == nullptr || !score->clv_minor.has_value()) return {};
      return {*score->clv_minor};
    }
    if (path == "monetary") {
      if (score == nullptr) return {};
      return {score->monetary_minor};
    }
    if (path == "order_count" || path == "purchase_days") {
      if (aggregate == nullptr) return {};
      return {path == "order_count" ? aggregate->order_count
                                    : aggregate->purchase_days};
    }
    if (path == "first_order_time" || path == "last_order_time") {
      if (aggregate == nullptr) return {};
      const std::optional<absl::Time>& time = path == "first_order_time"
                                                  ? aggregate->first_order_time
                                                  : aggregate->last_order_time;
      if (!time.has_value()) return {};
      return {*time};
    }
    if (facts == nullptr) return {};
    auto text = [](const std::string& value) -> std::vector<FilterValue> {
      if (value.empty()) return {};
      return {value};
    };
    if (path == "country") return text(facts->country_code);
    if (path == "source_channel") return text(facts->source_channel);
    if (path == "locale") return text(facts->locale);
    if (path == "gender") return text(facts->gender);
    if (path == "customer_type") {
      return {facts->customer_type.empty() ? std::string("INDIVIDUAL")
                                           : facts->customer_type};
    }
    if (path == "tags") return {facts->tags.begin(), facts->tags.end()};
    if (path == "consents") {
      return {facts->granted_consents.begin(), facts->granted_consents.end()};
    }
    return {};
  }

 private:
  const SegmentSubject& subject_;
};

}  // namespace

const FilterSchema& SegmentRuleSchema() {
  static const FilterSchema* const schema =
      new FilterSchema(BuildSegmentRuleSchema());
  return *schema;
}

absl::StatusOr<Filter> ParseSegmentRule(absl::string_view rule,
                                        absl::string_view field) {
  absl::StatusOr<Filter> parsed =
      crm::common::filter::ParseFilter(rule, SegmentRuleSchema());
  if (parsed.ok()) return parsed;
  // The filter language names its input "filter"; here it is `field`.
  std::string message(parsed.status().message());
  if (absl::StartsWith(message, "filter")) {
    message = absl::StrCat(field, message.substr(6));
  }
  std::map<std::string, std::string> metadata =
      crm::common::ErrorMetadataOf(parsed.status());
  return crm::common::ErrorWithReason(
      absl::InvalidArgumentError(message), crm::type::v1::FILTER_INVALID,
      {{"field", std::string(field)}, {"position", metadata["position"]}});
}

bool MatchesSegmentRule(const Filter& rule, const SegmentSubject& subject) {
  return crm::common::filter::Matches(rule, SubjectRecord(subject));
}

}  // namespace crm::segmentation
