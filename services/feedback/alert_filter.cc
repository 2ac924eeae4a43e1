#include "services/feedback/alert_filter.h"

#include <cstdlib>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "services/common/filter/filter_parser.h"
#include "services/common/filter/proto_field_values.h"
#include "services/common/status_macros.h"
#include "services/common/timestamps.h"
#include "services/feedback/ticket_resources.h"

namespace crm::feedback {
namespace {

using ::crm::common::filter::EnumValueNames;
using ::crm::common::filter::FieldSpec;
using ::crm::common::filter::FilterSchema;
using ::crm::common::filter::FilterValue;
using ::crm::common::filter::FixedFilterSchema;

FilterSchema BuildAlertFilterSchema() {
  return FixedFilterSchema(
      {
          FieldSpec::Enum("kind",
                          EnumValueNames(*v1::Alert::Kind_descriptor())),
          FieldSpec::Enum("state",
                          EnumValueNames(*v1::Alert::State_descriptor())),
          FieldSpec::String("category"),
          FieldSpec::String("ticket"),
          FieldSpec::Timestamp("create_time"),
      },
      {});
}

}  // namespace

const FilterSchema& AlertFilterSchema() {
  static const FilterSchema* const schema =
      new FilterSchema(BuildAlertFilterSchema());
  return *schema;
}

absl::StatusOr<AlertQuery> ParseAlertFilter(absl::string_view text) {
  AlertQuery query;
  CRM_ASSIGN_OR_RETURN(query.filter, crm::common::filter::ParseFilter(
                                         text, AlertFilterSchema()));
  CRM_RETURN_IF_ERROR(crm::common::filter::RewriteResourceNameValues(
      query.filter, "ticket",
      [](const std::string& name) { return TicketIdOf(name, "filter"); },
      "ticket must be tickets/{id}"));
  query.fingerprint =
      absl::StrCat("alerts?", crm::common::filter::DebugString(query.filter));
  return query;
}

std::vector<FilterValue> AlertFilterView::Values(const FieldSpec& field) const {
  const std::string& path = field.path;
  if (path == "kind") return {v1::Alert::Kind_Name(record_.kind)};
  if (path == "state") return {v1::Alert::State_Name(record_.state)};
  if (path == "category") return {record_.category};
  if (path == "ticket") {
    if (record_.ticket_id.empty()) return {};
    return {record_.ticket_id};
  }
  if (path == "create_time") {
    return {crm::common::TruncateToMicros(record_.create_time)};
  }
  return {};
}

}  // namespace crm::feedback
