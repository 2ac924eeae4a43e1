// Field-level rules for orders, refunds and interaction events.
#include "services/customer_profile/order_validation.h"

#include <functional>
#include <string>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "absl/strings/str_cat.h"
#include "services/common/error_details.h"
#include "services/common/timestamps.h"
#include "tests/testing/status_matchers.h"

namespace crm::customer_profile {
namespace {

using ::crm::common::ErrorMetadataOf;
using ::crm::common::FieldViolationsOf;
using ::crm::common::ReasonOf;
using ::crm::testing::StatusIs;
namespace v1t = ::crm::type::v1;

// The field an INVALID_ARGUMENT error names (ErrorInfo metadata), checked
// against its BadRequest violation; empty if the status has none.
template <typename T>
std::string FieldOf(const absl::StatusOr<T>& result) {
  const absl::Status& status = result.status();
  EXPECT_THAT(status, StatusIs(absl::StatusCode::kInvalidArgument));
  const std::string field = ErrorMetadataOf(status)["field"];
  const auto violations = FieldViolationsOf(status);
  EXPECT_EQ(violations.size(), 1u) << field;
  if (!violations.empty()) {
    EXPECT_EQ(violations[0].first, field);
  }
  EXPECT_TRUE(ReasonOf(status) == v1t::FIELD_INVALID ||
              ReasonOf(status) == v1t::FIELD_REQUIRED)
      << field;
  return field;
}

const absl::Time kNow = absl::FromUnixSeconds(1767225600);

v1::Order ValidOrder() {
  v1::Order order;
  order.set_customer("customers/c1");
  order.set_channel("store");
  order.set_channel_order_id(" POS-42 ");
  order.mutable_amount()->set_currency_code(" cny ");
  order.mutable_amount()->set_amount_minor(1234);
  *order.mutable_order_time() = crm::common::ToProtoTimestamp(kNow);
  order.set_name("ignored");
  order.mutable_refunded_amount()->set_amount_minor(7);
  return order;
}

TEST(OrderValidation, NormalisesAValidOrder) {
  CRM_ASSERT_OK_AND_ASSIGN(v1::Order order,
                           NormalizeOrderForRecord(ValidOrder(), kNow));
  EXPECT_EQ(order.amount().currency_code(), "CNY");
  EXPECT_EQ(order.channel_order_id(), "POS-42");
  EXPECT_TRUE(order.name().empty());
  EXPECT_FALSE(order.has_refunded_amount());
}

TEST(OrderValidation, RejectionsNameTheField) {
  struct Case {
    std::function<void(v1::Order&)> mutate;
    std::string field;
  };
  const Case cases[] = {
      {[](v1::Order& o) { o.set_customer("c1"); }, "order.customer"},
      {[](v1::Order& o) { o.set_channel(""); }, "order.channel"},
      {[](v1::Order& o) { o.set_channel(std::string(33, 'a')); },
       "order.channel"},
      {[](v1::Order& o) { o.set_channel_order_id(std::string(65, 'x')); },
       "order.channel_order_id"},
      {[](v1::Order& o) { o.set_channel_order_id("\xff\xfe"); },
       "order.channel_order_id"},
      {[](v1::Order& o) { o.mutable_amount()->set_currency_code("XAU"); },
       "order.amount.currency_code"},
      {[](v1::Order& o) { o.mutable_amount()->set_currency_code(""); },
       "order.amount.currency_code"},
      {[](v1::Order& o) { o.mutable_order_time()->set_seconds(-5); },
       "order.order_time"},
      {[](v1::Order& o) { o.set_store_id(std::string(65, 's')); },
       "order.store_id"},
      {[](v1::Order& o) {
         for (int i = 0; i < 501; ++i) {
           auto* l = o.add_line_items();
           l->set_sku("s");
           l->set_quantity(1);
         }
       },
       "order.line_items"},
      {[](v1::Order& o) {
         auto* l = o.add_line_items();
         l->set_sku("s");
         l->set_quantity(1);
         l->mutable_unit_price()->set_currency_code("USD");
       },
       "order.line_items[0].unit_price.currency_code"},
      {[](v1::Order& o) { o.add_line_items()->set_quantity(1); },
       "order.line_items[0].sku"},
  };
  for (const Case& c : cases) {
    v1::Order order = ValidOrder();
    c.mutate(order);
    EXPECT_EQ(FieldOf(NormalizeOrderForRecord(order, kNow)), c.field);
  }
}

TEST(OrderValidation, Refunds) {
  v1::RefundOrderRequest request;
  request.set_name("customers/c1/orders/o1");
  request.set_refund_id("r1");
  CRM_ASSERT_OK_AND_ASSIGN(RefundSpec spec, NormalizeRefundRequest(request));
  EXPECT_EQ(spec.customer_id, "c1");
  EXPECT_EQ(spec.order_id, "o1");
  EXPECT_FALSE(spec.amount.has_value());
  request.mutable_amount()->set_currency_code("usd");
  request.mutable_amount()->set_amount_minor(0);
  EXPECT_EQ(FieldOf(NormalizeRefundRequest(request)), "amount.amount_minor");
  request.set_name("customers/c1/o1");
  EXPECT_EQ(FieldOf(NormalizeRefundRequest(request)), "name");
  request.set_name("customers/c1/orders/o1");
  request.clear_amount();
  request.set_refund_id("");
  absl::StatusOr<RefundSpec> no_id = NormalizeRefundRequest(request);
  EXPECT_EQ(FieldOf(no_id), "refund_id");
  EXPECT_EQ(ReasonOf(no_id.status()), v1t::FIELD_REQUIRED);
}

TEST(OrderValidation, EventsNameTheIndex) {
  v1::RecordEventsRequest request;
  for (int i = 0; i < 3; ++i) {
    v1::InteractionEvent* e = request.add_events();
    e->set_customer("customers/c1");
    e->set_event_id(absl::StrCat("e", i));
    e->set_type(v1::InteractionEvent::STORE_VISIT);
    e->set_channel("store");
    *e->mutable_event_time() = crm::common::ToProtoTimestamp(kNow);
  }
  CRM_ASSERT_OK(NormalizeEvents(request, kNow));
  v1::RecordEventsRequest bad = request;
  bad.mutable_events(1)->set_type(v1::InteractionEvent::CUSTOM);
  EXPECT_EQ(FieldOf(NormalizeEvents(bad, kNow)), "events[1].custom_type");
  bad = request;
  bad.mutable_events(2)->set_custom_type("x");
  EXPECT_EQ(FieldOf(NormalizeEvents(bad, kNow)), "events[2].custom_type");
  bad = request;
  bad.mutable_events(2)->mutable_event_time()->set_seconds(-1);
  EXPECT_EQ(FieldOf(NormalizeEvents(bad, kNow)), "events[2].event_time");
  bad = request;
  bad.mutable_events(1)->set_channel("  ");
  absl::StatusOr<std::vector<v1::InteractionEvent>> blank_channel =
      NormalizeEvents(bad, kNow);
  EXPECT_EQ(FieldOf(blank_channel), "events[1].channel");
  EXPECT_EQ(ReasonOf(blank_channel.status()), v1t::FIELD_REQUIRED);
  bad = request;
  for (int i = 0; i < 51; ++i) {
    (*bad.mutable_events(0)->mutable_properties())[absl::StrCat("k", i)] = "v";
  }
  EXPECT_EQ(FieldOf(NormalizeEvents(bad, kNow)), "events[0].properties");
  bad = request;
  for (int i = 0; i < 998; ++i) *bad.add_events() = request.events(0);
  EXPECT_EQ(FieldOf(NormalizeEvents(bad, kNow)), "events");
}

}  // namespace
}  // namespace crm::customer_profile
