// GET /v1/customers/{customer}:view — the customer 360 view: one answer from
// every service, gathered concurrently.
//
//   AddCustomerViewRoute(router, clients);
//
// The reads (each gated by its RPC's access rule, started at once as four
// backend calls, each with the request's backend deadline) and the parts
// printed from them:
//   customer-profile GetCustomer           customer
//   segmentation SummarizeCustomerSegmentation, one call for:
//     memberships (ListCustomerSegments)   score (RFM, value tier, lifecycle
//                                          stage, CLV, P(alive); null when
//                                          not scored), segments (the
//                                          memberships, at most
//                                          kViewSegments)
//     transitions                          lifecycleHistory (the
//     (ListLifecycleTransitions)           kViewLifecycleTransitions newest
//                                          stage changes)
//   loyalty SummarizeAccount, one call for:
//     the account (GetAccount)             account (balance, tier)
//     + GetProgram                         tierProgress (tier_progress.h;
//                                          GetProgram and ListCampaigns are
//                                          reused for kViewReferenceDataTtl)
//     ledger entries (ListLedgerEntries)   recentLedgerEntries (the 10 latest)
//     coupons (ListCoupons)                coupons (state ISSUED, at most
//                                          kViewCoupons, newest issue first)
//   feedback SummarizeCustomerFeedback, one call for:
//     feedback (ListFeedback)              recentFeedback (the 10 latest of
//                                          this customer; ratings, sentiment)
//     open tickets (ListTickets)           openTickets (states NEW,
//                                          ACKNOWLEDGED, IN_PROGRESS; at most
//                                          10)
//     their alerts (ListAlerts)            openAlerts (OPEN alerts of the
//                                          escalated open tickets listed)
//     survey responses                     latestNps, latestCsat (the
//     (ListSurveyResponses)                kViewSurveyResponses newest over
//                                          every survey;
//                                          latest_survey_scores.h)
//   GetCustomer (consents) +               nextBestOffers (next_best_offers.h)
//   ListCustomerSegments + GetAccount +
//   GetProgram + loyalty ListCampaigns
// A summary asks only for the reads the caller's role may make; a failed
// summary fails each of its reads.
// Answer: 200 with every part whose calls came back, `null` (`[]` for a
// list) for a part the backend does not have (NOT_FOUND), and `missing`:
// one entry per part whose call failed otherwise ({"part", "backend",
// "status", "reason"}; a part made from several calls names the first that
// failed), so a client shows the rest when a backend is down. The customer
// itself NOT_FOUND is 404, as for GetCustomer. The access rule is
// crm.gateway.v1.CustomerView (auth/access_rules.cc); agents and analysts
// get no part whose RPC their role may not call on its own route (the call
// is not made; `missing` names it with PERMISSION_DENIED / ACCESS_DENIED:
// analysts never see coupons); analysts get personal data masked as on the
// normal routes (ticket titles and descriptions too); customer tokens have
// no access (scores and CLV are internal).
#pragma once

#include <string>

#include "absl/status/statusor.h"

#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "gateway/backend_clients.h"
#include "gateway/router.h"

namespace crm::gateway {

inline constexpr char kCustomerViewRoute[] = "/v1/customers/{customer}:view";
inline constexpr char kCustomerViewMethod[] = "crm.gateway.v1.CustomerView";

// Page sizes of the view's list calls.
inline constexpr int kViewRecentItems = 10;  // ledger, feedback, tickets
inline constexpr int kViewSegments = 100;    // memberships
inline constexpr int kViewCoupons = 20;      // ISSUED coupons
inline constexpr int kViewLifecycleTransitions = 10;
// Survey responses read for latestNps / latestCsat (newest first).
inline constexpr int kViewSurveyResponses = 20;
// Every survey's responses (ListSurveyResponses' parent).
inline constexpr char kAllSurveys[] = "surveys/-";
// Open alerts: feedback raises at most one per escalation level (3) of each
// of the kViewRecentItems tickets.
inline constexpr int kViewOpenAlerts = 30;
// Campaigns are listed oldest first; the view reads the first page of this
// size and offers from the running ones among them.
inline constexpr int kViewCampaigns = 1000;
// The loyalty programme whose tiers tierProgress measures.
inline constexpr char kLoyaltyProgram[] = "programs/default";
// The programme and the campaigns are the same for every customer: after a
// successful read (both calls OK) a gateway reuses them in every view for
// this long, so a change to them shows in views at most this late.
inline constexpr absl::Duration kViewReferenceDataTtl = absl::Seconds(10);

void AddCustomerViewRoute(Router& router, const BackendClients& clients);

// True for a customer id as the services make them, 1-128 of
// [A-Za-z0-9_-]: ids go into filter strings and resource names, so nothing
// else may pass.
bool IsValidCustomerId(absl::string_view id);

// The `{customer}` of a route on one customer (:view, :export), checked:
// a valid id (IsValidCustomerId) and no query parameters; otherwise
// INVALID_ARGUMENT naming the field or the parameter.
absl::StatusOr<std::string> CheckedCustomerId(const RouteRequest& request);

}  // namespace crm::gateway
