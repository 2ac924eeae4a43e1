#include "gateway/auth/personal_data_mask.h"

#include <map>
#include <set>
#include <string>

namespace crm::gateway::auth {
namespace {

using google::protobuf::Descriptor;
using google::protobuf::FieldDescriptor;
using google::protobuf::Message;
using google::protobuf::Reflection;

constexpr char kMasked[] = "***";

// Message full name -> its masked string fields (singular or repeated; for
// a map<string, string> field, every value).
const std::map<std::string, std::set<std::string>>& MaskedFields() {
  static const auto* fields = new std::map<std::string, std::set<std::string>>{
      {"crm.customerprofile.v1.Customer",
       {"given_name", "family_name", "display_name", "email", "phone",
        "birth_date", "attributes", "company_name", "tax_id"}},
      {"crm.customerprofile.v1.PostalAddress", {"address_line", "postal_code"}},
      {"crm.customerprofile.v1.ExternalIdentity", {"id"}},
      {"crm.feedback.v1.Feedback", {"text"}},
      // Free text a customer or an agent wrote about a customer.
      {"crm.feedback.v1.Ticket", {"title", "description"}},
      {"crm.feedback.v1.TicketEvent", {"text"}},
      {"crm.feedback.v1.SurveyAnswer", {"text"}},
  };
  return *fields;
}

void MaskString(Message* message, const FieldDescriptor* field) {
  const Reflection& reflection = *message->GetReflection();
  if (field->is_repeated()) {
    for (int i = 0; i < reflection.FieldSize(*message, field); ++i) {
      if (!reflection.GetRepeatedString(*message, field, i).empty()) {
        reflection.SetRepeatedString(message, field, i, kMasked);
      }
    }
  } else if (!reflection.GetString(*message, field).empty()) {
    reflection.SetString(message, field, kMasked);
  }
}

void MaskMapValues(Message* message, const FieldDescriptor* field) {
  const Reflection& reflection = *message->GetReflection();
  const FieldDescriptor* value = field->message_type()->map_value();
  if (value->cpp_type() != FieldDescriptor::CPPTYPE_STRING) return;
  for (int i = 0; i < reflection.FieldSize(*message, field); ++i) {
    Message* entry = reflection.MutableRepeatedMessage(message, field, i);
    MaskString(entry, value);
  }
}

}  // namespace

void MaskPersonalData(Message* message) {
  const Descriptor& type = *message->GetDescriptor();
  const Reflection& reflection = *message->GetReflection();
  auto masked = MaskedFields().find(type.full_name());
  for (int i = 0; i < type.field_count(); ++i) {
    const FieldDescriptor* field = type.field(i);
    const bool mask =
        masked != MaskedFields().end() && masked->second.count(field->name());
    if (field->is_map()) {
      if (mask) MaskMapValues(message, field);
      continue;
    }
    if (field->cpp_type() == FieldDescriptor::CPPTYPE_STRING) {
      if (mask) MaskString(message, field);
      continue;
    }
    if (field->cpp_type() != FieldDescriptor::CPPTYPE_MESSAGE) continue;
    if (field->is_repeated()) {
      for (int j = 0; j < reflection.FieldSize(*message, field); ++j) {
        MaskPersonalData(reflection.MutableRepeatedMessage(message, field, j));
      }
    } else if (reflection.HasField(*message, field)) {
      MaskPersonalData(reflection.MutableMessage(message, field));
    }
  }
}

}  // namespace crm::gateway::auth
