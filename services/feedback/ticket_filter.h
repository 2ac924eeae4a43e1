// The ListTickets filter: the suite's filter language
// (services/common/filter/README.md) over a ticket's fields, and
// TicketFilterView, the meaning every repository must give it.
//
//   CRM_ASSIGN_OR_RETURN(TicketQuery query,
//   ParseTicketFilter(request.filter()));
//   ... tickets.List(tx, query.filter, page) ...
//   // In a fake: Matches(query.filter, TicketFilterView(record))
//
// Fields: `customer` (`customers/{customer}`, rewritten to the bare id;
// unset on anonymous tickets), `customer_id`, `feedback` (`feedback/{id}`,
// rewritten to the bare id; unset on tickets opened directly), `state` and
// `priority` (enums), `category`, `assignee`, `team` (empty when none),
// `escalation_level`, `create_time`, `update_time`,
// `first_response_deadline`, `resolution_deadline`.
#pragma once

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "services/common/filter/filter_ast.h"
#include "services/common/filter/filter_predicate.h"
#include "services/common/filter/filter_schema.h"
#include "services/feedback/ticket_repository.h"

namespace crm::feedback {

const crm::common::filter::FilterSchema& TicketFilterSchema();

struct TicketQuery {
  crm::common::filter::Filter filter;
  // Identifies the filter in page tokens. Holds the filter's values: never
  // log it.
  std::string fingerprint;
};

// Parses `text`. INVALID_ARGUMENT with reason FILTER_INVALID naming
// `filter` for any error (also a `customer` or `feedback` value that is not
// a resource name of its collection).
absl::StatusOr<TicketQuery> ParseTicketFilter(absl::string_view text);

// The values of a stored ticket's fields, as ParseTicketFilter's filters
// compare them.
class TicketFilterView final : public crm::common::filter::FilterRecord {
 public:
  explicit TicketFilterView(const TicketRecord& record) : record_(record) {}
  std::vector<crm::common::filter::FilterValue> Values(
      const crm::common::filter::FieldSpec& field) const override;

 private:
  const TicketRecord& record_;
};

}  // namespace crm::feedback
