// OrderManagerImpl over in-memory fakes (no database): refund arithmetic,
// idempotency, purchase summaries, event batches and the feed events each
// write appends.
#include "services/customer_profile/order_manager_impl.h"

#include <cstring>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "absl/time/time.h"
#include "crm/customerprofile/v1/change_event.pb.h"
#include "services/common/clock.h"
#include "services/common/error_details.h"
#include "services/common/id_generator.h"
#include "services/common/timestamps.h"
#include "services/customer_profile/order_validation.h"
#include "tests/testing/fakes/customer_profile/fake_order_customer_resolver.h"
#include "tests/testing/fakes/customer_profile/fake_order_repository.h"
#include "tests/testing/fakes/fake_unit_of_work.h"
#include "tests/testing/fakes/recording_change_feed_writer.h"
#include "tests/testing/status_matchers.h"

namespace crm::customer_profile {
namespace {

using ::crm::common::ErrorMetadataOf;
using ::crm::common::ReasonOf;
using ::crm::common::RequestContext;
using ::crm::testing::IsOk;
using ::crm::testing::StatusIs;
using ::testing::ElementsAre;
using ::testing::Pair;
namespace v1t = ::crm::type::v1;

const absl::Time kNow = absl::FromUnixSeconds(1767225600);  // 2026-01-01

class OrderManagerTest : public ::testing::Test {
 protected:
  OrderManagerTest()
      : clock_(kNow),
        unit_of_work_(clock_),
        orders_(&unit_of_work_),
        feed_(&unit_of_work_),
        ids_("o"),
        manager_(unit_of_work_, orders_, customers_, feed_, clock_, ids_) {
    customers_.AddActive("alice");
    customers_.AddActive("bob");
  }

  static v1::RecordOrderRequest OrderRequest(
      const std::string& customer, const std::string& channel_order_id,
      int64_t amount_minor, absl::Time order_time = kNow - absl::Hours(1),
      const std::string& currency = "EUR") {
    v1::RecordOrderRequest request;
    v1::Order* order = request.mutable_order();
    order->set_customer("customers/" + customer);
    order->set_channel("web");
    order->set_channel_order_id(channel_order_id);
    order->mutable_amount()->set_currency_code(currency);
    order->mutable_amount()->set_amount_minor(amount_minor);
    *order->mutable_order_time() = crm::common::ToProtoTimestamp(order_time);
    v1::OrderLineItem* item = order->add_line_items();
    item->set_sku("sku-1");
    item->set_quantity(2);
    return request;
  }

  static v1::RefundOrderRequest RefundRequest(
      const std::string& order_name, const std::string& refund_id,
      std::optional<int64_t> amount, const std::string& currency = "EUR") {
    v1::RefundOrderRequest request;
    request.set_name(order_name);
    request.set_refund_id(refund_id);
    if (amount.has_value()) {
      request.mutable_amount()->set_currency_code(currency);
      request.mutable_amount()->set_amount_minor(*amount);
    }
    return request;
  }

  static v1::InteractionEvent Event(const std::string& customer,
                                    const std::string& event_id) {
    v1::InteractionEvent event;
    event.set_customer("customers/" + customer);
    event.set_event_id(event_id);
    event.set_type(v1::InteractionEvent::PAGE_VIEW);
    event.set_channel("web");
    *event.mutable_event_time() =
        crm::common::ToProtoTimestamp(kNow - absl::Minutes(5));
    (*event.mutable_properties())["page"] = "/home";
    return event;
  }

  std::vector<v1::ChangeEvent> FeedEvents() const {
    std::vector<v1::ChangeEvent> events;
    for (const crm::common::FeedEventRecord& record : feed_.events()) {
      v1::ChangeEvent event;
      EXPECT_TRUE(event.ParseFromString(record.payload));
      EXPECT_EQ(record.type, static_cast<int>(event.type()));
      EXPECT_EQ(record.key, event.customer_name().substr(strlen("customers/")));
      events.push_back(event);
    }
    return events;
  }

