// CSV -> Customer mapping for bulk import (crm-import and the gateway).
#include "clients/customer_profile/customer_csv.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <sstream>
#include <string>
#include <vector>

#include "crm/type/v1/error_reason.pb.h"
#include "services/common/error_details.h"
#include "tests/testing/status_matchers.h"

namespace crm::customer_profile_client {
namespace {

using ::crm::testing::IsOk;
using ::crm::testing::StatusIs;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::Not;

struct Outcome {
  absl::Status status;
  std::vector<v1::ImportCustomersRequest> sent;
  std::vector<v1::ImportRowResult> rejected;
};

Outcome Read(const std::string& csv, bool strict_phone = false) {
  Outcome outcome;
  std::istringstream input(csv);
  outcome.status = ReadCustomerCsv(
      input, strict_phone,
      [&](const v1::ImportCustomersRequest& row) {
        outcome.sent.push_back(row);
        return true;
      },
      [&](const v1::ImportRowResult& r) { outcome.rejected.push_back(r); });
  return outcome;
}

TEST(CustomerCsvTest, MapsEveryColumn) {
  Outcome out = Read(
      "\xEF\xBB\xBF Given_Name ,family_name,display_name,email,phone,"
      "birth_date,gender,locale,country_code,region,city,postal_code,"
      "address_line,tags,source_channel,identity:wechat_openid,"
      "identity:store_card,attribute:member_level,consent:email_marketing\n"
      "小明,王,王小明,Xm@Example.com,138 0013 8000,1990-05-01,女,zh-CN,cn,"
      "上海市,上海,200000,\"南京西路 1号, 2楼\",vip; 会员 ;,wechat,o123,"
      "SC9,gold,granted\n",
      /*strict_phone=*/true);
  ASSERT_THAT(out.status, IsOk());
  ASSERT_EQ(out.rejected.size(), 0u);
  ASSERT_EQ(out.sent.size(), 1u);
  const v1::ImportCustomersRequest& row = out.sent[0];
  EXPECT_EQ(row.line_number(), 2);
  EXPECT_TRUE(row.strict_phone());
  const v1::Customer& c = row.customer();
  EXPECT_EQ(c.given_name(), "小明");
  EXPECT_EQ(c.family_name(), "王");
  EXPECT_EQ(c.display_name(), "王小明");
  // Values are passed as written: the service standardises them.
  EXPECT_EQ(c.email(), "Xm@Example.com");
  EXPECT_EQ(c.phone(), "138 0013 8000");
  EXPECT_EQ(c.birth_date(), "1990-05-01");
  EXPECT_EQ(c.gender(), v1::Customer::FEMALE);
  EXPECT_EQ(c.locale(), "zh-CN");
  EXPECT_EQ(c.address().country_code(), "cn");
  EXPECT_EQ(c.address().region(), "上海市");
  EXPECT_EQ(c.address().city(), "上海");
  EXPECT_EQ(c.address().postal_code(), "200000");
  EXPECT_EQ(c.address().address_line(), "南京西路 1号, 2楼");
  EXPECT_THAT(c.tags(), ElementsAre("vip", "会员"));
  EXPECT_EQ(c.source_channel(), "wechat");
  ASSERT_EQ(c.external_identities_size(), 2);
  EXPECT_EQ(c.external_identities(0).channel(), "wechat_openid");
  EXPECT_EQ(c.external_identities(0).id(), "o123");
  EXPECT_EQ(c.external_identities(1).channel(), "store_card");
  EXPECT_EQ(c.attributes().at("member_level"), "gold");
  ASSERT_EQ(c.consents_size(), 1);
  EXPECT_EQ(c.consents(0).purpose(), v1::Consent::EMAIL_MARKETING);
  EXPECT_EQ(c.consents(0).status(), v1::Consent::GRANTED);
}

TEST(CustomerCsvTest, EmptyCellsAreAbsent) {
  Outcome out = Read("email,phone,gender,identity:app_user\nb@x.com,,,\n");
  ASSERT_EQ(out.sent.size(), 1u);
  const v1::Customer& c = out.sent[0].customer();
  EXPECT_EQ(c.phone(), "");
  EXPECT_EQ(c.gender(), v1::Customer::GENDER_UNSPECIFIED);
  EXPECT_EQ(c.external_identities_size(), 0);
  EXPECT_FALSE(c.has_address());
}

TEST(CustomerCsvTest, MapsTheCustomerTypeAndTheCompany) {
  Outcome out = Read(
      "email,Customer_Type,company_name,tax_id\n"
      "a@x.com,Business,Lee Garden Trading Ltd,DE-123456789\n"
      "b@x.com,企业,王氏贸易,\n"
      "c@x.com,i,,\n"
      "d@x.com,,,\n"
      "e@x.com,partnership,Secret Name,\n");
  ASSERT_THAT(out.status, IsOk());
  ASSERT_EQ(out.sent.size(), 4u);
  EXPECT_EQ(out.sent[0].customer().customer_type(), v1::Customer::BUSINESS);
  // Passed as written: the service standardises and checks them.
  EXPECT_EQ(out.sent[0].customer().company_name(), "Lee Garden Trading Ltd");
  EXPECT_EQ(out.sent[0].customer().tax_id(), "DE-123456789");
  EXPECT_EQ(out.sent[1].customer().customer_type(), v1::Customer::BUSINESS);
  EXPECT_EQ(out.sent[1].customer().company_name(), "王氏贸易");
  EXPECT_EQ(out.sent[2].customer().customer_type(), v1::Customer::INDIVIDUAL);
  EXPECT_EQ(out.sent[3].customer().customer_type(),
            v1::Customer::CUSTOMER_TYPE_UNSPECIFIED);
  ASSERT_EQ(out.rejected.size(), 1u);
  EXPECT_EQ(out.rejected[0].line_number(), 6);
  EXPECT_THAT(out.rejected[0].error(), HasSubstr("customer_type"));
  EXPECT_THAT(out.rejected[0].error(), Not(HasSubstr("partnership")));
}

TEST(CustomerCsvTest, BadRowsAreRejectedWithTheirLineAndReadingGoesOn) {
  Outcome out = Read(
      "given_name,email,gender,consent:sms_marketing\n"
      "A,a@x.com,f,denied\n"         // 2 ok
      "B,b@x.com\n"                  // 3 wrong field count
      "C,c@x.com,robot,\n"           // 4 bad gender
      "D,d@x.com,m,maybe\n"          // 5 bad consent
      "\"E\nstill E\",e@x.com,m,\n"  // 6-7 quoted line break, ok
      "F,\xC3\x28@x.com,m,\n"        // 8 invalid UTF-8
      ",,,\n"                        // 9 no values
      "G,g@x.com,M,revoked\n");      // 10 ok
  ASSERT_THAT(out.status, IsOk());
  ASSERT_EQ(out.sent.size(), 3u);
  EXPECT_EQ(out.sent[0].line_number(), 2);
  EXPECT_EQ(out.sent[1].line_number(), 6);
  EXPECT_EQ(out.sent[1].customer().given_name(), "E\nstill E");
  EXPECT_EQ(out.sent[2].line_number(), 10);
  ASSERT_EQ(out.rejected.size(), 5u);
  std::vector<int64_t> lines;
  for (const auto& r : out.rejected) {
    lines.push_back(r.line_number());
    EXPECT_EQ(r.outcome(), v1::ImportRowResult::REJECTED);
    EXPECT_THAT(r.error(), Not(HasSubstr("line ")));  // the line is separate
    EXPECT_THAT(r.error(), Not(HasSubstr("robot")));  // values never echoed
    EXPECT_THAT(r.error(), Not(HasSubstr("maybe")));
  }
  EXPECT_THAT(lines, ElementsAre(3, 4, 5, 8, 9));
  EXPECT_THAT(out.rejected[1].error(), HasSubstr("gender"));
  EXPECT_THAT(out.rejected[2].error(), HasSubstr("consent:sms_marketing"));
  EXPECT_THAT(out.rejected[3].error(), HasSubstr("UTF-8"));
  EXPECT_EQ(out.rejected[4].error(), "row has no values");
}

TEST(CustomerCsvTest, UnterminatedQuoteAtTheEndRejectsThatRow) {
  Outcome out = Read("given_name,email\nA,a@x.com\n\"B,b@x.com\n");
  ASSERT_THAT(out.status, IsOk());
  EXPECT_EQ(out.sent.size(), 1u);
  ASSERT_EQ(out.rejected.size(), 1u);
  EXPECT_EQ(out.rejected[0].line_number(), 3);
}

TEST(CustomerCsvTest, BadHeadersFailTheWholeFile) {
  const absl::Status unknown =
      Read("given_name,shoe_size,identity:\nA,1,2\n").status;
  EXPECT_THAT(unknown, StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_EQ(common::ReasonOf(unknown), ::crm::type::v1::FIELD_INVALID);
  EXPECT_EQ(common::ErrorMetadataOf(unknown)["field"], "shoe_size");
  EXPECT_THAT(common::FieldViolationsOf(unknown),
              ElementsAre(::testing::Pair("shoe_size", "unknown column"),
                          ::testing::Pair("identity:", "unknown column")));
  EXPECT_THAT(Read("email,Email\n").status,
              StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(Read("consent:newsletters\n").status,
              StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(Read("").status, StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(
      Read(std::string("\xFF\xFEg\0i\0", 6)).status,
      StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("UTF-16")));
}

TEST(CustomerCsvTest, StopsWhenTheTransportFails) {
  std::istringstream input("email\na@x.com\nb@x.com\nc@x.com\n");
  int sent = 0;
  absl::Status status = ReadCustomerCsv(
      input, false,
      [&](const v1::ImportCustomersRequest&) { return ++sent < 2; },
      [](const v1::ImportRowResult&) {});
  EXPECT_THAT(status, StatusIs(absl::StatusCode::kCancelled));
  EXPECT_EQ(sent, 2);
}

TEST(CustomerCsvTest, MergesLocalRejectionsInLineOrder) {
  v1::ImportCustomersResponse server;
  for (int line : {2, 5, 6}) {
    auto* r = server.add_results();
    r->set_line_number(line);
    r->set_outcome(v1::ImportRowResult::CREATED);
  }
  server.set_created_count(3);
  std::vector<v1::ImportRowResult> local(2);
  local[0].set_line_number(7);
  local[1].set_line_number(3);
  v1::ImportCustomersResponse merged = MergeImportResults(server, local);
  std::vector<int64_t> lines;
  for (const auto& r : merged.results()) lines.push_back(r.line_number());
  EXPECT_THAT(lines, ElementsAre(2, 3, 5, 6, 7));
  EXPECT_EQ(merged.created_count(), 3);
  EXPECT_EQ(merged.rejected_count(), 2);
}

}  // namespace
}  // namespace crm::customer_profile_client
