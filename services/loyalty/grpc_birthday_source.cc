#include "services/loyalty/grpc_birthday_source.h"

#include <string>

#include <grpcpp/grpcpp.h>

#include "absl/strings/str_cat.h"
#include "services/common/grpc_status.h"
#include "services/common/resource_name.h"

namespace crm::loyalty {

namespace cp = ::crm::customerprofile::v1;

absl::StatusOr<BirthdayPage> GrpcBirthdaySource::CustomersBornOn(
    absl::string_view month_day, absl::string_view page_token,
    absl::Time deadline) {
  cp::ListCustomersRequest request;
  request.set_filter(absl::StrCat("birthday = \"", month_day, "\""));
  request.set_page_size(page_size_);
  request.set_page_token(std::string(page_token));
  // Names only: customer-profile decrypts nothing and sends no personal data.
  request.mutable_read_mask()->add_paths("name");
  grpc::ClientContext context;
  context.set_deadline(absl::ToChronoTime(deadline));
  cp::ListCustomersResponse response;
  grpc::Status status = stub_->ListCustomers(&context, request, &response);
  if (!status.ok()) return crm::common::FromGrpcStatus(status);
  BirthdayPage page;
  for (const cp::Customer& customer : response.customers()) {
    absl::StatusOr<std::string> id =
        crm::common::ParseResourceName(customer.name(), "customers", "name");
    if (id.ok()) page.customer_ids.push_back(*std::move(id));
  }
  page.next_page_token = response.next_page_token();
  return page;
}

}  // namespace crm::loyalty