  const RequestContext context_;
  crm::common::FakeClock clock_;
  crm::testing::FakeUnitOfWork unit_of_work_;
  crm::testing::FakeOrderRepository orders_;
  crm::testing::FakeOrderCustomerResolver customers_;
  crm::testing::RecordingChangeFeedWriter feed_;
  crm::common::SequentialIdGenerator ids_;
  OrderManagerImpl manager_;
};

TEST_F(OrderManagerTest, RecordStoresTheOrderSummaryAndOneFeedEvent) {
  CRM_ASSERT_OK_AND_ASSIGN(
      v1::Order order,
      manager_.Record(context_, OrderRequest("alice", "A-1", 2500)));
  EXPECT_EQ(order.name(), "customers/alice/orders/o0000000001");
  EXPECT_EQ(order.customer(), "customers/alice");
  EXPECT_EQ(order.refunded_amount().amount_minor(), 0);
  EXPECT_EQ(order.refunded_amount().currency_code(), "EUR");
  EXPECT_EQ(crm::common::FromProtoTimestamp(order.create_time()), kNow);
  ASSERT_EQ(order.line_items_size(), 1);

  ASSERT_EQ(orders_.Orders().size(), 1u);
  const std::vector<PurchaseSummaryRecord> summaries =
      orders_.SummariesOf("alice");
  ASSERT_EQ(summaries.size(), 1u);
  EXPECT_EQ(summaries[0].order_count, 1);
  EXPECT_EQ(summaries[0].total_spent_minor, 2500);
  EXPECT_EQ(summaries[0].first_order_time, kNow - absl::Hours(1));

  const std::vector<v1::ChangeEvent> events = FeedEvents();
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].type(), v1::ChangeEvent::ORDER_RECORDED);
  EXPECT_EQ(events[0].customer_name(), "customers/alice");
  EXPECT_EQ(events[0].order().name(), order.name());
  EXPECT_EQ(feed_.notifications(), 1);
}

TEST_F(OrderManagerTest, RecordIsIdempotentOnChannelOrder) {
  CRM_ASSERT_OK_AND_ASSIGN(
      v1::Order first,
      manager_.Record(context_, OrderRequest("alice", "A-1", 2500)));
  clock_.Advance(absl::Minutes(1));
  // A repeat (even naming another customer or amount) returns what is
  // stored and changes nothing.
  CRM_ASSERT_OK_AND_ASSIGN(
      v1::Order repeat,
      manager_.Record(context_, OrderRequest("bob", "A-1", 9999)));
  EXPECT_EQ(repeat.name(), first.name());
  EXPECT_EQ(repeat.amount().amount_minor(), 2500);
  EXPECT_EQ(orders_.Orders().size(), 1u);
  EXPECT_EQ(orders_.SummariesOf("alice")[0].order_count, 1);
  EXPECT_TRUE(orders_.SummariesOf("bob").empty());
  EXPECT_EQ(feed_.events().size(), 1u);
  EXPECT_EQ(feed_.notifications(), 1);
}

TEST_F(OrderManagerTest, RecordFollowsAMergeAndRefusesUnknownOrErased) {
  customers_.MarkMerged("bob", "alice");
  CRM_ASSERT_OK_AND_ASSIGN(
      v1::Order order,
      manager_.Record(context_, OrderRequest("bob", "B-1", 100)));
  EXPECT_EQ(order.customer(), "customers/alice");

  absl::StatusOr<v1::Order> unknown =
      manager_.Record(context_, OrderRequest("nobody", "N-1", 100));
  EXPECT_THAT(unknown, StatusIs(absl::StatusCode::kNotFound));
  EXPECT_EQ(ReasonOf(unknown.status()), v1t::RESOURCE_NOT_FOUND);
  EXPECT_EQ(ErrorMetadataOf(unknown.status())["resource"], "customers/nobody");

  customers_.MarkErased("carol");
  absl::StatusOr<v1::Order> erased =
      manager_.Record(context_, OrderRequest("carol", "C-1", 100));
  EXPECT_THAT(erased, StatusIs(absl::StatusCode::kFailedPrecondition));
  EXPECT_EQ(ReasonOf(erased.status()), v1t::CUSTOMER_ERASED);

  EXPECT_EQ(orders_.Orders().size(), 1u);
  EXPECT_EQ(feed_.events().size(), 1u);
}

