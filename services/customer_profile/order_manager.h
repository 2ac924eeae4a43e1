// Orders, refunds and interaction events of customers, with the purchase
// summary kept in the same transaction as every order and refund, and a
// change-feed event for every order recorded or refunded.
//
//   CRM_ASSIGN_OR_RETURN(v1::Order order, orders.Record(ctx, request));
#pragma once

#include "absl/status/statusor.h"
#include "crm/customerprofile/v1/customer_profile_service.pb.h"
#include "services/common/request_context.h"

namespace crm::customer_profile {

namespace v1 = ::crm::customerprofile::v1;

class OrderManager {
 public:
  OrderManager(const OrderManager&) = delete;
  OrderManager& operator=(const OrderManager&) = delete;
  virtual ~OrderManager() = default;

  // Validates and stores an order for an ACTIVE customer (a MERGED customer
  // is followed to its survivor; ERASED is FAILED_PRECONDITION with reason
  // CUSTOMER_ERASED; unknown NOT_FOUND). A repeat of (channel,
  // channel_order_id) returns the stored order unchanged.
  virtual absl::StatusOr<v1::Order> Record(
      const crm::common::RequestContext& context,
      const v1::RecordOrderRequest& request) = 0;
  // Refunds part or all of an order; a repeat of `refund_id` is a no-op
  // returning the order. FAILED_PRECONDITION with reason INSUFFICIENT_BALANCE
  // if more than the unrefunded amount is asked; NOT_FOUND for an unknown
  // order.
  virtual absl::StatusOr<v1::Order> Refund(
      const crm::common::RequestContext& context,
      const v1::RefundOrderRequest& request) = 0;
  // A customer's orders, newest first.
  virtual absl::StatusOr<v1::ListOrdersResponse> List(
      const crm::common::RequestContext& context,
      const v1::ListOrdersRequest& request) = 0;
  // Stores a batch of events, skipping event ids already stored.
  virtual absl::StatusOr<v1::RecordEventsResponse> RecordEvents(
      const crm::common::RequestContext& context,
      const v1::RecordEventsRequest& request) = 0;

 protected:
  OrderManager() = default;
};

}  // namespace crm::customer_profile
