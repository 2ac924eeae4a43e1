// customer-profile change events as loyalty's feed consumer receives them
// (serialized), for the loyalty integration tests.
#pragma once

#include <cstdint>
#include <string>

#include "absl/strings/str_cat.h"
#include "crm/customerprofile/v1/change_event.pb.h"

namespace crm::loyalty::testing {

// An ORDER_RECORDED or ORDER_REFUNDED event of `customer`'s order `order`
// for `amount_minor` CNY, `refunded_minor` refunded so far.
inline std::string OrderEvent(
    ::crm::customerprofile::v1::ChangeEvent::Type type,
    const std::string& customer, const std::string& order, int64_t amount_minor,
    int64_t refunded_minor = 0) {
  ::crm::customerprofile::v1::ChangeEvent event;
  event.set_type(type);
  event.set_customer_name(absl::StrCat("customers/", customer));
  ::crm::customerprofile::v1::Order* o = event.mutable_order();
  o->set_name(absl::StrCat("customers/", customer, "/orders/", order));
  o->set_customer(event.customer_name());
  o->mutable_amount()->set_currency_code("CNY");
  o->mutable_amount()->set_amount_minor(amount_minor);
  o->mutable_refunded_amount()->set_currency_code("CNY");
  o->mutable_refunded_amount()->set_amount_minor(refunded_minor);
  return event.SerializeAsString();
}

// A CUSTOMER_MERGED event: `duplicate` merged into `survivor`.
inline std::string MergeEvent(const std::string& survivor,
                              const std::string& duplicate) {
  ::crm::customerprofile::v1::ChangeEvent event;
  event.set_type(::crm::customerprofile::v1::ChangeEvent::CUSTOMER_MERGED);
  event.set_customer_name(absl::StrCat("customers/", survivor));
  event.mutable_merge()->set_survivor(absl::StrCat("customers/", survivor));
  event.mutable_merge()->set_duplicate(absl::StrCat("customers/", duplicate));
  return event.SerializeAsString();
}

// A CUSTOMER_UPDATED event of an active `customer` answering
// EMAIL_MARKETING with `status`.
inline std::string EmailConsentEvent(
    const std::string& customer,
    ::crm::customerprofile::v1::Consent::Status status) {
  ::crm::customerprofile::v1::ChangeEvent event;
  event.set_type(::crm::customerprofile::v1::ChangeEvent::CUSTOMER_UPDATED);
  event.set_customer_name(absl::StrCat("customers/", customer));
  event.mutable_customer()->set_name(event.customer_name());
  event.mutable_customer()->set_state(
      ::crm::customerprofile::v1::Customer::ACTIVE);
  ::crm::customerprofile::v1::Consent* consent =
      event.mutable_customer()->add_consents();
  consent->set_purpose(::crm::customerprofile::v1::Consent::EMAIL_MARKETING);
  consent->set_status(status);
  return event.SerializeAsString();
}

}  // namespace crm::loyalty::testing
