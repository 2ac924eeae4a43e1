// Keeps each customer's consents (consent_repository.h) from
// customer-profile's change feed, inside the service's feed consumer
// transaction, so a granted, denied or revoked consent reaches the actions
// that need it within the feed's lag:
// - CUSTOMER_CREATED, CUSTOMER_UPDATED: the event's customer carries all its
//   answers; they replace what is stored. An event of a customer already
//   MERGED is ignored (the survivor's answers are its own); one whose state
//   is ERASED forgets the customer.
// - CUSTOMER_MERGED: the survivor's answers after the merge (the event's
//   customer) replace the survivor's; the duplicate's are forgotten.
// - CUSTOMER_ERASED: the customer's answers are forgotten.
// - Every other event type is ignored.
// Applying an event again stores the same answers; an event older than the
// stored answers changes nothing.
//
//   ConsentTracker tracker(consents);
//   CRM_RETURN_IF_ERROR(tracker.Apply(tx, event));
#pragma once

#include <cstdint>
#include <string>

#include "absl/status/status.h"
#include "crm/customerprofile/v1/change_event.pb.h"
#include "services/common/unit_of_work.h"
#include "services/consents/consent_repository.h"

namespace crm::consents {

class ConsentTracker {
 public:
  // `consents` must outlive this object.
  explicit ConsentTracker(ConsentRepository& consents) : consents_(consents) {}
  ConsentTracker(const ConsentTracker&) = delete;
  ConsentTracker& operator=(const ConsentTracker&) = delete;

  // Applies `event` in `tx`. DATA_LOSS for a customer event whose customer
  // names are malformed (the consumer retries and stalls, visibly in its
  // lag metric, rather than lose a revocation).
  absl::Status Apply(crm::common::Transaction& tx,
                     const ::crm::customerprofile::v1::ChangeEvent& event);

 private:
  absl::Status Store(crm::common::Transaction& tx,
                     const std::string& customer_id,
                     const ::crm::customerprofile::v1::Customer& customer,
                     int64_t sequence);

  ConsentRepository& consents_;
};

}  // namespace crm::consents
