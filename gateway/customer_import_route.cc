// POST /v1/customers:import: a CSV upload imported through the
// customer-profile client library (client streaming, so not transcoded).
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

}  // namespace

void AddCustomerImportRoute(Router& router, const BackendClients& clients,
                            absl::Duration import_timeout) {
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
      }),
      "crm.customerprofile.v1.CustomerProfileService.ImportCustomers");
}

}  // namespace crm::gateway
