// BirthdaySource (birthday_source.h) over customer-profile's gRPC API:
// ListCustomers with the filter `birthday = "MM-DD"`, pages of up to
// `page_size` (at most 1000), each call ending at the deadline given. Of
// each customer only the name is read; the rest of the answer is dropped
// at once.
//
//   GrpcBirthdaySource source(CustomerProfileService::NewStub(channel));
#pragma once

#include <memory>
#include <utility>

#include "crm/customerprofile/v1/customer_profile_service.grpc.pb.h"
#include "services/loyalty/birthday_source.h"

namespace crm::loyalty {

class GrpcBirthdaySource final : public BirthdaySource {
 public:
  explicit GrpcBirthdaySource(
      std::unique_ptr<
          ::crm::customerprofile::v1::CustomerProfileService::StubInterface>
          stub,
      int page_size = 500)
      : stub_(std::move(stub)), page_size_(page_size) {}

  absl::StatusOr<BirthdayPage> CustomersBornOn(absl::string_view month_day,
                                               absl::string_view page_token,
                                               absl::Time deadline) override;

 private:
  const std::unique_ptr<
      ::crm::customerprofile::v1::CustomerProfileService::StubInterface>
      stub_;
  const int page_size_;
};

}  // namespace crm::loyalty
