#include "gateway/auth/access_rules.h"

#include <string>
#include <unordered_map>

namespace crm::gateway::auth {
namespace {

constexpr bool Y = true;
constexpr bool N = false;

// clang-format off
// The access rules: one line per method served under /v1. Admin keys may
// call everything; service keys what their scope names.
//  method                                                           agent analyst customer_own
const std::vector<AccessRule>& Rules() {
  static const std::vector<AccessRule>* rules = new std::vector<AccessRule>{
    {"crm.customerprofile.v1.CustomerProfileService.CreateCustomer",          Y, N, N},
    {"crm.customerprofile.v1.CustomerProfileService.ResolveCustomer",         Y, N, N},
    {"crm.customerprofile.v1.CustomerProfileService.GetCustomer",             Y, Y, Y},
    {"crm.customerprofile.v1.CustomerProfileService.ListCustomers",           Y, Y, N},
    {"crm.customerprofile.v1.CustomerProfileService.GetCustomerStatistics",   Y, Y, N},
    {"crm.customerprofile.v1.CustomerProfileService.UpdateCustomer",          Y, N, N},
    {"crm.customerprofile.v1.CustomerProfileService.FindDuplicateCandidates", Y, N, N},
    {"crm.customerprofile.v1.CustomerProfileService.MergeCustomers",          Y, N, N},
    {"crm.customerprofile.v1.CustomerProfileService.RecordOrder",             Y, N, N},
    {"crm.customerprofile.v1.CustomerProfileService.RefundOrder",             Y, N, N},
    {"crm.customerprofile.v1.CustomerProfileService.ListOrders",              Y, Y, Y},
    {"crm.customerprofile.v1.CustomerProfileService.RecordEvents",            Y, N, N},
    {"crm.customerprofile.v1.CustomerProfileService.ImportCustomers",         N, N, N},
    {"crm.customerprofile.v1.CustomerProfileService.EraseCustomer",           N, N, N},
    {"crm.customerprofile.v1.CustomerProfileService.ExportCustomerData",      Y, N, Y},
    {"crm.customerprofile.v1.CustomerProfileService.WatchChanges",            N, N, N},
    {"crm.segmentation.v1.SegmentationService.CreateSegment",                 N, Y, N},
    {"crm.segmentation.v1.SegmentationService.GetSegment",                    Y, Y, N},
    {"crm.segmentation.v1.SegmentationService.ListSegments",                  Y, Y, N},
    {"crm.segmentation.v1.SegmentationService.UpdateSegment",                 N, Y, N},
    {"crm.segmentation.v1.SegmentationService.DeleteSegment",                 N, Y, N},
    {"crm.segmentation.v1.SegmentationService.GetCustomerScore",              Y, Y, N},
    {"crm.segmentation.v1.SegmentationService.ListCustomerScores",            Y, Y, N},
    {"crm.segmentation.v1.SegmentationService.RecomputeScores",               N, Y, N},
    {"crm.segmentation.v1.SegmentationService.FitClvModel",                   N, Y, N},
    {"crm.segmentation.v1.SegmentationService.GetClvModel",                   Y, Y, N},
    {"crm.segmentation.v1.SegmentationService.FitClusterModel",               N, Y, N},
    {"crm.segmentation.v1.SegmentationService.GetClusterModel",               Y, Y, N},
    {"crm.segmentation.v1.SegmentationService.GetClvCalibrationReport",       N, Y, N},
    {"crm.segmentation.v1.SegmentationService.PreviewSegment",                N, Y, N},
    {"crm.segmentation.v1.SegmentationService.ListSegmentMembers",            Y, Y, N},
    {"crm.segmentation.v1.SegmentationService.GetSegmentSizeHistory",         Y, Y, N},
    {"crm.segmentation.v1.SegmentationService.ListCustomerSegments",          Y, Y, N},
    {"crm.segmentation.v1.SegmentationService.ListLifecycleTransitions",      Y, Y, N},
    {"crm.segmentation.v1.SegmentationService.ListRecommendations",           Y, Y, N},
    {"crm.segmentation.v1.SegmentationService.ExportCustomerSegmentationData", Y, N, Y},
    {"crm.segmentation.v1.SegmentationService.SummarizeCustomerSegmentation", N, N, N},
    {"crm.segmentation.v1.SegmentationService.WatchChanges",                  N, N, N},
    {"crm.loyalty.v1.LoyaltyService.GetAccount",                              Y, Y, Y},
    {"crm.loyalty.v1.LoyaltyService.SummarizeAccount",                        N, N, N},
    {"crm.loyalty.v1.LoyaltyService.AdjustPoints",                            N, N, N},
    {"crm.loyalty.v1.LoyaltyService.RedeemPoints",                            Y, N, N},
    {"crm.loyalty.v1.LoyaltyService.ReverseRedemption",                       N, N, N},
    {"crm.loyalty.v1.LoyaltyService.IssueCompensation",                       Y, N, N},
    {"crm.loyalty.v1.LoyaltyService.CreateReward",                            N, N, N},
    {"crm.loyalty.v1.LoyaltyService.GetReward",                               Y, Y, N},
    {"crm.loyalty.v1.LoyaltyService.ListRewards",                             Y, Y, N},
    {"crm.loyalty.v1.LoyaltyService.RedeemReward",                            Y, N, N},
    {"crm.loyalty.v1.LoyaltyService.IssueCoupons",                            N, N, N},
    {"crm.loyalty.v1.LoyaltyService.GetCoupon",                               Y, N, N},
    {"crm.loyalty.v1.LoyaltyService.ListCoupons",                             Y, N, N},
    {"crm.loyalty.v1.LoyaltyService.ValidateCoupon",                          Y, N, N},
    {"crm.loyalty.v1.LoyaltyService.RedeemCoupon",                            Y, N, N},
    {"crm.loyalty.v1.LoyaltyService.ListLedgerEntries",                       Y, Y, Y},
    {"crm.loyalty.v1.LoyaltyService.VerifyLedger",                            N, N, N},
    {"crm.loyalty.v1.LoyaltyService.GetProgram",                              Y, Y, N},
    {"crm.loyalty.v1.LoyaltyService.GetProgramStatistics",                    Y, Y, N},
    {"crm.loyalty.v1.LoyaltyService.UpdateProgram",                           N, N, N},
    {"crm.loyalty.v1.LoyaltyService.ExportAccountData",                       Y, N, Y},
    {"crm.loyalty.v1.LoyaltyService.CreateCampaign",                          N, N, N},
    {"crm.loyalty.v1.LoyaltyService.GetCampaign",                             Y, Y, N},
    {"crm.loyalty.v1.LoyaltyService.ListCampaigns",                           Y, Y, N},
    {"crm.loyalty.v1.LoyaltyService.CreateJourney",                           N, N, N},
    {"crm.loyalty.v1.LoyaltyService.GetJourney",                              Y, Y, N},
    {"crm.loyalty.v1.LoyaltyService.ListJourneys",                            Y, Y, N},
    {"crm.loyalty.v1.LoyaltyService.PauseJourney",                            N, N, N},
    {"crm.loyalty.v1.LoyaltyService.ResumeJourney",                           N, N, N},
    {"crm.loyalty.v1.LoyaltyService.ListJourneyRuns",                         Y, Y, N},
    {"crm.loyalty.v1.LoyaltyService.GetJourneyFunnel",                        Y, Y, N},
    {"crm.loyalty.v1.LoyaltyService.GetReferralCode",                         Y, N, Y},
    {"crm.loyalty.v1.LoyaltyService.CreateReferral",                          Y, N, N},
    {"crm.loyalty.v1.LoyaltyService.ListReferrals",                           Y, Y, N},
    {"crm.loyalty.v1.LoyaltyService.WatchChanges",                            N, N, N},
    // Outbound webhooks: integration settings and their dead letters, admins
    // only (an endpoint's create shows its signing secret).
    {"crm.loyalty.v1.LoyaltyService.CreateWebhookEndpoint",                   N, N, N},
    {"crm.loyalty.v1.LoyaltyService.GetWebhookEndpoint",                      N, N, N},
    {"crm.loyalty.v1.LoyaltyService.ListWebhookEndpoints",                    N, N, N},
    {"crm.loyalty.v1.LoyaltyService.DeleteWebhookEndpoint",                   N, N, N},
    {"crm.loyalty.v1.LoyaltyService.ListDeadLetters",                         N, N, N},
    {"crm.loyalty.v1.LoyaltyService.ReplayDeadLetter",                        N, N, N},
    {"crm.feedback.v1.FeedbackService.SubmitFeedback",                        Y, N, N},
    {"crm.feedback.v1.FeedbackService.GetFeedback",                           Y, Y, N},
    {"crm.feedback.v1.FeedbackService.CreateSurvey",                          N, Y, N},
    {"crm.feedback.v1.FeedbackService.GetSurvey",                             Y, Y, N},
    {"crm.feedback.v1.FeedbackService.UpdateSurvey",                          N, Y, N},
    {"crm.feedback.v1.FeedbackService.SubmitSurveyResponse",                  Y, N, N},
    {"crm.feedback.v1.FeedbackService.GetSurveyScores",                       Y, Y, N},
    {"crm.feedback.v1.FeedbackService.CreateSurveyInvitation",                Y, N, N},
    {"crm.feedback.v1.FeedbackService.ListSurveyInvitations",                 Y, Y, N},
    {"crm.feedback.v1.FeedbackService.ListSurveys",                           Y, Y, N},
    {"crm.feedback.v1.FeedbackService.ListSurveyResponses",                   Y, Y, N},
    {"crm.feedback.v1.FeedbackService.ListFeedback",                          Y, Y, N},
    {"crm.feedback.v1.FeedbackService.CreateTicket",                          Y, N, N},
    {"crm.feedback.v1.FeedbackService.GetTicket",                             Y, Y, N},
    {"crm.feedback.v1.FeedbackService.ListTickets",                           Y, Y, N},
    {"crm.feedback.v1.FeedbackService.UpdateTicket",                          Y, N, N},
    {"crm.feedback.v1.FeedbackService.TransitionTicket",                      Y, N, N},
    {"crm.feedback.v1.FeedbackService.AssignTicket",                          Y, N, N},
    {"crm.feedback.v1.FeedbackService.AddTicketComment",                      Y, N, N},
    {"crm.feedback.v1.FeedbackService.ListTicketEvents",                      Y, Y, N},
    {"crm.feedback.v1.FeedbackService.ListAlerts",                            Y, Y, N},
    {"crm.feedback.v1.FeedbackService.AcknowledgeAlert",                      Y, N, N},
    {"crm.feedback.v1.FeedbackService.WatchAlerts",                           Y, Y, N},
    {"crm.feedback.v1.FeedbackService.ExportCustomerFeedback",                Y, N, Y},
    {"crm.feedback.v1.FeedbackService.SummarizeCustomerFeedback",             N, N, N},
    {"crm.feedback.v1.FeedbackService.WatchChanges",                          N, N, N},
    // The gateway's own composite routes.
    {"crm.gateway.v1.CustomerView",                                           Y, Y, N},
    {"crm.gateway.v1.CustomerExport",                                         Y, N, Y},
    // One customer's lists with the customer filter set by the gateway
    // (customer_lists_routes.h; /v1/me/coupons, /v1/me/surveyResponses).
    {"crm.gateway.v1.CustomerCoupons",                                        Y, N, Y},
    {"crm.gateway.v1.CustomerSurveyResponses",                                Y, Y, Y},
    // GET /v1/whoami: any authenticated caller, about itself.
    {"crm.gateway.v1.WhoAmI",                                                 Y, Y, Y, /*any_caller=*/Y},
    // Live streams (server-sent events, streams/): analysts masked.
    {"crm.gateway.v1.AlertStream",                                            Y, Y, N},
    {"crm.gateway.v1.EventStream",                                            Y, Y, N},
  };
  return *rules;
}
// clang-format on

}  // namespace

absl::string_view RoleName(Role role) {
  switch (role) {
    case Role::kAdmin:
      return "admin";
    case Role::kAgent:
      return "agent";
    case Role::kAnalyst:
      return "analyst";
    case Role::kService:
      return "service";
  }
  return "unknown";
}

bool ParseRole(absl::string_view name, Role* role) {
  for (Role candidate :
       {Role::kAdmin, Role::kAgent, Role::kAnalyst, Role::kService}) {
    if (name == RoleName(candidate)) {
      *role = candidate;
      return true;
    }
  }
  return false;
}

bool AccessRule::Allows(Role role) const {
  switch (role) {
    case Role::kAdmin:
      return true;
    case Role::kAgent:
      return agent;
    case Role::kAnalyst:
      return analyst;
    case Role::kService:
      return false;
  }
  return false;
}

const AccessRule* FindAccessRule(absl::string_view method) {
  static const auto* by_name = [] {
    auto* map = new std::unordered_map<std::string, const AccessRule*>();
    for (const AccessRule& rule : Rules()) map->emplace(rule.method, &rule);
    return map;
  }();
  auto it = by_name->find(std::string(method));
  return it == by_name->end() ? nullptr : it->second;
}

const std::vector<AccessRule>& AllAccessRules() { return Rules(); }

}  // namespace crm::gateway::auth
