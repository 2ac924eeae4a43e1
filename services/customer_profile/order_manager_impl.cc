#include "services/customer_profile/order_manager_impl.h"

#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "services/common/keyset_page.h"
#include "services/common/status_macros.h"
#include "services/customer_profile/order_validation.h"

namespace crm::customer_profile {

absl::StatusOr<v1::Order> OrderManagerImpl::Record(
    const v1::RecordOrderRequest& request) {
  CRM_ASSIGN_OR_RETURN(v1::Order order,
                       NormalizeOrderForRecord(request.order(), clock_.Now()));
  CRM_ASSIGN_OR_RETURN(OrderWriteResult result, repository_.Record(order));
  if (result.feed_appended) notifier_.Notify();
  return std::move(result.order);
}

absl::StatusOr<v1::Order> OrderManagerImpl::Refund(
    const v1::RefundOrderRequest& request) {
  CRM_ASSIGN_OR_RETURN(RefundSpec spec, NormalizeRefundRequest(request));
  CRM_ASSIGN_OR_RETURN(OrderWriteResult result, repository_.Refund(spec));
  if (result.feed_appended) notifier_.Notify();
  return std::move(result.order);
}

absl::StatusOr<v1::ListOrdersResponse> OrderManagerImpl::List(
    const v1::ListOrdersRequest& request) {
  CRM_ASSIGN_OR_RETURN(std::string customer_id,
                       ParseOrdersParent(request.parent()));
  const std::string query = absl::StrCat("orders:", customer_id);
  CRM_ASSIGN_OR_RETURN(crm::common::PageRequest page,
                       crm::common::ParsePageRequest(
                           request.page_size(), request.page_token(), query));
  CRM_ASSIGN_OR_RETURN(crm::common::Page<v1::Order> result,
                       repository_.List(customer_id, page));
  v1::ListOrdersResponse response;
  for (v1::Order& order : result.items) {
    *response.add_orders() = std::move(order);
  }
  response.set_next_page_token(crm::common::NextPageToken(result.next, query));
  return response;
}

absl::StatusOr<v1::RecordEventsResponse> OrderManagerImpl::RecordEvents(
    const v1::RecordEventsRequest& request) {
  CRM_ASSIGN_OR_RETURN(std::vector<v1::InteractionEvent> events,
                       NormalizeEvents(request, clock_.Now()));
  CRM_ASSIGN_OR_RETURN(RecordEventsResult result,
                       repository_.RecordEvents(events));
  v1::RecordEventsResponse response;
  response.set_recorded_count(result.recorded);
  response.set_duplicate_count(result.duplicates);
  return response;
}

}  // namespace crm::customer_profile
