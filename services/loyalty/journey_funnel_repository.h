// Storage side of GetJourneyFunnel (journey_funnel_manager.h): one journey's
// runs (`journey_runs`) counted by state and skip reason, and the distinct
// members among them. Every read runs on the caller's unit of work, so the
// request's deadline bounds it. The MySQL implementation is
// MySqlJourneyFunnelRepository.
//
//   CRM_ASSIGN_OR_RETURN(bool exists, funnels.JourneyExists(tx, id));
//   CRM_ASSIGN_OR_RETURN(JourneyRunCountsRecord counts,
//                        funnels.CountRuns(tx, id));
#pragma once

#include <cstdint>
#include <map>
#include <utility>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "crm/loyalty/v1/journey.pb.h"
#include "services/common/unit_of_work.h"

namespace crm::loyalty {

// A journey's runs, counted at one moment (one consistent read).
struct JourneyRunCountsRecord {
  using Key = std::pair<v1::JourneyRun::State, v1::JourneyRun::SkipReason>;
  // Runs per (state, skip reason); runs that are not SKIPPED have
  // SKIP_REASON_UNSPECIFIED. Pairs without runs are absent.
  std::map<Key, int64_t> runs;
  // Distinct customers with at least one run of the journey.
  int64_t member_count = 0;
};

class JourneyFunnelRepository {
 public:
  JourneyFunnelRepository(const JourneyFunnelRepository&) = delete;
  JourneyFunnelRepository& operator=(const JourneyFunnelRepository&) = delete;
  virtual ~JourneyFunnelRepository() = default;

  // Whether the journey `journey_id` exists (in any state).
  virtual absl::StatusOr<bool> JourneyExists(crm::common::Transaction& tx,
                                             absl::string_view journey_id) = 0;

  // The runs of `journey_id` counted (all zero for a journey without runs or
  // an unknown one). DATA_LOSS for a stored state or skip reason this build
  // does not know.
  virtual absl::StatusOr<JourneyRunCountsRecord> CountRuns(
      crm::common::Transaction& tx, absl::string_view journey_id) = 0;

 protected:
  JourneyFunnelRepository() = default;
};

}  // namespace crm::loyalty
