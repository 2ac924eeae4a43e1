// ScoringManager::FitClvModel: fits the CLV models (clv_model.h) over the
// read model's orders and stores them.
#include <optional>
#include <string>
#include <vector>

#include "absl/algorithm/container.h"
#include "absl/strings/ascii.h"
#include "services/common/error_details.h"
#include "services/common/field_behavior.h"
#include "services/common/idempotency_store.h"
#include "services/common/status_macros.h"
#include "services/common/timestamps.h"
#include "services/segmentation/customer_aggregate.h"
#include "services/segmentation/scoring_manager.h"

namespace crm::segmentation {
namespace {

using ::crm::common::RequestContext;
using ::crm::common::Transaction;

constexpr char kFitMethod[] = "FitClvModel";

}  // namespace

absl::StatusOr<v1::ClvModel> ScoringManager::FitClvModel(
    const RequestContext& context, const v1::FitClvModelRequest& request) {
  CRM_RETURN_IF_ERROR(crm::common::CheckRequiredFields(request));
  std::string currency = request.currency_code().empty()
                             ? policy_.scoring_currency
                             : request.currency_code();
  if (currency.size() != 3 || !absl::c_all_of(currency, absl::ascii_isupper)) {
    return crm::common::InvalidFieldError(
        "currency_code", "must be an ISO 4217 code such as CNY");
  }
  return crm::common::RunIdempotent<v1::ClvModel>(
      unit_of_work_, idempotency_, clock_, context, kFitMethod,
      request.request_id(), request,
      [&](Transaction& tx) -> absl::StatusOr<v1::ClvModel> {
        const absl::Time now = crm::common::TruncateToMicros(clock_.Now());
        const absl::Time end =
            request.has_observation_end()
                ? crm::common::FromProtoTimestamp(request.observation_end())
                : now;
        // Streamed: each customer's purchases reduced to their summary.
        const int64_t end_day = UtcDayNumber(end);
        std::vector<ClvSummary> base;
        CRM_RETURN_IF_ERROR(read_model_.ForEachCustomerPurchases(
            tx, currency, end_day,
            [&](absl::string_view,
                const std::vector<ClvPurchase>& purchases) -> absl::Status {
              if (context.IsCancelled()) {
                return context.CheckActive(clock_.Now());
              }
              std::optional<ClvSummary> summary = SummarizePurchasesForClv(
                  purchases, end_day, policy_.clv_days_per_unit);
              if (summary.has_value()) base.push_back(*summary);
              return absl::OkStatus();
            }));
        if (context.IsCancelled()) return context.CheckActive(clock_.Now());
        CRM_ASSIGN_OR_RETURN(BgNbdFit purchases, FitBgNbd(base));
        CRM_ASSIGN_OR_RETURN(GammaGammaFit spend, FitGammaGamma(base));
        ClvModelRecord model;
        model.id = ids_.NewId();
        model.fit_time = now;
        model.observation_end = crm::common::TruncateToMicros(end);
        model.currency_code = currency;
        model.days_per_unit = policy_.clv_days_per_unit;
        model.customers = static_cast<int64_t>(base.size());
        model.purchases = purchases;
        model.spend = spend;
        CRM_RETURN_IF_ERROR(scores_.SaveClvModel(tx, model));
        return ToClvModelProto(model);
      });
}

}  // namespace crm::segmentation
