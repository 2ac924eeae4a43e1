#include "services/customer_profile/customer_filter.h"

#include <cstdlib>
#include <string>
#include <vector>

#include <google/protobuf/descriptor.h>

#include "absl/strings/match.h"
#include "crm/customerprofile/v1/customer.pb.h"

namespace crm::customer_profile {
namespace {

namespace v1 = ::crm::customerprofile::v1;
using crm::common::filter::Comparator;
using crm::common::filter::FieldAlias;
using crm::common::filter::FieldSpec;
using crm::common::filter::FilterSchema;

// The names of `descriptor`'s values, without *_UNSPECIFIED unless asked.
std::vector<std::string> EnumNames(
    const google::protobuf::EnumDescriptor* descriptor, bool with_unspecified) {
  std::vector<std::string> names;
  for (int i = 0; i < descriptor->value_count(); ++i) {
    const std::string& name = descriptor->value(i)->name();
    if (!with_unspecified && absl::EndsWith(name, "_UNSPECIFIED")) continue;
    names.push_back(name);
  }
  return names;
}

FilterSchema BuildSchema() {
  absl::StatusOr<FilterSchema> schema = FilterSchema::Create(
      {
          FieldSpec::String("email").WithComparators({Comparator::kEq}),
          FieldSpec::String("phone").WithComparators({Comparator::kEq}),
          FieldSpec::String("external_identities").Repeated(),
          FieldSpec::String("external_identities.channel").Repeated(),
          FieldSpec::String("tags").Repeated(),
          FieldSpec::String("address.country_code"),
          FieldSpec::Enum("state",
                          EnumNames(v1::Customer::State_descriptor(), false)),
          FieldSpec::Enum("gender",
                          EnumNames(v1::Customer::Gender_descriptor(), true)),
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
  // The definition above is fixed; a failure is a programming error that
  // the unit test catches.
  if (!schema.ok()) std::abort();
  return *std::move(schema);
}

}  // namespace

const crm::common::filter::FilterSchema& CustomerFilterSchema() {
  static const FilterSchema* const schema = new FilterSchema(BuildSchema());
  return *schema;
}

}  // namespace crm::customer_profile
