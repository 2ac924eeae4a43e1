// Alerts' domain logic over the storage seam and the alert repository:
// pages and acknowledges alerts, and serves WatchAlerts — the stored alerts
// after a cursor in sequence order, then new ones as they are committed
// (polled every `poll_interval`, so an alert reaches a watcher well under a
// second after the write that raised it, from any replica). Alerts
// themselves are raised by AlertRaiser (alert_raiser.h). No SQL, no gRPC.
//
//   AlertManager alerts(unit_of_work, alert_repository, keys, clock);
//   absl::Status status = alerts.WatchAlerts(ctx, request,
//       [&](const v1::Alert& alert) { return writer->Write(alert); });
#pragma once

#include <functional>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "crm/feedback/v1/alert.pb.h"
#include "crm/feedback/v1/feedback_service.pb.h"
#include "services/common/clock.h"
#include "services/common/idempotency.h"
#include "services/common/request_context.h"
#include "services/common/unit_of_work.h"
#include "services/feedback/alert_repository.h"

namespace crm::feedback {

// `alerts/{id}`.
std::string AlertName(absl::string_view id);

// The API form of a stored alert.
v1::Alert ToAlertProto(const AlertRecord& alert);

class AlertManager {
 public:
  // Every argument must outlive the manager.
  AlertManager(crm::common::UnitOfWork& unit_of_work, AlertRepository& alerts,
               crm::common::IdempotencyRepository& idempotency,
               const crm::common::Clock& clock,
               absl::Duration poll_interval = absl::Milliseconds(200))
      : unit_of_work_(unit_of_work),
        alerts_(alerts),
        idempotency_(idempotency),
        clock_(clock),
        poll_interval_(poll_interval) {}
  AlertManager(const AlertManager&) = delete;
  AlertManager& operator=(const AlertManager&) = delete;

  // A page of alerts matching the filter (alert_filter.h), newest first.
  absl::StatusOr<v1::ListAlertsResponse> ListAlerts(
      const crm::common::RequestContext& context,
      const v1::ListAlertsRequest& request);

  // Marks the alert ACKNOWLEDGED with the time and `acknowledged_by` (at
  // most 128 characters); an acknowledged alert is returned unchanged.
  // NOT_FOUND for an unknown alert. Idempotent on request_id.
  absl::StatusOr<v1::Alert> AcknowledgeAlert(
      const crm::common::RequestContext& context,
      const v1::AcknowledgeAlertRequest& request);

  // Calls `write` for every alert with a sequence above
  // `request.after_sequence()`, in sequence order, then keeps waiting for
  // new ones. Returns OK when the caller cancels or `write` returns false;
  // DEADLINE_EXCEEDED once the call's deadline passes; the database's error
  // if a read fails; FIELD_INVALID naming after_sequence when negative.
  absl::Status WatchAlerts(const crm::common::RequestContext& context,
                           const v1::WatchAlertsRequest& request,
                           const std::function<bool(const v1::Alert&)>& write);

 private:
  crm::common::UnitOfWork& unit_of_work_;
  AlertRepository& alerts_;
  crm::common::IdempotencyRepository& idempotency_;
  const crm::common::Clock& clock_;
  const absl::Duration poll_interval_;
};

}  // namespace crm::feedback
