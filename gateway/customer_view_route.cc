#include "gateway/customer_view_route.h"

#include <google/protobuf/struct.pb.h>
#include <google/protobuf/util/time_util.h>

#include <array>
#include <atomic>
#include <functional>
#include <initializer_list>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"
#include "crm/type/v1/error_reason.pb.h"
#include "gateway/auth/access_rules.h"
#include "gateway/auth/authenticator.h"
#include "gateway/auth/personal_data_mask.h"
#include "gateway/http_errors.h"
#include "gateway/json_printer.h"
#include "gateway/latest_survey_scores.h"
#include "gateway/next_best_offers.h"
#include "gateway/tier_progress.h"
#include "services/common/error_details.h"
#include "services/common/grpc_status.h"
#include "services/common/logging.h"

namespace crm::gateway {
namespace {

namespace cp = ::crm::customerprofile::v1;
namespace seg = ::crm::segmentation::v1;
namespace loy = ::crm::loyalty::v1;
namespace fb = ::crm::feedback::v1;

// The reads one view is made of (each gated by its RPC's access rule). They
// reach the backends as four calls, all started at once: GetCustomer,
// segmentation's SummarizeCustomerSegmentation (kListCustomerSegments,
// kListLifecycleTransitions), loyalty's SummarizeAccount (kGetAccount,
// kListLedgerEntries, kListCoupons) and feedback's SummarizeCustomerFeedback
// (kListFeedback, kListTickets, kListSurveyResponses, kListAlerts);
// GetProgram and ListCampaigns only when the reference data is not cached.
enum CallId {
  kGetCustomer,
  kListCustomerSegments,
  kListLifecycleTransitions,
  kGetAccount,
  kListLedgerEntries,
  kGetProgram,
  kListCampaigns,
  kListCoupons,
  kListFeedback,
  kListTickets,
  kListSurveyResponses,
  kListAlerts,
  kCallCount,
};

struct Call {
  const char* backend = "";
  // The RPC's full name: its access rule (auth/access_rules.h).
  const char* rpc = "";
  grpc::Status status;
  // Not made: the caller's role may not call `rpc` on its own route.
  bool denied = false;
};

// Each call's backend and RPC.
struct CallSpec {
  const char* backend;
  const char* rpc;
};
constexpr std::array<CallSpec, kCallCount> kCallSpecs = {{
    {kCustomerProfileBackend,
     "crm.customerprofile.v1.CustomerProfileService.GetCustomer"},
    {kSegmentationBackend,
     "crm.segmentation.v1.SegmentationService.ListCustomerSegments"},
    {kSegmentationBackend,
     "crm.segmentation.v1.SegmentationService.ListLifecycleTransitions"},
    {kLoyaltyBackend, "crm.loyalty.v1.LoyaltyService.GetAccount"},
    {kLoyaltyBackend, "crm.loyalty.v1.LoyaltyService.ListLedgerEntries"},
    {kLoyaltyBackend, "crm.loyalty.v1.LoyaltyService.GetProgram"},
    {kLoyaltyBackend, "crm.loyalty.v1.LoyaltyService.ListCampaigns"},
    {kLoyaltyBackend, "crm.loyalty.v1.LoyaltyService.ListCoupons"},
    {kFeedbackBackend, "crm.feedback.v1.FeedbackService.ListFeedback"},
    {kFeedbackBackend, "crm.feedback.v1.FeedbackService.ListTickets"},
    {kFeedbackBackend, "crm.feedback.v1.FeedbackService.ListSurveyResponses"},
    {kFeedbackBackend, "crm.feedback.v1.FeedbackService.ListAlerts"},
}};

// May the caller's role call `rpc` on its own route? Agents and analysts as
// the access table says, so the view never shows them more than the
// normal routes would (analysts get no coupons: ListCoupons is not
// theirs). Admin keys may; a service key allowed the view may too (its
// scope names the view, not the calls behind it).
bool RoleMayCall(const RouteRequest& request, const char* rpc) {
  const auth::Principal* principal = request.principal;
  if (principal == nullptr ||
      principal->kind != auth::Principal::Kind::kApiKey ||
      principal->role == auth::Role::kAdmin ||
      principal->role == auth::Role::kService) {
    return true;
  }
  const auth::AccessRule* rule = auth::FindAccessRule(rpc);
  return rule != nullptr && rule->Allows(principal->role);
}

// The responses of the calls.
struct Responses {
  cp::Customer customer;
  seg::ListCustomerSegmentsResponse segments;
  seg::ListLifecycleTransitionsResponse transitions;
  loy::Account account;
  loy::ListLedgerEntriesResponse ledger;
  loy::Program program;
  loy::ListCampaignsResponse campaigns;
  loy::ListCouponsResponse coupons;
  fb::ListFeedbackResponse feedback;
  fb::ListTicketsResponse tickets;
  fb::ListSurveyResponsesResponse survey_responses;
  fb::ListAlertsResponse alerts;
  seg::CustomerSegmentationSummary segmentation_summary;
  loy::AccountSummary account_summary;
  fb::CustomerFeedbackSummary feedback_summary;
};

// The loyalty programme and the campaigns: the same for every customer and
// rarely changed, so the view reuses them for kViewReferenceDataTtl after a
// successful read (most views make six calls, not eight). Thread-safe.
class ReferenceDataCache {
 public:
  struct Snapshot {
    loy::Program program;
    loy::ListCampaignsResponse campaigns;
    absl::Time read_time;
  };

