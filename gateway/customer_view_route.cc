#include "gateway/customer_view_route.h"

#include <google/protobuf/struct.pb.h>

#include <array>
#include <functional>
#include <initializer_list>
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/synchronization/blocking_counter.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"
#include "crm/type/v1/error_reason.pb.h"
#include "gateway/auth/personal_data_mask.h"
#include "gateway/http_errors.h"
#include "gateway/json_printer.h"
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

// The backend calls of one view, all started at once.
enum CallId {
  kGetCustomer,
  kListCustomerSegments,
  kGetAccount,
  kListLedgerEntries,
  kGetProgram,
  kListCampaigns,
  kListFeedback,
  kListTickets,
  kCallCount,
};

struct Call {
  const char* backend = "";
  std::unique_ptr<grpc::ClientContext> context;
  grpc::Status status;
};

// The responses of the calls.
struct Responses {
  cp::Customer customer;
  seg::ListCustomerSegmentsResponse segments;
  loy::Account account;
  loy::ListLedgerEntriesResponse ledger;
  loy::Program program;
  loy::ListCampaignsResponse campaigns;
  fb::ListFeedbackResponse feedback;
  fb::ListTicketsResponse tickets;
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

// The `missing` entry of a part whose input `call` failed.
std::string MissingEntry(const char* part, const Call& call) {
  absl::Status error =
      BackendError(common::FromGrpcStatus(call.status), call.backend);
  return absl::StrCat(
      R"({"part":")", part, R"(","backend":")", call.backend, R"(","status":")",
      absl::StatusCodeToString(error.code()), R"(","reason":")",
      crm::type::v1::ErrorReason_Name(common::ReasonOf(error)), "\"}");
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

common::HttpResponse View(const BackendClients& clients,
                          ReferenceDataCache& reference_data,
                          const RouteRequest& request) {
  absl::StatusOr<std::string> checked = CheckedCustomerId(request);
  if (!checked.ok()) return ErrorResponse(checked.status());
  const std::string& id = *checked;
  const std::string customer_name = absl::StrCat("customers/", id);
  const std::string account_name = absl::StrCat("accounts/", id);
  const std::string customer_filter =
      absl::StrCat("customer = \"", customer_name, "\"");

  cp::GetCustomerRequest get_customer;
  get_customer.set_name(customer_name);
  seg::ListCustomerSegmentsRequest list_segments;
  list_segments.set_parent(customer_name);
  list_segments.set_page_size(kViewSegments);
  loy::GetAccountRequest get_account;
  get_account.set_name(account_name);
  loy::ListLedgerEntriesRequest list_ledger;
  list_ledger.set_parent(account_name);
  list_ledger.set_page_size(kViewRecentItems);
  loy::GetProgramRequest get_program;
  get_program.set_name(kLoyaltyProgram);
  loy::ListCampaignsRequest list_campaigns;
  list_campaigns.set_page_size(kViewCampaigns);
  fb::ListFeedbackRequest list_feedback;
  list_feedback.set_page_size(kViewRecentItems);
  list_feedback.set_filter(customer_filter);
  fb::ListTicketsRequest list_tickets;
  list_tickets.set_page_size(kViewRecentItems);
  list_tickets.set_filter(
      absl::StrCat(customer_filter, " AND ", kOpenTicketStates));

  std::array<Call, kCallCount> calls;
  calls[kGetCustomer].backend = kCustomerProfileBackend;
  calls[kListCustomerSegments].backend = kSegmentationBackend;
  for (CallId loyalty_call :
       {kGetAccount, kListLedgerEntries, kGetProgram, kListCampaigns}) {
    calls[loyalty_call].backend = kLoyaltyBackend;
  }
  calls[kListFeedback].backend = kFeedbackBackend;
  calls[kListTickets].backend = kFeedbackBackend;
  for (Call& call : calls) call.context = clients.NewContext(request);

  Responses responses;
  const std::shared_ptr<const ReferenceDataCache::Snapshot> cached =
      reference_data.Fresh(absl::Now());
  if (cached != nullptr) {  // GetProgram and ListCampaigns are answered.
    responses.program = cached->program;
    responses.campaigns = cached->campaigns;
  }
  const int call_count = cached != nullptr ? kCallCount - 2 : kCallCount;

  // Every call at once; the answer waits for the last (each is bounded by
  // its deadline).
  absl::BlockingCounter pending(call_count);
  auto done = [&pending, &calls](CallId id) {
    return [&pending, call = &calls[id]](grpc::Status status) {
      call->status = std::move(status);
      pending.DecrementCount();
    };
  };
  auto context = [&calls](CallId id) { return calls[id].context.get(); };
  const absl::Time start = absl::Now();
  clients.customer_profile().async()->GetCustomer(
      context(kGetCustomer), &get_customer, &responses.customer,
      done(kGetCustomer));
  clients.segmentation().async()->ListCustomerSegments(
      context(kListCustomerSegments), &list_segments, &responses.segments,
      done(kListCustomerSegments));
  clients.loyalty().async()->GetAccount(context(kGetAccount), &get_account,
                                        &responses.account, done(kGetAccount));
  clients.loyalty().async()->ListLedgerEntries(context(kListLedgerEntries),
                                               &list_ledger, &responses.ledger,
                                               done(kListLedgerEntries));
  if (cached == nullptr) {
    clients.loyalty().async()->GetProgram(context(kGetProgram), &get_program,
                                          &responses.program,
                                          done(kGetProgram));
    clients.loyalty().async()->ListCampaigns(
        context(kListCampaigns), &list_campaigns, &responses.campaigns,
        done(kListCampaigns));
  }
  clients.feedback().async()->ListFeedback(context(kListFeedback),
                                           &list_feedback, &responses.feedback,
                                           done(kListFeedback));
  clients.feedback().async()->ListTickets(context(kListTickets), &list_tickets,
                                          &responses.tickets,
                                          done(kListTickets));
  pending.Wait();
  if (cached == nullptr && calls[kGetProgram].status.ok() &&
      calls[kListCampaigns].status.ok()) {
    reference_data.Store(std::make_shared<const ReferenceDataCache::Snapshot>(
        ReferenceDataCache::Snapshot{responses.program, responses.campaigns,
                                     start}));
  }
  const absl::Time now = absl::Now();

  if (calls[kGetCustomer].status.error_code() == grpc::StatusCode::NOT_FOUND) {
    return ErrorFromGrpc(calls[kGetCustomer].status, kCustomerProfileBackend);
  }
  if (request.mask_personal_data) {
    auth::MaskPersonalData(&responses.customer);
    auth::MaskPersonalData(&responses.feedback);
    auth::MaskPersonalData(&responses.tickets);
  }

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
          request.trace.request_id);
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
  router.Add(
      "GET", kCustomerViewRoute,
      [&clients, reference_data](const RouteRequest& request) {
        return View(clients, *reference_data, request);
      },
      kCustomerViewMethod);
}

}  // namespace crm::gateway
