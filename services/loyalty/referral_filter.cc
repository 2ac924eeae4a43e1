#include "services/loyalty/referral_filter.h"

#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "crm/loyalty/v1/referral.pb.h"
#include "services/common/filter/filter_parser.h"
#include "services/common/filter/proto_field_values.h"
#include "services/common/resource_name.h"
#include "services/common/status_macros.h"

namespace crm::loyalty {

const crm::common::filter::FilterSchema& ReferralFilterSchema() {
  namespace filter = ::crm::common::filter;
  static const filter::FilterSchema* const schema = [] {
    const std::vector<filter::Comparator> equality = {filter::Comparator::kEq,
                                                      filter::Comparator::kNe};
    return new filter::FilterSchema(filter::FixedFilterSchema(
        {filter::FieldSpec::String("referrer").WithComparators(equality),
         filter::FieldSpec::String("referred").WithComparators(equality),
         filter::FieldSpec::Enum(
             "state",
             filter::EnumValueNames(*v1::Referral::State_descriptor())),
         filter::FieldSpec::Timestamp("create_time")}));
  }();
  return *schema;
}

absl::StatusOr<crm::common::filter::Filter> ParseReferralFilter(
    absl::string_view text) {
  CRM_ASSIGN_OR_RETURN(
      crm::common::filter::Filter filter,
      crm::common::filter::ParseFilter(text, ReferralFilterSchema()));
  for (const char* field : {"referrer", "referred"}) {
    CRM_RETURN_IF_ERROR(crm::common::filter::RewriteResourceNameValues(
        filter, field,
        [field](const std::string& name) {
          return crm::common::ParseResourceName(name, "customers", field);
        },
        absl::StrCat(field, " must be customers/{customer}")));
  }
  return filter;
}

}  // namespace crm::loyalty
