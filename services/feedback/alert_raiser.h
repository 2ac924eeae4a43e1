// Raises feedback's alerts inside the transaction of the write that
// triggers them, so an alert exists exactly when its cause was committed:
//   - OnFeedback: a negative item (alert_rules.h) is counted in its
//     category's hour; once the hour's count reaches the category's
//     threshold, a COMPLAINT_SPIKE alert (one per category and hour);
//   - OnEscalation: an SLA_BREACHED alert per ticket and escalation level.
//
//   AlertRaiser raiser(alerts, ids);
//   CRM_RETURN_IF_ERROR(raiser.OnFeedback(tx, record));
#pragma once

#include "absl/status/status.h"
#include "absl/time/time.h"
#include "services/common/id_generator.h"
#include "services/common/unit_of_work.h"
#include "services/feedback/alert_repository.h"
#include "services/feedback/feedback_repository.h"
#include "services/feedback/ticket_repository.h"

namespace crm::feedback {

class AlertRaiser {
 public:
  // Both must outlive the raiser.
  AlertRaiser(AlertRepository& alerts, const crm::common::IdGenerator& ids)
      : alerts_(alerts), ids_(ids) {}
  AlertRaiser(const AlertRaiser&) = delete;
  AlertRaiser& operator=(const AlertRaiser&) = delete;

  // Counts `item` if negative and raises a COMPLAINT_SPIKE alert when its
  // hour's count reaches the threshold (ComputeSpikeBaseline over the 672
  // hours before that hour) and none was raised for the hour yet.
  absl::Status OnFeedback(crm::common::Transaction& tx,
                          const FeedbackRecord& item);

  // Raises an SLA_BREACHED alert for `ticket` at its escalation level
  // (once per ticket and level).
  absl::Status OnEscalation(crm::common::Transaction& tx,
                            const TicketRecord& ticket, absl::Time now);

 private:
  AlertRepository& alerts_;
  const crm::common::IdGenerator& ids_;
};

}  // namespace crm::feedback
