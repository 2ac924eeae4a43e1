#include "services/feedback/grpc_loyalty_client.h"

#include "absl/strings/str_cat.h"
#include "services/common/error_details.h"
#include "services/common/grpc_status.h"

namespace crm::feedback {

namespace loyalty = ::crm::loyalty::v1;

absl::StatusOr<IssuedCompensation> GrpcLoyaltyClient::IssueCompensation(
    const CompensationRequest& request) {
  grpc::ClientContext context;
  context.set_deadline(
      absl::ToChronoTime(absl::Now() + compensation_deadline_));
  loyalty::IssueCompensationRequest call;
  call.set_account(absl::StrCat("accounts/", request.customer_id));
  call.set_points(request.points);
  call.set_ticket(absl::StrCat("tickets/", request.ticket_id));
  call.set_reason(request.reason);
  call.set_request_id(request.request_id);
  loyalty::IssueCompensationResponse response;
  const absl::Status status = crm::common::FromGrpcStatus(
      stub_->IssueCompensation(&context, call, &response));
  if (status.code() == absl::StatusCode::kUnavailable ||
      status.code() == absl::StatusCode::kDeadlineExceeded) {
    return crm::common::ErrorWithReason(
        absl::UnavailableError(
            "loyalty did not answer the compensation in time; the ticket is "
            "unchanged: retry the same request"),
        crm::type::v1::BACKEND_UNAVAILABLE, {{"backend", "loyalty"}});
  }
  if (!status.ok()) {
    return crm::common::ErrorWithReason(
        absl::Status(status.code(),
                     absl::StrCat("loyalty refused the compensation: ",
                                  status.message())),
        crm::common::ReasonOf(status), {{"backend", "loyalty"}});
  }
  IssuedCompensation issued;
  issued.entry_name = response.entry().name();
  issued.points = response.entry().points_delta();
  return issued;
}

LoyaltyTierStanding GrpcLoyaltyClient::TierStandingOf(
    const std::string& customer_id) {
  // One deadline for both calls: the caller waits at most lookup_deadline_.
  const auto deadline = absl::ToChronoTime(absl::Now() + lookup_deadline_);
  grpc::ClientContext account_context;
  account_context.set_deadline(deadline);
  loyalty::GetAccountRequest account_request;
  account_request.set_name(absl::StrCat("accounts/", customer_id));
  loyalty::Account account;
  if (!stub_->GetAccount(&account_context, account_request, &account).ok()) {
    return LoyaltyTierStanding::kUnknown;
  }
  grpc::ClientContext program_context;
  program_context.set_deadline(deadline);
  loyalty::GetProgramRequest program_request;
  program_request.set_name("programs/default");
  loyalty::Program program;
  if (!stub_->GetProgram(&program_context, program_request, &program).ok() ||
      program.tiers().empty()) {
    return LoyaltyTierStanding::kUnknown;
  }
  const std::string& top = program.tiers(program.tiers_size() - 1).tier_id();
  return !account.tier().empty() && account.tier() == top
             ? LoyaltyTierStanding::kTopTier
             : LoyaltyTierStanding::kBelowTopTier;
}

}  // namespace crm::feedback
