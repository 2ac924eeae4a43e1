#include "services/consents/consent_tracker.h"

#include <algorithm>
#include <string>
#include <vector>

#include "services/common/resource_name.h"
#include "services/common/status_macros.h"
#include "services/common/timestamps.h"

namespace crm::consents {
namespace {

namespace cp = ::crm::customerprofile::v1;
using ::crm::common::Transaction;

// The customer id of `name` (`customers/{customer}`), DATA_LOSS otherwise.
absl::StatusOr<std::string> CustomerIdOf(const std::string& name) {
  absl::StatusOr<std::string> id =
      crm::common::ParseResourceName(name, "customers", "customer_name");
  if (!id.ok()) return absl::DataLossError("event with a malformed customer");
  return *id;
}

}  // namespace

absl::Status ConsentTracker::Apply(Transaction& tx,
                                   const cp::ChangeEvent& event) {
  switch (event.type()) {
    case cp::ChangeEvent::CUSTOMER_CREATED:
    case cp::ChangeEvent::CUSTOMER_UPDATED: {
      CRM_ASSIGN_OR_RETURN(std::string id, CustomerIdOf(event.customer_name()));
      if (event.customer().state() == cp::Customer::ERASED) {
        return consents_.Forget(tx, id);
      }
      if (event.customer().state() == cp::Customer::MERGED) {
        return absl::OkStatus();
      }
      return Store(tx, id, event.customer(), event.sequence());
    }
    case cp::ChangeEvent::CUSTOMER_MERGED: {
      CRM_ASSIGN_OR_RETURN(std::string survivor,
                           CustomerIdOf(event.merge().survivor()));
      CRM_ASSIGN_OR_RETURN(std::string duplicate,
                           CustomerIdOf(event.merge().duplicate()));
      if (survivor == duplicate) return absl::OkStatus();
      CRM_RETURN_IF_ERROR(consents_.Forget(tx, duplicate));
      return Store(tx, survivor, event.customer(), event.sequence());
    }
    case cp::ChangeEvent::CUSTOMER_ERASED: {
      CRM_ASSIGN_OR_RETURN(std::string id, CustomerIdOf(event.customer_name()));
      return consents_.Forget(tx, id);
    }
    case cp::ChangeEvent::INTERACTION_RECORDED:
      // Carries no consent.
      return absl::OkStatus();
    default:
      return absl::OkStatus();
  }
}

absl::Status ConsentTracker::Store(Transaction& tx,
                                   const std::string& customer_id,
                                   const cp::Customer& customer,
                                   int64_t sequence) {
  std::vector<ConsentAnswer> answers;
  for (const cp::Consent& consent : customer.consents()) {
    if (consent.purpose() == cp::Consent::PURPOSE_UNSPECIFIED) continue;
    ConsentAnswer answer;
    answer.purpose = consent.purpose();
    answer.status = consent.status();
    if (consent.has_update_time()) {
      answer.answer_time = crm::common::TruncateToMicros(
          crm::common::FromProtoTimestamp(consent.update_time()));
    }
    // customer-profile keeps one answer per purpose; should two arrive, the
    // later one stands.
    auto same = std::find_if(answers.begin(), answers.end(),
                             [&](const ConsentAnswer& stored) {
                               return stored.purpose == answer.purpose;
                             });
    if (same != answers.end()) {
      *same = answer;
    } else {
      answers.push_back(answer);
    }
  }
  return consents_.Replace(tx, customer_id, answers, sequence).status();
}

}  // namespace crm::consents
