#include "services/loyalty/loyalty_service.h"

#include "services/common/grpc_reply.h"
#include "services/common/grpc_request_context.h"
#include "services/common/grpc_status.h"

namespace crm::loyalty {

using ::crm::common::ReplyWith;
using ::crm::common::RequestContextOf;

grpc::Status LoyaltyServiceImpl::GetAccount(
    grpc::ServerContext* context, const v1::GetAccountRequest* request,
    v1::Account* response) {
  return ReplyWith(accounts_.GetAccount(RequestContextOf(context), *request),
                   response);
}

grpc::Status LoyaltyServiceImpl::AdjustPoints(
    grpc::ServerContext* context, const v1::AdjustPointsRequest* request,
    v1::AdjustPointsResponse* response) {
  return ReplyWith(accounts_.AdjustPoints(RequestContextOf(context), *request),
                   response);
}

grpc::Status LoyaltyServiceImpl::RedeemPoints(
    grpc::ServerContext* context, const v1::RedeemPointsRequest* request,
    v1::RedeemPointsResponse* response) {
  return ReplyWith(accounts_.RedeemPoints(RequestContextOf(context), *request),
                   response);
}

grpc::Status LoyaltyServiceImpl::ReverseRedemption(
    grpc::ServerContext* context, const v1::ReverseRedemptionRequest* request,
    v1::ReverseRedemptionResponse* response) {
  return ReplyWith(
      accounts_.ReverseRedemption(RequestContextOf(context), *request),
      response);
}

grpc::Status LoyaltyServiceImpl::IssueCompensation(
    grpc::ServerContext* context, const v1::IssueCompensationRequest* request,
    v1::IssueCompensationResponse* response) {
  return ReplyWith(
      accounts_.IssueCompensation(RequestContextOf(context), *request),
      response);
}

grpc::Status LoyaltyServiceImpl::BulkAdjustPoints(
    grpc::ServerContext* context,
    grpc::ServerReader<v1::AdjustPointsRequest>* reader,
    v1::BulkAdjustPointsResponse* response) {
  return ReplyWith(accounts_.BulkAdjustPoints(
                       RequestContextOf(context),
                       [reader]() -> std::optional<v1::AdjustPointsRequest> {
                         v1::AdjustPointsRequest row;
                         if (!reader->Read(&row)) return std::nullopt;
                         return row;
                       }),
                   response);
}

grpc::Status LoyaltyServiceImpl::ListLedgerEntries(
    grpc::ServerContext* context, const v1::ListLedgerEntriesRequest* request,
    v1::ListLedgerEntriesResponse* response) {
  return ReplyWith(
      accounts_.ListLedgerEntries(RequestContextOf(context), *request),
      response);
}

grpc::Status LoyaltyServiceImpl::VerifyLedger(
    grpc::ServerContext* context, const v1::VerifyLedgerRequest* request,
    v1::LedgerVerification* response) {
  return ReplyWith(accounts_.VerifyLedger(RequestContextOf(context), *request),
                   response);
}

grpc::Status LoyaltyServiceImpl::GetProgram(
    grpc::ServerContext* context, const v1::GetProgramRequest* request,
    v1::Program* response) {
  return ReplyWith(programs_.GetProgram(RequestContextOf(context), *request),
                   response);
}

grpc::Status LoyaltyServiceImpl::UpdateProgram(
    grpc::ServerContext* context, const v1::UpdateProgramRequest* request,
    v1::Program* response) {
  return ReplyWith(programs_.UpdateProgram(RequestContextOf(context), *request),
                   response);
}

grpc::Status LoyaltyServiceImpl::CreateReward(
    grpc::ServerContext* context, const v1::CreateRewardRequest* request,
    v1::Reward* response) {
  return ReplyWith(rewards_.CreateReward(RequestContextOf(context), *request),
                   response);
}

grpc::Status LoyaltyServiceImpl::GetReward(grpc::ServerContext* context,
                                           const v1::GetRewardRequest* request,
                                           v1::Reward* response) {
  return ReplyWith(rewards_.GetReward(RequestContextOf(context), *request),
                   response);
}

grpc::Status LoyaltyServiceImpl::ListRewards(
    grpc::ServerContext* context, const v1::ListRewardsRequest* request,
    v1::ListRewardsResponse* response) {
  return ReplyWith(rewards_.ListRewards(RequestContextOf(context), *request),
                   response);
}

grpc::Status LoyaltyServiceImpl::RedeemReward(
    grpc::ServerContext* context, const v1::RedeemRewardRequest* request,
    v1::RedeemRewardResponse* response) {
  return ReplyWith(rewards_.RedeemReward(RequestContextOf(context), *request),
                   response);
}

grpc::Status LoyaltyServiceImpl::IssueCoupons(
    grpc::ServerContext* context, const v1::IssueCouponsRequest* request,
    v1::IssueCouponsResponse* response) {
  return ReplyWith(
      coupon_issuer_.IssueCoupons(RequestContextOf(context), *request),
      response);
}

grpc::Status LoyaltyServiceImpl::GetCoupon(grpc::ServerContext* context,
                                           const v1::GetCouponRequest* request,
                                           v1::Coupon* response) {
  return ReplyWith(rewards_.GetCoupon(RequestContextOf(context), *request),
                   response);
}

grpc::Status LoyaltyServiceImpl::ListCoupons(
    grpc::ServerContext* context, const v1::ListCouponsRequest* request,
    v1::ListCouponsResponse* response) {
  return ReplyWith(rewards_.ListCoupons(RequestContextOf(context), *request),
                   response);
}

grpc::Status LoyaltyServiceImpl::GetProgramStatistics(
    grpc::ServerContext* context,
    const v1::GetProgramStatisticsRequest* request,
    v1::ProgramStatistics* response) {
  return ReplyWith(
      statistics_.GetProgramStatistics(RequestContextOf(context), *request),
      response);
}

grpc::Status LoyaltyServiceImpl::ValidateCoupon(
    grpc::ServerContext* context, const v1::ValidateCouponRequest* request,
    v1::Coupon* response) {
  return ReplyWith(rewards_.ValidateCoupon(RequestContextOf(context), *request),
                   response);
}

grpc::Status LoyaltyServiceImpl::RedeemCoupon(
    grpc::ServerContext* context, const v1::RedeemCouponRequest* request,
    v1::Coupon* response) {
  return ReplyWith(rewards_.RedeemCoupon(RequestContextOf(context), *request),
                   response);
}

grpc::Status LoyaltyServiceImpl::CreateCampaign(
    grpc::ServerContext* context, const v1::CreateCampaignRequest* request,
    v1::Campaign* response) {
  return ReplyWith(
      campaigns_.CreateCampaign(RequestContextOf(context), *request), response);
}

grpc::Status LoyaltyServiceImpl::GetCampaign(
    grpc::ServerContext* context, const v1::GetCampaignRequest* request,
    v1::Campaign* response) {
  return ReplyWith(campaigns_.GetCampaign(RequestContextOf(context), *request),
                   response);
}

grpc::Status LoyaltyServiceImpl::ListCampaigns(
    grpc::ServerContext* context, const v1::ListCampaignsRequest* request,
    v1::ListCampaignsResponse* response) {
  return ReplyWith(
      campaigns_.ListCampaigns(RequestContextOf(context), *request), response);
}

grpc::Status LoyaltyServiceImpl::ExportAccountData(
    grpc::ServerContext* context, const v1::ExportAccountDataRequest* request,
    v1::AccountDataExport* response) {
  return ReplyWith(
      exporter_.ExportAccountData(RequestContextOf(context), *request),
      response);
}

grpc::Status LoyaltyServiceImpl::SummarizeAccount(
    grpc::ServerContext* context, const v1::SummarizeAccountRequest* request,
    v1::AccountSummary* response) {
  return ReplyWith(
      summarizer_.SummarizeAccount(RequestContextOf(context), *request),
      response);
}

grpc::Status LoyaltyServiceImpl::GetReferralCode(
    grpc::ServerContext* context, const v1::GetReferralCodeRequest* request,
    v1::ReferralCode* response) {
  return ReplyWith(
      referrals_.GetReferralCode(RequestContextOf(context), *request),
      response);
}

grpc::Status LoyaltyServiceImpl::CreateReferral(
    grpc::ServerContext* context, const v1::CreateReferralRequest* request,
    v1::Referral* response) {
  return ReplyWith(
      referrals_.CreateReferral(RequestContextOf(context), *request), response);
}

grpc::Status LoyaltyServiceImpl::ListReferrals(
    grpc::ServerContext* context, const v1::ListReferralsRequest* request,
    v1::ListReferralsResponse* response) {
  return ReplyWith(
      referrals_.ListReferrals(RequestContextOf(context), *request), response);
}

grpc::Status LoyaltyServiceImpl::WatchChanges(
    grpc::ServerContext* context, const v1::WatchChangesRequest* request,
    grpc::ServerWriter<v1::ChangeEvent>* writer) {
  if (feed_ == nullptr) {
    return grpc::Status(grpc::StatusCode::UNIMPLEMENTED, "no change feed");
  }
  return crm::common::ToGrpcStatus(feed_->Watch(
      RequestContextOf(context), *request,
      [writer](const v1::ChangeEvent& event) { return writer->Write(event); }));
}

namespace {

grpc::Status NoJourneys() {
  return grpc::Status(grpc::StatusCode::UNIMPLEMENTED, "no journeys");
}

}  // namespace

grpc::Status LoyaltyServiceImpl::CreateJourney(
    grpc::ServerContext* context, const v1::CreateJourneyRequest* request,
    v1::Journey* response) {
  if (journeys_ == nullptr) return NoJourneys();
  return ReplyWith(
      journeys_->CreateJourney(RequestContextOf(context), *request), response);
}

grpc::Status LoyaltyServiceImpl::GetJourney(
    grpc::ServerContext* context, const v1::GetJourneyRequest* request,
    v1::Journey* response) {
  if (journeys_ == nullptr) return NoJourneys();
  return ReplyWith(journeys_->GetJourney(RequestContextOf(context), *request),
                   response);
}

grpc::Status LoyaltyServiceImpl::ListJourneys(
    grpc::ServerContext* context, const v1::ListJourneysRequest* request,
    v1::ListJourneysResponse* response) {
  if (journeys_ == nullptr) return NoJourneys();
  return ReplyWith(journeys_->ListJourneys(RequestContextOf(context), *request),
                   response);
}

grpc::Status LoyaltyServiceImpl::PauseJourney(
    grpc::ServerContext* context, const v1::PauseJourneyRequest* request,
    v1::Journey* response) {
  if (journeys_ == nullptr) return NoJourneys();
  return ReplyWith(journeys_->PauseJourney(RequestContextOf(context), *request),
                   response);
}

grpc::Status LoyaltyServiceImpl::ResumeJourney(
    grpc::ServerContext* context, const v1::ResumeJourneyRequest* request,
    v1::Journey* response) {
  if (journeys_ == nullptr) return NoJourneys();
  return ReplyWith(
      journeys_->ResumeJourney(RequestContextOf(context), *request), response);
}

grpc::Status LoyaltyServiceImpl::ListJourneyRuns(
    grpc::ServerContext* context, const v1::ListJourneyRunsRequest* request,
    v1::ListJourneyRunsResponse* response) {
  if (journeys_ == nullptr) return NoJourneys();
  return ReplyWith(
      journeys_->ListJourneyRuns(RequestContextOf(context), *request),
      response);
}

grpc::Status LoyaltyServiceImpl::GetJourneyFunnel(
    grpc::ServerContext* context, const v1::GetJourneyFunnelRequest* request,
    v1::JourneyFunnel* response) {
  if (funnels_ == nullptr) return NoJourneys();
  return ReplyWith(
      funnels_->GetJourneyFunnel(RequestContextOf(context), *request),
      response);
}

namespace {

grpc::Status NoWebhooks() {
  return grpc::Status(grpc::StatusCode::UNIMPLEMENTED, "no webhooks");
}

}  // namespace

grpc::Status LoyaltyServiceImpl::CreateWebhookEndpoint(
    grpc::ServerContext* context,
    const v1::CreateWebhookEndpointRequest* request,
    v1::WebhookEndpoint* response) {
  if (webhooks_ == nullptr) return NoWebhooks();
  return ReplyWith(
      webhooks_->CreateWebhookEndpoint(RequestContextOf(context), *request),
      response);
}

grpc::Status LoyaltyServiceImpl::GetWebhookEndpoint(
    grpc::ServerContext* context, const v1::GetWebhookEndpointRequest* request,
    v1::WebhookEndpoint* response) {
  if (webhooks_ == nullptr) return NoWebhooks();
  return ReplyWith(
      webhooks_->GetWebhookEndpoint(RequestContextOf(context), *request),
      response);
}

grpc::Status LoyaltyServiceImpl::ListWebhookEndpoints(
    grpc::ServerContext* context,
    const v1::ListWebhookEndpointsRequest* request,
    v1::ListWebhookEndpointsResponse* response) {
  if (webhooks_ == nullptr) return NoWebhooks();
  return ReplyWith(
      webhooks_->ListWebhookEndpoints(RequestContextOf(context), *request),
      response);
}

grpc::Status LoyaltyServiceImpl::DeleteWebhookEndpoint(
    grpc::ServerContext* context,
    const v1::DeleteWebhookEndpointRequest* request,
    google::protobuf::Empty* response) {
  if (webhooks_ == nullptr) return NoWebhooks();
  return ReplyWith(
      webhooks_->DeleteWebhookEndpoint(RequestContextOf(context), *request),
      response);
}

grpc::Status LoyaltyServiceImpl::ListDeadLetters(
    grpc::ServerContext* context, const v1::ListDeadLettersRequest* request,
    v1::ListDeadLettersResponse* response) {
  if (webhooks_ == nullptr) return NoWebhooks();
  return ReplyWith(
      webhooks_->ListDeadLetters(RequestContextOf(context), *request),
      response);
}

grpc::Status LoyaltyServiceImpl::ReplayDeadLetter(
    grpc::ServerContext* context, const v1::ReplayDeadLetterRequest* request,
    v1::WebhookDelivery* response) {
  if (webhooks_ == nullptr) return NoWebhooks();
  return ReplyWith(
      webhooks_->ReplayDeadLetter(RequestContextOf(context), *request),
      response);
}

}  // namespace crm::loyalty
