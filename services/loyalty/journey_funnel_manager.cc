#include "services/loyalty/journey_funnel_manager.h"

#include <algorithm>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "services/common/error_details.h"
#include "services/common/field_behavior.h"
#include "services/common/resource_name.h"
#include "services/common/status_macros.h"

namespace crm::loyalty {
namespace {

constexpr char kFunnelJourneyCollection[] = "journeys";
constexpr char kJourneyFunnelSuffix[] = "/funnel";

absl::Status MalformedFunnelName(absl::string_view field) {
  return crm::common::InvalidFieldError(
      field, "must be of the form journeys/{journey}/funnel");
}

}  // namespace

std::string JourneyFunnelName(absl::string_view journey_id) {
  return absl::StrCat(
      crm::common::FormatResourceName(kFunnelJourneyCollection, journey_id),
      kJourneyFunnelSuffix);
}

absl::StatusOr<std::string> ParseJourneyFunnelName(absl::string_view name,
                                                   absl::string_view field) {
  if (!absl::ConsumeSuffix(&name, kJourneyFunnelSuffix)) {
    return MalformedFunnelName(field);
  }
  absl::StatusOr<std::string> id =
      crm::common::ParseResourceName(name, kFunnelJourneyCollection, field);
  if (!id.ok()) return MalformedFunnelName(field);
  return id;
}

v1::JourneyFunnel BuildJourneyFunnel(absl::string_view journey_id,
                                     const JourneyRunCountsRecord& counts) {
  v1::JourneyFunnel funnel;
  funnel.set_name(JourneyFunnelName(journey_id));
  std::vector<std::pair<v1::JourneyRun::SkipReason, int64_t>> skipped;
  for (const auto& [key, runs] : counts.runs) {
    const auto& [state, reason] = key;
    funnel.set_triggered_count(funnel.triggered_count() + runs);
    switch (state) {
      case v1::JourneyRun::SCHEDULED:
        funnel.set_scheduled_count(funnel.scheduled_count() + runs);
        break;
      case v1::JourneyRun::COMPLETED:
        funnel.set_completed_count(funnel.completed_count() + runs);
        break;
      case v1::JourneyRun::SKIPPED:
        funnel.set_skipped_count(funnel.skipped_count() + runs);
        skipped.emplace_back(reason, runs);
        break;
      default:
        break;
    }
  }
  // Each (SKIPPED, reason) key is unique in the map: one entry per reason.
  std::sort(skipped.begin(), skipped.end(), [](const auto& a, const auto& b) {
    if (a.second != b.second) return a.second > b.second;
    return a.first < b.first;
  });
  for (const auto& [reason, runs] : skipped) {
    if (runs <= 0) continue;
    v1::JourneyFunnel::SkipCount* count = funnel.add_skipped_by_reason();
    count->set_reason(reason);
    count->set_run_count(runs);
  }
  funnel.set_member_count(counts.member_count);
  return funnel;
}

absl::StatusOr<v1::JourneyFunnel> JourneyFunnelManager::GetJourneyFunnel(
    const crm::common::RequestContext& context,
    const v1::GetJourneyFunnelRequest& request) {
  CRM_RETURN_IF_ERROR(crm::common::CheckRequiredFields(request));
  CRM_ASSIGN_OR_RETURN(std::string journey_id,
                       ParseJourneyFunnelName(request.name(), "name"));
  return unit_of_work_.Read<v1::JourneyFunnel>(
      context,
      [&](crm::common::Transaction& tx) -> absl::StatusOr<v1::JourneyFunnel> {
        CRM_ASSIGN_OR_RETURN(bool exists,
                             funnels_.JourneyExists(tx, journey_id));
        if (!exists) {
          const std::string journey = crm::common::FormatResourceName(
              kFunnelJourneyCollection, journey_id);
          return crm::common::ErrorWithReason(
              absl::NotFoundError(
                  absl::StrCat("name: ", journey, " not found")),
              ::crm::type::v1::RESOURCE_NOT_FOUND,
              {{"field", "name"}, {"resource", journey}});
        }
        CRM_ASSIGN_OR_RETURN(JourneyRunCountsRecord counts,
                             funnels_.CountRuns(tx, journey_id));
        return BuildJourneyFunnel(journey_id, counts);
      });
}

}  // namespace crm::loyalty
