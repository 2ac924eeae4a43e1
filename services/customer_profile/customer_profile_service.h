// The gRPC face of customer-profile (crm.customerprofile.v1): converts
// requests, applies the rules of customer_validation.h, calls the
// repository, and maps absl::Status to gRPC status. No SQL here.
//
//   auto service = std::make_unique<CustomerProfileServiceImpl>(
//       std::make_unique<MySqlCustomerRepository>(pool, clock, ids));
//   builder.RegisterService(service.get());
#pragma once

#include <memory>

#include <grpcpp/grpcpp.h>

#include "absl/status/statusor.h"
#include "crm/customerprofile/v1/customer_profile_service.grpc.pb.h"
#include "services/customer_profile/customer_repository.h"

namespace crm::customer_profile {

class CustomerProfileServiceImpl final
    : public v1::CustomerProfileService::Service {
 public:
  explicit CustomerProfileServiceImpl(
      std::unique_ptr<CustomerRepository> repository);

  grpc::Status CreateCustomer(grpc::ServerContext* context,
                              const v1::CreateCustomerRequest* request,
                              v1::Customer* response) override;
  grpc::Status GetCustomer(grpc::ServerContext* context,
                           const v1::GetCustomerRequest* request,
                           v1::Customer* response) override;
  grpc::Status ListCustomers(grpc::ServerContext* context,
                             const v1::ListCustomersRequest* request,
                             v1::ListCustomersResponse* response) override;

  // The same operations without gRPC, for in-process callers and tests.
  absl::StatusOr<v1::Customer> Create(const v1::CreateCustomerRequest& request);
  absl::StatusOr<v1::Customer> Get(const v1::GetCustomerRequest& request);
  absl::StatusOr<v1::ListCustomersResponse> List(
      const v1::ListCustomersRequest& request);

 private:
  std::unique_ptr<CustomerRepository> repository_;
};

}  // namespace crm::customer_profile
