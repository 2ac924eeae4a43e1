// The gRPC adapter of crm.loyalty.v1.LoyaltyService: one line per RPC,
// handing the request to the account, programme or reward manager
// (account_manager.h, program_manager.h, reward_manager.h,
// campaign_manager.h), the coupon issuer (coupon_issue.h), the exporter
// (account_export.h), the statistics reader (program_statistics.h), the
// journey and funnel managers (journey_manager.h, journey_funnel_manager.h)
// or the webhook manager (webhook_manager.h) and the result
// back to gRPC; WatchChanges streams loyalty's feed (change_feed_streamer.h;
// UNIMPLEMENTED when the service was built without one).
//
//   LoyaltyServiceImpl service(account_manager, program_manager,
//                              reward_manager, campaign_manager,
//                              account_export, coupon_issuer,
//                              program_statistics);
//   builder.RegisterService(&service);
#pragma once

#include <grpcpp/grpcpp.h>

#include "crm/loyalty/v1/loyalty_service.grpc.pb.h"
#include "services/loyalty/account_export.h"
#include "services/loyalty/account_manager.h"
#include "services/loyalty/account_summary.h"
#include "services/loyalty/campaign_manager.h"
#include "services/loyalty/change_feed_streamer.h"
#include "services/loyalty/coupon_issue.h"
#include "services/loyalty/journey_funnel_manager.h"
#include "services/loyalty/journey_manager.h"
#include "services/loyalty/program_manager.h"
#include "services/loyalty/program_statistics.h"
#include "services/loyalty/referral_manager.h"
#include "services/loyalty/reward_manager.h"
#include "services/loyalty/webhook_manager.h"

namespace crm::loyalty {

class LoyaltyServiceImpl final : public v1::LoyaltyService::Service {
 public:
  // The managers must outlive the service.
  LoyaltyServiceImpl(AccountManager& accounts, ProgramManager& programs,
                     RewardManager& rewards, CampaignManager& campaigns,
                     AccountExport& exporter, CouponIssuer& coupon_issuer,
                     ProgramStatisticsReader& statistics,
                     ReferralManager& referrals,
                     ChangeFeedStreamer* feed = nullptr,
                     JourneyManager* journeys = nullptr,
                     WebhookManager* webhooks = nullptr,
                     JourneyFunnelManager* funnels = nullptr)
      : accounts_(accounts),
        programs_(programs),
        rewards_(rewards),
        campaigns_(campaigns),
        exporter_(exporter),
        coupon_issuer_(coupon_issuer),
        statistics_(statistics),
        referrals_(referrals),
        feed_(feed),
        journeys_(journeys),
        webhooks_(webhooks),
        funnels_(funnels) {}

  grpc::Status GetAccount(grpc::ServerContext* context,
                          const v1::GetAccountRequest* request,
                          v1::Account* response) override;
  grpc::Status AdjustPoints(grpc::ServerContext* context,
                            const v1::AdjustPointsRequest* request,
                            v1::AdjustPointsResponse* response) override;
  grpc::Status RedeemPoints(grpc::ServerContext* context,
                            const v1::RedeemPointsRequest* request,
                            v1::RedeemPointsResponse* response) override;
  grpc::Status ReverseRedemption(
      grpc::ServerContext* context, const v1::ReverseRedemptionRequest* request,
      v1::ReverseRedemptionResponse* response) override;
  grpc::Status IssueCompensation(
      grpc::ServerContext* context, const v1::IssueCompensationRequest* request,
      v1::IssueCompensationResponse* response) override;
  grpc::Status BulkAdjustPoints(
      grpc::ServerContext* context,
      grpc::ServerReader<v1::AdjustPointsRequest>* reader,
      v1::BulkAdjustPointsResponse* response) override;
  grpc::Status ListLedgerEntries(
      grpc::ServerContext* context, const v1::ListLedgerEntriesRequest* request,
      v1::ListLedgerEntriesResponse* response) override;
  grpc::Status VerifyLedger(grpc::ServerContext* context,
                            const v1::VerifyLedgerRequest* request,
                            v1::LedgerVerification* response) override;
  grpc::Status GetProgram(grpc::ServerContext* context,
                          const v1::GetProgramRequest* request,
                          v1::Program* response) override;
  grpc::Status GetProgramStatistics(
      grpc::ServerContext* context,
      const v1::GetProgramStatisticsRequest* request,
      v1::ProgramStatistics* response) override;
  grpc::Status UpdateProgram(grpc::ServerContext* context,
                             const v1::UpdateProgramRequest* request,
                             v1::Program* response) override;

