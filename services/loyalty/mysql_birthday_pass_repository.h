// BirthdayPassRepository (journey_birthdays.h) on loyalty's database: one
// row per BIRTHDAY journey in the common job-state table
// `feed_consumer_cursors` (common migration 0003), consumer
// `journey-birthdays:{journey id}`, `last_sequence` the last UTC day done
// as YYYYMMDD. All SQL, nothing else, on the caller's transaction.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "services/loyalty/journey_birthdays.h"

namespace crm::loyalty {

class MySqlBirthdayPassRepository final : public BirthdayPassRepository {
 public:
  MySqlBirthdayPassRepository() = default;

  absl::StatusOr<std::map<std::string, int64_t>> DaysDone(
      crm::common::Transaction& tx,
      const std::vector<std::string>& journey_ids) override;
  absl::Status MarkDone(crm::common::Transaction& tx,
                        const std::vector<std::string>& journey_ids,
                        int64_t day, absl::Time now) override;
};

}  // namespace crm::loyalty
