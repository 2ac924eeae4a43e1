#include "services/feedback/ticket_filter.h"

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

FilterSchema BuildTicketFilterSchema() {
  return FixedFilterSchema(
      {
          FieldSpec::String("customer"),
          FieldSpec::String("customer_id"),
          FieldSpec::String("feedback"),
          FieldSpec::Enum("state",
                          EnumValueNames(*v1::Ticket::State_descriptor())),
          FieldSpec::Enum("priority",
                          EnumValueNames(*v1::Ticket::Priority_descriptor())),
          FieldSpec::String("category"),
          FieldSpec::String("assignee"),
          FieldSpec::String("team"),
          FieldSpec::Int64("escalation_level"),
          FieldSpec::Timestamp("create_time"),
          FieldSpec::Timestamp("update_time"),
          FieldSpec::Timestamp("first_response_deadline"),
          FieldSpec::Timestamp("resolution_deadline"),
      },
      {});
}

}  // namespace

const FilterSchema& TicketFilterSchema() {
  static const FilterSchema* const schema =
      new FilterSchema(BuildTicketFilterSchema());
  return *schema;
}

absl::StatusOr<TicketQuery> ParseTicketFilter(absl::string_view text) {
  TicketQuery query;
  CRM_ASSIGN_OR_RETURN(query.filter, crm::common::filter::ParseFilter(
                                         text, TicketFilterSchema()));
  CRM_RETURN_IF_ERROR(crm::common::filter::RewriteResourceNameValues(
      query.filter, "customer",
      [](const std::string& name) { return CustomerIdOf(name, "filter"); },
      "customer must be customers/{id}"));
  CRM_RETURN_IF_ERROR(crm::common::filter::RewriteResourceNameValues(
      query.filter, "feedback",
      [](const std::string& name) { return FeedbackIdOf(name, "filter"); },
      "feedback must be feedback/{id}"));
  query.fingerprint =
      absl::StrCat("tickets?", crm::common::filter::DebugString(query.filter));
  return query;
}

std::vector<FilterValue> TicketFilterView::Values(
    const FieldSpec& field) const {
  const std::string& path = field.path;
  if (path == "customer" || path == "customer_id") {
    if (record_.customer_id.empty()) return {};
    return {record_.customer_id};
  }
  if (path == "feedback") {
    if (record_.feedback_id.empty()) return {};
    return {record_.feedback_id};
  }
  if (path == "state") return {v1::Ticket::State_Name(record_.state)};
  if (path == "priority") return {v1::Ticket::Priority_Name(record_.priority)};
  if (path == "category") return {record_.category};
  if (path == "assignee") return {record_.assignee};
  if (path == "team") return {record_.team};
  if (path == "escalation_level") {
    return {static_cast<int64_t>(record_.escalation_level)};
  }
  if (path == "create_time") {
    return {crm::common::TruncateToMicros(record_.create_time)};
  }
  if (path == "update_time") {
    return {crm::common::TruncateToMicros(record_.update_time)};
  }
  if (path == "first_response_deadline") {
    return {crm::common::TruncateToMicros(record_.first_response_deadline)};
  }
  if (path == "resolution_deadline") {
    return {crm::common::TruncateToMicros(record_.resolution_deadline)};
  }
  return {};
}

}  // namespace crm::feedback
