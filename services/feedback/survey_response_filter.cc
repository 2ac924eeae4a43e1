#include "services/feedback/survey_response_filter.h"

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

using ::crm::common::filter::FieldSpec;
using ::crm::common::filter::FilterSchema;
using ::crm::common::filter::FilterValue;
using ::crm::common::filter::FixedFilterSchema;

FilterSchema BuildSurveyResponseFilterSchema() {
  return FixedFilterSchema(
      {
          FieldSpec::String("customer"),
          FieldSpec::String("channel"),
          FieldSpec::Timestamp("create_time"),
      },
      {});
}

}  // namespace

const FilterSchema& SurveyResponseFilterSchema() {
  static const FilterSchema* const schema =
      new FilterSchema(BuildSurveyResponseFilterSchema());
  return *schema;
}

absl::StatusOr<SurveyResponseQuery> ParseSurveyResponseFilter(
    absl::string_view text) {
  SurveyResponseQuery query;
  CRM_ASSIGN_OR_RETURN(query.filter, crm::common::filter::ParseFilter(
                                         text, SurveyResponseFilterSchema()));
  CRM_RETURN_IF_ERROR(crm::common::filter::RewriteResourceNameValues(
      query.filter, "customer",
      [](const std::string& name) { return CustomerIdOf(name, "filter"); },
      "customer must be customers/{id}"));
  query.fingerprint = absl::StrCat(
      "surveyResponses?", crm::common::filter::DebugString(query.filter));
  return query;
}

std::vector<FilterValue> SurveyResponseFilterView::Values(
    const FieldSpec& field) const {
  const std::string& path = field.path;
  if (path == "customer") {
    if (record_.customer_id.empty()) return {};
    return {record_.customer_id};
  }
  if (path == "channel") return {record_.channel};
  if (path == "create_time") {
    return {crm::common::TruncateToMicros(record_.create_time)};
  }
  return {};
}

}  // namespace crm::feedback