TEST_F(OrderManagerTest, RecordRejectsAnInvalidOrderWithItsField) {
  v1::RecordOrderRequest request = OrderRequest("alice", "A-1", 100);
  request.mutable_order()->clear_amount();
  absl::StatusOr<v1::Order> missing = manager_.Record(context_, request);
  EXPECT_THAT(missing, StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_EQ(ReasonOf(missing.status()), v1t::FIELD_REQUIRED);
  EXPECT_EQ(ErrorMetadataOf(missing.status())["field"], "order.amount");

  request = OrderRequest("alice", "A-1", -5);
  absl::StatusOr<v1::Order> negative = manager_.Record(context_, request);
  EXPECT_EQ(ReasonOf(negative.status()), v1t::FIELD_INVALID);
  EXPECT_EQ(ErrorMetadataOf(negative.status())["field"],
            "order.amount.amount_minor");
  EXPECT_EQ(unit_of_work_.runs(), 0);
  EXPECT_TRUE(orders_.Orders().empty());
}

TEST_F(OrderManagerTest, RequiredFieldsComeFromTheAnnotations) {
  // (field named by the error, the request leaving it unset)
  std::vector<std::pair<std::string, absl::Status>> cases;
  v1::RecordOrderRequest order = OrderRequest("alice", "A-1", 100);
  order.mutable_order()->clear_order_time();
  cases.emplace_back("order.order_time",
                     manager_.Record(context_, order).status());
  order = OrderRequest("alice", "A-1", 100);
  order.mutable_order()->mutable_line_items(0)->set_quantity(0);
  cases.emplace_back("order.line_items[0].quantity",
                     manager_.Record(context_, order).status());
  cases.emplace_back(
      "order", manager_.Record(context_, v1::RecordOrderRequest()).status());
  cases.emplace_back(
      "name", manager_.Refund(context_, RefundRequest("", "r1", 100)).status());
  cases.emplace_back(
      "refund_id",
      manager_
          .Refund(context_, RefundRequest("customers/alice/orders/o1", "", 100))
          .status());
  cases.emplace_back("parent",
                     manager_.List(context_, v1::ListOrdersRequest()).status());
  v1::RecordEventsRequest events;
  *events.add_events() = Event("alice", "e1");
  *events.add_events() = Event("alice", "e2");
  events.mutable_events(1)->set_type(v1::InteractionEvent::TYPE_UNSPECIFIED);
  cases.emplace_back("events[1].type",
                     manager_.RecordEvents(context_, events).status());
  events.mutable_events(1)->set_type(v1::InteractionEvent::CALL);
  events.mutable_events(0)->clear_event_time();
  cases.emplace_back("events[0].event_time",
                     manager_.RecordEvents(context_, events).status());
  for (const auto& [field, status] : cases) {
    EXPECT_THAT(status, StatusIs(absl::StatusCode::kInvalidArgument)) << field;
    EXPECT_EQ(ReasonOf(status), v1t::FIELD_REQUIRED) << field;
    EXPECT_EQ(ErrorMetadataOf(status)["field"], field);
  }
  EXPECT_EQ(unit_of_work_.runs(), 0);
  EXPECT_TRUE(orders_.Orders().empty());
  EXPECT_TRUE(orders_.Events().empty());
}

TEST_F(OrderManagerTest, OutputOnlyValuesOfARecordedOrderAreIgnored) {
  v1::RecordOrderRequest request = OrderRequest("alice", "A-1", 100);
  request.mutable_order()->set_name("customers/alice/orders/forged");
  request.mutable_order()->mutable_refunded_amount()->set_currency_code("EUR");
  request.mutable_order()->mutable_refunded_amount()->set_amount_minor(100);
  request.mutable_order()->mutable_create_time()->set_seconds(1);
  CRM_ASSERT_OK_AND_ASSIGN(v1::Order order, manager_.Record(context_, request));
  EXPECT_NE(order.name(), "customers/alice/orders/forged");
  EXPECT_EQ(order.refunded_amount().amount_minor(), 0);
  EXPECT_NE(order.create_time().seconds(), 1);
}

TEST_F(OrderManagerTest, PartialRefundsNeverExceedWhatIsLeft) {
  CRM_ASSERT_OK_AND_ASSIGN(
      v1::Order order,
      manager_.Record(context_, OrderRequest("alice", "A-1", 10000)));
  CRM_ASSERT_OK_AND_ASSIGN(
      v1::Order after_first,
      manager_.Refund(context_, RefundRequest(order.name(), "r1", 3000)));
  EXPECT_EQ(after_first.refunded_amount().amount_minor(), 3000);
  CRM_ASSERT_OK_AND_ASSIGN(
      v1::Order after_second,
      manager_.Refund(context_, RefundRequest(order.name(), "r2", 5000)));
  EXPECT_EQ(after_second.refunded_amount().amount_minor(), 8000);

  // 2000 left: 2001 is refused and changes nothing.
  absl::StatusOr<v1::Order> too_much =
      manager_.Refund(context_, RefundRequest(order.name(), "r3", 2001));
  EXPECT_THAT(too_much, StatusIs(absl::StatusCode::kFailedPrecondition));
  EXPECT_EQ(ReasonOf(too_much.status()), v1t::INSUFFICIENT_BALANCE);
  EXPECT_EQ(ErrorMetadataOf(too_much.status())["field"], "amount");
  EXPECT_EQ(ErrorMetadataOf(too_much.status())["resource"], order.name());

  // No amount: the rest.
  CRM_ASSERT_OK_AND_ASSIGN(
      v1::Order full,
      manager_.Refund(context_,
                      RefundRequest(order.name(), "r4", std::nullopt)));
  EXPECT_EQ(full.refunded_amount().amount_minor(), 10000);
  absl::StatusOr<v1::Order> nothing_left =
      manager_.Refund(context_, RefundRequest(order.name(), "r5", 1));
  EXPECT_EQ(ReasonOf(nothing_left.status()), v1t::INSUFFICIENT_BALANCE);

  EXPECT_EQ(orders_.Refunds().size(), 3u);
  EXPECT_EQ(orders_.Orders()[0].refunded_minor, 10000);
  const std::vector<PurchaseSummaryRecord> summaries =
      orders_.SummariesOf("alice");
  ASSERT_EQ(summaries.size(), 1u);
  EXPECT_EQ(summaries[0].order_count, 1);
  EXPECT_EQ(summaries[0].total_spent_minor, 0);

  const std::vector<v1::ChangeEvent> events = FeedEvents();
  ASSERT_EQ(events.size(), 4u);
  EXPECT_EQ(events[1].type(), v1::ChangeEvent::ORDER_REFUNDED);
  EXPECT_EQ(events[1].refund_amount_minor(), 3000);
  EXPECT_EQ(events[2].refund_amount_minor(), 5000);
  EXPECT_EQ(events[3].refund_amount_minor(), 2000);
  EXPECT_EQ(events[3].order().refunded_amount().amount_minor(), 10000);
}

TEST_F(OrderManagerTest, RefundIsIdempotentOnRefundId) {
  CRM_ASSERT_OK_AND_ASSIGN(
      v1::Order order,
      manager_.Record(context_, OrderRequest("alice", "A-1", 1000)));
  CRM_ASSERT_OK(
      manager_.Refund(context_, RefundRequest(order.name(), "r1", 400)));
  // The repeat returns the order as it is and takes nothing more.
  CRM_ASSERT_OK_AND_ASSIGN(
      v1::Order repeat,
      manager_.Refund(context_, RefundRequest(order.name(), "r1", 400)));
  EXPECT_EQ(repeat.refunded_amount().amount_minor(), 400);
  EXPECT_EQ(orders_.Refunds().size(), 1u);
  EXPECT_EQ(orders_.SummariesOf("alice")[0].total_spent_minor, 600);
  EXPECT_EQ(feed_.events().size(), 2u);
  EXPECT_EQ(feed_.notifications(), 2);
}

TEST_F(OrderManagerTest, RefundInAnotherCurrencyIsAnInvalidField) {
  CRM_ASSERT_OK_AND_ASSIGN(
      v1::Order order,
      manager_.Record(context_, OrderRequest("alice", "A-1", 1000)));
  absl::StatusOr<v1::Order> refund =
      manager_.Refund(context_, RefundRequest(order.name(), "r1", 100, "USD"));
  EXPECT_THAT(refund, StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_EQ(ReasonOf(refund.status()), v1t::FIELD_INVALID);
  EXPECT_EQ(ErrorMetadataOf(refund.status())["field"], "amount.currency_code");
  EXPECT_TRUE(orders_.Refunds().empty());
  EXPECT_EQ(feed_.events().size(), 1u);
}

TEST_F(OrderManagerTest, RefundOfAnUnknownOrderNamesIt) {
  absl::StatusOr<v1::Order> refund = manager_.Refund(
      context_, RefundRequest("customers/alice/orders/nope", "r1", 100));
  EXPECT_THAT(refund, StatusIs(absl::StatusCode::kNotFound));
  EXPECT_EQ(ReasonOf(refund.status()), v1t::RESOURCE_NOT_FOUND);
  EXPECT_EQ(ErrorMetadataOf(refund.status())["resource"],
            "customers/alice/orders/nope");
}

TEST_F(OrderManagerTest, RefundByTheMergedCustomersOrderName) {
  CRM_ASSERT_OK_AND_ASSIGN(
      v1::Order order,
      manager_.Record(context_, OrderRequest("bob", "B-1", 1000)));
  // The customer side's merge moves bob's orders to alice.
  crm::testing::FakeTransaction tx(context_);
  CRM_ASSERT_OK(orders_.MoveCustomerActivity(tx, "bob", "alice"));
  customers_.MarkMerged("bob", "alice");

  CRM_ASSERT_OK_AND_ASSIGN(
      v1::Order refunded,
      manager_.Refund(context_, RefundRequest(order.name(), "r1", 100)));
  EXPECT_EQ(refunded.customer(), "customers/alice");
  EXPECT_EQ(refunded.refunded_amount().amount_minor(), 100);
  EXPECT_EQ(orders_.SummariesOf("alice")[0].total_spent_minor, 900);
  EXPECT_TRUE(orders_.SummariesOf("bob").empty());
}

TEST_F(OrderManagerTest, SummaryKeepsOneEntryPerCurrencyAndTheTimeRange) {
  const absl::Time early = kNow - absl::Hours(48);
  const absl::Time late = kNow - absl::Hours(2);
  CRM_ASSERT_OK(
      manager_.Record(context_, OrderRequest("alice", "A-1", 100, late)));
  CRM_ASSERT_OK(
      manager_.Record(context_, OrderRequest("alice", "A-2", 200, early)));
  CRM_ASSERT_OK(manager_.Record(
      context_, OrderRequest("alice", "A-3", 700, late, "USD")));
  const std::vector<PurchaseSummaryRecord> summaries =
      orders_.SummariesOf("alice");
  ASSERT_EQ(summaries.size(), 2u);
  EXPECT_EQ(summaries[0].currency_code, "EUR");
  EXPECT_EQ(summaries[0].order_count, 2);
  EXPECT_EQ(summaries[0].total_spent_minor, 300);
  EXPECT_EQ(summaries[0].first_order_time, early);
  EXPECT_EQ(summaries[0].last_order_time, late);
  EXPECT_EQ(summaries[1].currency_code, "USD");
  EXPECT_EQ(summaries[1].total_spent_minor, 700);
}

TEST_F(OrderManagerTest, ListPagesNewestFirst) {
  for (int i = 0; i < 5; ++i) {
    CRM_ASSERT_OK(manager_.Record(
        context_, OrderRequest("alice", "A-" + std::to_string(i), 100 + i,
                               kNow - absl::Hours(10 - i))));
  }
  CRM_ASSERT_OK(manager_.Record(context_, OrderRequest("bob", "B-1", 1)));
  v1::ListOrdersRequest request;
  request.set_parent("customers/alice");
  request.set_page_size(3);
  CRM_ASSERT_OK_AND_ASSIGN(v1::ListOrdersResponse first,
                           manager_.List(context_, request));
  ASSERT_EQ(first.orders_size(), 3);
  EXPECT_EQ(first.orders(0).amount().amount_minor(), 104);
  EXPECT_EQ(first.orders(2).amount().amount_minor(), 102);
  ASSERT_FALSE(first.next_page_token().empty());
  request.set_page_token(first.next_page_token());
  CRM_ASSERT_OK_AND_ASSIGN(v1::ListOrdersResponse second,
                           manager_.List(context_, request));
  ASSERT_EQ(second.orders_size(), 2);
  EXPECT_EQ(second.orders(1).amount().amount_minor(), 100);
  EXPECT_TRUE(second.next_page_token().empty());
  EXPECT_EQ(unit_of_work_.reads(), 2);
}

TEST_F(OrderManagerTest, EventBatchCountsDuplicatesAndFollowsMerges) {
  customers_.MarkMerged("bob", "alice");
  v1::RecordEventsRequest request;
  *request.add_events() = Event("alice", "e1");
  *request.add_events() = Event("bob", "e2");
  *request.add_events() = Event("alice", "e1");  // Repeated in the batch.
  CRM_ASSERT_OK_AND_ASSIGN(v1::RecordEventsResponse response,
                           manager_.RecordEvents(context_, request));
  EXPECT_EQ(response.recorded_count(), 2);
  EXPECT_EQ(response.duplicate_count(), 1);
  ASSERT_EQ(orders_.Events().size(), 2u);
  EXPECT_EQ(orders_.Events()[1].customer_id, "alice");
  EXPECT_THAT(orders_.Events()[0].properties,
              ElementsAre(Pair("page", "/home")));
  // One INTERACTION_RECORDED per event stored, for the resolved customer.
  std::vector<v1::ChangeEvent> events = FeedEvents();
  ASSERT_EQ(events.size(), 2u);
  EXPECT_EQ(events[0].type(), v1::ChangeEvent::INTERACTION_RECORDED);
  EXPECT_EQ(events[1].customer_name(), "customers/alice");
  EXPECT_EQ(events[1].interaction().name(), "customers/alice/events/e2");
  EXPECT_EQ(feed_.notifications(), 1);

  // A repeat of the whole batch records nothing and appends nothing.
  CRM_ASSERT_OK_AND_ASSIGN(response, manager_.RecordEvents(context_, request));
  EXPECT_EQ(response.recorded_count(), 0);
  EXPECT_EQ(response.duplicate_count(), 3);
  EXPECT_EQ(feed_.events().size(), 2u);
  EXPECT_EQ(feed_.notifications(), 1);
}

TEST_F(OrderManagerTest, InteractionFeedEventsCarryOnlyTheSkuProperty) {
  v1::RecordEventsRequest request;
  v1::InteractionEvent with_sku = Event("alice", "v1");
  (*with_sku.mutable_properties())["sku"] = "tea-1";
  (*with_sku.mutable_properties())["email"] = "someone@example.com";
  *request.add_events() = with_sku;
  v1::InteractionEvent custom = Event("alice", "c1");
  custom.set_type(v1::InteractionEvent::CUSTOM);
  custom.set_custom_type("wishlist.add");
  *request.add_events() = custom;
  CRM_ASSERT_OK(manager_.RecordEvents(context_, request).status());
  const std::vector<v1::ChangeEvent> events = FeedEvents();
  ASSERT_EQ(events.size(), 2u);
  const v1::InteractionEvent& view = events[0].interaction();
  EXPECT_EQ(events[0].type(), v1::ChangeEvent::INTERACTION_RECORDED);
  EXPECT_EQ(events[0].customer_name(), "customers/alice");
  EXPECT_EQ(view.name(), "customers/alice/events/v1");
  EXPECT_EQ(view.event_id(), "v1");
  EXPECT_EQ(view.type(), v1::InteractionEvent::PAGE_VIEW);
  EXPECT_EQ(view.channel(), "web");
  EXPECT_EQ(crm::common::FromProtoTimestamp(view.event_time()),
            kNow - absl::Minutes(5));
  EXPECT_THAT(view.properties(), ElementsAre(Pair("sku", "tea-1")));
  const v1::InteractionEvent& other = events[1].interaction();
  EXPECT_EQ(other.type(), v1::InteractionEvent::CUSTOM);
  EXPECT_EQ(other.custom_type(), "wishlist.add");
  EXPECT_TRUE(other.properties().empty());  // "page" is not carried.
  // The stored event keeps every property.
  ASSERT_EQ(orders_.Events().size(), 2u);
  EXPECT_EQ(orders_.Events()[0].properties.size(), 3u);
}

TEST_F(OrderManagerTest, EventBatchIsWholeOrNothing) {
  v1::RecordEventsRequest request;
  *request.add_events() = Event("alice", "e1");
  *request.add_events() = Event("nobody", "e2");
  absl::StatusOr<v1::RecordEventsResponse> unknown =
      manager_.RecordEvents(context_, request);
  EXPECT_EQ(ReasonOf(unknown.status()), v1t::RESOURCE_NOT_FOUND);
  EXPECT_EQ(ErrorMetadataOf(unknown.status())["field"], "events[1].customer");
  EXPECT_EQ(ErrorMetadataOf(unknown.status())["resource"], "customers/nobody");
  EXPECT_TRUE(orders_.Events().empty());  // e1 rolled back with the batch.

  v1::RecordEventsRequest empty;
  absl::StatusOr<v1::RecordEventsResponse> none =
      manager_.RecordEvents(context_, empty);
  EXPECT_EQ(ReasonOf(none.status()), v1t::FIELD_REQUIRED);
  EXPECT_EQ(ErrorMetadataOf(none.status())["field"], "events");

  v1::RecordEventsRequest too_many;
  for (int i = 0; i <= kMaxEventsPerBatch; ++i) {
    *too_many.add_events() = Event("alice", "e" + std::to_string(i));
  }
  absl::StatusOr<v1::RecordEventsResponse> over =
      manager_.RecordEvents(context_, too_many);
  EXPECT_EQ(ErrorMetadataOf(over.status())["field"], "events");
  EXPECT_TRUE(orders_.Events().empty());
}

TEST_F(OrderManagerTest, PassedDeadlineOrCancellationWritesNothing) {
  const RequestContext late = RequestContext::WithDeadline(kNow);
  absl::StatusOr<v1::Order> expired =
      manager_.Record(late, OrderRequest("alice", "A-1", 100));
  EXPECT_THAT(expired, StatusIs(absl::StatusCode::kDeadlineExceeded));
  EXPECT_EQ(ReasonOf(expired.status()), v1t::REQUEST_DEADLINE_EXCEEDED);

  RequestContext cancelled;
  cancelled.set_cancellation([] { return true; });
  absl::StatusOr<v1::Order> gone =
      manager_.Record(cancelled, OrderRequest("alice", "A-1", 100));
  EXPECT_EQ(ReasonOf(gone.status()), v1t::REQUEST_CANCELLED);

  EXPECT_TRUE(orders_.Orders().empty());
  EXPECT_TRUE(orders_.SummariesOf("alice").empty());
  EXPECT_TRUE(feed_.events().empty());
  EXPECT_EQ(feed_.notifications(), 0);
}

TEST_F(OrderManagerTest, AFailedCommitLeavesNoTraceAndNoNotification) {
  unit_of_work_.FailNextCommit(absl::UnavailableError("database down"));
  EXPECT_THAT(manager_.Record(context_, OrderRequest("alice", "A-1", 100)),
              StatusIs(absl::StatusCode::kUnavailable));
  EXPECT_TRUE(orders_.Orders().empty());
  EXPECT_TRUE(orders_.SummariesOf("alice").empty());
  EXPECT_TRUE(feed_.events().empty());
  EXPECT_EQ(feed_.notifications(), 0);
  // The retry by the client then succeeds once.
  CRM_EXPECT_OK(manager_.Record(context_, OrderRequest("alice", "A-1", 100)));
  EXPECT_EQ(feed_.events().size(), 1u);
}

}  // namespace
}  // namespace crm::customer_profile
