// An in-memory JourneyFunnelRepository
// (services/loyalty/journey_funnel_repository.h) for unit tests: journeys and
// runs put in by the test, counted as the MySQL implementation counts them.
//
//   crm::testing::InMemoryJourneyFunnelRepository funnels;
//   funnels.PutJourney("j1");
//   funnels.PutRun("j1", "c1", v1::JourneyRun::SKIPPED,
//                  v1::JourneyRun::NO_CONSENT);
//   JourneyFunnelManager manager(unit_of_work, funnels);
#pragma once

#include <cstdint>
#include <set>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "services/loyalty/journey_funnel_repository.h"

namespace crm::testing {

class InMemoryJourneyFunnelRepository final
    : public crm::loyalty::JourneyFunnelRepository {
 public:
  using JourneyRun = crm::loyalty::v1::JourneyRun;

  absl::StatusOr<bool> JourneyExists(crm::common::Transaction& /*tx*/,
                                     absl::string_view journey_id) override {
    ++reads;
    if (!fail_with.ok()) return fail_with;
    return journeys_.count(std::string(journey_id)) > 0;
  }

  absl::StatusOr<crm::loyalty::JourneyRunCountsRecord> CountRuns(
      crm::common::Transaction& /*tx*/, absl::string_view journey_id) override {
    ++reads;
    if (!fail_with.ok()) return fail_with;
    crm::loyalty::JourneyRunCountsRecord counts;
    std::set<std::string> members;
    for (const Run& run : runs_) {
      if (run.journey_id != journey_id) continue;
      ++counts.runs[{run.state, run.skip_reason}];
      members.insert(run.customer_id);
    }
    counts.member_count = static_cast<int64_t>(members.size());
    return counts;
  }

  void PutJourney(std::string id) { journeys_.insert(std::move(id)); }
  // A run of `journey_id` for `customer_id`; the reason only when SKIPPED.
  void PutRun(std::string journey_id, std::string customer_id,
              JourneyRun::State state,
              JourneyRun::SkipReason skip_reason =
                  JourneyRun::SKIP_REASON_UNSPECIFIED) {
    runs_.push_back(
        {std::move(journey_id), std::move(customer_id), state, skip_reason});
  }

  // Every read fails with this status while it is not OK.
  absl::Status fail_with = absl::OkStatus();
  // Reads served (JourneyExists and CountRuns).
  int reads = 0;

 private:
  struct Run {
    std::string journey_id;
    std::string customer_id;
    JourneyRun::State state;
    JourneyRun::SkipReason skip_reason;
  };
  std::set<std::string> journeys_;
  std::vector<Run> runs_;
};

}  // namespace crm::testing
