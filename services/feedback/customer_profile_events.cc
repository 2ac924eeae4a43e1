#include "services/feedback/customer_profile_events.h"

#include <string>

#include "services/common/status_macros.h"
#include "services/feedback/feedback_validation.h"

namespace crm::feedback {
namespace {

namespace cp = ::crm::customerprofile::v1;

absl::StatusOr<std::string> EventCustomerId(absl::string_view name) {
  absl::StatusOr<std::string> id = CustomerIdOf(name, "customer_name");
  if (!id.ok()) {
    return absl::DataLossError("feed event names no valid customer");
  }
  return id;
}

}  // namespace

std::vector<cp::ChangeEvent::Type> CustomerProfileEventTypes() {
  return {cp::ChangeEvent::CUSTOMER_ERASED, cp::ChangeEvent::CUSTOMER_MERGED};
}

absl::Status ApplyCustomerProfileEvent(FeedbackRepository& feedback,
                                       SurveyRepository& surveys,
                                       crm::common::Transaction& tx,
                                       absl::string_view payload) {
  cp::ChangeEvent event;
  if (!event.ParseFromArray(payload.data(), static_cast<int>(payload.size()))) {
    return absl::DataLossError("feed event does not parse");
  }
  switch (event.type()) {
    case cp::ChangeEvent::CUSTOMER_ERASED: {
      CRM_ASSIGN_OR_RETURN(std::string customer_id,
                           EventCustomerId(event.customer_name()));
      CRM_RETURN_IF_ERROR(feedback.AnonymizeCustomer(tx, customer_id).status());
      return surveys.AnonymizeCustomer(tx, customer_id).status();
    }
    case cp::ChangeEvent::CUSTOMER_MERGED: {
      CRM_ASSIGN_OR_RETURN(std::string survivor,
                           EventCustomerId(event.merge().survivor()));
      CRM_ASSIGN_OR_RETURN(std::string duplicate,
                           EventCustomerId(event.merge().duplicate()));
      if (survivor == duplicate) return absl::OkStatus();
      return feedback.ReassignCustomer(tx, duplicate, survivor).status();
    }
    default:
      return absl::OkStatus();
  }
}

}  // namespace crm::feedback
