// The customer rules without a database.
#include "services/customer_profile/customer_validation.h"

#include <string>
#include <utility>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "absl/time/time.h"
#include "services/common/error_details.h"
#include "tests/testing/status_matchers.h"

namespace crm::customer_profile {
namespace {

using ::crm::common::ReasonOf;
using ::crm::testing::IsOk;
using ::crm::testing::StatusIs;
using ::testing::HasSubstr;
using ::testing::Not;

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

StandardizeOptions Options() {
  return StandardizeOptions{.phone_default_region = "CN",
                            .strict_phone = false,
                            .now = absl::FromUnixSeconds(1767225600)};
}

TEST(StandardizeCustomer, StandardisesAndClearsOutputOnlyFields) {
  v1::Customer input;
  input.set_name("customers/x");
  input.set_etag("e");
  input.set_state(v1::Customer::ERASED);
  input.set_given_name("\xE3\x80\x80小明 ");
  input.set_family_name(" 王");
  input.set_email(" A@B.Example ");
  input.set_phone("138-0013-8000");
  input.set_birth_date(" 1990-02-28 ");
  input.add_tags("b");
  input.add_tags(" a ");
  input.add_tags("b");
  input.mutable_address()->set_country_code("us");
  v1::Consent* consent = input.add_consents();
  consent->set_purpose(v1::Consent::PROFILING);
  consent->set_status(v1::Consent::GRANTED);
  v1::ExternalIdentity* identity = input.add_external_identities();
  identity->set_channel(" App_User ");
  identity->set_id(" u1 ");
  *input.add_external_identities() = *identity;
  CRM_ASSERT_OK_AND_ASSIGN(v1::Customer customer,
                           StandardizeCustomer(input, Options()));
  EXPECT_EQ(customer.name(), "");
  EXPECT_EQ(customer.etag(), "");
  EXPECT_EQ(customer.state(), v1::Customer::STATE_UNSPECIFIED);
  EXPECT_EQ(customer.given_name(), "小明");
  EXPECT_EQ(customer.display_name(), "王小明");
  EXPECT_EQ(customer.email(), "a@b.example");
  EXPECT_EQ(customer.phone(), "+8613800138000");
  EXPECT_EQ(customer.birth_date(), "1990-02-28");
  EXPECT_THAT(customer.tags(), ::testing::ElementsAre("a", "b"));
  EXPECT_EQ(customer.address().country_code(), "US");
  ASSERT_EQ(customer.consents_size(), 1);
  EXPECT_TRUE(customer.consents(0).has_update_time());
  ASSERT_EQ(customer.external_identities_size(), 1);
  EXPECT_EQ(customer.external_identities(0).channel(), "app_user");
  EXPECT_EQ(customer.external_identities(0).id(), "u1");
}

TEST(StandardizeCustomer, RejectsBadValuesNamingTheField) {
  auto field_of = [](const v1::Customer& input) {
    return StandardizeCustomer(input, Options()).status();
  };
  v1::Customer input;
  input.set_family_name("\xFF");
  EXPECT_THAT(field_of(input), StatusIs(absl::StatusCode::kInvalidArgument,
                                        HasSubstr("customer.family_name")));
  input.Clear();
  input.set_display_name(std::string(201, 'x'));
  EXPECT_THAT(field_of(input), StatusIs(absl::StatusCode::kInvalidArgument,
                                        HasSubstr("customer.display_name")));
  input.Clear();
  (*input.mutable_attributes())["Bad Key"] = "v";
  EXPECT_THAT(field_of(input), StatusIs(absl::StatusCode::kInvalidArgument,
                                        HasSubstr("customer.attributes")));
  input.Clear();
  input.add_external_identities()->set_channel("web");
  EXPECT_THAT(field_of(input),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("customer.external_identities[0].id")));
  input.Clear();
  input.set_gender(static_cast<v1::Customer::Gender>(42));
  EXPECT_THAT(field_of(input), StatusIs(absl::StatusCode::kInvalidArgument,
                                        HasSubstr("customer.gender")));
  input.Clear();
  input.add_tags("  ");
  EXPECT_THAT(field_of(input), StatusIs(absl::StatusCode::kInvalidArgument,
                                        HasSubstr("customer.tags[0]")));
  input.Clear();
  input.set_phone("12");
  CRM_EXPECT_OK(field_of(input));  // Lenient: kept as given.
  StandardizeOptions strict = Options();
  strict.strict_phone = true;
  EXPECT_THAT(StandardizeCustomer(input, strict),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("customer.phone")));
}

