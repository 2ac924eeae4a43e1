// Storage of each customer's consents (customer-profile's `Consent`, one
// answer per purpose) as a service last saw them on customer-profile's feed
// (consent_tracker.h), read when an action needs a consent (loyalty's
// campaigns, feedback's survey invitations). Each service keeps them in its
// own database; the MySQL implementation is MySqlConsentRepository (table
// `customer_consents`); unit tests use the in-memory fake in
// tests/testing/fakes/consents/.
//
//   CRM_ASSIGN_OR_RETURN(std::vector<ConsentAnswer> answers,
//                        consents.Find(tx, customer_id));
#pragma once

#include <cstdint>
#include <optional>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "crm/customerprofile/v1/customer.pb.h"
#include "services/common/unit_of_work.h"

namespace crm::consents {

// A customer's answer for one purpose.
struct ConsentAnswer {
  ::crm::customerprofile::v1::Consent::Purpose purpose =
      ::crm::customerprofile::v1::Consent::PURPOSE_UNSPECIFIED;
  ::crm::customerprofile::v1::Consent::Status status =
      ::crm::customerprofile::v1::Consent::STATUS_UNSPECIFIED;
  // When the customer answered; unknown when the feed did not say.
  std::optional<absl::Time> answer_time;

  bool operator==(const ConsentAnswer& other) const {
    return purpose == other.purpose && status == other.status &&
           answer_time == other.answer_time;
  }
};

class ConsentRepository {
 public:
  ConsentRepository(const ConsentRepository&) = delete;
  ConsentRepository& operator=(const ConsentRepository&) = delete;
  virtual ~ConsentRepository() = default;

  // The customer's answers in purpose order; empty when none is known.
  virtual absl::StatusOr<std::vector<ConsentAnswer>> Find(
      crm::common::Transaction& tx, absl::string_view customer_id) = 0;

  // Makes `answers` (at most one per purpose) the customer's whole set as of
  // feed event `feed_sequence`: purposes left out are no longer known.
  // Returns false and changes nothing when answers of a later feed event are
  // stored (a stale event never undoes a newer answer); the same event
  // applied again stores the same rows.
  virtual absl::StatusOr<bool> Replace(
      crm::common::Transaction& tx, absl::string_view customer_id,
      const std::vector<ConsentAnswer>& answers, int64_t feed_sequence) = 0;

  // Deletes every answer of the customer (merged away or erased).
  virtual absl::Status Forget(crm::common::Transaction& tx,
                              absl::string_view customer_id) = 0;

 protected:
  ConsentRepository() = default;
};

}  // namespace crm::consents
