#include "services/loyalty/ledger_entry_filter.h"

#include <string>
#include <vector>

#include "crm/loyalty/v1/account.pb.h"

namespace crm::loyalty {

using ::crm::common::filter::FieldSpec;
using ::crm::common::filter::FilterSchema;

const FilterSchema& LedgerEntryFilterSchema() {
  static const FilterSchema* const schema = [] {
    std::vector<std::string> types;
    const google::protobuf::EnumDescriptor& descriptor =
        *::crm::loyalty::v1::LedgerEntry::Type_descriptor();
    for (int i = 0; i < descriptor.value_count(); ++i) {
      if (descriptor.value(i)->number() == 0) continue;
      types.push_back(descriptor.value(i)->name());
    }
    return new FilterSchema(
        FilterSchema::Create(
            {FieldSpec::Enum("type", types),
             FieldSpec::Timestamp("create_time"), FieldSpec::Int64("sequence")},
            {})
            .value());
  }();
  return *schema;
}

}  // namespace crm::loyalty