TEST(StandardizeCustomer, BusinessCustomersNeedACompany) {
  v1::Customer input;
  input.set_customer_type(v1::Customer::BUSINESS);
  absl::Status missing = StandardizeCustomer(input, Options()).status();
  EXPECT_THAT(missing, StatusIs(absl::StatusCode::kInvalidArgument,
                                HasSubstr("customer.company_name")));
  EXPECT_EQ(ReasonOf(missing), crm::type::v1::FIELD_REQUIRED);
  input.set_company_name("   ");  // Blank is missing too.
  EXPECT_THAT(StandardizeCustomer(input, Options()),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("customer.company_name")));
  input.set_company_name("  上海  王氏 贸易有限公司 ");
  input.set_tax_id(" 9131-0000-ma1fl0000x ");
  CRM_ASSERT_OK_AND_ASSIGN(v1::Customer business,
                           StandardizeCustomer(input, Options()));
  EXPECT_EQ(business.customer_type(), v1::Customer::BUSINESS);
  EXPECT_EQ(business.company_name(), "上海 王氏 贸易有限公司");
  EXPECT_EQ(business.tax_id(), "9131-0000-MA1FL0000X");
  // The type and the company travel in the paths a merge or update copies.
  EXPECT_EQ(ScalarValue(business, "customer_type"),
            std::to_string(v1::Customer::BUSINESS));
  EXPECT_EQ(ScalarValue(business, "company_name"), "上海 王氏 贸易有限公司");
  EXPECT_EQ(ScalarValue(business, "tax_id"), "9131-0000-MA1FL0000X");
  input.set_company_name(std::string(kMaxCompanyNameLength + 1, 'x'));
  EXPECT_THAT(StandardizeCustomer(input, Options()),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("customer.company_name")));
}

TEST(StandardizeCustomer, TaxIdsAreOneToThirtyTwoLettersDigitsOrHyphens) {
  v1::Customer input;
  input.set_customer_type(v1::Customer::BUSINESS);
  input.set_company_name("Lee Garden Trading Ltd");
  for (const std::string& good :
       std::vector<std::string>{"7", "DE-123456789", "gb123456789",
                                std::string(32, '9'), std::string(32, '-')}) {
    input.set_tax_id(good);
    CRM_EXPECT_OK(StandardizeCustomer(input, Options()).status()) << good;
  }
  for (const std::string& bad :
       std::vector<std::string>{"91310000;DROP", "9131 0000", "DE_123",
                                "税号123", std::string(33, '9')}) {
    input.set_tax_id(bad);
    absl::Status status = StandardizeCustomer(input, Options()).status();
    EXPECT_THAT(status, StatusIs(absl::StatusCode::kInvalidArgument,
                                 HasSubstr("customer.tax_id")))
        << bad;
    EXPECT_EQ(ReasonOf(status), crm::type::v1::FIELD_INVALID) << bad;
    // The message names the field, never the value.
    EXPECT_THAT(status.message(), Not(HasSubstr(bad))) << bad;
  }
}

TEST(StandardizeCustomer, IndividualsHaveNoCompanyOrTaxId) {
  for (v1::Customer::CustomerType type :
       {v1::Customer::INDIVIDUAL, v1::Customer::CUSTOMER_TYPE_UNSPECIFIED}) {
    v1::Customer input;
    input.set_customer_type(type);
    CRM_EXPECT_OK(StandardizeCustomer(input, Options()).status());
    input.set_company_name("Lee Garden Trading Ltd");
    absl::Status company = StandardizeCustomer(input, Options()).status();
    EXPECT_THAT(company, StatusIs(absl::StatusCode::kInvalidArgument,
                                  HasSubstr("customer.company_name")));
    EXPECT_EQ(ReasonOf(company), crm::type::v1::FIELD_INVALID);
    input.clear_company_name();
    input.set_tax_id("DE123456789");
    EXPECT_THAT(StandardizeCustomer(input, Options()),
                StatusIs(absl::StatusCode::kInvalidArgument,
                         HasSubstr("customer.tax_id")));
  }
  v1::Customer unknown;
  unknown.set_customer_type(static_cast<v1::Customer::CustomerType>(9));
  EXPECT_THAT(StandardizeCustomer(unknown, Options()),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("customer.customer_type")));
}

// The reason and field of an INVALID_ARGUMENT status.
std::pair<crm::common::ErrorReason, std::string> ReasonAndField(
    const absl::Status& status) {
  return {crm::common::ReasonOf(status),
          crm::common::ErrorMetadataOf(status)["field"]};
}

TEST(UpdatePaths, ExpandsStarAndAddressAndRejectsUnknownPaths) {
  const v1::Customer body;
  google::protobuf::FieldMask mask;
  mask.add_paths("*");
  CRM_ASSERT_OK_AND_ASSIGN(std::vector<std::string> all,
                           UpdatePaths(mask, body));
  EXPECT_EQ(all, UpdatablePaths());
  mask.Clear();
  mask.add_paths("address");
  CRM_ASSERT_OK_AND_ASSIGN(std::vector<std::string> address,
                           UpdatePaths(mask, body));
  EXPECT_EQ(address.size(), 5u);
  for (const char* bad : {"nope", "address.nowhere", "tags.x"}) {
    mask.Clear();
    mask.add_paths(bad);
    absl::StatusOr<std::vector<std::string>> paths = UpdatePaths(mask, body);
    EXPECT_THAT(paths, StatusIs(absl::StatusCode::kInvalidArgument)) << bad;
    EXPECT_EQ(ReasonAndField(paths.status()),
              std::make_pair(crm::type::v1::FIELD_INVALID,
                             std::string("update_mask")))
        << bad;
  }
}

