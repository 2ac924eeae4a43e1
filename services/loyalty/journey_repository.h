// Storage of journeys (journey.proto) and of their runs, the audit of every
// member's pass through a journey. The MySQL implementation is
// MySqlJourneyRepository (migrations 0011, 0013).
//
//   CRM_ASSIGN_OR_RETURN(bool started, journeys.InsertRun(tx, run));
//   if (!started) return absl::OkStatus();  // This trigger was seen before.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "crm/loyalty/v1/journey.pb.h"
#include "services/common/unit_of_work.h"

namespace crm::loyalty {

// One journey. `spec` carries the trigger, condition, delay, action,
// purpose and channel as created (its name, state, times and etag are not
// read); `version` is the etag.
struct JourneyRecord {
  std::string id;
  v1::Journey::State state = v1::Journey::ACTIVE;
  v1::Journey spec;
  absl::Time create_time;
  absl::Time update_time;
  int64_t version = 0;
};

// One member's run of a journey for one trigger event.
struct JourneyRunRecord {
  std::string id;
  std::string journey_id;
  std::string customer_id;
  std::string trigger_event;  // Unique per journey and customer.
  absl::Time trigger_time;
  absl::Time due_time;
  v1::JourneyRun::State state = v1::JourneyRun::SCHEDULED;
  v1::JourneyRun::SkipReason skip_reason =
      v1::JourneyRun::SKIP_REASON_UNSPECIFIED;
  std::optional<absl::Time> finish_time;
  std::string ledger_entry_id;
  std::string coupon_id;
  std::string message_type;
  std::string message_payload;
  absl::Time create_time;
  // The order or ticket the trigger event was about (TriggerEvent::subject);
  // empty when none.
  std::string trigger_subject;
  // SEND_SURVEY: the invitation feedback created,
  // `surveys/{survey}/invitations/{invitation}`.
  std::string survey_invitation;
};

class JourneyRepository {
 public:
  JourneyRepository(const JourneyRepository&) = delete;
  JourneyRepository& operator=(const JourneyRepository&) = delete;
  virtual ~JourneyRepository() = default;

  // Stores a new journey. ALREADY_EXISTS if its id is taken.
  virtual absl::Status InsertJourney(crm::common::Transaction& tx,
                                     const JourneyRecord& journey) = 0;

  // The journey `id` (locked until `tx` ends with `lock`); nullopt if none.
  virtual absl::StatusOr<std::optional<JourneyRecord>> FindJourney(
      crm::common::Transaction& tx, absl::string_view id, bool lock) = 0;

  // Up to `limit` journeys with id above `after`, in id order.
  virtual absl::StatusOr<std::vector<JourneyRecord>> ListJourneys(
      crm::common::Transaction& tx, absl::string_view after, int limit) = 0;

  // The ACTIVE journeys triggered by `kind`, in id order (not locked).
  virtual absl::StatusOr<std::vector<JourneyRecord>> ActiveJourneys(
      crm::common::Transaction& tx, v1::JourneyTrigger::Kind kind) = 0;

  // Stores the journey's state, update_time and version. NOT_FOUND if none.
  virtual absl::Status UpdateJourneyState(crm::common::Transaction& tx,
                                          const JourneyRecord& journey) = 0;

  // Stores a new run. Returns false, writing nothing, when the journey
  // already has a run for the customer and trigger event.
  virtual absl::StatusOr<bool> InsertRun(crm::common::Transaction& tx,
                                         const JourneyRunRecord& run) = 0;

  // The run `id`, locked until `tx` ends; nullopt if none.
  virtual absl::StatusOr<std::optional<JourneyRunRecord>> LockRun(
      crm::common::Transaction& tx, absl::string_view id) = 0;

  // Stores the run's state, skip reason, finish time and results.
  virtual absl::Status UpdateRun(crm::common::Transaction& tx,
                                 const JourneyRunRecord& run) = 0;

  // A SCHEDULED run's place in the due order.
  struct DueRun {
    std::string id;
    absl::Time due_time;
  };

  // Up to `limit` SCHEDULED runs due at `now`, earliest first (due time,
  // then id), strictly after `after` unless it is null: a pass pages on
  // past runs that stay SCHEDULED (a SEND_SURVEY whose service did not
  // answer).
  virtual absl::StatusOr<std::vector<DueRun>> DueRuns(
      crm::common::Transaction& tx, absl::Time now, const DueRun* after,
      int limit) = 0;

  // How many runs of the customer COMPLETED at or after `since`.
  virtual absl::StatusOr<int64_t> CountCompletedSince(
      crm::common::Transaction& tx, absl::string_view customer_id,
      absl::Time since) = 0;

  // Up to `limit` runs of `journey_id` (of `customer_id` unless empty),
  // newest first (create_time, then id, descending), strictly before the
  // position (`before_time`, `before_id`) unless `before_id` is empty.
  virtual absl::StatusOr<std::vector<JourneyRunRecord>> ListRuns(
      crm::common::Transaction& tx, absl::string_view journey_id,
      absl::string_view customer_id, absl::Time before_time,
      absl::string_view before_id, int limit) = 0;

  // A customer's (latest) order time.
  struct LastOrder {
    std::string customer_id;
    absl::Time last_order_time;
  };

  // Records the orders (one statement per chunk; per customer the latest
  // time wins, also among several in `orders`).
  virtual absl::Status RecordOrders(crm::common::Transaction& tx,
                                    const std::vector<LastOrder>& orders) = 0;

  // Customers (with their last order time) whose last order is before
  // `cutoff`, customer id above `after`, up to `limit`, in customer order.
  virtual absl::StatusOr<std::vector<LastOrder>> QuietMembers(
      crm::common::Transaction& tx, absl::Time cutoff, absl::string_view after,
      int limit) = 0;

  // Gives the duplicate's runs and last order to the survivor (runs the
  // survivor already has for the same journey and trigger stay the
  // duplicate's and are then deleted).
  virtual absl::Status MoveCustomer(crm::common::Transaction& tx,
                                    absl::string_view duplicate,
                                    absl::string_view survivor) = 0;

  // Deletes every run and the last order of the customer (an erasure).
  virtual absl::Status ForgetCustomer(crm::common::Transaction& tx,
                                      absl::string_view customer_id) = 0;

 protected:
  JourneyRepository() = default;
};

}  // namespace crm::loyalty