  grpc::Status CreateReward(grpc::ServerContext* context,
                            const v1::CreateRewardRequest* request,
                            v1::Reward* response) override;
  grpc::Status GetReward(grpc::ServerContext* context,
                         const v1::GetRewardRequest* request,
                         v1::Reward* response) override;
  grpc::Status ListRewards(grpc::ServerContext* context,
                           const v1::ListRewardsRequest* request,
                           v1::ListRewardsResponse* response) override;
  grpc::Status RedeemReward(grpc::ServerContext* context,
                            const v1::RedeemRewardRequest* request,
                            v1::RedeemRewardResponse* response) override;
  grpc::Status IssueCoupons(grpc::ServerContext* context,
                            const v1::IssueCouponsRequest* request,
                            v1::IssueCouponsResponse* response) override;
  grpc::Status GetCoupon(grpc::ServerContext* context,
                         const v1::GetCouponRequest* request,
                         v1::Coupon* response) override;
  grpc::Status ListCoupons(grpc::ServerContext* context,
                           const v1::ListCouponsRequest* request,
                           v1::ListCouponsResponse* response) override;
  grpc::Status ValidateCoupon(grpc::ServerContext* context,
                              const v1::ValidateCouponRequest* request,
                              v1::Coupon* response) override;
  grpc::Status CreateCampaign(grpc::ServerContext* context,
                              const v1::CreateCampaignRequest* request,
                              v1::Campaign* response) override;
  grpc::Status GetCampaign(grpc::ServerContext* context,
                           const v1::GetCampaignRequest* request,
                           v1::Campaign* response) override;
  grpc::Status ListCampaigns(grpc::ServerContext* context,
                             const v1::ListCampaignsRequest* request,
                             v1::ListCampaignsResponse* response) override;
  grpc::Status ExportAccountData(grpc::ServerContext* context,
                                 const v1::ExportAccountDataRequest* request,
                                 v1::AccountDataExport* response) override;
  grpc::Status SummarizeAccount(grpc::ServerContext* context,
                                const v1::SummarizeAccountRequest* request,
                                v1::AccountSummary* response) override;
  grpc::Status RedeemCoupon(grpc::ServerContext* context,
                            const v1::RedeemCouponRequest* request,
                            v1::Coupon* response) override;
  grpc::Status GetReferralCode(grpc::ServerContext* context,
                               const v1::GetReferralCodeRequest* request,
                               v1::ReferralCode* response) override;
  grpc::Status CreateReferral(grpc::ServerContext* context,
                              const v1::CreateReferralRequest* request,
                              v1::Referral* response) override;
  grpc::Status ListReferrals(grpc::ServerContext* context,
                             const v1::ListReferralsRequest* request,
                             v1::ListReferralsResponse* response) override;
  grpc::Status WatchChanges(
      grpc::ServerContext* context, const v1::WatchChangesRequest* request,
      grpc::ServerWriter<v1::ChangeEvent>* writer) override;
  // Journeys (journey_manager.h); UNIMPLEMENTED without a journey manager.
  grpc::Status CreateJourney(grpc::ServerContext* context,
                             const v1::CreateJourneyRequest* request,
                             v1::Journey* response) override;
  grpc::Status GetJourney(grpc::ServerContext* context,
                          const v1::GetJourneyRequest* request,
                          v1::Journey* response) override;
  grpc::Status ListJourneys(grpc::ServerContext* context,
                            const v1::ListJourneysRequest* request,
                            v1::ListJourneysResponse* response) override;
  grpc::Status PauseJourney(grpc::ServerContext* context,
                            const v1::PauseJourneyRequest* request,
                            v1::Journey* response) override;
  grpc::Status ResumeJourney(grpc::ServerContext* context,
                             const v1::ResumeJourneyRequest* request,
                             v1::Journey* response) override;
  grpc::Status ListJourneyRuns(grpc::ServerContext* context,
                               const v1::ListJourneyRunsRequest* request,
                               v1::ListJourneyRunsResponse* response) override;
  // journey_funnel_manager.h; UNIMPLEMENTED without a funnel manager.
  grpc::Status GetJourneyFunnel(grpc::ServerContext* context,
                                const v1::GetJourneyFunnelRequest* request,
                                v1::JourneyFunnel* response) override;
  // Outbound webhooks (webhook_manager.h); UNIMPLEMENTED without a webhook
  // manager.
  grpc::Status CreateWebhookEndpoint(
      grpc::ServerContext* context,
      const v1::CreateWebhookEndpointRequest* request,
      v1::WebhookEndpoint* response) override;
  grpc::Status GetWebhookEndpoint(grpc::ServerContext* context,
                                  const v1::GetWebhookEndpointRequest* request,
                                  v1::WebhookEndpoint* response) override;
  grpc::Status ListWebhookEndpoints(
      grpc::ServerContext* context,
      const v1::ListWebhookEndpointsRequest* request,
      v1::ListWebhookEndpointsResponse* response) override;
  grpc::Status DeleteWebhookEndpoint(
      grpc::ServerContext* context,
      const v1::DeleteWebhookEndpointRequest* request,
      google::protobuf::Empty* response) override;
  grpc::Status ListDeadLetters(grpc::ServerContext* context,
                               const v1::ListDeadLettersRequest* request,
                               v1::ListDeadLettersResponse* response) override;
  grpc::Status ReplayDeadLetter(grpc::ServerContext* context,
                                const v1::ReplayDeadLetterRequest* request,
                                v1::WebhookDelivery* response) override;

 private:
  AccountManager& accounts_;
  ProgramManager& programs_;
  RewardManager& rewards_;
  CampaignManager& campaigns_;
  AccountExport& exporter_;
  CouponIssuer& coupon_issuer_;
  ProgramStatisticsReader& statistics_;
  ReferralManager& referrals_;
  ChangeFeedStreamer* const feed_;
  JourneyManager* const journeys_;
  WebhookManager* const webhooks_;
  JourneyFunnelManager* const funnels_;
  AccountSummarizer summarizer_{accounts_, rewards_};
};

}  // namespace crm::loyalty
