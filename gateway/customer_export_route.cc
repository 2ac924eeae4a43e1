#include "gateway/customer_export_route.h"

#include <array>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/synchronization/blocking_counter.h"
#include "gateway/auth/personal_data_mask.h"
#include "gateway/customer_view_route.h"
#include "gateway/http_errors.h"
#include "gateway/json_printer.h"
#include "google/rpc/error_details.pb.h"
#include "services/common/error_details.h"
#include "services/common/logging.h"

namespace crm::gateway {
namespace {

namespace cp = ::crm::customerprofile::v1;
namespace seg = ::crm::segmentation::v1;
namespace loy = ::crm::loyalty::v1;
namespace fb = ::crm::feedback::v1;

// One service's contribution: its export call and the document's key.
struct Contribution {
  const char* json_name;
  const char* backend;
  google::protobuf::Message* response;
  std::unique_ptr<grpc::ClientContext> context;
  grpc::Status status;
};

// UNAVAILABLE, reason BACKEND_UNAVAILABLE, naming in its ErrorInfo metadata
// the services whose export failed (`backends`) and each one's status code.
absl::Status IncompleteExportError(
    const std::vector<const Contribution*>& failed) {
  std::vector<std::string> names;
  for (const Contribution* part : failed) names.push_back(part->backend);
  const std::string joined = absl::StrJoin(names, ",");
  absl::Status error = common::ErrorWithReason(
      absl::UnavailableError(absl::StrCat(
          "the export is incomplete: no answer from ", joined, "; retry")),
      crm::type::v1::BACKEND_UNAVAILABLE, {{"backends", joined}});
  google::rpc::Status rpc = common::ToRpcStatus(error);
  for (google::protobuf::Any& detail : *rpc.mutable_details()) {
    google::rpc::ErrorInfo info;
    if (!detail.UnpackTo(&info)) continue;
    for (const Contribution* part : failed) {
      (*info.mutable_metadata())[part->backend] = absl::StatusCodeToString(
          static_cast<absl::StatusCode>(part->status.error_code()));
    }
    detail.PackFrom(info);
  }
  return common::FromRpcStatus(rpc);
}

common::HttpResponse Export(const BackendClients& clients,
                            const RouteRequest& request) {
  absl::StatusOr<std::string> checked = CheckedCustomerId(request);
  if (!checked.ok()) return ErrorResponse(checked.status());
  const std::string customer_name = absl::StrCat("customers/", *checked);

  cp::ExportCustomerDataRequest profile_request;
  profile_request.set_name(customer_name);
  seg::ExportCustomerSegmentationDataRequest segmentation_request;
  segmentation_request.set_name(customer_name);
  loy::ExportAccountDataRequest loyalty_request;
  loyalty_request.set_name(absl::StrCat("accounts/", *checked));
  fb::ExportCustomerFeedbackRequest feedback_request;
  feedback_request.set_customer(customer_name);

  cp::ExportCustomerDataResponse profile;
  seg::CustomerSegmentationData segmentation;
  loy::AccountDataExport loyalty;
  fb::CustomerFeedbackExport feedback;
  std::array<Contribution, 4> parts = {{
      {"profile", kCustomerProfileBackend, &profile, nullptr, {}},
      {"segmentation", kSegmentationBackend, &segmentation, nullptr, {}},
      {"loyalty", kLoyaltyBackend, &loyalty, nullptr, {}},
      {"feedback", kFeedbackBackend, &feedback, nullptr, {}},
  }};
  for (Contribution& part : parts) part.context = clients.NewContext(request);

  absl::BlockingCounter pending(static_cast<int>(parts.size()));
  auto done = [&pending](Contribution* part) {
    return [&pending, part](grpc::Status status) {
      part->status = std::move(status);
      pending.DecrementCount();
    };
  };
  clients.customer_profile().async()->ExportCustomerData(
      parts[0].context.get(), &profile_request, &profile, done(&parts[0]));
  clients.segmentation().async()->ExportCustomerSegmentationData(
      parts[1].context.get(), &segmentation_request, &segmentation,
      done(&parts[1]));
  clients.loyalty().async()->ExportAccountData(
      parts[2].context.get(), &loyalty_request, &loyalty, done(&parts[2]));
  clients.feedback().async()->ExportCustomerFeedback(
      parts[3].context.get(), &feedback_request, &feedback, done(&parts[3]));
  pending.Wait();

  if (parts[0].status.error_code() == grpc::StatusCode::NOT_FOUND) {
    return ErrorFromGrpc(parts[0].status, kCustomerProfileBackend);
  }
  std::vector<const Contribution*> failed;
  for (const Contribution& part : parts) {
    if (!part.status.ok()) {
      failed.push_back(&part);
      common::LogWarning(
          "customer export: a service did not answer",
          {{"backend", part.backend},
           {"status", absl::StatusCodeToString(static_cast<absl::StatusCode>(
                          part.status.error_code()))}},
          request.trace.request_id);
    }
  }
  if (!failed.empty()) return ErrorResponse(IncompleteExportError(failed));

  std::string body = absl::StrCat(R"({"customer":")", customer_name, "\"");
  for (Contribution& part : parts) {
    if (request.mask_personal_data) auth::MaskPersonalData(part.response);
    absl::StrAppend(&body, ",\"", part.json_name, "\":");
    if (absl::Status printed = AppendMessageJson(*part.response, &body);
        !printed.ok()) {
      common::LogError(
          "cannot encode a customer export part",
          {{"part", part.json_name}, {"error", std::string(printed.message())}},
          request.trace.request_id);
      return ErrorResponse(GatewayInternalError());
    }
  }
  body.append(",\"missing\":[]}");
  common::HttpResponse response;
  response.body = std::move(body);
  return response;
}

}  // namespace

void AddCustomerExportRoute(Router& router, const BackendClients& clients) {
  router.Add(
      "GET", kCustomerExportRoute,
      [&clients](const RouteRequest& request) {
        return Export(clients, request);
      },
      kCustomerExportMethod);
}

}  // namespace crm::gateway
