#include "services/customer_profile/customer_profile_service.h"

#include <optional>
#include <utility>

#include "services/common/grpc_reply.h"
#include "services/common/grpc_request_context.h"
#include "services/common/grpc_status.h"

namespace crm::customer_profile {

using ::crm::common::ReplyWith;
using ::crm::common::RequestContextOf;

CustomerProfileServiceImpl::CustomerProfileServiceImpl(
    std::unique_ptr<CustomerManager> customers,
    std::unique_ptr<OrderManager> orders,
    std::unique_ptr<CustomerImporter> importer,
    std::unique_ptr<ChangeFeedStreamer> feed)
    : customers_(std::move(customers)),
      orders_(std::move(orders)),
      feed_(std::move(feed)),
      importer_(std::move(importer)) {}

CustomerProfileServiceImpl::~CustomerProfileServiceImpl() = default;

grpc::Status CustomerProfileServiceImpl::CreateCustomer(
    grpc::ServerContext* context, const v1::CreateCustomerRequest* request,
    v1::Customer* response) {
  return ReplyWith(customers_->Create(RequestContextOf(context), *request),
                   response);
}

grpc::Status CustomerProfileServiceImpl::ResolveCustomer(
    grpc::ServerContext* context, const v1::ResolveCustomerRequest* request,
    v1::ResolveCustomerResponse* response) {
  return ReplyWith(customers_->Resolve(RequestContextOf(context), *request),
                   response);
}

grpc::Status CustomerProfileServiceImpl::GetCustomer(
    grpc::ServerContext* context, const v1::GetCustomerRequest* request,
    v1::Customer* response) {
  return ReplyWith(customers_->Get(RequestContextOf(context), *request),
                   response);
}

grpc::Status CustomerProfileServiceImpl::ListCustomers(
    grpc::ServerContext* context, const v1::ListCustomersRequest* request,
    v1::ListCustomersResponse* response) {
  return ReplyWith(customers_->List(RequestContextOf(context), *request),
                   response);
}

grpc::Status CustomerProfileServiceImpl::GetCustomerStatistics(
    grpc::ServerContext* context,
    const v1::GetCustomerStatisticsRequest* request,
    v1::CustomerStatistics* response) {
  return ReplyWith(
      customers_->GetStatistics(RequestContextOf(context), *request), response);
}

grpc::Status CustomerProfileServiceImpl::UpdateCustomer(
    grpc::ServerContext* context, const v1::UpdateCustomerRequest* request,
    v1::Customer* response) {
  return ReplyWith(customers_->Update(RequestContextOf(context), *request),
                   response);
}

grpc::Status CustomerProfileServiceImpl::FindDuplicateCandidates(
    grpc::ServerContext* context,
    const v1::FindDuplicateCandidatesRequest* request,
    v1::FindDuplicateCandidatesResponse* response) {
  return ReplyWith(
      customers_->FindDuplicateCandidates(RequestContextOf(context), *request),
      response);
}

grpc::Status CustomerProfileServiceImpl::MergeCustomers(
    grpc::ServerContext* context, const v1::MergeCustomersRequest* request,
    v1::Customer* response) {
  return ReplyWith(customers_->Merge(RequestContextOf(context), *request),
                   response);
}

grpc::Status CustomerProfileServiceImpl::RecordOrder(
    grpc::ServerContext* context, const v1::RecordOrderRequest* request,
    v1::Order* response) {
  return ReplyWith(orders_->Record(RequestContextOf(context), *request),
                   response);
}

grpc::Status CustomerProfileServiceImpl::RefundOrder(
    grpc::ServerContext* context, const v1::RefundOrderRequest* request,
    v1::Order* response) {
  return ReplyWith(orders_->Refund(RequestContextOf(context), *request),
                   response);
}

grpc::Status CustomerProfileServiceImpl::ListOrders(
    grpc::ServerContext* context, const v1::ListOrdersRequest* request,
    v1::ListOrdersResponse* response) {
  return ReplyWith(orders_->List(RequestContextOf(context), *request),
                   response);
}

grpc::Status CustomerProfileServiceImpl::RecordEvents(
    grpc::ServerContext* context, const v1::RecordEventsRequest* request,
    v1::RecordEventsResponse* response) {
  return ReplyWith(orders_->RecordEvents(RequestContextOf(context), *request),
                   response);
}

grpc::Status CustomerProfileServiceImpl::ImportCustomers(
    grpc::ServerContext* context,
    grpc::ServerReader<v1::ImportCustomersRequest>* reader,
    v1::ImportCustomersResponse* response) {
  return ReplyWith(importer_->Import(
                       RequestContextOf(context),
                       [reader]() -> std::optional<v1::ImportCustomersRequest> {
                         v1::ImportCustomersRequest row;
                         if (!reader->Read(&row)) return std::nullopt;
                         return row;
                       }),
                   response);
}

grpc::Status CustomerProfileServiceImpl::EraseCustomer(
    grpc::ServerContext* context, const v1::EraseCustomerRequest* request,
    v1::Customer* response) {
  return ReplyWith(customers_->Erase(RequestContextOf(context), *request),
                   response);
}

grpc::Status CustomerProfileServiceImpl::ExportCustomerData(
    grpc::ServerContext* context, const v1::ExportCustomerDataRequest* request,
    v1::ExportCustomerDataResponse* response) {
  return ReplyWith(customers_->Export(RequestContextOf(context), *request),
                   response);
}

grpc::Status CustomerProfileServiceImpl::WatchChanges(
    grpc::ServerContext* context, const v1::WatchChangesRequest* request,
    grpc::ServerWriter<v1::ChangeEvent>* writer) {
  absl::Status status = feed_->Watch(
      RequestContextOf(context), *request,
      [writer](const v1::ChangeEvent& event) { return writer->Write(event); });
  return crm::common::ToGrpcStatus(status);
}

}  // namespace crm::customer_profile
