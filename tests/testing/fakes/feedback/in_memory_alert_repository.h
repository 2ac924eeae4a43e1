// An in-memory AlertRepository (services/feedback/alert_repository.h) for
// unit tests of the alert raiser and manager; rolled back with the
// FakeUnitOfWork it enlists in.
//
//   crm::testing::InMemoryAlertRepository alerts(&unit_of_work);
//   AlertRaiser raiser(alerts, ids);
//
// Follows the interface's contracts: one alert per dedup key, sequences one
// above the last, List filtered (AlertFilterView), ordered and paged as the
// MySQL implementation does.
#pragma once

#include <algorithm>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "services/common/error_details.h"
#include "services/common/filter/filter_predicate.h"
#include "services/common/keyset_page.h"
#include "services/feedback/alert_filter.h"
#include "services/feedback/alert_repository.h"
#include "tests/testing/fakes/fake_unit_of_work.h"

namespace crm::testing {

class InMemoryAlertRepository final : public crm::feedback::AlertRepository {
 public:
  using AlertRecord = crm::feedback::AlertRecord;

  // Enlists in `unit_of_work` (if not null) to be rolled back with it.
  explicit InMemoryAlertRepository(FakeUnitOfWork* unit_of_work) {
    if (unit_of_work != nullptr) {
      unit_of_work->Enlist([this] {
        State saved = state_;
        return [this, saved] { state_ = saved; };
      });
    }
  }

  absl::StatusOr<int64_t> IncrementNegativeCount(
      crm::common::Transaction& /*tx*/, const std::string& category,
      absl::Time hour_start) override {
    return ++state_.counts[{category, hour_start}];
  }

  absl::StatusOr<std::vector<std::pair<absl::Time, int64_t>>> NegativeCounts(
      crm::common::Transaction& /*tx*/, const std::string& category,
      absl::Time from, absl::Time to) override {
    std::vector<std::pair<absl::Time, int64_t>> found;
    for (const auto& [key, count] : state_.counts) {
      if (key.first == category && key.second >= from && key.second < to) {
        found.emplace_back(key.second, count);
      }
    }
    return found;
  }

  absl::StatusOr<bool> Exists(crm::common::Transaction& /*tx*/,
                              const std::string& dedup_key) override {
    for (const AlertRecord& alert : state_.alerts) {
      if (alert.dedup_key == dedup_key) return true;
    }
    return false;
  }

  absl::StatusOr<bool> InsertIfNew(crm::common::Transaction& tx,
                                   AlertRecord& alert) override {
    absl::StatusOr<bool> exists = Exists(tx, alert.dedup_key);
    if (!exists.ok() || *exists) return false;
    alert.sequence = ++state_.last_sequence;
    state_.alerts.push_back(alert);
    return true;
  }

  absl::StatusOr<AlertRecord> Get(crm::common::Transaction& /*tx*/,
                                  const std::string& id,
                                  bool /*for_update*/) override {
    for (const AlertRecord& alert : state_.alerts) {
      if (alert.id == id) return alert;
    }
    return crm::common::NotFoundError(absl::StrCat("alerts/", id));
  }

  absl::Status SaveAcknowledgement(crm::common::Transaction& /*tx*/,
                                   const AlertRecord& alert) override {
    for (AlertRecord& stored : state_.alerts) {
      if (stored.id != alert.id) continue;
      stored.state = alert.state;
      stored.acknowledge_time = alert.acknowledge_time;
      stored.acknowledged_by = alert.acknowledged_by;
    }
    return absl::OkStatus();
  }

  absl::StatusOr<crm::common::Page<AlertRecord>> List(
      crm::common::Transaction& /*tx*/,
      const crm::common::filter::Filter& filter,
      const crm::common::PageRequest& page) override {
    std::vector<AlertRecord> rows;
    for (const AlertRecord& alert : state_.alerts) {
      if (!crm::common::filter::Matches(
              filter, crm::feedback::AlertFilterView(alert))) {
        continue;
      }
      if (page.after.has_value() &&
          !(alert.create_time < page.after->create_time ||
            (alert.create_time == page.after->create_time &&
             alert.id < page.after->id))) {
        continue;
      }
      rows.push_back(alert);
    }
    std::sort(rows.begin(), rows.end(),
              [](const AlertRecord& a, const AlertRecord& b) {
                return a.create_time != b.create_time
                           ? a.create_time > b.create_time
                           : a.id > b.id;
              });
    if (rows.size() > static_cast<size_t>(page.page_size) + 1) {
      rows.resize(page.page_size + 1);
    }
    return crm::common::MakePage<AlertRecord>(
        std::move(rows), page.page_size, [](const AlertRecord& alert) {
          return crm::common::KeysetPosition{alert.create_time, alert.id};
        });
  }

  absl::StatusOr<std::vector<AlertRecord>> ListAfterSequence(
      crm::common::Transaction& /*tx*/, int64_t after_sequence,
      int limit) override {
    std::vector<AlertRecord> found;
    for (const AlertRecord& alert : state_.alerts) {
      if (alert.sequence > after_sequence &&
          found.size() < static_cast<size_t>(limit)) {
        found.push_back(alert);
      }
    }
    return found;
  }

  // The committed alerts, in sequence order.
  const std::vector<AlertRecord>& alerts() const { return state_.alerts; }

 private:
  struct State {
    std::map<std::pair<std::string, absl::Time>, int64_t> counts;
    std::vector<AlertRecord> alerts;
    int64_t last_sequence = 0;
  };
  State state_;
};

}  // namespace crm::testing
