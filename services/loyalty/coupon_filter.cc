#include "services/loyalty/coupon_filter.h"

#include <string>

#include "crm/loyalty/v1/reward.pb.h"
#include "services/common/filter/filter_parser.h"
#include "services/common/filter/proto_field_values.h"
#include "services/common/resource_name.h"
#include "services/common/status_macros.h"

namespace crm::loyalty {

using ::crm::common::filter::Comparator;
using ::crm::common::filter::FieldSpec;
using ::crm::common::filter::Filter;
using ::crm::common::filter::FilterSchema;

const FilterSchema& CouponFilterSchema() {
  static const FilterSchema* const schema = [] {
    const std::vector<Comparator> equality = {Comparator::kEq, Comparator::kNe};
    return new FilterSchema(crm::common::filter::FixedFilterSchema(
        {FieldSpec::String("customer").WithComparators(equality),
         FieldSpec::String("reward").WithComparators(equality),
         FieldSpec::Enum("state", crm::common::filter::EnumValueNames(
                                      *v1::Coupon::State_descriptor())),
         FieldSpec::Timestamp("issue_time"),
         FieldSpec::Timestamp("expire_time")}));
  }();
  return *schema;
}

absl::StatusOr<Filter> ParseCouponFilter(absl::string_view text) {
  CRM_ASSIGN_OR_RETURN(Filter filter, crm::common::filter::ParseFilter(
                                          text, CouponFilterSchema()));
  CRM_RETURN_IF_ERROR(crm::common::filter::RewriteResourceNameValues(
      filter, "customer",
      [](const std::string& name) {
        return crm::common::ParseResourceName(name, "customers", "customer");
      },
      "customer must be customers/{customer}"));
  CRM_RETURN_IF_ERROR(crm::common::filter::RewriteResourceNameValues(
      filter, "reward",
      [](const std::string& name) {
        return crm::common::ParseResourceName(name, "rewards", "reward");
      },
      "reward must be rewards/{reward}"));
  return filter;
}

}  // namespace crm::loyalty
