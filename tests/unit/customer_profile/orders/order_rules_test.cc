// The pure functions of the order side: refund arithmetic, purchase-summary
// deltas and their application, and how stored records appear as resources
// and feed events.
#include "services/customer_profile/order_rules.h"

#include <optional>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "absl/time/time.h"
#include "crm/customerprofile/v1/change_event.pb.h"
#include "services/common/error_details.h"
#include "services/common/timestamps.h"
#include "services/customer_profile/order_resources.h"
#include "tests/testing/status_matchers.h"

namespace crm::customer_profile {
namespace {

using ::crm::common::ErrorMetadataOf;
using ::crm::common::FromProtoTimestamp;
using ::crm::common::ReasonOf;
using ::crm::testing::StatusIs;
namespace v1t = ::crm::type::v1;

const absl::Time kT0 = absl::FromUnixSeconds(1767225600);

OrderRecord Order(int64_t amount, int64_t refunded) {
  OrderRecord order;
  order.customer_id = "c1";
  order.id = "o1";
  order.channel = "web";
  order.channel_order_id = "W-1";
  order.currency_code = "JPY";
  order.amount_minor = amount;
  order.refunded_minor = refunded;
  order.order_time = kT0;
  order.create_time = kT0 + absl::Minutes(1);
  return order;
}

crm::type::v1::Money Yen(int64_t amount) {
  crm::type::v1::Money money;
  money.set_currency_code("JPY");
  money.set_amount_minor(amount);
  return money;
}

TEST(RefundAmount, TakesWhatIsAskedOrTheRest) {
  EXPECT_EQ(*RefundAmount(Order(1000, 300), Yen(700), "n"), 700);
  EXPECT_EQ(*RefundAmount(Order(1000, 300), std::nullopt, "n"), 700);
}

TEST(RefundAmount, NeverBeyondWhatIsLeft) {
  for (const auto& [order, asked] :
       std::vector<std::pair<OrderRecord, std::optional<crm::type::v1::Money>>>{
           {Order(1000, 300), Yen(701)},
           {Order(1000, 1000), Yen(1)},
           {Order(1000, 1000), std::nullopt},
           {Order(0, 0), std::nullopt},  // A free order has nothing to refund.
       }) {
    absl::StatusOr<int64_t> amount =
        RefundAmount(order, asked, "customers/c1/orders/o1");
    EXPECT_THAT(amount, StatusIs(absl::StatusCode::kFailedPrecondition));
    EXPECT_EQ(ReasonOf(amount.status()), v1t::INSUFFICIENT_BALANCE);
    EXPECT_EQ(ErrorMetadataOf(amount.status())["resource"],
              "customers/c1/orders/o1");
  }
}

TEST(RefundAmount, OtherCurrencyIsAnInvalidField) {
  crm::type::v1::Money euros = Yen(1);
  euros.set_currency_code("EUR");
  absl::StatusOr<int64_t> amount = RefundAmount(Order(1000, 0), euros, "n");
  EXPECT_THAT(amount, StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_EQ(ErrorMetadataOf(amount.status())["field"], "amount.currency_code");
}

TEST(PurchaseSummary, DeltasAddUpAndWidenTheTimeRange) {
  OrderRecord early = Order(500, 0);
  early.order_time = kT0 - absl::Hours(5);
  PurchaseSummaryRecord summary = ApplyPurchaseSummaryDelta(
      std::nullopt, PurchaseSummaryDeltaOfOrder(Order(1000, 0)));
  summary =
      ApplyPurchaseSummaryDelta(summary, PurchaseSummaryDeltaOfOrder(early));
  summary = ApplyPurchaseSummaryDelta(
      summary, PurchaseSummaryDeltaOfRefund(Order(1000, 0), 250));
  EXPECT_EQ(summary.customer_id, "c1");
  EXPECT_EQ(summary.currency_code, "JPY");
  EXPECT_EQ(summary.order_count, 2);
  EXPECT_EQ(summary.total_spent_minor, 1250);
  EXPECT_EQ(summary.first_order_time, kT0 - absl::Hours(5));
  EXPECT_EQ(summary.last_order_time, kT0);
}

TEST(PurchaseSummary, OfRecordsCountsEveryCurrency) {
  EXPECT_FALSE(PurchaseSummaryOf({}).has_first_order_time());
  PurchaseSummaryRecord yen{"c1", "JPY", 2, 1500, kT0 - absl::Hours(1), kT0};
  PurchaseSummaryRecord usd{
      "c1", "USD", 1, 99, kT0 - absl::Hours(9), kT0 - absl::Hours(9)};
  v1::PurchaseSummary summary = PurchaseSummaryOf({yen, usd});
  EXPECT_EQ(summary.order_count(), 3);
  ASSERT_EQ(summary.total_spent_size(), 2);
  EXPECT_EQ(summary.total_spent(1).currency_code(), "USD");
  EXPECT_EQ(summary.total_spent(1).amount_minor(), 99);
  EXPECT_EQ(FromProtoTimestamp(summary.first_order_time()),
            kT0 - absl::Hours(9));
  EXPECT_EQ(FromProtoTimestamp(summary.last_order_time()), kT0);
}

TEST(OrderResources, RecordsBecomeNamedResourcesAndFeedEvents) {
  v1::Order order = OrderToProto(Order(1000, 400));
  EXPECT_EQ(order.name(), "customers/c1/orders/o1");
  EXPECT_EQ(order.customer(), "customers/c1");
  EXPECT_EQ(order.refunded_amount().currency_code(), "JPY");
  EXPECT_EQ(order.refunded_amount().amount_minor(), 400);

  crm::common::FeedEventRecord record = OrderRefundedFeedEvent(order, 400);
  EXPECT_EQ(record.type, static_cast<int>(v1::ChangeEvent::ORDER_REFUNDED));
  EXPECT_EQ(record.key, "c1");
  v1::ChangeEvent event;
  ASSERT_TRUE(event.ParseFromString(record.payload));
  EXPECT_EQ(event.customer_name(), "customers/c1");
  EXPECT_EQ(event.refund_amount_minor(), 400);
  EXPECT_EQ(event.order().name(), order.name());

  v1::InteractionEvent in;
  in.set_event_id("e1");
  in.set_type(v1::InteractionEvent::CALL);
  in.set_channel("phone");
  *in.mutable_event_time() = crm::common::ToProtoTimestamp(kT0);
  (*in.mutable_properties())["topic"] = "billing";
  v1::InteractionEvent out = InteractionEventToProto(
      NewInteractionEventRecord(in, "c2", kT0 + absl::Seconds(1)));
  EXPECT_EQ(out.name(), "customers/c2/events/e1");
  EXPECT_EQ(out.customer(), "customers/c2");
  EXPECT_EQ(out.properties().at("topic"), "billing");
}

}  // namespace
}  // namespace crm::customer_profile
