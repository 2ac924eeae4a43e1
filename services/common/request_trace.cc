#include "services/common/request_trace.h"

#include <openssl/rand.h>

#include <chrono>
#include <cstdint>
#include <random>
#include <thread>

#include "absl/time/clock.h"

namespace crm::common {
namespace {

constexpr size_t kMaxRequestIdLength = 128;
constexpr size_t kMaxTraceparentLength = 256;

bool IsPrintableAscii(absl::string_view text) {
  for (char c : text) {
    if (c < 0x20 || c > 0x7E) return false;
  }
  return true;
}

// The first value of `key` in the call's metadata, if any.
absl::string_view FindHeader(const grpc::ServerContext& context,
                             absl::string_view key) {
  const auto& metadata = context.client_metadata();
  auto it = metadata.find(grpc::string_ref(key.data(), key.size()));
  if (it == metadata.end()) return {};
  return absl::string_view(it->second.data(), it->second.size());
}

}  // namespace

bool IsValidRequestId(absl::string_view id) {
  return !id.empty() && id.size() <= kMaxRequestIdLength &&
         IsPrintableAscii(id);
}

std::string NewRequestId() {
  unsigned char bytes[16];
  if (RAND_bytes(bytes, sizeof(bytes)) != 1) {
    // OpenSSL's generator failing is extraordinary; ids need to be unique,
    // not secret, so a per-thread PRNG is an acceptable fallback.
    thread_local std::mt19937_64 generator(
        std::random_device{}() ^
        std::hash<std::thread::id>{}(std::this_thread::get_id()) ^
        static_cast<uint64_t>(absl::GetCurrentTimeNanos()));
    for (size_t i = 0; i < sizeof(bytes); i += 8) {
      uint64_t value = generator();
      for (size_t k = 0; k < 8; ++k) {
        bytes[i + k] = static_cast<unsigned char>(value >> (8 * k));
      }
    }
  }
  static constexpr char kHex[] = "0123456789abcdef";
  std::string id(2 * sizeof(bytes), '0');
  for (size_t i = 0; i < sizeof(bytes); ++i) {
    id[2 * i] = kHex[bytes[i] >> 4];
    id[2 * i + 1] = kHex[bytes[i] & 0xF];
  }
  return id;
}

RequestTrace RequestTraceFrom(const grpc::ServerContext& context) {
  RequestTrace trace;
  absl::string_view request_id = FindHeader(context, kRequestIdHeader);
  if (IsValidRequestId(request_id)) {
    trace.request_id = std::string(request_id);
  }
  absl::string_view traceparent = FindHeader(context, kTraceparentHeader);
  if (!traceparent.empty() && traceparent.size() <= kMaxTraceparentLength &&
      IsPrintableAscii(traceparent)) {
    trace.traceparent = std::string(traceparent);
  }
  return trace;
}

std::unique_ptr<grpc::ClientContext> NewOutboundContext(
    const RequestTrace& trace, absl::Duration timeout) {
  auto context = std::make_unique<grpc::ClientContext>();
  context->set_deadline(absl::ToChronoTime(absl::Now() + timeout));
  if (!trace.request_id.empty()) {
    context->AddMetadata(kRequestIdHeader, trace.request_id);
  }
  if (!trace.traceparent.empty()) {
    context->AddMetadata(kTraceparentHeader, trace.traceparent);
  }
  return context;
}

}  // namespace crm::common
