// The gRPC face of customer-profile (crm.customerprofile.v1): every RPC
// delegates to one domain object with the call's RequestContext (deadline,
// cancellation) and maps absl::Status to gRPC status. No SQL and no business
// rules here.
//
//   auto service = std::make_unique<CustomerProfileServiceImpl>(
//       std::move(customers), std::move(orders), std::move(importer),
//       std::move(feed));
//   builder.RegisterService(service.get());
//
// Customer RPCs (ResolveCustomer and GetCustomerStatistics included) ->
// CustomerManager; RecordOrder,
// RefundOrder, ListOrders, RecordEvents -> OrderManager; ImportCustomers ->
// CustomerImporter (rows read from the client stream); WatchChanges ->
// ChangeFeedStreamer (writes to the server stream until the client cancels).
#pragma once

#include <memory>

#include <grpcpp/grpcpp.h>

#include "crm/customerprofile/v1/customer_profile_service.grpc.pb.h"
#include "services/customer_profile/change_feed_streamer.h"
#include "services/customer_profile/customer_importer.h"
#include "services/customer_profile/customer_manager.h"
#include "services/customer_profile/order_manager.h"

namespace crm::customer_profile {

class CustomerProfileServiceImpl final
    : public v1::CustomerProfileService::Service {
 public:
  // All four must be non-null. The importer may refer to `customers`; the
  // service keeps every one alive for its own lifetime.
  CustomerProfileServiceImpl(std::unique_ptr<CustomerManager> customers,
                             std::unique_ptr<OrderManager> orders,
                             std::unique_ptr<CustomerImporter> importer,
                             std::unique_ptr<ChangeFeedStreamer> feed);
  ~CustomerProfileServiceImpl() override;

  grpc::Status CreateCustomer(grpc::ServerContext* context,
                              const v1::CreateCustomerRequest* request,
                              v1::Customer* response) override;
  grpc::Status ResolveCustomer(grpc::ServerContext* context,
                               const v1::ResolveCustomerRequest* request,
                               v1::ResolveCustomerResponse* response) override;
  grpc::Status GetCustomer(grpc::ServerContext* context,
                           const v1::GetCustomerRequest* request,
                           v1::Customer* response) override;
  grpc::Status ListCustomers(grpc::ServerContext* context,
                             const v1::ListCustomersRequest* request,
                             v1::ListCustomersResponse* response) override;
  grpc::Status GetCustomerStatistics(
      grpc::ServerContext* context,
      const v1::GetCustomerStatisticsRequest* request,
      v1::CustomerStatistics* response) override;
  grpc::Status UpdateCustomer(grpc::ServerContext* context,
                              const v1::UpdateCustomerRequest* request,
                              v1::Customer* response) override;
  grpc::Status FindDuplicateCandidates(
      grpc::ServerContext* context,
      const v1::FindDuplicateCandidatesRequest* request,
      v1::FindDuplicateCandidatesResponse* response) override;
  grpc::Status MergeCustomers(grpc::ServerContext* context,
                              const v1::MergeCustomersRequest* request,
                              v1::Customer* response) override;
  grpc::Status RecordOrder(grpc::ServerContext* context,
                           const v1::RecordOrderRequest* request,
                           v1::Order* response) override;
  grpc::Status RefundOrder(grpc::ServerContext* context,
                           const v1::RefundOrderRequest* request,
                           v1::Order* response) override;
  grpc::Status ListOrders(grpc::ServerContext* context,
                          const v1::ListOrdersRequest* request,
                          v1::ListOrdersResponse* response) override;
  grpc::Status RecordEvents(grpc::ServerContext* context,
                            const v1::RecordEventsRequest* request,
                            v1::RecordEventsResponse* response) override;
  grpc::Status ImportCustomers(
      grpc::ServerContext* context,
      grpc::ServerReader<v1::ImportCustomersRequest>* reader,
      v1::ImportCustomersResponse* response) override;
  grpc::Status EraseCustomer(grpc::ServerContext* context,
                             const v1::EraseCustomerRequest* request,
                             v1::Customer* response) override;
  grpc::Status ExportCustomerData(
      grpc::ServerContext* context,
      const v1::ExportCustomerDataRequest* request,
      v1::ExportCustomerDataResponse* response) override;
  grpc::Status WatchChanges(
      grpc::ServerContext* context, const v1::WatchChangesRequest* request,
      grpc::ServerWriter<v1::ChangeEvent>* writer) override;

 private:
  // Declared in this order so the importer (which may hold a reference to
  // the customer manager) is destroyed first.
  std::unique_ptr<CustomerManager> customers_;
  std::unique_ptr<OrderManager> orders_;
  std::unique_ptr<ChangeFeedStreamer> feed_;
  std::unique_ptr<CustomerImporter> importer_;
};

}  // namespace crm::customer_profile
