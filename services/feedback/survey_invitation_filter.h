// The ListSurveyInvitations filter: the suite's filter language
// (services/common/filter/README.md) over an invitation's fields, and
// SurveyInvitationFilterView, the meaning every repository must give it.
//
//   CRM_ASSIGN_OR_RETURN(SurveyInvitationQuery query,
//                        ParseSurveyInvitationFilter(request.filter()));
//   ... invitations.List(tx, survey_id, query.filter, page) ...
//   // In a fake: Matches(query.filter, SurveyInvitationFilterView(record))
//
// Fields: `customer` (`customers/{customer}`, rewritten to the bare id; `=`
// and `!=`), `subject` (the order or ticket name), `channel` (`EMAIL`,
// `SMS`), `state` (`SENT` while unanswered, else `ANSWERED`), `create_time`.
#pragma once

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "services/common/filter/filter_ast.h"
#include "services/common/filter/filter_predicate.h"
#include "services/common/filter/filter_schema.h"
#include "services/feedback/survey_invitation_repository.h"

namespace crm::feedback {

const crm::common::filter::FilterSchema& SurveyInvitationFilterSchema();

struct SurveyInvitationQuery {
  crm::common::filter::Filter filter;
  // Identifies the filter in page tokens (which carry only its hash). It
  // holds the filter's values: never log it.
  std::string fingerprint;
};

// Parses `text`. INVALID_ARGUMENT with reason FILTER_INVALID naming `filter`
// for any error (also a `customer` value that is not `customers/{id}`).
absl::StatusOr<SurveyInvitationQuery> ParseSurveyInvitationFilter(
    absl::string_view text);

// The values of a stored invitation's fields, as
// ParseSurveyInvitationFilter's filters compare them.
class SurveyInvitationFilterView final
    : public crm::common::filter::FilterRecord {
 public:
  explicit SurveyInvitationFilterView(const SurveyInvitationRecord& record)
      : record_(record) {}
  std::vector<crm::common::filter::FilterValue> Values(
      const crm::common::filter::FieldSpec& field) const override;

 private:
  const SurveyInvitationRecord& record_;
};

}  // namespace crm::feedback
