#include "gateway/json_printer.h"

#include <google/protobuf/duration.pb.h>
#include <google/protobuf/empty.pb.h>
#include <google/protobuf/field_mask.pb.h>
#include <google/protobuf/struct.pb.h>
#include <google/protobuf/timestamp.pb.h>
#include <google/protobuf/util/json_util.h>
#include <google/protobuf/util/message_differencer.h>
#include <google/protobuf/wrappers.pb.h>
#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <string>

#include "crm/customerprofile/v1/change_event.pb.h"
#include "crm/customerprofile/v1/customer.pb.h"
#include "crm/customerprofile/v1/customer_profile_service.pb.h"
#include "crm/customerprofile/v1/order.pb.h"
#include "tests/testing/status_matchers.h"

namespace crm::gateway {
namespace {

using ::crm::customerprofile::v1::ChangeEvent;
using ::crm::customerprofile::v1::Consent;
using ::crm::customerprofile::v1::Customer;
using ::crm::customerprofile::v1::ListCustomersResponse;
using ::crm::testing::IsOk;

std::string Print(const google::protobuf::Message& message) {
  std::string json;
  EXPECT_THAT(AppendMessageJson(message, &json), IsOk());
  return json;
}

// protobuf's own printer with the gateway's former options.
std::string ProtobufPrint(const google::protobuf::Message& message) {
  google::protobuf::util::JsonPrintOptions options;
  options.always_print_primitive_fields = true;
  std::string json;
  EXPECT_TRUE(
      google::protobuf::util::MessageToJsonString(message, &json, options)
          .ok());
  return json;
}

// Parses `json` as a JSON value (objects compare regardless of key order).
google::protobuf::Value AsValue(const std::string& json) {
  google::protobuf::Value value;
  EXPECT_TRUE(google::protobuf::util::JsonStringToMessage(json, &value).ok())
      << json;
  return value;
}

// Our JSON is the same JSON value as protobuf's, and parses back into
// `message` unchanged.
void ExpectSameAsProtobuf(const google::protobuf::Message& message) {
  const std::string ours = Print(message);
  const std::string theirs = ProtobufPrint(message);
  EXPECT_TRUE(google::protobuf::util::MessageDifferencer::Equals(
      AsValue(ours), AsValue(theirs)))
      << "ours:   " << ours << "\ntheirs: " << theirs;
  std::unique_ptr<google::protobuf::Message> parsed(message.New());
  ASSERT_TRUE(
      google::protobuf::util::JsonStringToMessage(ours, parsed.get()).ok())
      << ours;
  EXPECT_TRUE(
      google::protobuf::util::MessageDifferencer::Equals(*parsed, message));
}

Customer FullCustomer() {
  Customer customer;
  customer.set_name("customers/c1");
  customer.set_given_name("Zoë \"Quote\" \\ back\nslash\t\x01");
  customer.set_family_name("Ng <b>&amp;");
  customer.set_email("zoe@example.com");
  customer.set_state(Customer::ACTIVE);
  customer.set_gender(static_cast<Customer::Gender>(42));  // Unknown value.
  customer.mutable_create_time()->set_seconds(1764657067);
  customer.mutable_create_time()->set_nanos(407593000);
  customer.mutable_update_time()->set_seconds(-62135596800);  // Year 1.
  customer.mutable_address()->set_city("Berlin");
  customer.add_tags("vip");
  customer.add_tags("");
  (*customer.mutable_attributes())["tier"] = "gold";
  (*customer.mutable_attributes())["emoji"] = "\xF0\x9F\x98\x80";
  Consent* consent = customer.add_consents();
  consent->set_purpose(static_cast<Consent::Purpose>(1));
  consent->mutable_update_time()->set_seconds(1);
  consent->mutable_update_time()->set_nanos(5);
  customer.add_external_identities()->set_id("x");
  customer.mutable_purchase_summary()->set_order_count(
      std::numeric_limits<int64_t>::max());
  return customer;
}

TEST(JsonPrinterTest, CustomersPrintAsProtobufPrintsThem) {
  ExpectSameAsProtobuf(Customer());
  ExpectSameAsProtobuf(FullCustomer());
  ListCustomersResponse list;
  *list.add_customers() = FullCustomer();
  *list.add_customers() = Customer();
  list.set_next_page_token("abc");
  ExpectSameAsProtobuf(list);
  ExpectSameAsProtobuf(ListCustomersResponse());
}

TEST(JsonPrinterTest, SetMessageFieldsAndOneofsOnly) {
  ChangeEvent event;
  ExpectSameAsProtobuf(event);
  EXPECT_EQ(Print(event).find("customer\""), std::string::npos);
  *event.mutable_customer() = FullCustomer();
  ExpectSameAsProtobuf(event);
}

TEST(JsonPrinterTest, ExactScalarForms) {
  Customer customer;
  customer.mutable_purchase_summary()->set_order_count(-7);
  customer.mutable_create_time()->set_seconds(0);
  customer.mutable_create_time()->set_nanos(120000000);
  const std::string json = Print(customer);
  EXPECT_NE(json.find(R"("orderCount":"-7")"), std::string::npos) << json;
  EXPECT_NE(json.find(R"("createTime":"1970-01-01T00:00:00.120Z")"),
            std::string::npos)
      << json;
  EXPECT_NE(json.find(R"("state":"STATE_UNSPECIFIED")"), std::string::npos);
  EXPECT_NE(json.find(R"("tags":[])"), std::string::npos);
  EXPECT_NE(json.find(R"("attributes":{})"), std::string::npos);
}

TEST(JsonPrinterTest, WellKnownTypes) {
  google::protobuf::Duration duration;
  duration.set_seconds(-1);
  duration.set_nanos(-500000000);
  EXPECT_EQ(Print(duration), "\"-1.500s\"");
  ExpectSameAsProtobuf(duration);

  google::protobuf::FieldMask mask;
  mask.add_paths("given_name");
  mask.add_paths("address.postal_code");
  EXPECT_EQ(Print(mask), "\"givenName,address.postalCode\"");

  EXPECT_EQ(Print(google::protobuf::Empty()), "{}");

  google::protobuf::DoubleValue number;
  number.set_value(0.1);
  EXPECT_EQ(Print(number), "0.1");
  number.set_value(std::nan(""));
  EXPECT_EQ(Print(number), "\"NaN\"");
  number.set_value(-std::numeric_limits<double>::infinity());
  EXPECT_EQ(Print(number), "\"-Infinity\"");
  google::protobuf::FloatValue single;
  single.set_value(0.1f);
  EXPECT_EQ(Print(single), "0.1");
  google::protobuf::BytesValue bytes;
  bytes.set_value("\x01\x02\xff");
  ExpectSameAsProtobuf(bytes);

  google::protobuf::Struct object;
  (*object.mutable_fields())["n"].set_number_value(1.25);
  (*object.mutable_fields())["s"].set_string_value("x");
  (*object.mutable_fields())["b"].set_bool_value(true);
  (*object.mutable_fields())["z"].set_null_value(google::protobuf::NULL_VALUE);
  google::protobuf::ListValue* list =
      (*object.mutable_fields())["l"].mutable_list_value();
  list->add_values()->set_number_value(3);
  list->add_values()->mutable_struct_value();
  ExpectSameAsProtobuf(object);
}

}  // namespace
}  // namespace crm::gateway
