// Personal data masked in the answers analysts receive.
//
//   if (principal.masks_personal_data()) MaskPersonalData(&response);
//
// Masked fields (each non-empty value replaced by "***"; an empty value
// stays empty, so presence is visible but never the value):
//   crm.customerprofile.v1.Customer      given_name, family_name,
//                                        display_name, email, phone,
//                                        birth_date, company_name, tax_id
//   crm.customerprofile.v1.PostalAddress address_line, postal_code
//   crm.customerprofile.v1.ExternalIdentity id
//   crm.customerprofile.v1.Customer      attributes (every value)
//   crm.feedback.v1.Feedback             text (free text may name people)
// The walk reaches these messages wherever they are nested (list
// responses, merge results, ...).
#pragma once

#include <google/protobuf/message.h>

namespace crm::gateway::auth {

void MaskPersonalData(google::protobuf::Message* message);

}  // namespace crm::gateway::auth