TEST(UpdatePaths, IgnoresOutputOnlyPaths) {
  google::protobuf::FieldMask mask;
  for (const char* output_only :
       {"etag", "state", "name", "create_time", "update_time", "merged_into",
        "purchase_summary", "purchase_summary.order_count"}) {
    mask.add_paths(output_only);
  }
  mask.add_paths("email");
  CRM_ASSERT_OK_AND_ASSIGN(std::vector<std::string> paths,
                           UpdatePaths(mask, v1::Customer()));
  EXPECT_EQ(paths, std::vector<std::string>{"email"});
}

TEST(UpdatePaths, WithoutAMaskTakesTheFieldsSetInTheBody) {
  v1::Customer body;
  body.set_name("customers/c1");  // Output-only: never a path.
  body.set_etag("e");
  body.set_email("ann@example.com");
  body.mutable_address()->set_city("Hangzhou");
  body.add_tags("vip");
  CRM_ASSERT_OK_AND_ASSIGN(std::vector<std::string> paths,
                           UpdatePaths(google::protobuf::FieldMask(), body));
  EXPECT_THAT(paths,
              ::testing::UnorderedElementsAre("email", "address.city", "tags"));
}

TEST(ValidatePinnedFields, NamesPinnedFieldsInErrors) {
  google::protobuf::RepeatedPtrField<std::string> pinned;
  pinned.Add("email");
  CRM_ASSERT_OK_AND_ASSIGN(std::vector<std::string> paths,
                           ValidatePinnedFields(pinned));
  EXPECT_EQ(paths, std::vector<std::string>{"email"});
  pinned.Add("nope");
  absl::StatusOr<std::vector<std::string>> bad = ValidatePinnedFields(pinned);
  EXPECT_EQ(ReasonAndField(bad.status()),
            std::make_pair(crm::type::v1::FIELD_INVALID,
                           std::string("pinned_fields")));
}

TEST(StandardizeCustomer, RejectsUnknownConsentValues) {
  v1::Customer input;
  v1::Consent* consent = input.add_consents();
  consent->set_purpose(static_cast<v1::Consent::Purpose>(999));
  consent->set_status(v1::Consent::GRANTED);
  absl::Status unknown_purpose = StandardizeCustomer(input, Options()).status();
  EXPECT_EQ(ReasonAndField(unknown_purpose),
            std::make_pair(crm::type::v1::FIELD_INVALID,
                           std::string("customer.consents[0].purpose")));
  consent->set_purpose(v1::Consent::PROFILING);
  consent->set_status(static_cast<v1::Consent::Status>(999));
  absl::Status unknown_status = StandardizeCustomer(input, Options()).status();
  EXPECT_EQ(ReasonAndField(unknown_status),
            std::make_pair(crm::type::v1::FIELD_INVALID,
                           std::string("customer.consents[0].status")));
}

TEST(ParseCustomerOrder, AcceptsTheDocumentedOrders) {
  EXPECT_EQ(*ParseCustomerOrder(""), CustomerOrder::kCreateTimeDesc);
  EXPECT_EQ(*ParseCustomerOrder("create_time desc"),
            CustomerOrder::kCreateTimeDesc);
  EXPECT_EQ(*ParseCustomerOrder("create_time"), CustomerOrder::kCreateTimeAsc);
  EXPECT_EQ(*ParseCustomerOrder("update_time  DESC"),
            CustomerOrder::kUpdateTimeDesc);
  EXPECT_EQ(*ParseCustomerOrder("update_time"), CustomerOrder::kUpdateTimeAsc);
  EXPECT_THAT(
      ParseCustomerOrder("name"),
      StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("order_by")));
}

TEST(ParseCustomerName, AcceptsOnlyCustomersSlashId) {
  CRM_ASSERT_OK_AND_ASSIGN(std::string id, ParseCustomerName("customers/ab-1"));
  EXPECT_EQ(id, "ab-1");
  EXPECT_EQ(CustomerName(id), "customers/ab-1");
  for (const char* name : {"", "customers", "customers/", "customers/a/b",
                           "segments/a", "customers/a%20b", "Customers/a"}) {
    absl::StatusOr<std::string> parsed = ParseCustomerName(name);
    EXPECT_THAT(parsed, StatusIs(absl::StatusCode::kInvalidArgument)) << name;
    EXPECT_EQ(ReasonAndField(parsed.status()).second, "name") << name;
  }
  EXPECT_THAT(ParseCustomerName("customers/" + std::string(65, 'x')),
              StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_EQ(ReasonOf(ParseCustomerName("").status()),
            crm::type::v1::FIELD_REQUIRED);
}

}  // namespace
}  // namespace crm::customer_profile
