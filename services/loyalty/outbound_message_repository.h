// The enqueue side of loyalty's outbound webhooks: a message that a unit of
// work decides to send (a journey's EMIT_MESSAGE action, for instance) is
// stored in the same transaction as the change that caused it, so it exists
// if and only if that change commits (a transactional outbox). The
// dispatcher (webhook_dispatcher.h) later delivers it, signed, to every
// enabled webhook endpoint subscribed to its event type. The MySQL
// implementation is MySqlOutboundMessageRepository; unit tests use the
// in-memory fake in tests/testing/fakes/loyalty/.
//
//   return unit_of_work_.Run(ctx, [&](crm::common::Transaction& tx) {
//     ...change the journey's state...
//     return outbound.Enqueue(tx, {.event_type = "journey.message",
//                                  .idempotency_key = "journeys/j1/steps/3/c1",
//                                  .customer_id = "c1",
//                                  .payload_json = R"({"text":"hi"})"});
//   });
#pragma once

#include <string>

#include "absl/status/status.h"
#include "services/common/unit_of_work.h"

namespace crm::loyalty {

// One message to deliver. Receivers see `payload_json` as the body of the
// POST, `event_type` and `idempotency_key` as headers (webhook_signature.h).
struct OutboundMessage {
  // What happened, e.g. "journey.message"; endpoints subscribe by it.
  // 1..100 characters of [a-z0-9._-].
  std::string event_type;
  // Chosen by the caller and stable for one logical message: the same key
  // enqueued again is stored once, and receivers deduplicate by it. 1..200
  // printable ASCII characters.
  std::string idempotency_key;
  // The customer the message is about (may be empty). Kept so an erasure
  // can find the customer's undelivered messages; never sent as a header.
  std::string customer_id;
  // A JSON object, sent byte for byte as the request body.
  std::string payload_json;
};

class OutboundMessageRepository {
 public:
  OutboundMessageRepository(const OutboundMessageRepository&) = delete;
  OutboundMessageRepository& operator=(const OutboundMessageRepository&) =
      delete;
  virtual ~OutboundMessageRepository() = default;

  // Stores `message` for delivery. Called inside the caller's open
  // transaction `tx` (the unit of work loyalty's other repositories use), so
  // the message is stored if and only if the caller commits. The same
  // idempotency_key enqueued twice is stored once: the second call is OK and
  // changes nothing (the first message's event type and payload are kept).
  // One delivery is planned for each enabled endpoint subscribed to
  // `event_type` at enqueue time; with none, the message is stored and
  // delivered to nobody. INVALID_ARGUMENT naming the field when event_type,
  // idempotency_key or payload_json (not a JSON object) is malformed.
  virtual absl::Status Enqueue(crm::common::Transaction& tx,
                               const OutboundMessage& message) = 0;

 protected:
  OutboundMessageRepository() = default;
};

}  // namespace crm::loyalty
