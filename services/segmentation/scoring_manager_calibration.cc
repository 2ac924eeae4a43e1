// ScoringManager::GetClvCalibrationReport: the calibration/holdout report of
// a stored CLV model (clv_calibration.h) over the read model.
#include <optional>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "crm/segmentation/v1/clv_calibration_report.pb.h"
#include "services/common/error_details.h"
#include "services/common/field_behavior.h"
#include "services/common/resource_name.h"
#include "services/common/status_macros.h"
#include "services/common/timestamps.h"
#include "services/segmentation/clv_calibration.h"
#include "services/segmentation/scoring_manager.h"

namespace crm::segmentation {
namespace {

using ::crm::common::RequestContext;
using ::crm::common::Transaction;

constexpr absl::string_view kCalibrationReportSuffix = "/calibrationReport";

// The {clv_model} of clvModels/{clv_model}/calibrationReport.
absl::StatusOr<std::string> ParseCalibrationReportName(absl::string_view name) {
  absl::StatusOr<std::string> id = absl::InvalidArgumentError("not checked");
  if (absl::EndsWith(name, kCalibrationReportSuffix)) {
    id = crm::common::ParseResourceName(
        name.substr(0, name.size() - kCalibrationReportSuffix.size()),
        "clvModels", "name");
  }
  if (!id.ok()) {
    return crm::common::InvalidFieldError(
        "name", "must be of the form clvModels/{clv_model}/calibrationReport");
  }
  return id;
}

void SetGroup(const ClvCalibrationGroup& group,
              v1::ClvCalibrationReport::FrequencyGroup* proto) {
  proto->set_customer_count(group.customers);
  proto->set_mean_predicted_repeat_purchases(group.MeanPredicted());
  proto->set_mean_actual_repeat_purchases(group.MeanActual());
  proto->set_predicted_repeat_purchases(group.predicted_purchases);
  proto->set_actual_repeat_purchases(group.actual_purchases);
}

}  // namespace

absl::StatusOr<v1::ClvCalibrationReport>
ScoringManager::GetClvCalibrationReport(
    const RequestContext& context,
    const v1::GetClvCalibrationReportRequest& request) {
  CRM_RETURN_IF_ERROR(crm::common::CheckRequiredFields(request));
  CRM_ASSIGN_OR_RETURN(std::string id,
                       ParseCalibrationReportName(request.name()));
  const absl::Time holdout_end =
      crm::common::FromProtoTimestamp(request.holdout_end());
  return unit_of_work_.Read<v1::ClvCalibrationReport>(
      context,
      [&](Transaction& tx) -> absl::StatusOr<v1::ClvCalibrationReport> {
        CRM_ASSIGN_OR_RETURN(std::optional<ClvModelRecord> model,
                             scores_.FindClvModel(tx, id));
        if (!model.has_value()) {
          return crm::common::NotFoundError(
              crm::common::FormatResourceName("clvModels", id));
        }
        const double holdout_units = HoldoutLengthUnits(
            model->observation_end, holdout_end, model->days_per_unit);
        if (!(holdout_units > 0)) {
          return crm::common::InvalidFieldError(
              "holdout_end",
              "must be on a later UTC day than the model's observation_end");
        }
        ClvCalibrationAccumulator report(model->purchases.params,
                                         holdout_units);
        CRM_RETURN_IF_ERROR(read_model_.ForEachCustomerOrders(
            tx,
            [&](absl::string_view,
                const std::vector<OrderFact>& orders) -> absl::Status {
              if (context.IsCancelled()) {
                return context.CheckActive(clock_.Now());
              }
              std::optional<CalibrationHoldoutSummary> customer =
                  SummarizeCalibrationHoldout(orders, model->observation_end,
                                              holdout_end, model->days_per_unit,
                                              model->currency_code);
              if (customer.has_value()) report.Add(*customer);
              return absl::OkStatus();
            }));
        if (context.IsCancelled()) return context.CheckActive(clock_.Now());

        v1::ClvCalibrationReport proto;
        proto.set_name(
            absl::StrCat(crm::common::FormatResourceName("clvModels", id),
                         kCalibrationReportSuffix));
        *proto.mutable_calibration_end() =
            crm::common::ToProtoTimestamp(model->observation_end);
        *proto.mutable_holdout_end() = request.holdout_end();
        proto.set_holdout_length(holdout_units);
        proto.set_time_unit_days(model->days_per_unit);
        proto.set_currency_code(model->currency_code);
        const ClvCalibrationTable& table = report.table();
        for (int x = 0; x < kClvCalibrationGroups; ++x) {
          v1::ClvCalibrationReport::FrequencyGroup* group =
              proto.add_frequency_groups();
          group->set_calibration_repeat_purchases(x);
          group->set_open_ended(x == kClvCalibrationGroups - 1);
          SetGroup(table.groups[x], group);
        }
        proto.set_customer_count(table.total.customers);
        proto.set_predicted_repeat_purchases(table.total.predicted_purchases);
        proto.set_actual_repeat_purchases(table.total.actual_purchases);
        return proto;
      });
}

}  // namespace crm::segmentation
