// The write of RecordOrder, in two forms with the same outcome: one order in
// its own statements (RecordOne), and the orders of several concurrent
// requests in one set of multi-row statements (RunTogether, the
// RequestCombiner that GroupCommitUnitOfWork calls for a batch).
//
//   OrderToRecord item;
//   item.order = normalized;  // NormalizeOrderForRecord
//   item.requested_customer_id = id;
//   CRM_RETURN_IF_ERROR(unit_of_work.RunCombinable(
//       ctx, [&](Transaction& tx) { return recorder.RecordOne(tx, item); },
//       recorder, item));
//   if (item.appended) feed.NotifyCommitted();
//
// Either form resolves the buyer to its ACTIVE customer, stores the order,
// adds it to the purchase summary and, last (after every row lock), appends
// its ORDER_RECORDED event, all in the caller's transaction.
#pragma once

#include <string>
#include <vector>

#include "absl/status/status.h"
#include "services/common/change_feed_writer.h"
#include "services/common/clock.h"
#include "services/common/id_generator.h"
#include "services/common/unit_of_work.h"
#include "services/customer_profile/active_customer_resolver.h"
#include "services/customer_profile/order_repository.h"

namespace crm::customer_profile {

// One RecordOrder call's write: its input and, once written, its outcome.
struct OrderToRecord {
  // The validated order (NormalizeOrderForRecord) and the customer id its
  // `customer` names.
  v1::Order order;
  std::string requested_customer_id;
  // Outcome: the order as stored (the earlier one for a repeat of its
  // channel order) and whether this write appended a feed event.
  v1::Order stored;
  bool appended = false;
};

class OrderRecorder final
    : public crm::common::RequestCombinerOf<OrderToRecord> {
 public:
  // Every argument must outlive the recorder.
  OrderRecorder(OrderRepository& orders, ActiveCustomerResolver& customers,
                crm::common::ChangeFeedWriter& feed,
                const crm::common::Clock& clock,
                const crm::common::IdGenerator& ids)
      : orders_(orders),
        customers_(customers),
        feed_(feed),
        clock_(clock),
        ids_(ids) {}

  // Records `item` alone; a repeat of a stored channel order leaves the
  // stored order in `item.stored` and appends nothing. Safe to run again.
  absl::Status RecordOne(crm::common::Transaction& tx, OrderToRecord& item);

  // Records `items` with one read of their buyers and one multi-row
  // statement each for orders, summaries and events. Refuses (ABORTED) a
  // set that repeats a channel order; any error (a repeat of a stored
  // order, an unknown or erased buyer) fails the set, and the unit of work
  // then runs each item alone (RecordOne), which gives its exact outcome.
  absl::Status RunTogether(crm::common::Transaction& tx,
                           const std::vector<OrderToRecord*>& items) override;

 private:
  OrderRepository& orders_;
  ActiveCustomerResolver& customers_;
  crm::common::ChangeFeedWriter& feed_;
  const crm::common::Clock& clock_;
  const crm::common::IdGenerator& ids_;
};

}  // namespace crm::customer_profile
