#include "gateway/auth/personal_data_mask.h"

#include <gtest/gtest.h>

#include "crm/customerprofile/v1/customer.pb.h"
#include "crm/customerprofile/v1/customer_profile_service.pb.h"
#include "crm/feedback/v1/feedback.pb.h"

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

}  // namespace
}  // namespace crm::gateway::auth
