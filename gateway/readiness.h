// /readyz: the grpc.health.v1 status of every backend.
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "absl/time/time.h"
#include "gateway/backend_clients.h"
#include "services/common/request_trace.h"

namespace crm::gateway {

struct ReadinessReport {
  // True only if every backend answered SERVING.
  bool ready = false;
  // (backend name, state) in the order of the channels. State is the health
  // status ("SERVING", "NOT_SERVING", "UNKNOWN", "SERVICE_UNKNOWN") or
  // "UNREACHABLE" when the check call itself failed.
  std::vector<std::pair<std::string, std::string>> backends;
};

// Calls grpc.health.v1.Health/Check (service "") on every channel
// concurrently, each with deadline `timeout`; returns when all have
// answered or timed out.
ReadinessReport CheckReadiness(const std::vector<BackendChannel>& channels,
                               absl::Duration timeout,
                               const common::RequestTrace& trace);

// {"status":"ready"|"not_ready","backends":{"customer-profile":"SERVING",...}}
std::string ReadinessJson(const ReadinessReport& report);

}  // namespace crm::gateway
