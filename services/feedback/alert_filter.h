// The ListAlerts filter: the suite's filter language over an alert's
// `kind`, `state` (enums), `category`, `ticket` (`tickets/{ticket}`,
// rewritten to the bare id; unset on spikes) and `create_time`, and
// AlertFilterView, the meaning every repository must give it.
//
//   CRM_ASSIGN_OR_RETURN(AlertQuery query, ParseAlertFilter(request.filter()));
#pragma once

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "services/common/filter/filter_ast.h"
#include "services/common/filter/filter_predicate.h"
#include "services/common/filter/filter_schema.h"
#include "services/feedback/alert_repository.h"

namespace crm::feedback {

const crm::common::filter::FilterSchema& AlertFilterSchema();

struct AlertQuery {
  crm::common::filter::Filter filter;
  // Identifies the filter in page tokens.
  std::string fingerprint;
};

// Parses `text`; INVALID_ARGUMENT with reason FILTER_INVALID naming
// `filter` for any error.
absl::StatusOr<AlertQuery> ParseAlertFilter(absl::string_view text);

class AlertFilterView final : public crm::common::filter::FilterRecord {
 public:
  explicit AlertFilterView(const AlertRecord& record) : record_(record) {}
  std::vector<crm::common::filter::FilterValue> Values(
      const crm::common::filter::FieldSpec& field) const override;

 private:
  const AlertRecord& record_;
};

}  // namespace crm::feedback
