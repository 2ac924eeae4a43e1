#include "services/segmentation/referral_value.h"

#include <map>
#include <optional>
#include <string>
#include <utility>

#include "absl/strings/match.h"
#include "absl/strings/strip.h"
#include "services/common/money.h"
#include "services/common/resource_name.h"
#include "services/common/status_macros.h"
#include "services/common/timestamps.h"

namespace crm::segmentation {
namespace {

using ::crm::common::Transaction;
namespace lv1 = ::crm::loyalty::v1;

// The prefix of the tombstone ids loyalty re-keys an erased customer to.
constexpr absl::string_view kErasedIdPrefix = "erased-";

}  // namespace

absl::Status LoyaltyFeedApplier::ApplyPayload(Transaction& tx,
                                              int64_t /*sequence*/,
                                              absl::string_view payload) {
  lv1::ChangeEvent event;
  if (!event.ParseFromArray(payload.data(), static_cast<int>(payload.size()))) {
    return absl::DataLossError("unreadable loyalty change event");
  }
  return Apply(tx, event);
}

absl::Status LoyaltyFeedApplier::Apply(Transaction& tx,
                                       const lv1::ChangeEvent& event) {
  switch (event.type()) {
    case lv1::ChangeEvent::REFERRAL_REWARDED:
    case lv1::ChangeEvent::REFERRAL_CANCELLED:
    case lv1::ChangeEvent::REFERRAL_ERASED:
      break;
    default:
      return absl::OkStatus();
  }
  const lv1::ReferralChange& change = event.referral_change();
  CRM_ASSIGN_OR_RETURN(
      std::string referral_id,
      crm::common::ParseResourceName(change.referral(), "referrals",
                                     "referral_change.referral"));
  if (event.type() != lv1::ChangeEvent::REFERRAL_REWARDED) {
    return edges_.Delete(tx, referral_id);
  }
  CRM_ASSIGN_OR_RETURN(std::string referrer, crm::common::ParseResourceName(
                                                 change.referrer(), "customers",
                                                 "referral_change.referrer"));
  CRM_ASSIGN_OR_RETURN(std::string referred, crm::common::ParseResourceName(
                                                 change.referred(), "customers",
                                                 "referral_change.referred"));
  // Read after an erasure rewrote it: nothing to link.
  if (absl::StartsWith(referrer, kErasedIdPrefix) ||
      absl::StartsWith(referred, kErasedIdPrefix)) {
    return absl::OkStatus();
  }
  ReferralEdge edge;
  edge.referral_id = std::move(referral_id);
  edge.referrer_id = std::move(referrer);
  edge.referred_id = std::move(referred);
  edge.reward_time =
      change.has_reward_time()
          ? crm::common::FromProtoTimestamp(change.reward_time())
          : (event.has_event_time()
                 ? crm::common::FromProtoTimestamp(event.event_time())
                 : absl::UnixEpoch());
  return edges_.Insert(tx, edge);
}

ReadModelChangeHook ReferralEdgeHook(ReferralEdgeRepository& edges,
                                     ReadModelRepository& read_model) {
  return [&edges, &read_model](Transaction& tx, absl::string_view customer_id,
                               ReadModelChange change) -> absl::Status {
    switch (change) {
      case ReadModelChange::kUpdated:
        return absl::OkStatus();
      case ReadModelChange::kMergedAway: {
        CRM_ASSIGN_OR_RETURN(std::optional<MergeRecord> merged,
                             read_model.FindMerge(tx, customer_id));
        if (!merged.has_value()) return absl::OkStatus();
        return edges.ReKeyCustomer(tx, customer_id, merged->survivor_id);
      }
      case ReadModelChange::kErased:
        return edges.DeleteCustomer(tx, customer_id);
    }
    return absl::OkStatus();
  };
}

absl::Status AddReferralValues(ReferralEdgeRepository* edges, Transaction& tx,
                               absl::string_view currency_code,
                               const std::vector<v1::CustomerScore*>& scores) {
  if (edges == nullptr || scores.empty()) return absl::OkStatus();
  // `customers/{id}/score` -> id.
  std::vector<std::string> ids;
  ids.reserve(scores.size());
  for (const v1::CustomerScore* score : scores) {
    absl::string_view name = score->name();
    absl::ConsumePrefix(&name, "customers/");
    absl::ConsumeSuffix(&name, "/score");
    ids.emplace_back(name);
  }
  CRM_ASSIGN_OR_RETURN(auto values, edges->ValuesOf(tx, ids));
  for (size_t i = 0; i < scores.size(); ++i) {
    ReferralValue value;
    auto found = values.find(ids[i]);
    if (found != values.end()) value = found->second;
    scores[i]->set_referral_count(value.referral_count);
    *scores[i]->mutable_referral_value() =
        crm::common::MoneyOf(currency_code, value.value_minor);
  }
  return absl::OkStatus();
}

}  // namespace crm::segmentation
