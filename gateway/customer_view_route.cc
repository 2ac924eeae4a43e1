#include "gateway/customer_view_route.h"

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/synchronization/blocking_counter.h"
#include "crm/type/v1/error_reason.pb.h"
#include "gateway/auth/personal_data_mask.h"
#include "gateway/http_errors.h"
#include "gateway/json_printer.h"
#include "services/common/error_details.h"
#include "services/common/grpc_status.h"
#include "services/common/logging.h"

namespace crm::gateway {
namespace {

namespace cp = ::crm::customerprofile::v1;
namespace seg = ::crm::segmentation::v1;
namespace loy = ::crm::loyalty::v1;
namespace fb = ::crm::feedback::v1;

constexpr int kRecentItems = 10;

// One part of the view: its backend call's outcome.
struct Part {
  const char* json_name = "";
  const char* backend = "";
  std::unique_ptr<google::protobuf::Message> response;
  // For list responses: the repeated field printed as the part.
  const char* list_field = nullptr;
  std::unique_ptr<grpc::ClientContext> context;
  grpc::Status status;

  void Set(const char* name, const char* backend_name,
           std::unique_ptr<google::protobuf::Message> message,
           const char* list = nullptr) {
    json_name = name;
    backend = backend_name;
    response = std::move(message);
    list_field = list;
  }
};

// Prints `part` as `"<name>": <json>`: null (or []) when the call failed.
absl::Status AppendPart(const Part& part, bool mask, std::string* out) {
  absl::StrAppend(out, "\"", part.json_name, "\":");
  if (!part.status.ok()) {  // NOT_FOUND (absent) or failed (in `missing`).
    out->append(part.list_field != nullptr ? "[]" : "null");
    return absl::OkStatus();
  }
  if (mask) auth::MaskPersonalData(part.response.get());
  if (part.list_field == nullptr) {
    return AppendMessageJson(*part.response, out);
  }
  const google::protobuf::Message& message = *part.response;
  const google::protobuf::FieldDescriptor* field =
      message.GetDescriptor()->FindFieldByName(part.list_field);
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

// The `missing` entry of a failed part.
std::string MissingEntry(const Part& part) {
  absl::Status error =
      BackendError(common::FromGrpcStatus(part.status), part.backend);
  return absl::StrCat(R"({"part":")", part.json_name, R"(","backend":")",
                      part.backend, R"(","status":")",
                      absl::StatusCodeToString(error.code()), R"(","reason":")",
                      crm::type::v1::ErrorReason_Name(common::ReasonOf(error)),
                      "\"}");
}

// A customer id as the services make them: it also goes into a filter
// string, so nothing else may pass.
bool IsValidCustomerId(absl::string_view id) {
  if (id.empty() || id.size() > 128) return false;
  for (char c : id) {
    if (!absl::ascii_isalnum(c) && c != '-' && c != '_') return false;
  }
  return true;
}

common::HttpResponse View(const BackendClients& clients,
                          const RouteRequest& request) {
  const std::string& id = request.vars.at("customer");
  if (!IsValidCustomerId(id)) {
    return ErrorResponse(common::InvalidFieldError(
        "customer", "must be 1-128 of [A-Za-z0-9_-]"));
  }
  if (!request.http.query.empty()) {
    return ErrorResponse(common::InvalidFieldError(
        request.http.query.begin()->first, "this route takes no parameters"));
  }
  const std::string customer_name = absl::StrCat("customers/", id);
  const std::string account_name = absl::StrCat("accounts/", id);

  std::vector<Part> parts(5);
  parts[0].Set("customer", kCustomerProfileBackend,
               std::make_unique<cp::Customer>());
  parts[1].Set("score", kSegmentationBackend,
               std::make_unique<seg::CustomerScore>());
  parts[2].Set("account", kLoyaltyBackend, std::make_unique<loy::Account>());
  parts[3].Set("recentLedgerEntries", kLoyaltyBackend,
               std::make_unique<loy::ListLedgerEntriesResponse>(),
               "ledger_entries");
  parts[4].Set("recentFeedback", kFeedbackBackend,
               std::make_unique<fb::ListFeedbackResponse>(), "feedback");
  for (Part& part : parts) part.context = clients.NewContext(request);

  cp::GetCustomerRequest get_customer;
  get_customer.set_name(customer_name);
  seg::GetCustomerScoreRequest get_score;
  get_score.set_name(absl::StrCat(customer_name, "/score"));
  loy::GetAccountRequest get_account;
  get_account.set_name(account_name);
  loy::ListLedgerEntriesRequest list_ledger;
  list_ledger.set_parent(account_name);
  list_ledger.set_page_size(kRecentItems);
  fb::ListFeedbackRequest list_feedback;
  list_feedback.set_page_size(kRecentItems);
  list_feedback.set_filter(absl::StrCat("customer = \"", customer_name, "\""));

  // Every call at once; the answer waits for the last (each is bounded by
  // its deadline).
  absl::BlockingCounter pending(static_cast<int>(parts.size()));
  auto done = [&pending](Part* part) {
    return [&pending, part](grpc::Status status) {
      part->status = std::move(status);
      pending.DecrementCount();
    };
  };
  clients.customer_profile().async()->GetCustomer(
      parts[0].context.get(), &get_customer,
      static_cast<cp::Customer*>(parts[0].response.get()), done(&parts[0]));
  clients.segmentation().async()->GetCustomerScore(
      parts[1].context.get(), &get_score,
      static_cast<seg::CustomerScore*>(parts[1].response.get()),
      done(&parts[1]));
  clients.loyalty().async()->GetAccount(
      parts[2].context.get(), &get_account,
      static_cast<loy::Account*>(parts[2].response.get()), done(&parts[2]));
  clients.loyalty().async()->ListLedgerEntries(
      parts[3].context.get(), &list_ledger,
      static_cast<loy::ListLedgerEntriesResponse*>(parts[3].response.get()),
      done(&parts[3]));
  clients.feedback().async()->ListFeedback(
      parts[4].context.get(), &list_feedback,
      static_cast<fb::ListFeedbackResponse*>(parts[4].response.get()),
      done(&parts[4]));
  pending.Wait();

  if (parts[0].status.error_code() == grpc::StatusCode::NOT_FOUND) {
    return ErrorFromGrpc(parts[0].status, kCustomerProfileBackend);
  }
  std::string body = "{";
  std::vector<std::string> missing;
  for (const Part& part : parts) {
    if (body.size() > 1) body.push_back(',');
    if (absl::Status printed =
            AppendPart(part, request.mask_personal_data, &body);
        !printed.ok()) {
      common::LogError(
          "cannot encode a customer view part",
          {{"part", part.json_name}, {"error", std::string(printed.message())}},
          request.trace.request_id);
      return ErrorResponse(GatewayInternalError());
    }
    if (!part.status.ok() &&
        part.status.error_code() != grpc::StatusCode::NOT_FOUND) {
      missing.push_back(MissingEntry(part));
    }
  }
  absl::StrAppend(&body, ",\"missing\":[", absl::StrJoin(missing, ","), "]}");
  common::HttpResponse response;
  response.body = std::move(body);
  return response;
}

}  // namespace

void AddCustomerViewRoute(Router& router, const BackendClients& clients) {
  router.Add(
      "GET", kCustomerViewRoute,
      [&clients](const RouteRequest& request) {
        return View(clients, request);
      },
      kCustomerViewMethod);
}

}  // namespace crm::gateway
