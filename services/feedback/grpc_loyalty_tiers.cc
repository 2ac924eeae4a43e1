#include "services/feedback/grpc_loyalty_tiers.h"

#include "absl/strings/str_cat.h"

namespace crm::feedback {

std::string GrpcLoyaltyTiers::LoyaltyTierOf(const std::string& customer_id) {
  grpc::ClientContext context;
  context.set_deadline(absl::ToChronoTime(absl::Now() + deadline_));
  crm::loyalty::v1::GetAccountRequest request;
  request.set_name(absl::StrCat("accounts/", customer_id));
  crm::loyalty::v1::Account account;
  if (!stub_->GetAccount(&context, request, &account).ok()) {
    return std::string();
  }
  return account.tier();
}

}  // namespace crm::feedback
