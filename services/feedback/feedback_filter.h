// The ListFeedback filter: the suite's filter language
// (services/common/filter/README.md) over a feedback item's fields, and
// FeedbackFilterView, the meaning every repository must give it.
//
//   CRM_ASSIGN_OR_RETURN(FeedbackQuery query,
//                        ParseFeedbackFilter(request.filter()));
//   ... feedback.List(tx, query.filter, page) ...
//   // In a fake: Matches(query.filter, FeedbackFilterView(record))
//
// Fields: `customer` (`customers/{customer}`; unset on anonymous items),
// `customer_id` (the bare id), `anonymous` (bool), `channel`, `type` (enum),
// `rating`, `language` (enum), `order` (`customers/{c}/orders/{o}`),
// `create_time`, `analysis.sentiment` (enum), `analysis.sentiment_score`,
// `analysis.category` (the last three unset on items without analysis).
#pragma once

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "services/common/filter/filter_ast.h"
#include "services/common/filter/filter_predicate.h"
#include "services/common/filter/filter_schema.h"
#include "services/feedback/feedback_repository.h"

namespace crm::feedback {

const crm::common::filter::FilterSchema& FeedbackFilterSchema();

struct FeedbackQuery {
  crm::common::filter::Filter filter;
  // Identifies the filter in page tokens (which carry only its hash). It
  // holds the filter's values: never log it.
  std::string fingerprint;
};

// Parses `text`; `customer` values are rewritten to bare ids (a value that is
// not `customers/{customer}` is FILTER_INVALID at its column).
// INVALID_ARGUMENT with reason FILTER_INVALID naming `filter` for any error.
absl::StatusOr<FeedbackQuery> ParseFeedbackFilter(absl::string_view text);

// The values of a stored item's fields, as ParseFeedbackFilter's filters
// compare them (customer as the bare id, after the rewrite).
class FeedbackFilterView final : public crm::common::filter::FilterRecord {
 public:
  explicit FeedbackFilterView(const FeedbackRecord& record) : record_(record) {}
  std::vector<crm::common::filter::FilterValue> Values(
      const crm::common::filter::FieldSpec& field) const override;

 private:
  const FeedbackRecord& record_;
};

}  // namespace crm::feedback
