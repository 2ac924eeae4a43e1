// GET /v1/customers/{customer}:view against in-process fake backends: the
// parts, partial answers when a backend is down, access.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <google/protobuf/struct.pb.h>
#include <google/protobuf/util/json_util.h>

#include "absl/strings/str_cat.h"
#include "tests/unit/gateway/gateway_fixture.h"

namespace crm::gateway {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

google::protobuf::Struct ParseObject(const std::string& json) {
  google::protobuf::Struct object;
  EXPECT_TRUE(google::protobuf::util::JsonStringToMessage(json, &object).ok())
      << json;
  return object;
}

// The `part` names of the view's `missing` list.
std::vector<std::string> MissingParts(const google::protobuf::Struct& view) {
  std::vector<std::string> parts;
  for (const auto& entry : view.fields().at("missing").list_value().values()) {
    parts.push_back(entry.struct_value().fields().at("part").string_value());
  }
  return parts;
}

class CustomerViewTest : public GatewayTest {};

TEST_F(CustomerViewTest, GathersEveryPartAndNamesWhatIsMissing) {
  CreateCustomer("Mei");
  TestHttpResponse response = Call("GET", "/v1/customers/c1:view");
  ASSERT_EQ(response.status, 200) << response.body;
  google::protobuf::Struct view = ParseObject(response.body);
  EXPECT_EQ(view.fields()
                .at("customer")
                .struct_value()
                .fields()
                .at("givenName")
                .string_value(),
            "Mei");
  for (const char* part : {"score", "account", "recentLedgerEntries",
                           "recentFeedback", "missing"}) {
    EXPECT_EQ(view.fields().count(part), 1u) << part;
  }
  // The fakes serve no scores and no ledger: those parts are missing
  // (UNIMPLEMENTED), every other is there.
  EXPECT_THAT(MissingParts(view),
              ::testing::UnorderedElementsAre("score", "recentLedgerEntries"));
  EXPECT_EQ(feedback_.last_list().filter(), "customer = \"customers/c1\"");
}

TEST_F(CustomerViewTest, AnswersWithABackendDown) {
  CreateCustomer("Mei");
  loyalty_server_.reset();  // loyalty stops.
  TestHttpResponse response = Call("GET", "/v1/customers/c1:view");
  ASSERT_EQ(response.status, 200) << response.body;
  google::protobuf::Struct view = ParseObject(response.body);
  EXPECT_THAT(MissingParts(view),
              ::testing::IsSupersetOf({"account", "recentLedgerEntries"}));
  EXPECT_THAT(response.body, HasSubstr("\"backend\":\"loyalty\""));
  EXPECT_THAT(response.body, HasSubstr("\"status\":\"UNAVAILABLE\""));
  EXPECT_EQ(view.fields()
                .at("customer")
                .struct_value()
                .fields()
                .at("name")
                .string_value(),
            "customers/c1");
}

TEST_F(CustomerViewTest, AnUnknownCustomerIs404AndIdsAreChecked) {
  EXPECT_EQ(Call("GET", "/v1/customers/nobody:view").status, 404);
  // An id that would change the feedback filter is refused.
  TestHttpResponse injected =
      Call("GET", "/v1/customers/a%22%20OR%20customer%21%3D%22b:view");
  EXPECT_EQ(injected.status, 400) << injected.body;
  EXPECT_EQ(Call("GET", "/v1/customers/c1:view?x=1").status, 400);
}

TEST_F(CustomerViewTest, AnalystsSeeItMaskedAgentsInFull) {
  TestHttpResponse created =
      Call("POST", "/v1/customers",
           R"({"givenName":"Mei","email":"mei@example.com"})");
  ASSERT_EQ(created.status, 200);
  ASSERT_TRUE(config_.api_keys.Add("bi analyst analyst-key-0123456789").ok());
  server_->Shutdown(absl::Seconds(1));
  server_.reset();
  gateway_.reset();
  send_admin_key_ = false;
  TestHttpResponse masked = Call("GET", "/v1/customers/c1:view", "",
                                 {{"X-API-Key", "analyst-key-0123456789"}});
  send_admin_key_ = true;
  ASSERT_EQ(masked.status, 200) << masked.body;
  EXPECT_THAT(masked.body, Not(HasSubstr("mei@example.com")));
  EXPECT_THAT(masked.body, HasSubstr("\"email\":\"***\""));
  EXPECT_THAT(Call("GET", "/v1/customers/c1:view").body,
              HasSubstr("mei@example.com"));
}

}  // namespace
}  // namespace crm::gateway
