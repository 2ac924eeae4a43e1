// GetJourneyFunnel: how a journey's runs stand, from trigger to action
// (JourneyFunnel, journey.proto), counted on each call over the storage seam
// (journey_funnel_repository.h) in one read: the journey's existence, then
// one aggregate over its runs. The pure functions below build the resource.
//
//   JourneyFunnelManager manager(unit_of_work, funnels);
//   absl::StatusOr<v1::JourneyFunnel> funnel =
//       manager.GetJourneyFunnel(context, request);
#pragma once

#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "crm/loyalty/v1/journey.pb.h"
#include "crm/loyalty/v1/loyalty_service.pb.h"
#include "services/common/request_context.h"
#include "services/common/unit_of_work.h"
#include "services/loyalty/journey_funnel_repository.h"

namespace crm::loyalty {

// `journeys/{journey}/funnel`.
std::string JourneyFunnelName(absl::string_view journey_id);

// The journey id of `name`: INVALID_ARGUMENT (FIELD_INVALID, naming `field`)
// unless it is `journeys/{journey}/funnel` with a valid id.
absl::StatusOr<std::string> ParseJourneyFunnelName(absl::string_view name,
                                                   absl::string_view field);

// The funnel of journey `journey_id` from its counted runs:
// triggered_count every run, scheduled/completed/skipped_count per state,
// skipped_by_reason the SKIPPED runs per reason, largest first (ties by
// reason number), reasons without runs left out; member_count as counted.
v1::JourneyFunnel BuildJourneyFunnel(absl::string_view journey_id,
                                     const JourneyRunCountsRecord& counts);

class JourneyFunnelManager {
 public:
  // Every argument must outlive the manager.
  JourneyFunnelManager(crm::common::UnitOfWork& unit_of_work,
                       JourneyFunnelRepository& funnels)
      : unit_of_work_(unit_of_work), funnels_(funnels) {}
  JourneyFunnelManager(const JourneyFunnelManager&) = delete;
  JourneyFunnelManager& operator=(const JourneyFunnelManager&) = delete;

  // The funnel `request.name()`. INVALID_ARGUMENT (FIELD_REQUIRED or
  // FIELD_INVALID, field `name`) for a missing or malformed name; NOT_FOUND
  // (RESOURCE_NOT_FOUND, field `name`, resource `journeys/{journey}`) for an
  // unknown journey. Read-only, bounded by the context's deadline.
  absl::StatusOr<v1::JourneyFunnel> GetJourneyFunnel(
      const crm::common::RequestContext& context,
      const v1::GetJourneyFunnelRequest& request);

 private:
  crm::common::UnitOfWork& unit_of_work_;
  JourneyFunnelRepository& funnels_;
};

}  // namespace crm::loyalty
