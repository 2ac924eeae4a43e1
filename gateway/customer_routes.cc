// The /v1/customers routes over CustomerProfileService (see README.md).
#include <algorithm>
#include <cstdint>
#include <memory>
#include <streambuf>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "clients/customer_profile/csv_import.h"
#include "crm/customerprofile/v1/customer_profile_service.grpc.pb.h"
#include "gateway/http_errors.h"
#include "gateway/json_codec.h"
#include "gateway/route_support.h"
#include "gateway/routes.h"
#include "services/common/error_details.h"
#include "services/common/status_macros.h"

namespace crm::gateway {
namespace {

namespace cp = ::crm::customerprofile::v1;
using Stub = cp::CustomerProfileService::StubInterface;

// Bytes of upload per extra second of an import's deadline.
constexpr int64_t kImportBytesPerSecond = 25000;

// An istream source over a string the caller keeps alive (no copy).
class StringViewBuffer : public std::streambuf {
 public:
  explicit StringViewBuffer(absl::string_view text) {
    char* begin = const_cast<char*>(text.data());
    setg(begin, begin, begin + text.size());
  }
};

// A Customer reply, with its etag also as an ETag header (AIP-154).
common::HttpResponse CustomerReply(const grpc::Status& status,
                                   const cp::Customer& customer,
                                   const RouteRequest& r) {
  common::HttpResponse reply =
      BackendReply(status, customer, kCustomerProfileBackend, r.trace);
  if (status.ok() && !customer.etag().empty()) {
    reply.headers.emplace_back("ETag",
                               absl::StrCat("\"", customer.etag(), "\""));
  }
  return reply;
}

// The etag of an If-Match header: `"abc"` or `W/"abc"` -> abc; "" if absent.
absl::StatusOr<std::string> IfMatchEtag(const common::HttpRequest& request) {
  auto it = request.headers.find("if-match");
  if (it == request.headers.end()) return std::string();
  absl::string_view value = absl::StripAsciiWhitespace(it->second);
  absl::ConsumePrefix(&value, "W/");
  if (value.size() >= 2 && value.front() == '"' && value.back() == '"') {
    value = value.substr(1, value.size() - 2);
  }
  if (value.empty() || value == "*" || !IsValidUtf8(value)) {
    return common::InvalidFieldError("If-Match",
                                     "must be one etag as returned in ETag");
  }
  return std::string(value);
}

absl::StatusOr<std::string> CustomerName(const RouteRequest& r) {
  CRM_ASSIGN_OR_RETURN(std::string id, PathVar(r, "customer"));
  return absl::StrCat("customers/", id);
}

absl::Status RequireNoBody(const common::HttpRequest& request) {
  if (!absl::StripAsciiWhitespace(request.body).empty()) {
    return BodyMalformedError("this route takes no request body");
  }
  return absl::OkStatus();
}

}  // namespace

void AddCustomerRoutes(Router& router, const BackendClients& clients,
                       absl::Duration import_timeout) {
  router.Add("POST", "/v1/customers",
             WithStatus([&clients](const RouteRequest& r)
                            -> absl::StatusOr<common::HttpResponse> {
               CRM_RETURN_IF_ERROR(
                   CheckQueryParams(r.http, {"request_id", "strict_phone"}));
               cp::CreateCustomerRequest request;
               CRM_ASSIGN_OR_RETURN(*request.mutable_request_id(),
                                    QueryString(r.http, "request_id"));
               CRM_ASSIGN_OR_RETURN(bool strict_phone,
                                    QueryBool(r.http, "strict_phone"));
               request.set_strict_phone(strict_phone);
               CRM_RETURN_IF_ERROR(
                   ParseJsonBody(r.http.body, request.mutable_customer()));
               cp::Customer response;
               auto context = clients.NewContext(r);
               grpc::Status status = clients.customer_profile().CreateCustomer(
                   context.get(), request, &response);
               return CustomerReply(status, response, r);
             }));

  router.Add("GET", "/v1/customers/{customer}",
             WithStatus([&clients](const RouteRequest& r)
                            -> absl::StatusOr<common::HttpResponse> {
               CRM_RETURN_IF_ERROR(CheckQueryParams(r.http, {}));
               cp::GetCustomerRequest request;
               CRM_ASSIGN_OR_RETURN(*request.mutable_name(), CustomerName(r));
               cp::Customer response;
               auto context = clients.NewContext(r);
               grpc::Status status = clients.customer_profile().GetCustomer(
                   context.get(), request, &response);
               return CustomerReply(status, response, r);
             }));

  router.Add("GET", "/v1/customers",
             WithStatus([&clients](const RouteRequest& r)
                            -> absl::StatusOr<common::HttpResponse> {
               CRM_RETURN_IF_ERROR(CheckQueryParams(
                   r.http, {"page_size", "page_token", "filter", "order_by"}));
               cp::ListCustomersRequest request;
               CRM_ASSIGN_OR_RETURN(int32_t page_size,
                                    QueryInt32(r.http, "page_size"));
               request.set_page_size(page_size);
               CRM_ASSIGN_OR_RETURN(*request.mutable_page_token(),
                                    QueryString(r.http, "page_token"));
               CRM_ASSIGN_OR_RETURN(*request.mutable_filter(),
                                    QueryString(r.http, "filter"));
               CRM_ASSIGN_OR_RETURN(*request.mutable_order_by(),
                                    QueryString(r.http, "order_by"));
               return CallBackend(
                   clients.customer_profile(), &Stub::ListCustomers, request,
                   clients.NewContext(r), kCustomerProfileBackend, r.trace);
             }));

  router.Add("PATCH", "/v1/customers/{customer}",
             WithStatus([&clients](const RouteRequest& r)
                            -> absl::StatusOr<common::HttpResponse> {
               CRM_RETURN_IF_ERROR(CheckQueryParams(
                   r.http, {"update_mask", "request_id", "strict_phone"}));
               cp::UpdateCustomerRequest request;
               CRM_ASSIGN_OR_RETURN(std::string name, CustomerName(r));
               CRM_RETURN_IF_ERROR(
                   ParseJsonBody(r.http.body, request.mutable_customer()));
               if (!request.customer().name().empty() &&
                   request.customer().name() != name) {
                 return common::InvalidFieldError(
                     "customer.name", "must be empty or match the path");
               }
               request.mutable_customer()->set_name(name);
               CRM_ASSIGN_OR_RETURN(std::string mask,
                                    QueryString(r.http, "update_mask"));
               for (absl::string_view path : absl::StrSplit(mask, ',')) {
                 path = absl::StripAsciiWhitespace(path);
                 if (!path.empty()) {
                   request.mutable_update_mask()->add_paths(std::string(path));
                 }
               }
               CRM_ASSIGN_OR_RETURN(std::string etag, IfMatchEtag(r.http));
               if (!etag.empty()) {
                 if (!request.customer().etag().empty() &&
                     request.customer().etag() != etag) {
                   return common::InvalidFieldError(
                       "etag", "the body and If-Match disagree");
                 }
                 request.mutable_customer()->set_etag(etag);
               }
               CRM_ASSIGN_OR_RETURN(*request.mutable_request_id(),
                                    QueryString(r.http, "request_id"));
               CRM_ASSIGN_OR_RETURN(bool strict_phone,
                                    QueryBool(r.http, "strict_phone"));
               request.set_strict_phone(strict_phone);
               cp::Customer response;
               auto context = clients.NewContext(r);
               grpc::Status status = clients.customer_profile().UpdateCustomer(
                   context.get(), request, &response);
               return CustomerReply(status, response, r);
             }));

  router.Add("GET", "/v1/customers:findDuplicates",
             WithStatus([&clients](const RouteRequest& r)
                            -> absl::StatusOr<common::HttpResponse> {
               CRM_RETURN_IF_ERROR(
                   CheckQueryParams(r.http, {"page_size", "page_token"}));
               cp::FindDuplicateCandidatesRequest request;
               CRM_ASSIGN_OR_RETURN(int32_t page_size,
                                    QueryInt32(r.http, "page_size"));
               request.set_page_size(page_size);
               CRM_ASSIGN_OR_RETURN(*request.mutable_page_token(),
                                    QueryString(r.http, "page_token"));
               return CallBackend(clients.customer_profile(),
                                  &Stub::FindDuplicateCandidates, request,
                                  clients.NewContext(r),
                                  kCustomerProfileBackend, r.trace);
             }));

  router.Add("POST", "/v1/customers:merge",
             WithStatus([&clients](const RouteRequest& r)
                            -> absl::StatusOr<common::HttpResponse> {
               CRM_RETURN_IF_ERROR(CheckQueryParams(r.http, {}));
               cp::MergeCustomersRequest request;
               CRM_RETURN_IF_ERROR(ParseJsonBody(r.http.body, &request));
               cp::Customer response;
               auto context = clients.NewContext(r);
               grpc::Status status = clients.customer_profile().MergeCustomers(
                   context.get(), request, &response);
               return CustomerReply(status, response, r);
             }));

  // Body: ResolveCustomerRequest ({"customer": {...}, "requestId": ...,
  // "strictPhone": ...}); reply: {customer, outcome, matchedBy}.
  router.Add("POST", "/v1/customers:resolve",
             WithStatus([&clients](const RouteRequest& r)
                            -> absl::StatusOr<common::HttpResponse> {
               CRM_RETURN_IF_ERROR(CheckQueryParams(r.http, {}));
               cp::ResolveCustomerRequest request;
               CRM_RETURN_IF_ERROR(ParseJsonBody(r.http.body, &request));
               return CallBackend(
                   clients.customer_profile(), &Stub::ResolveCustomer, request,
                   clients.NewContext(r), kCustomerProfileBackend, r.trace);
             }));

  router.Add("POST", "/v1/customers/{customer}:erase",
             WithStatus([&clients](const RouteRequest& r)
                            -> absl::StatusOr<common::HttpResponse> {
               CRM_RETURN_IF_ERROR(CheckQueryParams(r.http, {"request_id"}));
               CRM_RETURN_IF_ERROR(RequireNoBody(r.http));
               cp::EraseCustomerRequest request;
               CRM_ASSIGN_OR_RETURN(*request.mutable_name(), CustomerName(r));
               CRM_ASSIGN_OR_RETURN(*request.mutable_request_id(),
                                    QueryString(r.http, "request_id"));
               return CallBackend(
                   clients.customer_profile(), &Stub::EraseCustomer, request,
                   clients.NewContext(r), kCustomerProfileBackend, r.trace);
             }));

  router.Add("GET", "/v1/customers/{customer}:export",
             WithStatus([&clients](const RouteRequest& r)
                            -> absl::StatusOr<common::HttpResponse> {
               CRM_RETURN_IF_ERROR(CheckQueryParams(r.http, {}));
               cp::ExportCustomerDataRequest request;
               CRM_ASSIGN_OR_RETURN(*request.mutable_name(), CustomerName(r));
               return CallBackend(clients.customer_profile(),
                                  &Stub::ExportCustomerData, request,
                                  clients.NewContext(r),
                                  kCustomerProfileBackend, r.trace);
             }));

  router.Add(
      "POST", kImportCustomersRoute,
      WithStatus([&clients, import_timeout](const RouteRequest& r)
                     -> absl::StatusOr<common::HttpResponse> {
        CRM_RETURN_IF_ERROR(CheckQueryParams(r.http, {"strict_phone"}));
        CRM_ASSIGN_OR_RETURN(bool strict_phone,
                             QueryBool(r.http, "strict_phone"));
        auto type = r.http.headers.find("content-type");
        if (type == r.http.headers.end() ||
            !absl::StartsWith(absl::AsciiStrToLower(type->second),
                              "text/csv")) {
          return ErrorResponse(415, UnsupportedMediaTypeError("text/csv"));
        }
        if (r.http.body.empty()) {
          return BodyMalformedError(
              "request body is required (a CSV document with a header)");
        }
        absl::Duration timeout = std::min(
            import_timeout,
            clients.timeout() +
                absl::Seconds(static_cast<int64_t>(r.http.body.size()) /
                              kImportBytesPerSecond));
        customer_profile_client::CsvImportOptions options;
        options.deadline = timeout;
        options.strict_phone = strict_phone;
        if (!r.trace.request_id.empty()) {
          options.metadata.emplace_back(common::kRequestIdHeader,
                                        r.trace.request_id);
        }
        if (!r.trace.traceparent.empty()) {
          options.metadata.emplace_back(common::kTraceparentHeader,
                                        r.trace.traceparent);
        }
        StringViewBuffer buffer(r.http.body);
        std::istream input(&buffer);
        absl::StatusOr<customer_profile_client::CsvImportOutcome> outcome =
            customer_profile_client::ImportCustomersFromCsv(
                input, clients.customer_profile(), options);
        if (!outcome.ok()) {
          // INVALID_ARGUMENT is the upload's own fault (header, encoding);
          // anything else is the failed call to customer-profile.
          if (outcome.status().code() == absl::StatusCode::kInvalidArgument) {
            return outcome.status();
          }
          return ErrorResponse(
              BackendError(outcome.status(), kCustomerProfileBackend));
        }
        return BackendReply(grpc::Status::OK, outcome->response,
                            kCustomerProfileBackend, r.trace);
      }));
}

}  // namespace crm::gateway
