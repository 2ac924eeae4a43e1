#include "gateway/openapi/crm_api_services.h"

#include "crm/customerprofile/v1/customer_profile_service.pb.h"
#include "crm/feedback/v1/feedback_service.pb.h"
#include "crm/loyalty/v1/loyalty_service.pb.h"
#include "crm/segmentation/v1/segmentation_service.pb.h"

namespace crm::gateway::openapi {

std::vector<const google::protobuf::ServiceDescriptor*> CrmApiServices() {
  // Reaching each file through one of its messages links its generated
  // descriptors into the binary.
  return {
      crm::customerprofile::v1::GetCustomerRequest::descriptor()
          ->file()
          ->FindServiceByName("CustomerProfileService"),
      crm::segmentation::v1::GetSegmentRequest::descriptor()
          ->file()
          ->FindServiceByName("SegmentationService"),
      crm::loyalty::v1::GetAccountRequest::descriptor()
          ->file()
          ->FindServiceByName("LoyaltyService"),
      crm::feedback::v1::SubmitFeedbackRequest::descriptor()
          ->file()
          ->FindServiceByName("FeedbackService"),
  };
}

}  // namespace crm::gateway::openapi
