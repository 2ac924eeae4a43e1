#include "services/feedback/alert_manager.h"

#include <algorithm>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "services/common/error_details.h"
#include "services/common/field_behavior.h"
#include "services/common/keyset_page.h"
#include "services/common/resource_name.h"
#include "services/common/status_macros.h"
#include "services/common/timestamps.h"
#include "services/feedback/alert_filter.h"
#include "services/feedback/ticket_resources.h"
#include "services/feedback/ticket_validation.h"

namespace crm::feedback {
namespace {

using ::crm::common::Page;
using ::crm::common::PageRequest;
using ::crm::common::RequestContext;
using ::crm::common::Transaction;

constexpr char kAlertsCollection[] = "alerts";
constexpr char kAcknowledgeAlertMethod[] = "AcknowledgeAlert";
// Alerts read per query of the stream.
constexpr int kWatchBatch = 100;

}  // namespace

std::string AlertName(absl::string_view id) {
  return crm::common::FormatResourceName(kAlertsCollection, id);
}

v1::Alert ToAlertProto(const AlertRecord& alert) {
  v1::Alert proto;
  proto.set_name(AlertName(alert.id));
  proto.set_kind(alert.kind);
  proto.set_state(alert.state);
  proto.set_summary(alert.summary);
  proto.set_category(alert.category);
  proto.set_observed(alert.observed);
  proto.set_baseline_mean(alert.baseline_mean);
  proto.set_baseline_deviation(alert.baseline_deviation);
  proto.set_threshold(alert.threshold);
  if (alert.window_start.has_value()) {
    *proto.mutable_window_start() =
        crm::common::ToProtoTimestamp(*alert.window_start);
  }
  if (!alert.ticket_id.empty()) proto.set_ticket(TicketName(alert.ticket_id));
  proto.set_escalation_level(alert.escalation_level);
  *proto.mutable_create_time() =
      crm::common::ToProtoTimestamp(alert.create_time);
  if (alert.acknowledge_time.has_value()) {
    *proto.mutable_acknowledge_time() =
        crm::common::ToProtoTimestamp(*alert.acknowledge_time);
  }
  proto.set_acknowledged_by(alert.acknowledged_by);
  proto.set_sequence(alert.sequence);
  if (alert.kind == v1::Alert::NEGATIVE_FEEDBACK_HIGH_VALUE) {
    proto.set_feedback(alert.subject);
  } else if (alert.kind == v1::Alert::DETRACTOR_TOP_TIER) {
    proto.set_survey_response(alert.subject);
  }
  if (alert.deadline_time.has_value()) {
    *proto.mutable_deadline_time() =
        crm::common::ToProtoTimestamp(*alert.deadline_time);
  }
  return proto;
}

absl::StatusOr<v1::ListAlertsResponse> AlertManager::ListAlerts(
    const RequestContext& context, const v1::ListAlertsRequest& request) {
  CRM_RETURN_IF_ERROR(crm::common::CheckRequiredFields(request));
  CRM_ASSIGN_OR_RETURN(AlertQuery query, ParseAlertFilter(request.filter()));
  CRM_ASSIGN_OR_RETURN(
      PageRequest page,
      crm::common::ParsePageRequest(request.page_size(), request.page_token(),
                                    query.fingerprint));
  CRM_ASSIGN_OR_RETURN(
      Page<AlertRecord> result,
      unit_of_work_.Read<Page<AlertRecord>>(
          context, [&](Transaction& tx) -> absl::StatusOr<Page<AlertRecord>> {
            return alerts_.List(tx, query.filter, page);
          }));
  v1::ListAlertsResponse response;
  for (const AlertRecord& alert : result.items) {
    *response.add_alerts() = ToAlertProto(alert);
  }
  response.set_next_page_token(
      crm::common::NextPageToken(result.next, query.fingerprint));
  return response;
}

absl::StatusOr<v1::Alert> AlertManager::AcknowledgeAlert(
    const RequestContext& context, const v1::AcknowledgeAlertRequest& request) {
  CRM_RETURN_IF_ERROR(crm::common::CheckRequiredFields(request));
  CRM_ASSIGN_OR_RETURN(std::string id,
                       crm::common::ParseResourceName(
                           request.name(), kAlertsCollection, "name"));
  CRM_RETURN_IF_ERROR(
      ValidateStaffId(request.acknowledged_by(), "acknowledged_by"));
  return crm::common::RunIdempotent<v1::Alert>(
      unit_of_work_, idempotency_, clock_, context, kAcknowledgeAlertMethod,
      request.request_id(), request,
      [&](Transaction& tx) -> absl::StatusOr<v1::Alert> {
        CRM_ASSIGN_OR_RETURN(AlertRecord alert, alerts_.Get(tx, id, true));
        if (alert.state != v1::Alert::ACKNOWLEDGED) {
          alert.state = v1::Alert::ACKNOWLEDGED;
          alert.acknowledge_time = crm::common::TruncateToMicros(clock_.Now());
          alert.acknowledged_by = request.acknowledged_by();
          CRM_RETURN_IF_ERROR(alerts_.SaveAcknowledgement(tx, alert));
        }
        return ToAlertProto(alert);
      });
}

absl::Status AlertManager::WatchAlerts(
    const RequestContext& context, const v1::WatchAlertsRequest& request,
    const std::function<bool(const v1::Alert&)>& write) {
  if (request.after_sequence() < 0) {
    return crm::common::InvalidFieldError("after_sequence",
                                          "must not be negative");
  }
  int64_t cursor = request.after_sequence();
  while (true) {
    if (context.IsCancelled()) return absl::OkStatus();
    CRM_RETURN_IF_ERROR(context.CheckActive(absl::Now()));
    CRM_ASSIGN_OR_RETURN(
        std::vector<AlertRecord> batch,
        unit_of_work_.Read<std::vector<AlertRecord>>(
            context,
            [&](Transaction& tx) -> absl::StatusOr<std::vector<AlertRecord>> {
              return alerts_.ListAfterSequence(tx, cursor, kWatchBatch);
            }));
    for (const AlertRecord& alert : batch) {
      if (context.IsCancelled() || !write(ToAlertProto(alert))) {
        return absl::OkStatus();
      }
      cursor = alert.sequence;
    }
    if (batch.size() < static_cast<size_t>(kWatchBatch)) {
      absl::SleepFor(std::min(poll_interval_, context.Remaining(absl::Now())));
    }
  }
}

}  // namespace crm::feedback
