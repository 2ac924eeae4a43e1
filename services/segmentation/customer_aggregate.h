// Pure aggregation of one customer's orders into the figures the read model
// keeps (read_model.h). Recomputed from the customer's own orders on every
// order event, so the result never depends on the order events arrived in.
//
//   CustomerAggregate a = AggregateOrders("c1", orders);
#pragma once

#include <vector>

#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "services/segmentation/read_model.h"

namespace crm::segmentation {

// The aggregate of `orders` (all of `customer_id`'s orders, any order):
// order count, distinct UTC purchase dates, first and last order time,
// orders on a UTC Saturday or Sunday, and
// per currency the count, the total net of refunds and its average.
CustomerAggregate AggregateOrders(absl::string_view customer_id,
                                  const std::vector<OrderFact>& orders);

// The UTC calendar day of `t`, as days since 1970-01-01.
int64_t UtcDayNumber(absl::Time t);

}  // namespace crm::segmentation
