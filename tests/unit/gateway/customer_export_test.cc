// GET /v1/customers/{customer}:export through the gateway, over in-process
// fake backends (view_fakes.h): one document from the four services, or 503
// naming the services that did not answer, never a partial export.
#include <gmock/gmock.h>
#include <google/protobuf/struct.pb.h>
#include <google/protobuf/util/json_util.h>
#include <gtest/gtest.h>

#include <string>
#include <thread>
#include <vector>

#include "absl/time/clock.h"
#include "crm/customerprofile/v1/customer_profile_service.pb.h"
#include "crm/feedback/v1/feedback_service.pb.h"
#include "crm/loyalty/v1/loyalty_service.pb.h"
#include "crm/segmentation/v1/segmentation_service.pb.h"
#include "services/common/error_details.h"
#include "tests/testing/wait.h"
#include "tests/unit/gateway/view_fixture.h"

namespace crm::gateway {
namespace {

namespace seg = ::crm::segmentation::v1;
namespace loy = ::crm::loyalty::v1;
namespace fb = ::crm::feedback::v1;
using ::google::protobuf::Struct;
using ::testing::ElementsAre;
using ::testing::Pair;
using ::testing::UnorderedElementsAre;

Struct ParseObject(const std::string& json) {
  Struct object;
  EXPECT_TRUE(google::protobuf::util::JsonStringToMessage(json, &object).ok())
      << json;
  return object;
}

class CustomerExportTest : public ViewBackendsTest {};

TEST_F(CustomerExportTest, GathersEveryServicesExportInOneDocument) {
  CreateCustomer("Mei");
  TestHttpResponse response = Call("GET", "/v1/customers/c1:export");
  ASSERT_EQ(response.status, 200) << response.body;
  Struct document = ParseObject(response.body);
  std::vector<std::string> keys;
  for (const auto& [key, value] : document.fields()) keys.push_back(key);
  EXPECT_THAT(keys, UnorderedElementsAre("customer", "profile", "segmentation",
                                         "loyalty", "feedback", "missing"));
  EXPECT_EQ(document.fields().at("customer").string_value(), "customers/c1");
  EXPECT_EQ(document.fields().at("missing").list_value().values_size(), 0);
  const auto& profile = document.fields().at("profile").struct_value();
  EXPECT_EQ(profile.fields()
                .at("customer")
                .struct_value()
                .fields()
                .at("name")
                .string_value(),
            "customers/c1");
  const auto& segmentation =
      document.fields().at("segmentation").struct_value();
  EXPECT_EQ(segmentation.fields().at("orders").list_value().values_size(), 1);
  const auto& loyalty = document.fields().at("loyalty").struct_value();
  const auto& account =
      loyalty.fields().at("accounts").list_value().values(0).struct_value();
  EXPECT_EQ(account.fields().at("coupons").list_value().values_size(), 1);
  const auto& feedback = document.fields().at("feedback").struct_value();
  EXPECT_EQ(feedback.fields().at("tickets").list_value().values_size(), 1);

  // Each service was asked for this customer, with a deadline.
  EXPECT_EQ(customers_.last_request<cp::ExportCustomerDataRequest>().name(),
            "customers/c1");
  EXPECT_EQ(view_segmentation_.requests
                .last<seg::ExportCustomerSegmentationDataRequest>()
                .name(),
            "customers/c1");
  EXPECT_EQ(view_loyalty_.requests.last<loy::ExportAccountDataRequest>().name(),
            "accounts/c1");
  EXPECT_EQ(view_feedback_.requests.last<fb::ExportCustomerFeedbackRequest>()
                .customer(),
            "customers/c1");
  EXPECT_TRUE(view_loyalty_.last_had_deadline());
  EXPECT_TRUE(customers_.last_had_deadline());
}

TEST_F(CustomerExportTest, AnExportWithAServiceDownIs503NamingIt) {
  CreateCustomer("Mei");
  loyalty_server_.reset();  // loyalty stops.
  TestHttpResponse response = Call("GET", "/v1/customers/c1:export");
  ASSERT_EQ(response.status, 503) << response.body;
  ErrorBody error = ParseError(response.body);
  EXPECT_EQ(error.status, "UNAVAILABLE");
  EXPECT_EQ(error.reason, "BACKEND_UNAVAILABLE");
  EXPECT_EQ(error.domain, "gateway");
  EXPECT_THAT(error.metadata,
              UnorderedElementsAre(Pair("backends", "loyalty"),
                                   Pair("loyalty", "UNAVAILABLE")));
  EXPECT_EQ(error.message,
            "the export is incomplete: no answer from loyalty; retry");
}

TEST_F(CustomerExportTest, EveryFailedServiceIsNamedWithItsStatus) {
  config_.backend_timeout = absl::Milliseconds(500);
  view_segmentation_.HangUntilDeadline(true);
  view_feedback_.FailWith(crm::testing::ServiceStatus(
      absl::InternalError("disk on fire"), "feedback"));
  TestHttpResponse response = Call("GET", "/v1/customers/c1:export");
  ASSERT_EQ(response.status, 503) << response.body;
  ErrorBody error = ParseError(response.body);
  EXPECT_EQ(error.reason, "BACKEND_UNAVAILABLE");
  EXPECT_THAT(error.metadata,
              UnorderedElementsAre(Pair("backends", "segmentation,feedback"),
                                   Pair("segmentation", "DEADLINE_EXCEEDED"),
                                   Pair("feedback", "INTERNAL")));
  EXPECT_THAT(response.body, ::testing::Not(::testing::HasSubstr("disk")));
}

TEST_F(CustomerExportTest, AWaitingExportHoldsNoHttpThread) {
  config_.backend_timeout = absl::Seconds(2);
  http_threads_ = 1;
  CreateCustomer("Mei");  // Starts the gateway: one HTTP thread.
  view_segmentation_.HangUntilDeadline(true);
  std::thread exporting([this] {
    EXPECT_EQ(Call("GET", "/v1/customers/c1:export").status, 503);
  });
  ASSERT_TRUE(crm::testing::WaitUntil(
      [&] { return view_segmentation_.recorded_calls() >= 1; },
      absl::Milliseconds(1500)));
  // The export waits on a route thread; the one HTTP thread still serves a
  // transcoded route and a hand-written one at once.
  const absl::Time start = absl::Now();
  EXPECT_EQ(Call("GET", "/v1/customers/c1").status, 200);
  EXPECT_EQ(Call("GET", "/healthz").status, 200);
  EXPECT_LT(absl::Now() - start, absl::Milliseconds(1000));
  exporting.join();
}

TEST_F(CustomerExportTest, AnUnknownOrErasedCustomerIs404) {
  customers_.FailWith(crm::testing::ServiceStatus(
      common::NotFoundError("customers/gone"), "customer-profile"));
  feedback_server_.reset();  // Whatever the others answer.
  TestHttpResponse response = Call("GET", "/v1/customers/gone:export");
  ASSERT_EQ(response.status, 404) << response.body;
  ErrorBody error = ParseError(response.body);
  EXPECT_EQ(error.reason, "RESOURCE_NOT_FOUND");
  EXPECT_EQ(error.domain, "customer-profile");
}

TEST_F(CustomerExportTest, IdsAndParametersAreChecked) {
  TestHttpResponse injected = Call("GET", "/v1/customers/a%22%20OR%20x:export");
  EXPECT_EQ(injected.status, 400) << injected.body;
  EXPECT_EQ(ParseError(injected.body).metadata.at("field"), "customer");
  TestHttpResponse with_query = Call("GET", "/v1/customers/c1:export?x=1");
  EXPECT_EQ(with_query.status, 400);
  EXPECT_EQ(ParseError(with_query.body).metadata.at("field"), "x");
}

TEST_F(CustomerExportTest, AdminsAndAgentsMayExportAnalystsMayNot) {
  CreateCustomer("Mei");
  ASSERT_TRUE(config_.api_keys.Add("bi analyst analyst-key-0123456789").ok());
  ASSERT_TRUE(config_.api_keys.Add("desk agent agent-key-00123456789").ok());
  server_->Shutdown(absl::Seconds(1));
  server_.reset();
  gateway_.reset();
  send_admin_key_ = false;
  TestHttpResponse analyst = Call("GET", "/v1/customers/c1:export", "",
                                  {{"X-API-Key", "analyst-key-0123456789"}});
  EXPECT_EQ(analyst.status, 403) << analyst.body;
  EXPECT_EQ(ParseError(analyst.body).reason, "ACCESS_DENIED");
  TestHttpResponse agent = Call("GET", "/v1/customers/c1:export", "",
                                {{"X-API-Key", "agent-key-00123456789"}});
  EXPECT_EQ(agent.status, 200) << agent.body;
  TestHttpResponse nobody = Call("GET", "/v1/customers/c1:export");
  EXPECT_EQ(nobody.status, 401);
  send_admin_key_ = true;
}

}  // namespace
}  // namespace crm::gateway
