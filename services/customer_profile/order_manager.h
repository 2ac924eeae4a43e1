// Orders, refunds and interaction events of customers, with the purchase
// summary kept in the same transaction as every order and refund, and a
// change-feed event for every order recorded or refunded.
//
//   OrderManager orders(pool, clock, ids, outbox_notifier);
//   CRM_ASSIGN_OR_RETURN(v1::Order order, orders.Record(request));
#pragma once

#include "absl/status/statusor.h"
#include "crm/customerprofile/v1/customer_profile_service.pb.h"

namespace crm::customer_profile {

namespace v1 = ::crm::customerprofile::v1;

class OrderManager {
 public:
  virtual ~OrderManager() = default;

  // Validates and stores an order for an ACTIVE customer (a MERGED customer
  // is followed to its survivor; ERASED is FAILED_PRECONDITION). A repeat
  // of (channel, channel_order_id) returns the stored order unchanged.
  virtual absl::StatusOr<v1::Order> Record(
      const v1::RecordOrderRequest& request) = 0;
  // Refunds part or all of an order; a repeat of `refund_id` is a no-op
  // returning the order. FAILED_PRECONDITION if more than the unrefunded
  // amount is asked.
  virtual absl::StatusOr<v1::Order> Refund(
      const v1::RefundOrderRequest& request) = 0;
  // A customer's orders, newest first.
  virtual absl::StatusOr<v1::ListOrdersResponse> List(
      const v1::ListOrdersRequest& request) = 0;
  // Stores a batch of events, skipping event ids already stored.
  virtual absl::StatusOr<v1::RecordEventsResponse> RecordEvents(
      const v1::RecordEventsRequest& request) = 0;
};

}  // namespace crm::customer_profile
