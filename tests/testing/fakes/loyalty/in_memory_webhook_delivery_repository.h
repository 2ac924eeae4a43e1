// An in-memory WebhookDeliveryRepository
// (services/loyalty/webhook_delivery_repository.h) for unit tests of the
// dispatcher; rolled back with the FakeUnitOfWork it enlists in. Claims need
// no row locks: FakeUnitOfWork runs one unit of work at a time.
//
//   crm::testing::InMemoryWebhookDeliveryRepository deliveries(&unit_of_work);
//   deliveries.Add(due, /*next_attempt_time=*/now);
//   EXPECT_EQ(deliveries.Get(due.id).state, DeliveryState::kDead);
#pragma once

#include <algorithm>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "services/loyalty/webhook_delivery_repository.h"
#include "tests/testing/fakes/fake_unit_of_work.h"

namespace crm::testing {

class InMemoryWebhookDeliveryRepository final
    : public crm::loyalty::WebhookDeliveryRepository {
 public:
  using DeliveryState = crm::loyalty::DeliveryState;

  // Enlists in `unit_of_work` (if not null) to be rolled back with it.
  explicit InMemoryWebhookDeliveryRepository(FakeUnitOfWork* unit_of_work) {
    if (unit_of_work != nullptr) {
      unit_of_work->Enlist([this] {
        std::map<int64_t, Row> saved = rows_;
        return [this, saved] { rows_ = saved; };
      });
    }
  }

  // A PENDING delivery of `due` (its id, endpoint, message and secret).
  void Add(const crm::loyalty::DueDelivery& due, absl::Time next_attempt_time) {
    Row row;
    row.due = due;
    row.record.id = due.id;
    row.record.endpoint_id = due.endpoint_id;
    row.record.event_type = due.event_type;
    row.record.idempotency_key = due.idempotency_key;
    row.record.attempts = due.attempts;
    row.record.next_attempt_time = next_attempt_time;
    row.record.create_time = due.create_time;
    rows_[due.id] = row;
  }
  // The delivery as stored (it must exist).
  crm::loyalty::WebhookDeliveryRecord Get(int64_t id) const {
    return rows_.at(id).record;
  }

  absl::StatusOr<std::vector<crm::loyalty::DueDelivery>> ClaimDue(
      crm::common::Transaction& /*tx*/, absl::Time now, absl::Time lease_until,
      int limit) override {
    std::vector<Row*> due;
    for (auto& [id, row] : rows_) {
      if (row.record.state == DeliveryState::kPending &&
          row.record.next_attempt_time <= now) {
        due.push_back(&row);
      }
    }
    std::sort(due.begin(), due.end(), [](const Row* a, const Row* b) {
      return std::make_pair(a->record.next_attempt_time, a->record.id) <
             std::make_pair(b->record.next_attempt_time, b->record.id);
    });
    if (static_cast<int>(due.size()) > limit) due.resize(limit);
    std::vector<crm::loyalty::DueDelivery> claimed;
    for (Row* row : due) {
      row->record.next_attempt_time = lease_until;
      crm::loyalty::DueDelivery delivery = row->due;
      delivery.attempts = row->record.attempts;
      claimed.push_back(delivery);
    }
    return claimed;
  }
  absl::Status RecordAttempt(
      crm::common::Transaction& /*tx*/,
      const crm::loyalty::DeliveryAttempt& attempt) override {
    auto it = rows_.find(attempt.id);
    if (it == rows_.end() ||
        it->second.record.state != DeliveryState::kPending) {
      return absl::OkStatus();
    }
    crm::loyalty::WebhookDeliveryRecord& record = it->second.record;
    record.state = attempt.state;
    record.attempts = attempt.attempts;
    record.last_response_code = attempt.response_code;
    record.last_error = attempt.error;
    record.last_attempt_time = attempt.attempt_time;
    record.next_attempt_time = attempt.state == DeliveryState::kPending
                                   ? attempt.next_attempt_time
                                   : attempt.attempt_time;
    return absl::OkStatus();
  }
  absl::StatusOr<std::optional<crm::loyalty::WebhookDeliveryRecord>> Find(
      crm::common::Transaction& /*tx*/, absl::string_view endpoint_id,
      int64_t id) override {
    auto it = rows_.find(id);
    if (it == rows_.end() || it->second.record.endpoint_id != endpoint_id) {
      return std::nullopt;
    }
    return it->second.record;
  }
  absl::StatusOr<std::vector<crm::loyalty::WebhookDeliveryRecord>> ListDead(
      crm::common::Transaction& /*tx*/, absl::string_view endpoint_id,
      int64_t after_id, int limit) override {
    std::vector<crm::loyalty::WebhookDeliveryRecord> dead;
    for (const auto& [id, row] : rows_) {
      if (id <= after_id || row.record.state != DeliveryState::kDead) continue;
      if (!endpoint_id.empty() && row.record.endpoint_id != endpoint_id) {
        continue;
      }
      if (static_cast<int>(dead.size()) == limit) break;
      dead.push_back(row.record);
    }
    return dead;
  }
  absl::StatusOr<bool> Replay(crm::common::Transaction& /*tx*/, int64_t id,
                              absl::Time now) override {
    auto it = rows_.find(id);
    if (it == rows_.end() || it->second.record.state != DeliveryState::kDead) {
      return false;
    }
    it->second.record.state = DeliveryState::kPending;
    it->second.record.attempts = 0;
    it->second.record.next_attempt_time = now;
    return true;
  }
  absl::StatusOr<int64_t> CountDead(crm::common::Transaction& /*tx*/) override {
    int64_t count = 0;
    for (const auto& [id, row] : rows_) {
      if (row.record.state == DeliveryState::kDead) ++count;
    }
    return count;
  }

 private:
  struct Row {
    crm::loyalty::DueDelivery due;
    crm::loyalty::WebhookDeliveryRecord record;
  };
  std::map<int64_t, Row> rows_;
};

}  // namespace crm::testing
