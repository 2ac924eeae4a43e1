#include "gateway/auth/personal_data_mask.h"

#include <gtest/gtest.h>

#include "crm/customerprofile/v1/customer.pb.h"
#include "crm/customerprofile/v1/customer_profile_service.pb.h"
#include "crm/feedback/v1/feedback.pb.h"
#include "crm/feedback/v1/survey.pb.h"
#include "crm/feedback/v1/ticket.pb.h"

namespace crm::gateway::auth {
namespace {

namespace cp = ::crm::customerprofile::v1;

cp::Customer FullCustomer() {
  cp::Customer customer;
  customer.set_name("customers/c1");
  customer.set_given_name("Mei");
  customer.set_family_name("Li");
  customer.set_email("mei@example.com");
  customer.set_phone("+8613800000000");
  customer.set_birth_date("1990-01-02");
  customer.set_locale("zh-CN");
  customer.mutable_address()->set_country_code("CN");
  customer.mutable_address()->set_city("Shanghai");
  customer.mutable_address()->set_address_line("1 Road");
  customer.mutable_address()->set_postal_code("200000");
  customer.add_tags("vip");
  (*customer.mutable_attributes())["note"] = "lives with Wang";
  auto* identity = customer.add_external_identities();
  identity->set_channel("wechat");
  identity->set_id("openid-123");
  customer.set_customer_type(cp::Customer::BUSINESS);
  customer.set_company_name("Wang Trading Ltd");
  customer.set_tax_id("91310000MA1FL0000X");
  return customer;
}

TEST(PersonalDataMaskTest, MasksPersonalFieldsKeepsTheRest) {
  cp::Customer customer = FullCustomer();
  MaskPersonalData(&customer);
  EXPECT_EQ(customer.name(), "customers/c1");
  EXPECT_EQ(customer.given_name(), "***");
  EXPECT_EQ(customer.family_name(), "***");
  EXPECT_EQ(customer.display_name(), "");  // Empty stays empty.
  EXPECT_EQ(customer.email(), "***");
  EXPECT_EQ(customer.phone(), "***");
  EXPECT_EQ(customer.birth_date(), "***");
  EXPECT_EQ(customer.locale(), "zh-CN");
  EXPECT_EQ(customer.address().country_code(), "CN");
  EXPECT_EQ(customer.address().city(), "Shanghai");
  EXPECT_EQ(customer.address().address_line(), "***");
  EXPECT_EQ(customer.address().postal_code(), "***");
  EXPECT_EQ(customer.tags(0), "vip");
  EXPECT_EQ(customer.attributes().at("note"), "***");
  EXPECT_EQ(customer.external_identities(0).channel(), "wechat");
  EXPECT_EQ(customer.external_identities(0).id(), "***");
  EXPECT_EQ(customer.customer_type(), cp::Customer::BUSINESS);
  EXPECT_EQ(customer.company_name(), "***");
  EXPECT_EQ(customer.tax_id(), "***");
}

TEST(PersonalDataMaskTest, ReachesNestedMessages) {
  cp::ListCustomersResponse list;
  *list.add_customers() = FullCustomer();
  *list.add_customers() = FullCustomer();
  MaskPersonalData(&list);
  for (const cp::Customer& customer : list.customers()) {
    EXPECT_EQ(customer.email(), "***");
    EXPECT_EQ(customer.address().address_line(), "***");
  }
  crm::feedback::v1::Feedback feedback;
  feedback.set_text("call me on 138...");
  feedback.set_channel("app");
  MaskPersonalData(&feedback);
  EXPECT_EQ(feedback.text(), "***");
  EXPECT_EQ(feedback.channel(), "app");
}

TEST(PersonalDataMaskTest, MasksTicketAndSurveyFreeText) {
  crm::feedback::v1::Ticket ticket;
  ticket.set_title("Refund for Mei Li");
  ticket.set_description("mei@example.com says the parcel never came");
  ticket.set_category("delivery");
  MaskPersonalData(&ticket);
  EXPECT_EQ(ticket.title(), "***");
  EXPECT_EQ(ticket.description(), "***");
  EXPECT_EQ(ticket.category(), "delivery");

  crm::feedback::v1::TicketEvent event;
  event.set_text("called +8613800000000");
  MaskPersonalData(&event);
  EXPECT_EQ(event.text(), "***");

  crm::feedback::v1::SurveyResponse response;
  crm::feedback::v1::SurveyAnswer* answer = response.add_answers();
  answer->set_question_id("why");
  answer->set_text("my husband Wang Wei liked it");
  response.add_answers()->set_score(9);
  MaskPersonalData(&response);
  EXPECT_EQ(response.answers(0).text(), "***");
  EXPECT_EQ(response.answers(0).question_id(), "why");
  EXPECT_EQ(response.answers(1).score(), 9);
}

}  // namespace
}  // namespace crm::gateway::auth
