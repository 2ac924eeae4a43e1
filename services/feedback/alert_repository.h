// Storage of alerts and of the hourly counts of negative feedback the
// complaint-spike rule compares against (alert_rules.h). The MySQL
// implementation is MySqlAlertRepository (mysql_alert_repository.h); unit
// tests use the in-memory fake in tests/testing/fakes/feedback/.
//
//   CRM_ASSIGN_OR_RETURN(int64_t count,
//                        alerts.IncrementNegativeCount(tx, category, hour));
//   CRM_ASSIGN_OR_RETURN(bool raised, alerts.InsertIfNew(tx, alert));
//
// The repository stores what it is given: it validates nothing, makes no id
// and knows no resource name.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "crm/feedback/v1/alert.pb.h"
#include "services/common/filter/filter_ast.h"
#include "services/common/keyset_page.h"
#include "services/common/unit_of_work.h"

namespace crm::feedback {

// One alert as stored (its fields as in crm.feedback.v1.Alert, the ticket as
// a bare id).
struct AlertRecord {
  std::string id;
  // Assigned by InsertIfNew: one above every alert committed before.
  int64_t sequence = 0;
  // One alert per key: "spike:{category}:{hour}", "sla:{ticket}:{level}",
  // "high_value:{feedback}", "detractor:{survey}:{response}",
  // "imminent:{ticket}:{level}".
  std::string dedup_key;
  v1::Alert::Kind kind = v1::Alert::KIND_UNSPECIFIED;
  v1::Alert::State state = v1::Alert::OPEN;
  std::string summary;
  std::string category;
  int64_t observed = 0;
  double baseline_mean = 0;
  double baseline_deviation = 0;
  int64_t threshold = 0;
  std::optional<absl::Time> window_start;
  std::string ticket_id;
  int32_t escalation_level = 0;
  absl::Time create_time;
  std::optional<absl::Time> acknowledge_time;
  std::string acknowledged_by;
  // The resource the alert is about, by name: `feedback/{id}`
  // (NEGATIVE_FEEDBACK_HIGH_VALUE), `surveys/{s}/responses/{r}`
  // (DETRACTOR_TOP_TIER); empty for the other kinds.
  std::string subject;
  // SLA_BREACH_IMMINENT: the deadline about to pass.
  std::optional<absl::Time> deadline_time;
};

class AlertRepository {
 public:
  AlertRepository(const AlertRepository&) = delete;
  AlertRepository& operator=(const AlertRepository&) = delete;
  virtual ~AlertRepository() = default;

  // Adds one to the count of negative items of `category` in the hour
  // starting at `hour_start` and returns the new count. The count's row
  // stays locked until the transaction ends.
  virtual absl::StatusOr<int64_t> IncrementNegativeCount(
      crm::common::Transaction& tx, const std::string& category,
      absl::Time hour_start) = 0;

  // The non-zero counts of `category` for the hours starting in [from, to),
  // as (hour start, count).
  virtual absl::StatusOr<std::vector<std::pair<absl::Time, int64_t>>>
  NegativeCounts(crm::common::Transaction& tx, const std::string& category,
                 absl::Time from, absl::Time to) = 0;

  // Whether an alert with `dedup_key` exists.
  virtual absl::StatusOr<bool> Exists(crm::common::Transaction& tx,
                                      const std::string& dedup_key) = 0;

  // Stores `alert` with the next sequence (set into `alert`) unless an
  // alert with its dedup_key exists; returns whether it was stored.
  // Sequences are handed out under a lock held until the transaction ends,
  // so they become visible in increasing order (WatchAlerts never skips
  // one).
  virtual absl::StatusOr<bool> InsertIfNew(crm::common::Transaction& tx,
                                           AlertRecord& alert) = 0;

  // The alert with `id`, locked when `for_update`; NOT_FOUND if none.
  virtual absl::StatusOr<AlertRecord> Get(crm::common::Transaction& tx,
                                          const std::string& id,
                                          bool for_update) = 0;

  // Stores the acknowledgement of `alert` (state, time, by whom).
  virtual absl::Status SaveAcknowledgement(crm::common::Transaction& tx,
                                           const AlertRecord& alert) = 0;

  // Alerts matching `filter` (alert_filter.h), create_time then id
  // descending, strictly after `page.after`, at most `page.page_size`.
  virtual absl::StatusOr<crm::common::Page<AlertRecord>> List(
      crm::common::Transaction& tx, const crm::common::filter::Filter& filter,
      const crm::common::PageRequest& page) = 0;

  // Up to `limit` alerts with a sequence above `after_sequence`, in
  // sequence order.
  virtual absl::StatusOr<std::vector<AlertRecord>> ListAfterSequence(
      crm::common::Transaction& tx, int64_t after_sequence, int limit) = 0;

 protected:
  AlertRepository() = default;
};

}  // namespace crm::feedback
