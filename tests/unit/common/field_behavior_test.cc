#include "services/common/field_behavior.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <set>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "crm/customerprofile/v1/customer.pb.h"
#include "crm/customerprofile/v1/customer_profile_service.pb.h"
#include "crm/customerprofile/v1/order.pb.h"
#include "crm/feedback/v1/feedback.pb.h"
#include "crm/feedback/v1/feedback_service.pb.h"
#include "crm/loyalty/v1/loyalty_service.pb.h"
#include "crm/segmentation/v1/segmentation_service.pb.h"
#include "google/api/annotations.pb.h"
#include "google/api/resource.pb.h"
#include "services/common/error_details.h"
#include "tests/testing/status_matchers.h"

namespace crm::common {
namespace {

namespace cp = ::crm::customerprofile::v1;
namespace v1t = ::crm::type::v1;
using ::crm::testing::IsOk;
using ::crm::testing::StatusIs;
using ::testing::_;
using ::testing::ElementsAre;
using ::testing::Pair;

const google::protobuf::FieldDescriptor& FieldOf(
    const google::protobuf::Descriptor* descriptor, const std::string& name) {
  const google::protobuf::FieldDescriptor* field =
      descriptor->FindFieldByName(name);
  EXPECT_NE(field, nullptr) << name;
  return *field;
}

std::vector<std::string> ViolatedFields(const absl::Status& status) {
  std::vector<std::string> fields;
  for (const auto& [field, description] : FieldViolationsOf(status)) {
    fields.push_back(field);
  }
  return fields;
}

google::protobuf::FieldMask MaskOf(std::vector<std::string> paths) {
  google::protobuf::FieldMask mask;
  for (std::string& path : paths) mask.add_paths(std::move(path));
  return mask;
}

cp::Order CompleteOrder() {
  cp::Order order;
  order.set_customer("customers/c1");
  order.set_channel("web");
  order.set_channel_order_id("o-1");
  order.mutable_amount()->set_currency_code("CNY");
  order.mutable_order_time()->set_seconds(1700000000);
  return order;
}

TEST(FieldBehaviorTest, ReadsTheAnnotationsOfTheCompiledProtos) {
  const auto* order = cp::Order::descriptor();
  EXPECT_THAT(FieldBehaviorsOf(FieldOf(order, "customer")),
              ElementsAre(google::api::REQUIRED, google::api::IMMUTABLE));
  EXPECT_TRUE(
      HasFieldBehavior(FieldOf(order, "name"), google::api::IDENTIFIER));
  EXPECT_TRUE(HasFieldBehavior(FieldOf(cp::Customer::descriptor(), "state"),
                               google::api::OUTPUT_ONLY));
  EXPECT_FALSE(HasFieldBehavior(FieldOf(cp::Customer::descriptor(), "etag"),
                                google::api::OUTPUT_ONLY));
  EXPECT_TRUE(FieldBehaviorsOf(
                  FieldOf(cp::ListCustomersResponse::descriptor(), "customers"))
                  .empty());
}

TEST(FieldBehaviorTest, CompleteRequestsPass) {
  cp::GetCustomerRequest get;
  get.set_name("customers/c1");
  EXPECT_THAT(CheckRequiredFields(get), IsOk());

  cp::RecordOrderRequest record;
  *record.mutable_order() = CompleteOrder();
  EXPECT_THAT(CheckRequiredFields(record), IsOk());

  // A request without REQUIRED fields passes empty.
  EXPECT_THAT(CheckRequiredFields(cp::ListCustomersRequest()), IsOk());
}

TEST(FieldBehaviorTest, UnsetRequiredFieldIsNamedWithReasonAndViolation) {
  const absl::Status status = CheckRequiredFields(cp::GetCustomerRequest());
  EXPECT_THAT(status, StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_EQ(ReasonOf(status), v1t::FIELD_REQUIRED);
  EXPECT_EQ(ErrorMetadataOf(status).at("field"), "name");
  EXPECT_THAT(FieldViolationsOf(status), ElementsAre(Pair("name", _)));
}

TEST(FieldBehaviorTest, UnsetMessageFieldIsRequiredButNotDescendedInto) {
  const absl::Status status = CheckRequiredFields(cp::RecordOrderRequest());
  EXPECT_EQ(ReasonOf(status), v1t::FIELD_REQUIRED);
  EXPECT_THAT(ViolatedFields(status), ElementsAre("order"));
}

TEST(FieldBehaviorTest, EveryUnsetFieldBelowASetMessageIsReportedInOrder) {
  cp::RecordOrderRequest request;
  request.mutable_order()->set_store_id("s1");  // set, but nothing required
  const absl::Status status = CheckRequiredFields(request);
  EXPECT_EQ(ReasonOf(status), v1t::FIELD_REQUIRED);
  EXPECT_EQ(ErrorMetadataOf(status).at("field"), "order.customer");
  EXPECT_THAT(
      ViolatedFields(status),
      ElementsAre("order.customer", "order.channel", "order.channel_order_id",
                  "order.amount", "order.order_time"));
}

TEST(FieldBehaviorTest, RepeatedElementsAreCheckedWithTheirIndex) {
  cp::CreateCustomerRequest request;
  cp::ExternalIdentity* first =
      request.mutable_customer()->add_external_identities();
  first->set_channel("app_user");
  first->set_id("u1");
  request.mutable_customer()->add_external_identities()->set_channel("web");

  const absl::Status status = CheckRequiredFields(request);
  EXPECT_EQ(ErrorMetadataOf(status).at("field"),
            "customer.external_identities[1].id");
}

TEST(FieldBehaviorTest, ScalarAtItsDefaultIsUnset) {
  cp::RecordOrderRequest request;
  *request.mutable_order() = CompleteOrder();
  cp::OrderLineItem* line = request.mutable_order()->add_line_items();
  line->set_sku("sku-1");  // quantity left at 0

  EXPECT_THAT(ViolatedFields(CheckRequiredFields(request)),
              ElementsAre("order.line_items[0].quantity"));
  line->set_quantity(2);
  EXPECT_THAT(CheckRequiredFields(request), IsOk());
}

TEST(FieldBehaviorTest, EnumAtZeroAndEmptyRepeatedAreUnset) {
  cp::CreateCustomerRequest customer;
  customer.mutable_customer()->add_consents()->set_status(cp::Consent::GRANTED);
  EXPECT_THAT(ViolatedFields(CheckRequiredFields(customer)),
              ElementsAre("customer.consents[0].purpose"));

  cp::RecordEventsRequest events;  // `events` REQUIRED and empty
  EXPECT_THAT(ViolatedFields(CheckRequiredFields(events)),
              ElementsAre("events"));
}

TEST(FieldBehaviorTest, OtherServicesRequestsAreChecked) {
  crm::loyalty::v1::AdjustPointsRequest adjust;
  adjust.set_account("accounts/c1");
  adjust.set_points_delta(10);
  EXPECT_THAT(ViolatedFields(CheckRequiredFields(adjust)),
              ElementsAre("reason", "request_id"));

  crm::feedback::v1::SubmitFeedbackRequest submit;
  submit.mutable_feedback()->set_customer("customers/c1");
  EXPECT_THAT(ViolatedFields(CheckRequiredFields(submit)),
              ElementsAre("feedback.channel", "feedback.type"));
}

TEST(FieldBehaviorTest, UpdateEnforcesOnlyWhatTheMaskCovers) {
  cp::UpdateCustomerRequest request;
  request.mutable_customer()->set_name("customers/c1");
  request.mutable_customer()->add_consents();  // purpose and status unset

  EXPECT_THAT(CheckRequiredFieldsForUpdate(request, "customer", MaskOf({})),
              IsOk());
  EXPECT_THAT(
      CheckRequiredFieldsForUpdate(request, "customer", MaskOf({"tags"})),
      IsOk());
  // "consents.purpose" is not a prefix of "consentsx", nor the reverse.
  EXPECT_THAT(
      CheckRequiredFieldsForUpdate(request, "customer", MaskOf({"consentsx"})),
      IsOk());
  EXPECT_THAT(ViolatedFields(CheckRequiredFieldsForUpdate(
                  request, "customer", MaskOf({"consents"}))),
              ElementsAre("customer.consents[0].purpose",
                          "customer.consents[0].status"));
  EXPECT_THAT(ViolatedFields(CheckRequiredFieldsForUpdate(
                  request, "customer", MaskOf({"consents.status"}))),
              ElementsAre("customer.consents[0].status"));
  EXPECT_THAT(ViolatedFields(CheckRequiredFieldsForUpdate(request, "customer",
                                                          MaskOf({"*"}))),
              ElementsAre("customer.consents[0].purpose",
                          "customer.consents[0].status"));
}

TEST(FieldBehaviorTest, UpdateStillRequiresTheResourceItself) {
  EXPECT_THAT(ViolatedFields(CheckRequiredFieldsForUpdate(
                  cp::UpdateCustomerRequest(), "customer", MaskOf({"*"}))),
              ElementsAre("customer"));
}

TEST(FieldBehaviorTest, ClearOutputOnlyFieldsKeepsInputsAndIdentifier) {
  cp::Customer customer;
  customer.set_name("customers/c1");
  customer.set_etag("\"e1\"");
  customer.set_email("a@b.co");
  customer.set_state(cp::Customer::MERGED);
  customer.set_merged_into("customers/c2");
  customer.mutable_create_time()->set_seconds(1);
  customer.mutable_update_time()->set_seconds(2);
  customer.mutable_purchase_summary()->set_order_count(3);
  customer.mutable_address()->set_city("Shanghai");

  ClearOutputOnlyFields(&customer);

  cp::Customer expected;
  expected.set_name("customers/c1");
  expected.set_etag("\"e1\"");
  expected.set_email("a@b.co");
  expected.mutable_address()->set_city("Shanghai");
  EXPECT_EQ(customer.SerializeAsString(), expected.SerializeAsString());
}

TEST(FieldBehaviorTest, ClearOutputOnlyFieldsDescendsIntoRequests) {
  cp::RecordOrderRequest request;
  *request.mutable_order() = CompleteOrder();
  request.mutable_order()->mutable_refunded_amount()->set_amount_minor(5);
  request.mutable_order()->mutable_create_time()->set_seconds(9);

  ClearOutputOnlyFields(&request);

  EXPECT_FALSE(request.order().has_refunded_amount());
  EXPECT_FALSE(request.order().has_create_time());
  EXPECT_EQ(request.order().SerializeAsString(),
            CompleteOrder().SerializeAsString());
}

TEST(FieldBehaviorTest, MaskLosesOutputOnlyAndIdentifierPathsOnly) {
  const google::protobuf::FieldMask mask = WithoutOutputOnlyPaths(
      *cp::Customer::descriptor(),
      MaskOf({"email", "state", "name", "purchase_summary.order_count",
              "address.city", "*", "no_such_field", "email.too_deep",
              "update_time", "etag"}));
  EXPECT_THAT(mask.paths(),
              ElementsAre("email", "address.city", "*", "no_such_field",
                          "email.too_deep", "etag"));
}

TEST(FieldBehaviorTest, ConcurrentFirstUseGivesTheSameAnswers) {
  // The per-descriptor cache is filled by whichever thread comes first.
  std::vector<std::thread> threads;
  std::vector<std::string> first_fields(8);
  for (int t = 0; t < 8; ++t) {
    threads.emplace_back([t, &first_fields] {
      cp::RecordEventsRequest request;
      request.add_events()->set_customer("customers/c1");
      for (int i = 0; i < 200; ++i) {
        const absl::Status status = CheckRequiredFields(request);
        first_fields[t] = ErrorMetadataOf(status).at("field");
      }
    });
  }
  for (std::thread& thread : threads) thread.join();
  for (const std::string& field : first_fields) {
    EXPECT_EQ(field, "events[0].event_id");
  }
}

// Every request of every service, and every message a request carries
// (resources and their parts), says how each field is used; every method a
// transcoder can serve has an HTTP binding; every resource has a type.
// Tools (gateway routes, OpenAPI) rely on it.
void ExpectEveryFieldAnnotated(
    const google::protobuf::Descriptor* message,
    std::set<const google::protobuf::Descriptor*>* seen) {
  if (message->file()->package().rfind("crm.", 0) != 0) return;
  if (message->options().map_entry()) return;
  if (!seen->insert(message).second) return;
  if (message->full_name() == "crm.type.v1.Money") return;  // a value type
  for (int i = 0; i < message->field_count(); ++i) {
    const google::protobuf::FieldDescriptor& field = *message->field(i);
    EXPECT_FALSE(FieldBehaviorsOf(field).empty()) << field.full_name();
    if (field.message_type() != nullptr && !field.is_map() &&
        !HasFieldBehavior(field, google::api::OUTPUT_ONLY)) {
      ExpectEveryFieldAnnotated(field.message_type(), seen);
    }
  }
}

TEST(FieldBehaviorTest, EveryServiceIsFullyAnnotated) {
  // Reached through a request type so the generated file is linked in.
  const std::pair<const google::protobuf::Descriptor*, const char*>
      service_files[] = {
          {cp::GetCustomerRequest::descriptor(), "CustomerProfileService"},
          {crm::segmentation::v1::GetSegmentRequest::descriptor(),
           "SegmentationService"},
          {crm::loyalty::v1::GetAccountRequest::descriptor(), "LoyaltyService"},
          {crm::feedback::v1::ListFeedbackRequest::descriptor(),
           "FeedbackService"}};
  std::vector<const google::protobuf::ServiceDescriptor*> services;
  for (const auto& [request, name] : service_files) {
    services.push_back(request->file()->FindServiceByName(name));
    ASSERT_NE(services.back(), nullptr) << name;
  }
  std::set<const google::protobuf::Descriptor*> seen;
  for (const google::protobuf::ServiceDescriptor* service : services) {
    for (int i = 0; i < service->method_count(); ++i) {
      const google::protobuf::MethodDescriptor& method = *service->method(i);
      EXPECT_EQ(method.options().HasExtension(google::api::http),
                !method.client_streaming())
          << method.full_name();
      ExpectEveryFieldAnnotated(method.input_type(), &seen);
    }
  }
  for (const google::protobuf::Descriptor* resource :
       {cp::Customer::descriptor(), cp::Order::descriptor(),
        cp::InteractionEvent::descriptor(),
        crm::segmentation::v1::Segment::descriptor(),
        crm::loyalty::v1::Account::descriptor(),
        crm::loyalty::v1::LedgerEntry::descriptor(),
        crm::feedback::v1::Feedback::descriptor()}) {
    EXPECT_TRUE(resource->options().HasExtension(google::api::resource))
        << resource->full_name();
    EXPECT_TRUE(HasFieldBehavior(*resource->FindFieldByName("name"),
                                 google::api::IDENTIFIER))
        << resource->full_name();
  }
}

}  // namespace
}  // namespace crm::common
