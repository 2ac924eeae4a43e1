// OrderManager on MySQL: validation (order_validation.h), storage with the
// purchase summary and change-feed event in the same transaction
// (mysql_order_repository.h), and a FeedNotifier wake-up after every commit
// that appended a feed event (the notifier the feed's ChangeFeedSequencer
// waits on).
//
//   OrderManagerImpl orders(pool, SystemClock::Instance(),
//                           RandomIdGenerator::Instance(), notifier);
#pragma once

#include "services/common/change_feed_outbox.h"
#include "services/common/clock.h"
#include "services/common/id_generator.h"
#include "services/common/mysql_pool.h"
#include "services/customer_profile/mysql_order_repository.h"
#include "services/customer_profile/order_manager.h"

namespace crm::customer_profile {

class OrderManagerImpl final : public OrderManager {
 public:
  // Every argument must outlive the manager.
  OrderManagerImpl(crm::common::MySqlPool& pool,
                   const crm::common::Clock& clock,
                   const crm::common::IdGenerator& ids,
                   crm::common::FeedNotifier& notifier)
      : clock_(clock), notifier_(notifier), repository_(pool, clock, ids) {}

  absl::StatusOr<v1::Order> Record(
      const v1::RecordOrderRequest& request) override;
  absl::StatusOr<v1::Order> Refund(
      const v1::RefundOrderRequest& request) override;
  absl::StatusOr<v1::ListOrdersResponse> List(
      const v1::ListOrdersRequest& request) override;
  absl::StatusOr<v1::RecordEventsResponse> RecordEvents(
      const v1::RecordEventsRequest& request) override;

 private:
  const crm::common::Clock& clock_;
  crm::common::FeedNotifier& notifier_;
  MySqlOrderRepository repository_;
};

}  // namespace crm::customer_profile
