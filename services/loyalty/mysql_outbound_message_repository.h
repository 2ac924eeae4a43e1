// OutboundMessageRepository on the service's MySQL/MariaDB database (tables
// `outbound_messages` and `webhook_deliveries`,
// migrations/0012_outbound_webhooks.sql): all SQL, on the caller's unit of
// work. A message is one row keyed uniquely by its idempotency key; its
// deliveries are planned in the same statement sequence, one per enabled
// endpoint subscribed to its event type, due at once. As
// OutboundMessageErasure it deletes a customer's messages and deliveries.
//
//   MySqlOutboundMessageRepository outbound(clock);
//   CRM_RETURN_IF_ERROR(outbound.Enqueue(tx, message));
#pragma once

#include "services/common/clock.h"
#include "services/loyalty/outbound_message_erasure.h"
#include "services/loyalty/outbound_message_repository.h"

namespace crm::loyalty {

class MySqlOutboundMessageRepository final : public OutboundMessageRepository,
                                             public OutboundMessageErasure {
 public:
  // `clock` (the enqueue time, the first delivery's due time) must outlive
  // the repository.
  explicit MySqlOutboundMessageRepository(const crm::common::Clock& clock)
      : clock_(clock) {}

  absl::Status Enqueue(crm::common::Transaction& tx,
                       const OutboundMessage& message) override;
  absl::Status ForgetCustomer(crm::common::Transaction& tx,
                              absl::string_view customer_id) override;

 private:
  const crm::common::Clock& clock_;
};

}  // namespace crm::loyalty
