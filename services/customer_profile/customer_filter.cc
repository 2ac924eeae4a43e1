#include "services/customer_profile/customer_filter.h"

#include <cstdlib>
#include <string>
#include <vector>

#include "crm/customerprofile/v1/customer.pb.h"
#include "services/common/filter/proto_field_values.h"

namespace crm::customer_profile {
namespace {

namespace v1 = ::crm::customerprofile::v1;
using crm::common::filter::Comparator;
using crm::common::filter::EnumValueNames;
using crm::common::filter::FieldAlias;
using crm::common::filter::FieldSpec;
using crm::common::filter::FilterSchema;
using crm::common::filter::FixedFilterSchema;

FilterSchema BuildCustomerFilterSchema() {
  return FixedFilterSchema(
      {
          FieldSpec::String("email").WithComparators({Comparator::kEq}),
          FieldSpec::String("phone").WithComparators({Comparator::kEq}),
          FieldSpec::String("birthday").WithComparators({Comparator::kEq}),
          FieldSpec::String("external_identities").Repeated(),
          FieldSpec::String("external_identities.channel").Repeated(),
          FieldSpec::String("tags").Repeated(),
          FieldSpec::String("address.country_code"),
          FieldSpec::Enum("state",
                          EnumValueNames(*v1::Customer::State_descriptor())),
          FieldSpec::Enum(
              "gender",
              EnumValueNames(*v1::Customer::Gender_descriptor(), true)),
          FieldSpec::String("locale"),
          FieldSpec::String("source_channel"),
          FieldSpec::Timestamp("create_time"),
          FieldSpec::Timestamp("update_time"),
      },
      {
          FieldAlias{"tag", "tags", {.equals_means_has = true}},
          FieldAlias{"external_identity",
                     "external_identities",
                     {.equals_means_has = true}},
          FieldAlias{"country_code", "address.country_code", {}},
      });
}

}  // namespace

const crm::common::filter::FilterSchema& CustomerFilterSchema() {
  static const FilterSchema* const schema =
      new FilterSchema(BuildCustomerFilterSchema());
  return *schema;
}

}  // namespace crm::customer_profile
