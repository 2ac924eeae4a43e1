// Forgetting an erased customer's outbound messages (outbound_message_
// repository.h): the erasure (member_lifecycle.h) calls it in its unit of
// work, so afterwards no outbound row names the customer or carries a
// payload about them. The MySQL implementation is
// MySqlOutboundMessageRepository.
//
//   CRM_RETURN_IF_ERROR(outbound_erasure.ForgetCustomer(tx, "c1"));
#pragma once

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "services/common/unit_of_work.h"

namespace crm::loyalty {

class OutboundMessageErasure {
 public:
  OutboundMessageErasure(const OutboundMessageErasure&) = delete;
  OutboundMessageErasure& operator=(const OutboundMessageErasure&) = delete;
  virtual ~OutboundMessageErasure() = default;

  // Deletes every message enqueued about `customer_id` with all its
  // deliveries, whatever their state (pending ones are never sent; an
  // attempt already in flight may still arrive). Nothing to delete is OK.
  virtual absl::Status ForgetCustomer(crm::common::Transaction& tx,
                                      absl::string_view customer_id) = 0;

 protected:
  OutboundMessageErasure() = default;
};

}  // namespace crm::loyalty
