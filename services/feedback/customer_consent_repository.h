// Storage of each customer's consent answers (customer-profile's `Consent`,
// one answer per purpose) as feedback last saw them on customer-profile's
// feed (customer_consent_tracker.h), read when a survey invitation is
// created (survey_invitation_rules.h, InvitationConsentPurpose). The MySQL
// implementation is MySqlCustomerConsentRepository (table
// `customer_consents`); unit tests use the in-memory fake in
// tests/testing/fakes/feedback/.
//
//   CRM_ASSIGN_OR_RETURN(std::vector<ConsentAnswer> answers,
//                        consents.Find(tx, customer_id));
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "crm/customerprofile/v1/customer.pb.h"
#include "services/common/unit_of_work.h"

namespace crm::feedback {

// A customer's answer for one purpose.
struct ConsentAnswer {
  ::crm::customerprofile::v1::Consent::Purpose purpose =
      ::crm::customerprofile::v1::Consent::PURPOSE_UNSPECIFIED;
  ::crm::customerprofile::v1::Consent::Status status =
      ::crm::customerprofile::v1::Consent::STATUS_UNSPECIFIED;

  bool operator==(const ConsentAnswer& other) const {
    return purpose == other.purpose && status == other.status;
  }
};

class CustomerConsentRepository {
 public:
  CustomerConsentRepository(const CustomerConsentRepository&) = delete;
  CustomerConsentRepository& operator=(const CustomerConsentRepository&) =
      delete;
  virtual ~CustomerConsentRepository() = default;

  // The customer's answers in purpose order; empty when none is known.
  virtual absl::StatusOr<std::vector<ConsentAnswer>> Find(
      crm::common::Transaction& tx, const std::string& customer_id) = 0;

  // Makes `answers` (at most one per purpose) the customer's whole set as of
  // feed event `feed_sequence`: purposes left out are no longer known.
  // Returns false and changes nothing when answers of a later feed event are
  // stored (a stale event never undoes a newer answer); the same event
  // applied again stores the same rows.
  virtual absl::StatusOr<bool> Replace(
      crm::common::Transaction& tx, const std::string& customer_id,
      const std::vector<ConsentAnswer>& answers, int64_t feed_sequence) = 0;

  // Deletes every answer of the customer (merged away or erased).
  virtual absl::Status Forget(crm::common::Transaction& tx,
                              const std::string& customer_id) = 0;

 protected:
  CustomerConsentRepository() = default;
};

}  // namespace crm::feedback
