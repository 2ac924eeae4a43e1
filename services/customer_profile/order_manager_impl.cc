#include "services/customer_profile/order_manager_impl.h"

#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "services/common/error_details.h"
#include "services/common/field_behavior.h"
#include "services/common/keyset_page.h"
#include "services/common/status_macros.h"
#include "services/common/timestamps.h"
#include "services/customer_profile/order_resources.h"
#include "services/customer_profile/order_rules.h"
#include "services/customer_profile/order_validation.h"

namespace crm::customer_profile {
namespace {

using ::crm::common::Transaction;

// An order as a write left it, and whether the write appended a feed event
// (false for a repeat).
struct OrderWrite {
  v1::Order order;
  bool appended = false;
};

// `status` (a failed resolution of events[i]'s customer) with its reason
// and resource kept and the field `events[i].customer` named, so a client
// knows which event of the batch was refused.
absl::Status NamingTheEvent(const absl::Status& status, size_t i) {
  const std::string field = absl::StrCat("events[", i, "].customer");
  const std::string resource = crm::common::ErrorMetadataOf(status)["resource"];
  return crm::common::ErrorWithReason(
      status, crm::common::ReasonOf(status),
      {{"field", field}, {"resource", resource}});
}

}  // namespace

absl::StatusOr<v1::Order> OrderManagerImpl::Record(
    const crm::common::RequestContext& context,
    const v1::RecordOrderRequest& request) {
  CRM_RETURN_IF_ERROR(crm::common::CheckRequiredFields(request));
  CRM_ASSIGN_OR_RETURN(v1::Order order,
                       NormalizeOrderForRecord(request.order(), clock_.Now()));
  CRM_ASSIGN_OR_RETURN(std::string requested_id,
                       CustomerIdOf(order.customer(), "order.customer"));
  OrderToRecord item;
  item.order = std::move(order);
  item.requested_customer_id = std::move(requested_id);
  CRM_RETURN_IF_ERROR(unit_of_work_.RunCombinable(
      context, [&](Transaction& tx) { return recorder_.RecordOne(tx, item); },
      recorder_, item));
  if (item.appended) feed_.NotifyCommitted();
  return std::move(item.stored);
}

absl::StatusOr<v1::Order> OrderManagerImpl::Refund(
    const crm::common::RequestContext& context,
    const v1::RefundOrderRequest& request) {
  CRM_RETURN_IF_ERROR(crm::common::CheckRequiredFields(request));
  CRM_ASSIGN_OR_RETURN(RefundSpec spec, NormalizeRefundRequest(request));
  const std::string order_name = OrderName(spec.customer_id, spec.order_id);
  CRM_ASSIGN_OR_RETURN(
      OrderWrite write,
      unit_of_work_.Run<OrderWrite>(
          context, [&](Transaction& tx) -> absl::StatusOr<OrderWrite> {
            CRM_ASSIGN_OR_RETURN(
                std::string customer_id,
                customers_.ResolveActive(tx, spec.customer_id));
            CRM_ASSIGN_OR_RETURN(
                std::optional<OrderRecord> order,
                orders_.GetOrderForUpdate(tx, customer_id, spec.order_id));
            if (!order.has_value()) {
              return crm::common::NotFoundError(order_name);
            }
            CRM_ASSIGN_OR_RETURN(
                std::optional<RefundRecord> seen,
                orders_.FindRefund(tx, customer_id, spec.order_id,
                                   spec.refund_id));
            if (seen.has_value())
              return OrderWrite{OrderToProto(*order), false};
            CRM_ASSIGN_OR_RETURN(int64_t amount,
                                 RefundAmount(*order, spec.amount, order_name));
            RefundRecord refund;
            refund.customer_id = customer_id;
            refund.order_id = spec.order_id;
            refund.refund_id = spec.refund_id;
            refund.amount_minor = amount;
            refund.reason = spec.reason;
            refund.create_time = crm::common::TruncateToMicros(clock_.Now());
            CRM_RETURN_IF_ERROR(orders_.InsertRefund(tx, refund));
            order->refunded_minor += amount;
            CRM_RETURN_IF_ERROR(orders_.SetRefundedAmount(
                tx, customer_id, spec.order_id, order->refunded_minor));
            CRM_RETURN_IF_ERROR(orders_.AddToPurchaseSummary(
                tx, PurchaseSummaryDeltaOfRefund(*order, amount)));
            OrderWrite result{OrderToProto(*order), true};
            // Last statement: after every row lock (change_feed_outbox.h).
            CRM_RETURN_IF_ERROR(
                feed_.Append(tx, OrderRefundedFeedEvent(result.order, amount)));
            return result;
          }));
  if (write.appended) feed_.NotifyCommitted();
  return std::move(write.order);
}

absl::StatusOr<v1::ListOrdersResponse> OrderManagerImpl::List(
    const crm::common::RequestContext& context,
    const v1::ListOrdersRequest& request) {
  CRM_RETURN_IF_ERROR(crm::common::CheckRequiredFields(request));
  CRM_ASSIGN_OR_RETURN(std::string requested_id,
                       ParseOrdersParent(request.parent()));
  const std::string query = absl::StrCat("orders:", requested_id);
  CRM_ASSIGN_OR_RETURN(crm::common::PageRequest page,
                       crm::common::ParsePageRequest(
                           request.page_size(), request.page_token(), query));
  return unit_of_work_.Read<v1::ListOrdersResponse>(
      context, [&](Transaction& tx) -> absl::StatusOr<v1::ListOrdersResponse> {
        CRM_ASSIGN_OR_RETURN(std::string customer_id,
                             customers_.ResolveActive(tx, requested_id));
        CRM_ASSIGN_OR_RETURN(crm::common::Page<OrderRecord> result,
                             orders_.ListOrders(tx, customer_id, page));
        v1::ListOrdersResponse response;
        for (const OrderRecord& order : result.items) {
          *response.add_orders() = OrderToProto(order);
        }
        response.set_next_page_token(
            crm::common::NextPageToken(result.next, query));
        return response;
      });
}

absl::StatusOr<v1::RecordEventsResponse> OrderManagerImpl::RecordEvents(
    const crm::common::RequestContext& context,
    const v1::RecordEventsRequest& request) {
  CRM_RETURN_IF_ERROR(crm::common::CheckRequiredFields(request));
  CRM_ASSIGN_OR_RETURN(std::vector<v1::InteractionEvent> events,
                       NormalizeEvents(request, clock_.Now()));
  std::vector<std::string> requested_ids;
  requested_ids.reserve(events.size());
  for (size_t i = 0; i < events.size(); ++i) {
    CRM_ASSIGN_OR_RETURN(
        std::string id, CustomerIdOf(events[i].customer(),
                                     absl::StrCat("events[", i, "].customer")));
    requested_ids.push_back(std::move(id));
  }
  CRM_ASSIGN_OR_RETURN(
      v1::RecordEventsResponse recorded,
      unit_of_work_.Run<v1::RecordEventsResponse>(
          context,
          [&](Transaction& tx) -> absl::StatusOr<v1::RecordEventsResponse> {
            const absl::Time now = crm::common::TruncateToMicros(clock_.Now());
            // Each distinct customer is resolved once per batch.
            absl::flat_hash_map<std::string, std::string> owners;
            // One INTERACTION_RECORDED per event stored (none for a repeat).
            std::vector<crm::common::FeedEventRecord> feed_events;
            v1::RecordEventsResponse response;
            for (size_t i = 0; i < events.size(); ++i) {
              auto owner = owners.find(requested_ids[i]);
              if (owner == owners.end()) {
                absl::StatusOr<std::string> customer_id =
                    customers_.ResolveActive(tx, requested_ids[i]);
                if (!customer_id.ok()) {
                  return NamingTheEvent(customer_id.status(), i);
                }
                owner =
                    owners.emplace(requested_ids[i], *std::move(customer_id))
                        .first;
              }
              const InteractionEventRecord record =
                  NewInteractionEventRecord(events[i], owner->second, now);
              CRM_ASSIGN_OR_RETURN(bool stored,
                                   orders_.InsertEventIfAbsent(tx, record));
              if (stored) {
                response.set_recorded_count(response.recorded_count() + 1);
                feed_events.push_back(InteractionRecordedFeedEvent(record));
              } else {
                response.set_duplicate_count(response.duplicate_count() + 1);
              }
            }
            // Last statement: after every row lock (change_feed_outbox.h).
            if (!feed_events.empty()) {
              CRM_RETURN_IF_ERROR(feed_.AppendAll(tx, feed_events));
            }
            return response;
          }));
  if (recorded.recorded_count() > 0) feed_.NotifyCommitted();
  return recorded;
}

}  // namespace crm::customer_profile
