// The customer rules without a database.
#include "services/customer_profile/customer_validation.h"

#include <string>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "tests/testing/status_matchers.h"

namespace crm::customer_profile {
namespace {

using ::crm::testing::IsOk;
using ::crm::testing::StatusIs;
using ::testing::HasSubstr;

TEST(NormalizeEmail, TrimsAndLowerCases) {
  EXPECT_EQ(NormalizeEmail("  Ann.Lee@Example.COM\t"), "ann.lee@example.com");
  EXPECT_EQ(NormalizeEmail(""), "");
}

TEST(ValidateEmailShape, AcceptsPlausibleAddresses) {
  for (const char* email :
       {"", "a@b.co", "first.last+tag@mail.example.cn", "用户@例子.中国"}) {
    EXPECT_THAT(ValidateEmailShape(email, "email"), IsOk()) << email;
  }
}

TEST(ValidateEmailShape, RejectsImplausibleAddresses) {
  for (const char* email :
       {"plain", "a@b", "@b.co", "a@@b.co", "a@b@c.co", "a b@c.co", "a@.b.co",
        "a@b..co", ".a@b.co", "a.@b.co", "a..b@c.co", "a@-b.co", "a@b.co-",
        "<a>@b.co"}) {
    EXPECT_THAT(ValidateEmailShape(email, "customer.email"),
                StatusIs(absl::StatusCode::kInvalidArgument,
                         HasSubstr("customer.email")))
        << email;
  }
  EXPECT_THAT(ValidateEmailShape(std::string(65, 'a') + "@b.co", "email"),
              StatusIs(absl::StatusCode::kInvalidArgument));
}

TEST(ValidateLocale, AcceptsBcp47ShapedTags) {
  for (const char* locale : {"", "zh", "zh-CN", "zh-Hans-CN", "en-US", "yue"}) {
    EXPECT_THAT(ValidateLocale(locale, "locale"), IsOk()) << locale;
  }
  for (const char* locale :
       {"z", "zh_CN", "zh-", "-CN", "1a", "en-toolongsubtag", "zh CN"}) {
    EXPECT_THAT(ValidateLocale(locale, "customer.locale"),
                StatusIs(absl::StatusCode::kInvalidArgument,
                         HasSubstr("customer.locale")))
        << locale;
  }
}

TEST(DefaultDisplayName, JoinsFamilyThenGiven) {
  EXPECT_EQ(DefaultDisplayName("王", "小明"), "王小明");
  EXPECT_EQ(DefaultDisplayName("김", "민수"), "김민수");
  EXPECT_EQ(DefaultDisplayName("Smith", "Anna"), "Smith Anna");
  EXPECT_EQ(DefaultDisplayName("王", "Anna"), "王 Anna");
  EXPECT_EQ(DefaultDisplayName("", "Anna"), "Anna");
  EXPECT_EQ(DefaultDisplayName("Smith", ""), "Smith");
  EXPECT_EQ(DefaultDisplayName("", ""), "");
}

TEST(NormalizeNewCustomer, NormalisesAndClearsOutputOnlyFields) {
  v1::Customer input;
  input.set_name("customers/forged");
  input.set_etag("forged");
  input.set_state(v1::Customer::ERASED);
  input.set_given_name(" 小明 ");
  input.set_family_name("王");
  input.set_email(" XM@Example.com ");
  input.set_phone(" +86  138 ");
  input.set_locale(" zh-CN ");
  CRM_ASSERT_OK_AND_ASSIGN(v1::Customer customer, NormalizeNewCustomer(input));
  EXPECT_EQ(customer.name(), "");
  EXPECT_EQ(customer.etag(), "");
  EXPECT_EQ(customer.state(), v1::Customer::STATE_UNSPECIFIED);
  EXPECT_EQ(customer.given_name(), "小明");
  EXPECT_EQ(customer.display_name(), "王小明");
  EXPECT_EQ(customer.email(), "xm@example.com");
  EXPECT_EQ(customer.phone(), "+86 138");
  EXPECT_EQ(customer.locale(), "zh-CN");
}

TEST(NormalizeNewCustomer, DefaultDisplayNameIsCutToTheLimit) {
  v1::Customer input;
  input.set_given_name(std::string(100, 'g'));
  input.set_family_name(std::string(100, 'f'));
  CRM_ASSERT_OK_AND_ASSIGN(v1::Customer customer, NormalizeNewCustomer(input));
  EXPECT_EQ(customer.display_name(),
            std::string(100, 'f') + " " + std::string(99, 'g'));
}

TEST(NormalizeNewCustomer, RejectsInvalidUtf8AndLongFields) {
  v1::Customer bad_utf8;
  bad_utf8.set_family_name("\xE7\x8E");  // Truncated 3-byte sequence.
  EXPECT_THAT(NormalizeNewCustomer(bad_utf8),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("customer.family_name")));
  v1::Customer long_display;
  long_display.set_display_name(std::string(201, 'd'));
  EXPECT_THAT(NormalizeNewCustomer(long_display),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("customer.display_name")));
}

TEST(ParseCustomerName, AcceptsOnlyCustomersSlashId) {
  CRM_ASSERT_OK_AND_ASSIGN(std::string id, ParseCustomerName("customers/ab-1"));
  EXPECT_EQ(id, "ab-1");
  EXPECT_EQ(CustomerName(id), "customers/ab-1");
  for (const char* name : {"", "customers", "customers/", "customers/a/b",
                           "segments/a", "customers/a%20b", "Customers/a"}) {
    EXPECT_THAT(ParseCustomerName(name),
                StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("name")))
        << name;
  }
  EXPECT_THAT(ParseCustomerName("customers/" + std::string(65, 'x')),
              StatusIs(absl::StatusCode::kInvalidArgument));
}

}  // namespace
}  // namespace crm::customer_profile
