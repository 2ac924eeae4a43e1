// The ListSurveyResponses filter: the suite's filter language
// (services/common/filter/README.md) over a survey response's fields, and
// SurveyResponseFilterView, the meaning every repository must give it.
//
//   CRM_ASSIGN_OR_RETURN(SurveyResponseQuery query,
//                        ParseSurveyResponseFilter(request.filter()));
//   ... surveys.ListResponses(tx, survey_id, query.filter, page) ...
//   // In a fake: Matches(query.filter, SurveyResponseFilterView(record))
//
// Fields: `customer` (`customers/{customer}`, rewritten to the bare id; unset
// on anonymous and erased customers' responses, so an erased customer's old
// name finds nothing), `channel` (as stored, lower case), `create_time`.
#pragma once

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "services/common/filter/filter_ast.h"
#include "services/common/filter/filter_predicate.h"
#include "services/common/filter/filter_schema.h"
#include "services/feedback/survey_repository.h"

namespace crm::feedback {

const crm::common::filter::FilterSchema& SurveyResponseFilterSchema();

struct SurveyResponseQuery {
  crm::common::filter::Filter filter;
  // Identifies the filter in page tokens (which carry only its hash). It
  // holds the filter's values: never log it.
  std::string fingerprint;
};

// Parses `text`. INVALID_ARGUMENT with reason FILTER_INVALID naming `filter`
// for any error (also a `customer` value that is not `customers/{id}`).
absl::StatusOr<SurveyResponseQuery> ParseSurveyResponseFilter(
    absl::string_view text);

// The values of a stored response's fields, as ParseSurveyResponseFilter's
// filters compare them (customer as the bare id).
class SurveyResponseFilterView final
    : public crm::common::filter::FilterRecord {
 public:
  explicit SurveyResponseFilterView(const SurveyResponseRecord& record)
      : record_(record) {}
  std::vector<crm::common::filter::FilterValue> Values(
      const crm::common::filter::FieldSpec& field) const override;

 private:
  const SurveyResponseRecord& record_;
};

}  // namespace crm::feedback
