// JourneyFunnelRepository on the service's MySQL/MariaDB database (tables
// `journeys` and `journey_runs`, migration 0011): a primary-key read for the
// journey and one aggregate statement (GROUP BY state, skip_reason WITH
// ROLLUP: per-pair counts and, on the grand-total row, the distinct members)
// read index-only from the covering key `journey_runs_funnel` (journey_id,
// state, skip_reason, customer_id; migration 0014). On the caller's unit of
// work, so the request's deadline bounds both.
//
//   MySqlJourneyFunnelRepository funnels;
//   JourneyFunnelManager manager(unit_of_work, funnels);
#pragma once

#include "services/loyalty/journey_funnel_repository.h"

namespace crm::loyalty {

class MySqlJourneyFunnelRepository final : public JourneyFunnelRepository {
 public:
  MySqlJourneyFunnelRepository() = default;

  absl::StatusOr<bool> JourneyExists(crm::common::Transaction& tx,
                                     absl::string_view journey_id) override;
  absl::StatusOr<JourneyRunCountsRecord> CountRuns(
      crm::common::Transaction& tx, absl::string_view journey_id) override;
};

}  // namespace crm::loyalty
