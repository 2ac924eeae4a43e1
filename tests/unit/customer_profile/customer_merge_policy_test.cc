// The merge precedence of customer records (pure, no database).
#include "services/customer_profile/customer_merge_policy.h"

#include <set>
#include <string>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "services/common/error_details.h"
#include "services/common/timestamps.h"
#include "services/customer_profile/customer_validation.h"
#include "tests/testing/status_matchers.h"

namespace crm::customer_profile {
namespace {

using ::crm::testing::StatusIs;
using ::testing::ElementsAre;
using ::testing::UnorderedElementsAre;

v1::Consent ConsentOf(v1::Consent::Purpose purpose, v1::Consent::Status status,
                      absl::Time time) {
  v1::Consent consent;
  consent.set_purpose(purpose);
  consent.set_status(status);
  *consent.mutable_update_time() = crm::common::ToProtoTimestamp(time);
  return consent;
}

TEST(FoldInto, NewerNonEmptyValuesWin) {
  v1::Customer base;
  base.set_given_name("Ann");
  base.set_email("ann@example.com");
  v1::Customer other;
  other.set_given_name("Anna");
  other.set_phone("+8613800138000");
  CRM_ASSERT_OK_AND_ASSIGN(std::vector<std::string> taken,
                           FoldInto(other, /*other_newer=*/true, {}, &base));
  EXPECT_EQ(base.given_name(), "Anna");
  EXPECT_EQ(base.email(), "ann@example.com");  // Empty never overwrites.
  EXPECT_EQ(base.phone(), "+8613800138000");
  EXPECT_THAT(taken, UnorderedElementsAre("given_name", "phone"));
}

TEST(FoldInto, OlderValuesOnlyFillEmptyFields) {
  v1::Customer base;
  base.set_given_name("Ann");
  v1::Customer other;
  other.set_given_name("Anna");
  other.set_family_name("Li");
  other.mutable_address()->set_city("Hangzhou");
  CRM_ASSERT_OK_AND_ASSIGN(std::vector<std::string> taken,
                           FoldInto(other, /*other_newer=*/false, {}, &base));
  EXPECT_EQ(base.given_name(), "Ann");
  EXPECT_EQ(base.family_name(), "Li");
  EXPECT_EQ(base.address().city(), "Hangzhou");
  EXPECT_THAT(taken, UnorderedElementsAre("family_name", "address.city"));
}

TEST(FoldInto, PinnedFieldsKeepTheBaseValue) {
  v1::Customer base;
  base.set_email("old@example.com");
  base.add_tags("a");
  v1::Customer other;
  other.set_email("new@example.com");
  other.set_given_name("Bo");
  other.add_tags("b");
  CRM_ASSERT_OK_AND_ASSIGN(
      std::vector<std::string> taken,
      FoldInto(other, /*other_newer=*/true, {"email", "tags"}, &base));
  EXPECT_EQ(base.email(), "old@example.com");
  EXPECT_THAT(base.tags(), ElementsAre("a"));
  EXPECT_EQ(base.given_name(), "Bo");
  EXPECT_THAT(taken, ElementsAre("given_name"));
}

TEST(FoldInto, UnitesTagsAndIdentities) {
  v1::Customer base;
  base.add_tags("vip");
  base.add_tags("b2b");
  v1::ExternalIdentity* mine = base.add_external_identities();
  mine->set_channel("wechat");
  mine->set_id("o1");
  v1::Customer other;
  other.add_tags("vip");
  other.add_tags("app");
  *other.add_external_identities() = *mine;
  v1::ExternalIdentity* theirs = other.add_external_identities();
  theirs->set_channel("member_card");
  theirs->set_id("m9");
  CRM_ASSERT_OK(FoldInto(other, false, {}, &base).status());
  EXPECT_THAT(base.tags(), ElementsAre("app", "b2b", "vip"));
  ASSERT_EQ(base.external_identities_size(), 2);
  EXPECT_EQ(base.external_identities(1).channel(), "member_card");
}

TEST(FoldInto, IdentitiesAreUnitedEvenWhenPinned) {
  v1::Customer base;
  v1::Customer other;
  v1::ExternalIdentity* identity = other.add_external_identities();
  identity->set_channel("wechat");
  identity->set_id("o2");
  CRM_ASSERT_OK(FoldInto(other, true, {"external_identities"}, &base).status());
  EXPECT_EQ(base.external_identities_size(), 1);
}

TEST(FoldInto, AttributesNewerWinsPerKey) {
  v1::Customer base;
  (*base.mutable_attributes())["size"] = "M";
  (*base.mutable_attributes())["city"] = "HZ";
  v1::Customer other;
  (*other.mutable_attributes())["size"] = "L";
  (*other.mutable_attributes())["pet"] = "cat";
  v1::Customer older_case = base;
  CRM_ASSERT_OK(FoldInto(other, /*other_newer=*/true, {}, &base).status());
  EXPECT_EQ(base.attributes().at("size"), "L");
  EXPECT_EQ(base.attributes().at("city"), "HZ");
  EXPECT_EQ(base.attributes().at("pet"), "cat");
  CRM_ASSERT_OK(
      FoldInto(other, /*other_newer=*/false, {}, &older_case).status());
  EXPECT_EQ(older_case.attributes().at("size"), "M");
  EXPECT_EQ(older_case.attributes().at("pet"), "cat");
}

TEST(FoldInto, ConsentsKeepTheLaterAnswerPerPurpose) {
  const absl::Time t0 = absl::FromUnixSeconds(1700000000);
  v1::Customer base;
  *base.add_consents() =
      ConsentOf(v1::Consent::EMAIL_MARKETING, v1::Consent::GRANTED, t0);
  *base.add_consents() = ConsentOf(v1::Consent::SMS_MARKETING,
                                   v1::Consent::GRANTED, t0 + absl::Hours(2));
  v1::Customer other;
  *other.add_consents() = ConsentOf(v1::Consent::EMAIL_MARKETING,
                                    v1::Consent::REVOKED, t0 + absl::Hours(1));
  *other.add_consents() =
      ConsentOf(v1::Consent::SMS_MARKETING, v1::Consent::REVOKED, t0);
  // Whichever record is newer, each purpose keeps its later answer.
  CRM_ASSERT_OK(FoldInto(other, /*other_newer=*/false, {}, &base).status());
  ASSERT_EQ(base.consents_size(), 2);
  for (const v1::Consent& consent : base.consents()) {
    if (consent.purpose() == v1::Consent::EMAIL_MARKETING) {
      EXPECT_EQ(consent.status(), v1::Consent::REVOKED);
    } else {
      EXPECT_EQ(consent.status(), v1::Consent::GRANTED);
    }
  }
}

TEST(FoldInto, TooManyTagsIsAFieldError) {
  v1::Customer base;
  v1::Customer other;
  for (size_t i = 0; i < kMaxTags; ++i) {
    base.add_tags("a" + std::to_string(i));
    other.add_tags("b" + std::to_string(i));
  }
  absl::StatusOr<std::vector<std::string>> taken =
      FoldInto(other, true, {}, &base);
  EXPECT_THAT(taken, StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_EQ(crm::common::ReasonOf(taken.status()),
            crm::type::v1::FIELD_INVALID);
  EXPECT_EQ(crm::common::ErrorMetadataOf(taken.status())["field"],
            "customer.tags");
}

TEST(FoldInto, TheResultKeepsACompanyOnlyOnABusiness) {
  v1::Customer business;
  business.set_customer_type(v1::Customer::BUSINESS);
  business.set_company_name("Lee Garden Trading Ltd");
  business.set_tax_id("DE123456789");
  // An unstated type never overwrites BUSINESS: the company stays.
  v1::Customer unstated;
  unstated.set_given_name("Ann");
  v1::Customer base = business;
  CRM_ASSERT_OK(FoldInto(unstated, true, {}, &base).status());
  EXPECT_EQ(base.customer_type(), v1::Customer::BUSINESS);
  EXPECT_EQ(base.company_name(), "Lee Garden Trading Ltd");
  // A newer INDIVIDUAL would leave the company on an individual.
  v1::Customer individual;
  individual.set_customer_type(v1::Customer::INDIVIDUAL);
  base = business;
  absl::StatusOr<std::vector<std::string>> folded =
      FoldInto(individual, true, {}, &base);
  EXPECT_THAT(folded, StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_EQ(crm::common::ErrorMetadataOf(folded.status())["field"],
            "customer.customer_type");
  // Pinning the type keeps the business whole.
  base = business;
  CRM_EXPECT_OK(FoldInto(individual, true, {"customer_type"}, &base).status());
  EXPECT_EQ(base.customer_type(), v1::Customer::BUSINESS);
  // A BUSINESS folded into an individual brings its company along.
  base = individual;
  CRM_EXPECT_OK(FoldInto(business, true, {}, &base).status());
  EXPECT_EQ(base.customer_type(), v1::Customer::BUSINESS);
  EXPECT_EQ(base.tax_id(), "DE123456789");
  // Pinning the individual's empty company leaves a BUSINESS without one.
  base = individual;
  EXPECT_THAT(FoldInto(business, true, {"company_name"}, &base),
              StatusIs(absl::StatusCode::kInvalidArgument));
}

}  // namespace
}  // namespace crm::customer_profile
