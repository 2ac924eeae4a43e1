// Keeps each customer's consent answers (customer_consent_repository.h) from
// customer-profile's change feed, inside the feed consumer's transaction
// (customer_profile_events.h), so a granted, denied or revoked consent
// reaches survey invitations within the feed's lag:
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
//   CustomerConsentTracker tracker(consents);
//   CRM_RETURN_IF_ERROR(tracker.Apply(tx, event));
#pragma once

#include <cstdint>
#include <string>

#include "absl/status/status.h"
#include "crm/customerprofile/v1/change_event.pb.h"
#include "services/common/unit_of_work.h"
#include "services/feedback/customer_consent_repository.h"

namespace crm::feedback {

class CustomerConsentTracker {
 public:
  // `consents` must outlive this object.
  explicit CustomerConsentTracker(CustomerConsentRepository& consents)
      : consents_(consents) {}
  CustomerConsentTracker(const CustomerConsentTracker&) = delete;
  CustomerConsentTracker& operator=(const CustomerConsentTracker&) = delete;

  // Applies `event` in `tx`. DATA_LOSS for a customer event whose customer
  // names are malformed (the consumer retries and stalls, visibly in its lag
  // metric, rather than lose a revocation).
  absl::Status Apply(crm::common::Transaction& tx,
                     const ::crm::customerprofile::v1::ChangeEvent& event);

 private:
  absl::Status Store(crm::common::Transaction& tx,
                     const std::string& customer_id,
                     const ::crm::customerprofile::v1::Customer& customer,
                     int64_t sequence);

  CustomerConsentRepository& consents_;
};

}  // namespace crm::feedback
