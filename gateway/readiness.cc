#include "gateway/readiness.h"

#include <google/protobuf/io/coded_stream.h>
#include <google/protobuf/wire_format_lite.h>
#include <grpcpp/generic/generic_stub.h>
#include <grpcpp/support/byte_buffer.h>
#include <grpcpp/support/slice.h>

#include <memory>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "services/common/logging.h"

namespace crm::gateway {
namespace {

constexpr char kHealthCheckMethod[] = "/grpc.health.v1.Health/Check";

// The status name in a serialized grpc.health.v1.HealthCheckResponse
// (field 1, enum ServingStatus); "UNREACHABLE" if it does not parse.
std::string ServingStatusName(const grpc::ByteBuffer& buffer) {
  std::vector<grpc::Slice> slices;
  if (!buffer.Dump(&slices).ok()) return "UNREACHABLE";
  std::string bytes;
  for (const grpc::Slice& slice : slices) {
    bytes.append(reinterpret_cast<const char*>(slice.begin()), slice.size());
  }
  google::protobuf::io::CodedInputStream input(
      reinterpret_cast<const uint8_t*>(bytes.data()),
      static_cast<int>(bytes.size()));
  uint32_t status = 0;  // Absent field: UNKNOWN.
  while (uint32_t tag = input.ReadTag()) {
    if (tag == (1 << 3 | 0)) {
      if (!input.ReadVarint32(&status)) return "UNREACHABLE";
    } else if (!google::protobuf::internal::WireFormatLite::SkipField(&input,
                                                                      tag)) {
      return "UNREACHABLE";
    }
  }
  switch (status) {
    case 0:
      return "UNKNOWN";
    case 1:
      return "SERVING";
    case 2:
      return "NOT_SERVING";
    case 3:
      return "SERVICE_UNKNOWN";
    default:
      return absl::StrCat("STATUS_", status);
  }
}

struct PendingCheck {
  std::unique_ptr<grpc::GenericStub> stub;
  std::unique_ptr<grpc::ClientContext> context;
  grpc::ByteBuffer request;
  grpc::ByteBuffer response;
  std::string state;
};

// Shared by the caller and the completion callbacks, so neither outlives
// what it touches.
struct CheckBatch {
  explicit CheckBatch(size_t n) : checks(n), remaining(n) {}
  std::vector<PendingCheck> checks;
  absl::Mutex mu;
  size_t remaining ABSL_GUARDED_BY(mu);
};

}  // namespace

ReadinessReport CheckReadiness(const std::vector<BackendChannel>& channels,
                               absl::Duration timeout,
                               const common::RequestTrace& trace) {
  auto batch = std::make_shared<CheckBatch>(channels.size());
  grpc::Slice empty;  // HealthCheckRequest{service: ""} encodes to no bytes.
  for (size_t i = 0; i < channels.size(); ++i) {
    PendingCheck& check = batch->checks[i];
    check.stub = std::make_unique<grpc::GenericStub>(channels[i].channel);
    check.context = common::NewOutboundContext(trace, timeout);
    check.request = grpc::ByteBuffer(&empty, 1);
    check.stub->UnaryCall(
        check.context.get(), kHealthCheckMethod, grpc::StubOptions(),
        &check.request, &check.response,
        [batch, i, name = channels[i].name,
         request_id = trace.request_id](grpc::Status status) {
          PendingCheck& done = batch->checks[i];
          std::string state =
              status.ok() ? ServingStatusName(done.response) : "UNREACHABLE";
          if (!status.ok()) {
            common::LogWarning("backend health check failed",
                               {{"backend", name},
                                {"code", std::to_string(status.error_code())},
                                {"error", status.error_message()}},
                               request_id);
          }
          absl::MutexLock lock(&batch->mu);
          done.state = std::move(state);
          --batch->remaining;
        });
  }
  ReadinessReport report;
  report.ready = true;
  absl::MutexLock lock(&batch->mu);
  batch->mu.Await(absl::Condition(
      +[](CheckBatch* b)
           ABSL_EXCLUSIVE_LOCKS_REQUIRED(b->mu) { return b->remaining == 0; },
      batch.get()));
  for (size_t i = 0; i < channels.size(); ++i) {
    const std::string& state = batch->checks[i].state;
    if (state != "SERVING") report.ready = false;
    report.backends.emplace_back(channels[i].name, state);
  }
  return report;
}

std::string ReadinessJson(const ReadinessReport& report) {
  std::string json =
      absl::StrCat("{\"status\":\"", report.ready ? "ready" : "not_ready",
                   "\",\"backends\":{");
  for (size_t i = 0; i < report.backends.size(); ++i) {
    if (i > 0) json.append(",");
    absl::StrAppend(&json, "\"", common::JsonEscape(report.backends[i].first),
                    "\":\"", common::JsonEscape(report.backends[i].second),
                    "\"");
  }
  json.append("}}");
  return json;
}

}  // namespace crm::gateway
