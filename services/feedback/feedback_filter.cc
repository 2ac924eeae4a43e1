#include "services/feedback/feedback_filter.h"

#include <cstdlib>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "services/common/filter/filter_parser.h"
#include "services/common/filter/proto_field_values.h"
#include "services/common/status_macros.h"
#include "services/common/timestamps.h"
#include "services/feedback/feedback_validation.h"

namespace crm::feedback {
namespace {

using ::crm::common::filter::EnumValueNames;
using ::crm::common::filter::FieldSpec;
using ::crm::common::filter::FilterSchema;
using ::crm::common::filter::FilterValue;
using ::crm::common::filter::FixedFilterSchema;

FilterSchema BuildFeedbackFilterSchema() {
  return FixedFilterSchema(
      {
          FieldSpec::String("customer"),
          FieldSpec::String("customer_id"),
          FieldSpec::Bool("anonymous"),
          FieldSpec::String("channel"),
          FieldSpec::Enum("type",
                          EnumValueNames(*v1::Feedback::Type_descriptor())),
          FieldSpec::Int64("rating"),
          FieldSpec::Enum("language",
                          EnumValueNames(*v1::Feedback::Language_descriptor())),
          FieldSpec::String("order"),
          FieldSpec::Timestamp("create_time"),
          FieldSpec::Enum(
              "analysis.sentiment",
              EnumValueNames(*v1::TextAnalysis::Sentiment_descriptor())),
          FieldSpec::Double("analysis.sentiment_score"),
          FieldSpec::String("analysis.category"),
      },
      {});
}

}  // namespace

const FilterSchema& FeedbackFilterSchema() {
  static const FilterSchema* const schema =
      new FilterSchema(BuildFeedbackFilterSchema());
  return *schema;
}

absl::StatusOr<FeedbackQuery> ParseFeedbackFilter(absl::string_view text) {
  FeedbackQuery query;
  CRM_ASSIGN_OR_RETURN(query.filter, crm::common::filter::ParseFilter(
                                         text, FeedbackFilterSchema()));
  CRM_RETURN_IF_ERROR(crm::common::filter::RewriteResourceNameValues(
      query.filter, "customer",
      [](const std::string& name) { return CustomerIdOf(name, "filter"); },
      "customer must be customers/{id}"));
  query.fingerprint =
      absl::StrCat("feedback?", crm::common::filter::DebugString(query.filter));
  return query;
}

std::vector<FilterValue> FeedbackFilterView::Values(
    const FieldSpec& field) const {
  const std::string& path = field.path;
  const bool linked = !record_.customer_id.empty();
  if (path == "customer" || path == "customer_id") {
    if (!linked) return {};
    return {record_.customer_id};
  }
  if (path == "anonymous") return {!linked};
  if (path == "channel") return {record_.channel};
  if (path == "type") return {v1::Feedback::Type_Name(record_.type)};
  if (path == "rating") return {static_cast<int64_t>(record_.rating)};
  if (path == "language") {
    return {v1::Feedback::Language_Name(record_.language)};
  }
  if (path == "order") {
    if (record_.order_id.empty()) return {};
    return {OrderName(record_.customer_id, record_.order_id)};
  }
  if (path == "create_time") {
    return {crm::common::TruncateToMicros(record_.create_time)};
  }
  if (!record_.analysis.has_value()) return {};
  if (path == "analysis.sentiment") {
    return {v1::TextAnalysis::Sentiment_Name(record_.analysis->sentiment())};
  }
  if (path == "analysis.sentiment_score") {
    return {record_.analysis->sentiment_score()};
  }
  if (path == "analysis.category") return {record_.analysis->category()};
  return {};
}

}  // namespace crm::feedback
