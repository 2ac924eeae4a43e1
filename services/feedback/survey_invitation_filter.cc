#include "services/feedback/survey_invitation_filter.h"

#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "services/common/filter/filter_parser.h"
#include "services/common/filter/proto_field_values.h"
#include "services/common/status_macros.h"
#include "services/common/timestamps.h"
#include "services/feedback/feedback_validation.h"

namespace crm::feedback {
namespace {

using ::crm::common::filter::Comparator;
using ::crm::common::filter::EnumValueNames;
using ::crm::common::filter::FieldSpec;
using ::crm::common::filter::FilterSchema;
using ::crm::common::filter::FilterValue;
using ::crm::common::filter::FixedFilterSchema;

FilterSchema BuildSurveyInvitationFilterSchema() {
  return FixedFilterSchema(
      {
          FieldSpec::String("customer")
              .WithComparators({Comparator::kEq, Comparator::kNe}),
          FieldSpec::String("subject").WithComparators(
              {Comparator::kEq, Comparator::kNe}),
          FieldSpec::Enum(
              "channel",
              EnumValueNames(*v1::SurveyInvitation::Channel_descriptor())),
          FieldSpec::Enum(
              "state",
              EnumValueNames(*v1::SurveyInvitation::State_descriptor())),
          FieldSpec::Timestamp("create_time"),
      },
      {});
}

}  // namespace

const FilterSchema& SurveyInvitationFilterSchema() {
  static const FilterSchema* const schema =
      new FilterSchema(BuildSurveyInvitationFilterSchema());
  return *schema;
}

absl::StatusOr<SurveyInvitationQuery> ParseSurveyInvitationFilter(
    absl::string_view text) {
  SurveyInvitationQuery query;
  CRM_ASSIGN_OR_RETURN(query.filter, crm::common::filter::ParseFilter(
                                         text, SurveyInvitationFilterSchema()));
  CRM_RETURN_IF_ERROR(crm::common::filter::RewriteResourceNameValues(
      query.filter, "customer",
      [](const std::string& name) { return CustomerIdOf(name, "filter"); },
      "customer must be customers/{id}"));
  query.fingerprint = absl::StrCat(
      "surveyInvitations?", crm::common::filter::DebugString(query.filter));
  return query;
}

std::vector<FilterValue> SurveyInvitationFilterView::Values(
    const FieldSpec& field) const {
  const std::string& path = field.path;
  if (path == "customer") return {record_.customer_id};
  if (path == "subject") return {record_.subject};
  if (path == "channel") {
    return {v1::SurveyInvitation::Channel_Name(record_.channel)};
  }
  if (path == "state") {
    return {record_.response_id.empty() ? std::string("SENT")
                                        : std::string("ANSWERED")};
  }
  if (path == "create_time") {
    return {crm::common::TruncateToMicros(record_.create_time)};
  }
  return {};
}

}  // namespace crm::feedback