  // The snapshot read less than kViewReferenceDataTtl before `now`, or null.
  std::shared_ptr<const Snapshot> Fresh(absl::Time now) const {
    absl::MutexLock lock(&mu_);
    if (snapshot_ == nullptr ||
        now - snapshot_->read_time >= kViewReferenceDataTtl) {
      return nullptr;
    }
    return snapshot_;
  }
  void Store(std::shared_ptr<const Snapshot> snapshot) {
    absl::MutexLock lock(&mu_);
    snapshot_ = std::move(snapshot);
  }

 private:
  mutable absl::Mutex mu_;
  std::shared_ptr<const Snapshot> snapshot_ ABSL_GUARDED_BY(mu_);
};

// One part of the answer: printed from the responses of `inputs` when they
// all succeeded (`null`/`[]` when one is NOT_FOUND; also listed in
// `missing` when one failed otherwise).
struct Part {
  const char* json_name;
  std::vector<CallId> inputs;
  bool list;
  std::function<absl::Status(std::string*)> print;
};

// The first input that failed (NOT_FOUND counts as failed here), or null.
const Call* FailedInput(const Part& part,
                        const std::array<Call, kCallCount>& calls) {
  const Call* not_found = nullptr;
  for (CallId id : part.inputs) {
    const Call& call = calls[id];
    if (call.status.ok()) continue;
    if (call.status.error_code() != grpc::StatusCode::NOT_FOUND) return &call;
    if (not_found == nullptr) not_found = &call;
  }
  return not_found;
}

// The `missing` entry of a part whose input `call` failed (or was not made:
// PERMISSION_DENIED, ACCESS_DENIED).
std::string MissingEntry(const char* part, const Call& call) {
  std::string status = "PERMISSION_DENIED";
  std::string reason = "ACCESS_DENIED";
  if (!call.denied) {
    absl::Status error =
        BackendError(common::FromGrpcStatus(call.status), call.backend);
    status = absl::StatusCodeToString(error.code());
    reason = crm::type::v1::ErrorReason_Name(common::ReasonOf(error));
  }
  return absl::StrCat(R"({"part":")", part, R"(","backend":")", call.backend,
                      R"(","status":")", status, R"(","reason":")", reason,
                      "\"}");
}

// Prints the repeated message field `field` of `message` as a JSON array.
absl::Status AppendList(const google::protobuf::Message& message,
                        const char* field_name, std::string* out) {
  const google::protobuf::FieldDescriptor* field =
      message.GetDescriptor()->FindFieldByName(field_name);
  const google::protobuf::Reflection& reflection = *message.GetReflection();
  out->push_back('[');
  for (int i = 0; i < reflection.FieldSize(message, field); ++i) {
    if (i > 0) out->push_back(',');
    absl::Status printed = AppendMessageJson(
        reflection.GetRepeatedMessage(message, field, i), out);
    if (!printed.ok()) return printed;
  }
  out->push_back(']');
  return absl::OkStatus();
}

google::protobuf::Value StringValue(const std::string& text) {
  google::protobuf::Value value;
  value.set_string_value(text);
  return value;
}

google::protobuf::Value NumberValue(int64_t number) {
  google::protobuf::Value value;
  value.set_number_value(static_cast<double>(number));
  return value;
}

google::protobuf::Struct TierProgressJson(const TierProgress& progress) {
  google::protobuf::Struct json;
  auto& fields = *json.mutable_fields();
  fields["currentTier"] = StringValue(progress.current_tier);
  fields["currentTierDisplayName"] =
      StringValue(progress.current_tier_display_name);
  fields["qualifyingPoints"] = NumberValue(progress.qualifying_points);
  fields["nextTier"] = StringValue(progress.next_tier);
  fields["nextTierDisplayName"] = StringValue(progress.next_tier_display_name);
  fields["nextTierMinQualifyingPoints"] =
      NumberValue(progress.next_tier_min_qualifying_points);
  fields["pointsToNextTier"] = NumberValue(progress.points_to_next_tier);
  return json;
}

google::protobuf::ListValue OffersJson(const std::vector<Offer>& offers) {
  google::protobuf::ListValue json;
  for (const Offer& offer : offers) {
    auto& fields = *json.add_values()->mutable_struct_value()->mutable_fields();
    fields["type"] = StringValue(std::string(OfferTypeName(offer.type)));
    fields["campaign"] = StringValue(offer.campaign);
    fields["reason"] = StringValue(offer.reason);
  }
  return json;
}

// {"score", "time", "survey", "response"} of one latest answer, or null.
google::protobuf::Value LatestScoreJson(
    const std::optional<LatestSurveyScore>& latest) {
  google::protobuf::Value json;
  if (!latest.has_value()) {
    json.set_null_value(google::protobuf::NULL_VALUE);
    return json;
  }
  auto& fields = *json.mutable_struct_value()->mutable_fields();
  fields["score"] = NumberValue(latest->score);
  fields["time"] =
      StringValue(google::protobuf::util::TimeUtil::ToString(latest->time));
  fields["survey"] = StringValue(latest->survey);
  fields["response"] = StringValue(latest->response);
  return json;
}

OfferInputs OfferInputsOf(const Responses& responses, absl::Time now) {
  OfferInputs inputs;
  if (responses.segments.has_customer_score()) {
    const seg::CustomerScore& score = responses.segments.customer_score();
    inputs.has_score = true;
    inputs.lifecycle_stage = score.lifecycle_stage();
    inputs.value_tier = score.value_tier();
    inputs.rfm_segment = score.rfm().segment();
  }
  for (const cp::Consent& consent : responses.customer.consents()) {
    if ((consent.purpose() == cp::Consent::EMAIL_MARKETING ||
         consent.purpose() == cp::Consent::SMS_MARKETING) &&
        consent.status() == cp::Consent::GRANTED) {
      inputs.marketing_consent = true;
    }
  }
  inputs.tier_progress =
      ComputeTierProgress(responses.account, responses.program);
  inputs.campaigns.assign(responses.campaigns.campaigns().begin(),
                          responses.campaigns.campaigns().end());
  inputs.now = now;
  return inputs;
}

// Moves the summaries' parts to where the view's parts read them.
void UnpackSummaries(Responses& responses) {
  seg::CustomerSegmentationSummary& segmentation =
      responses.segmentation_summary;
  if (segmentation.has_customer_score()) {
    *responses.segments.mutable_customer_score() =
        std::move(*segmentation.mutable_customer_score());
  }
  responses.segments.mutable_segment_members()->Swap(
      segmentation.mutable_segment_members());
  responses.transitions.mutable_lifecycle_transitions()->Swap(
      segmentation.mutable_lifecycle_transitions());
  loy::AccountSummary& account = responses.account_summary;
  responses.account = std::move(*account.mutable_account());
  responses.ledger.mutable_ledger_entries()->Swap(
      account.mutable_recent_ledger_entries());
  responses.coupons.mutable_coupons()->Swap(account.mutable_issued_coupons());
  fb::CustomerFeedbackSummary& feedback = responses.feedback_summary;
  responses.feedback.mutable_feedback()->Swap(
      feedback.mutable_recent_feedback());
  responses.tickets.mutable_tickets()->Swap(feedback.mutable_open_tickets());
  responses.survey_responses.mutable_responses()->Swap(
      feedback.mutable_recent_survey_responses());
  responses.alerts.mutable_alerts()->Swap(feedback.mutable_open_alerts());
}

// One view while its calls are out: shared by the calls' callbacks; the
// last to complete answers.
struct ViewState {
  cp::GetCustomerRequest get_customer;
  seg::SummarizeCustomerSegmentationRequest summarize_segmentation;
  loy::GetProgramRequest get_program;
  loy::ListCampaignsRequest list_campaigns;
  loy::SummarizeAccountRequest summarize_account;
  fb::SummarizeCustomerFeedbackRequest summarize_feedback;
  std::array<Call, kCallCount> calls;
  Responses responses;
  std::vector<std::unique_ptr<grpc::ClientContext>> contexts;
  // Calls not yet complete, plus one while they are being started.
  std::atomic<int> pending{1};
  bool read_reference_data = false;
  bool mask_personal_data = false;
  std::string request_id;
  absl::Time start;
  std::shared_ptr<ReferenceDataCache> reference_data;
  RouteAnswer answer;
};

common::HttpResponse Answer(ViewState& state);

// Counts one call (or the start) done; the last one answers.
void Release(const std::shared_ptr<ViewState>& state) {
  if (state->pending.fetch_sub(1, std::memory_order_acq_rel) != 1) return;
  common::HttpResponse response;
  try {
    response = Answer(*state);
  } catch (const std::exception& e) {
    common::LogError("customer view failed", {{"error", e.what()}},
                     state->request_id);
    response = ErrorResponse(GatewayInternalError());
  }
  state->answer(std::move(response));
}

void View(const BackendClients& clients,
          std::shared_ptr<ReferenceDataCache> reference_data,
          const RouteRequest& request, RouteAnswer answer) {
  absl::StatusOr<std::string> checked = CheckedCustomerId(request);
  if (!checked.ok()) return answer(ErrorResponse(checked.status()));
  const std::string& id = *checked;
  const std::string customer_name = absl::StrCat("customers/", id);
  const std::string account_name = absl::StrCat("accounts/", id);

  auto state = std::make_shared<ViewState>();
  state->mask_personal_data = request.mask_personal_data;
  state->request_id = request.trace.request_id;
  state->reference_data = std::move(reference_data);
  state->answer = std::move(answer);
  state->get_customer.set_name(customer_name);
  state->get_program.set_name(kLoyaltyProgram);
  state->list_campaigns.set_page_size(kViewCampaigns);

  std::array<Call, kCallCount>& calls = state->calls;
  for (int id = 0; id < kCallCount; ++id) {
    calls[id].backend = kCallSpecs[id].backend;
    calls[id].rpc = kCallSpecs[id].rpc;
    if (!RoleMayCall(request, calls[id].rpc)) {
      calls[id].denied = true;
      calls[id].status = grpc::Status(grpc::StatusCode::PERMISSION_DENIED,
                                      "not allowed to this caller");
    }
  }
  auto may = [&calls](CallId id) { return !calls[id].denied; };

  // The summaries ask only for the parts the caller may see.
  state->summarize_segmentation.set_customer(customer_name);
  state->summarize_segmentation.set_segment_count(
      may(kListCustomerSegments) ? kViewSegments : 0);
  state->summarize_segmentation.set_lifecycle_transition_count(
      may(kListLifecycleTransitions) ? kViewLifecycleTransitions : 0);
  const std::vector<CallId> segmentation_reads = {kListCustomerSegments,
                                                  kListLifecycleTransitions};
  state->summarize_account.set_name(account_name);
  state->summarize_account.set_ledger_entry_count(
      may(kListLedgerEntries) ? kViewRecentItems : 0);
  state->summarize_account.set_coupon_count(may(kListCoupons) ? kViewCoupons
                                                              : 0);
  const std::vector<CallId> account_reads = {kGetAccount, kListLedgerEntries,
                                             kListCoupons};
  fb::SummarizeCustomerFeedbackRequest& summarize_feedback =
      state->summarize_feedback;
  summarize_feedback.set_customer(customer_name);
  summarize_feedback.set_feedback_count(may(kListFeedback) ? kViewRecentItems
                                                           : 0);
  summarize_feedback.set_open_ticket_count(may(kListTickets) ? kViewRecentItems
                                                             : 0);
  summarize_feedback.set_survey_response_count(
      may(kListSurveyResponses) ? kViewSurveyResponses : 0);
  summarize_feedback.set_open_alert_count(
      may(kListTickets) && may(kListAlerts) ? kViewOpenAlerts : 0);
  const std::vector<CallId> feedback_reads = {
      kListFeedback, kListTickets, kListSurveyResponses, kListAlerts};
  auto any_allowed = [&may](const std::vector<CallId>& reads) {
    for (CallId id : reads) {
      if (may(id)) return true;
    }
    return false;
  };

  Responses& responses = state->responses;
  const std::shared_ptr<const ReferenceDataCache::Snapshot> cached =
      state->reference_data->Fresh(absl::Now());
  if (cached != nullptr) {  // GetProgram and ListCampaigns are answered.
    responses.program = cached->program;
    responses.campaigns = cached->campaigns;
  }
  state->read_reference_data = cached == nullptr;
  const bool read_reference_data = state->read_reference_data;

  // Every call at once, each bounded by the request's backend deadline; the
  // last to complete answers (Release).
  auto context = [&]() {
    state->contexts.push_back(clients.NewContext(request));
    return state->contexts.back().get();
  };
  auto done = [&state](CallId id) {
    state->pending.fetch_add(1, std::memory_order_relaxed);
    return [state, id](grpc::Status status) {
      state->calls[id].status = std::move(status);
      Release(state);
    };
  };
  // A summary's status is that of each allowed read it answers.
  auto summary_done = [&state](std::vector<CallId> reads) {
    state->pending.fetch_add(1, std::memory_order_relaxed);
    return [state, reads = std::move(reads)](grpc::Status status) {
      for (CallId id : reads) {
        if (!state->calls[id].denied) state->calls[id].status = status;
      }
      Release(state);
    };
  };
  state->start = absl::Now();
  if (may(kGetCustomer)) {
    clients.customer_profile().async()->GetCustomer(
        context(), &state->get_customer, &responses.customer,
        done(kGetCustomer));
  }
  if (any_allowed(segmentation_reads)) {
    clients.segmentation().async()->SummarizeCustomerSegmentation(
        context(), &state->summarize_segmentation,
        &responses.segmentation_summary, summary_done(segmentation_reads));
  }
  if (any_allowed(account_reads)) {
    clients.loyalty().async()->SummarizeAccount(
        context(), &state->summarize_account, &responses.account_summary,
        summary_done(account_reads));
  }
  if (read_reference_data && may(kGetProgram)) {
    clients.loyalty().async()->GetProgram(
        context(), &state->get_program, &responses.program, done(kGetProgram));
  }
  if (read_reference_data && may(kListCampaigns)) {
    clients.loyalty().async()->ListCampaigns(context(), &state->list_campaigns,
                                             &responses.campaigns,
                                             done(kListCampaigns));
  }
  if (any_allowed(feedback_reads)) {
    clients.feedback().async()->SummarizeCustomerFeedback(
        context(), &summarize_feedback, &responses.feedback_summary,
        summary_done(feedback_reads));
  }
  Release(state);  // Every call started.
}

// The view from the calls' answers.
common::HttpResponse Answer(ViewState& state) {
  Responses& responses = state.responses;
  const std::array<Call, kCallCount>& calls = state.calls;
  UnpackSummaries(responses);
  if (state.read_reference_data && calls[kGetProgram].status.ok() &&
      calls[kListCampaigns].status.ok()) {
    state.reference_data->Store(
        std::make_shared<const ReferenceDataCache::Snapshot>(
            ReferenceDataCache::Snapshot{responses.program, responses.campaigns,
                                         state.start}));
  }
  const absl::Time now = absl::Now();

  if (calls[kGetCustomer].status.error_code() == grpc::StatusCode::NOT_FOUND) {
    return ErrorFromGrpc(calls[kGetCustomer].status, kCustomerProfileBackend);
  }
  if (state.mask_personal_data) {
    auth::MaskPersonalData(&responses.customer);
    auth::MaskPersonalData(&responses.feedback);
    auth::MaskPersonalData(&responses.tickets);
    auth::MaskPersonalData(&responses.survey_responses);
    auth::MaskPersonalData(&responses.transitions);
    auth::MaskPersonalData(&responses.coupons);
    auth::MaskPersonalData(&responses.alerts);
  }
  const LatestSurveyScores latest_scores =
      LatestSurveyScoresOf(responses.survey_responses);

  const std::vector<Part> parts = {
      {"customer",
       {kGetCustomer},
       false,
       [&](std::string* out) {
         return AppendMessageJson(responses.customer, out);
       }},
      {"score",
       {kListCustomerSegments},
       false,
       [&](std::string* out) {
         if (!responses.segments.has_customer_score()) {
           out->append("null");  // Not scored yet (no orders).
           return absl::OkStatus();
         }
         return AppendMessageJson(responses.segments.customer_score(), out);
       }},
      {"segments",
       {kListCustomerSegments},
       true,
       [&](std::string* out) {
         return AppendList(responses.segments, "segment_members", out);
       }},
      {"account",
       {kGetAccount},
       false,
       [&](std::string* out) {
         return AppendMessageJson(responses.account, out);
       }},
      {"tierProgress",
       {kGetAccount, kGetProgram},
       false,
       [&](std::string* out) {
         return AppendMessageJson(TierProgressJson(ComputeTierProgress(
                                      responses.account, responses.program)),
                                  out);
       }},
      {"recentLedgerEntries",
       {kListLedgerEntries},
       true,
       [&](std::string* out) {
         return AppendList(responses.ledger, "ledger_entries", out);
       }},
      {"recentFeedback",
       {kListFeedback},
       true,
       [&](std::string* out) {
         return AppendList(responses.feedback, "feedback", out);
       }},
      {"openTickets",
       {kListTickets},
       true,
       [&](std::string* out) {
         return AppendList(responses.tickets, "tickets", out);
       }},
      {"openAlerts",
       {kListTickets, kListAlerts},
       true,
       [&](std::string* out) {
         return AppendList(responses.alerts, "alerts", out);
       }},
      {"coupons",
       {kListCoupons},
       true,
       [&](std::string* out) {
         return AppendList(responses.coupons, "coupons", out);
       }},
      {"latestNps",
       {kListSurveyResponses},
       false,
       [&](std::string* out) {
         return AppendMessageJson(LatestScoreJson(latest_scores.nps), out);
       }},
      {"latestCsat",
       {kListSurveyResponses},
       false,
       [&](std::string* out) {
         return AppendMessageJson(LatestScoreJson(latest_scores.csat), out);
       }},
      {"lifecycleHistory",
       {kListLifecycleTransitions},
       true,
       [&](std::string* out) {
         return AppendList(responses.transitions, "lifecycle_transitions", out);
       }},
      {"nextBestOffers",
       {kGetCustomer, kListCustomerSegments, kGetAccount, kGetProgram,
        kListCampaigns},
       true,
       [&](std::string* out) {
         return AppendMessageJson(
             OffersJson(NextBestOffers(OfferInputsOf(responses, now))), out);
       }},
  };

  std::string body = "{";
  std::vector<std::string> missing;
  for (const Part& part : parts) {
    if (body.size() > 1) body.push_back(',');
    absl::StrAppend(&body, "\"", part.json_name, "\":");
    const Call* failed = FailedInput(part, calls);
    if (failed != nullptr) {
      body.append(part.list ? "[]" : "null");
      if (failed->status.error_code() != grpc::StatusCode::NOT_FOUND) {
        missing.push_back(MissingEntry(part.json_name, *failed));
      }
      continue;
    }
    if (absl::Status printed = part.print(&body); !printed.ok()) {
      common::LogError(
          "cannot encode a customer view part",
          {{"part", part.json_name}, {"error", std::string(printed.message())}},
          state.request_id);
      return ErrorResponse(GatewayInternalError());
    }
  }
  absl::StrAppend(&body, ",\"missing\":[", absl::StrJoin(missing, ","), "]}");
  common::HttpResponse response;
  response.body = std::move(body);
  return response;
}

}  // namespace

bool IsValidCustomerId(absl::string_view id) {
  if (id.empty() || id.size() > 128) return false;
  for (char c : id) {
    if (!absl::ascii_isalnum(c) && c != '-' && c != '_') return false;
  }
  return true;
}

absl::StatusOr<std::string> CheckedCustomerId(const RouteRequest& request) {
  const std::string& id = request.vars.at("customer");
  if (!IsValidCustomerId(id)) {
    return common::InvalidFieldError("customer",
                                     "must be 1-128 of [A-Za-z0-9_-]");
  }
  if (!request.http.query.empty()) {
    return common::InvalidFieldError(request.http.query.begin()->first,
                                     "this route takes no parameters");
  }
  return id;
}

void AddCustomerViewRoute(Router& router, const BackendClients& clients) {
  auto reference_data = std::make_shared<ReferenceDataCache>();
  router.AddAsync(
      "GET", kCustomerViewRoute,
      [&clients, reference_data](const RouteRequest& request,
                                 RouteAnswer answer) {
        View(clients, reference_data, request, std::move(answer));
      },
      kCustomerViewMethod);
}

}  // namespace crm::gateway
