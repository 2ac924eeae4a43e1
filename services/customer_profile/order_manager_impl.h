// OrderManager over the storage seam: validation (order_validation.h), the
// arithmetic of refunds and purchase summaries (order_rules.h), ids from the
// IdGenerator, resource names and feed events (order_resources.h), all in
// one unit of work per call whose last statements append the feed event.
//
//   MySqlUnitOfWork unit_of_work(pool);
//   MySqlOrderRepository orders;
//   OrderManagerImpl manager(unit_of_work, orders, customer_resolver, feed,
//                            SystemClock::Instance(),
//                            RandomIdGenerator::Instance());
//   CRM_ASSIGN_OR_RETURN(v1::Order order, manager.Record(ctx, request));
#pragma once

#include "services/common/change_feed_writer.h"
#include "services/common/clock.h"
#include "services/common/id_generator.h"
#include "services/common/unit_of_work.h"
#include "services/customer_profile/active_customer_resolver.h"
#include "services/customer_profile/order_manager.h"
#include "services/customer_profile/order_recorder.h"
#include "services/customer_profile/order_repository.h"

namespace crm::customer_profile {

class OrderManagerImpl final : public OrderManager {
 public:
  // Every argument must outlive the manager. `feed` is notified after every
  // commit that appended an event.
  OrderManagerImpl(crm::common::UnitOfWork& unit_of_work,
                   OrderRepository& orders, ActiveCustomerResolver& customers,
                   crm::common::ChangeFeedWriter& feed,
                   const crm::common::Clock& clock,
                   const crm::common::IdGenerator& ids)
      : unit_of_work_(unit_of_work),
        orders_(orders),
        customers_(customers),
        feed_(feed),
        clock_(clock),
        recorder_(orders, customers, feed, clock, ids) {}

  absl::StatusOr<v1::Order> Record(
      const crm::common::RequestContext& context,
      const v1::RecordOrderRequest& request) override;
  absl::StatusOr<v1::Order> Refund(
      const crm::common::RequestContext& context,
      const v1::RefundOrderRequest& request) override;
  absl::StatusOr<v1::ListOrdersResponse> List(
      const crm::common::RequestContext& context,
      const v1::ListOrdersRequest& request) override;
  absl::StatusOr<v1::RecordEventsResponse> RecordEvents(
      const crm::common::RequestContext& context,
      const v1::RecordEventsRequest& request) override;

 private:
  crm::common::UnitOfWork& unit_of_work_;
  OrderRepository& orders_;
  ActiveCustomerResolver& customers_;
  crm::common::ChangeFeedWriter& feed_;
  const crm::common::Clock& clock_;
  // RecordOrder's write, alone or combined with concurrent ones.
  OrderRecorder recorder_;
};

}  // namespace crm::customer_profile
