#include "services/segmentation/customer_data_exporter.h"

#include <algorithm>
#include <optional>
#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/str_cat.h"
#include "services/common/error_details.h"
#include "services/common/field_behavior.h"
#include "services/common/money.h"
#include "services/common/resource_name.h"
#include "services/common/status_macros.h"
#include "services/common/timestamps.h"
#include "services/segmentation/membership_manager.h"
#include "services/segmentation/referral_value.h"
#include "services/segmentation/scoring_manager.h"
#include "services/segmentation/segment_validation.h"

namespace crm::segmentation {
namespace {

using ::crm::common::RequestContext;
using ::crm::common::ToProtoTimestamp;
using ::crm::common::Transaction;

v1::MembershipChange ToMembershipChangeProto(
    const MembershipChangeRecord& change) {
  v1::MembershipChange proto;
  proto.set_segment(SegmentName(change.segment_id));
  proto.set_customer(crm::common::CustomerResourceName(change.customer_id));
  proto.set_kind(change.kind == MembershipChangeKind::kEntered
                     ? v1::MembershipChange::ENTERED
                     : v1::MembershipChange::LEFT);
  proto.set_reason(change.reason == MembershipChangeReason::kMerged
                       ? v1::MembershipChange::MERGED
                       : v1::MembershipChange::RULE);
  *proto.mutable_change_time() = ToProtoTimestamp(change.time);
  return proto;
}

}  // namespace

absl::StatusOr<v1::CustomerSegmentationData>
CustomerDataExporter::ExportCustomerSegmentationData(
    const RequestContext& context,
    const v1::ExportCustomerSegmentationDataRequest& request) {
  CRM_RETURN_IF_ERROR(crm::common::CheckRequiredFields(request));
  absl::StatusOr<std::string> parsed =
      crm::common::ParseResourceName(request.name(), "customers", "name");
  if (!parsed.ok()) {
    return crm::common::InvalidFieldError(
        "name", "must be of the form customers/{customer}");
  }
  const std::string id = *parsed;
  return unit_of_work_.Read<v1::CustomerSegmentationData>(
      context,
      [&](Transaction& tx) -> absl::StatusOr<v1::CustomerSegmentationData> {
        v1::CustomerSegmentationData data;
        data.set_customer(crm::common::CustomerResourceName(id));
        CRM_ASSIGN_OR_RETURN(std::optional<CustomerFacts> facts,
                             read_model_.FindCustomer(tx, id));
        if (facts.has_value()) {
          v1::ReadModelFacts* out = data.mutable_facts();
          out->set_country_code(facts->country_code);
          out->set_source_channel(facts->source_channel);
          out->set_locale(facts->locale);
          out->set_gender(facts->gender);
          for (const std::string& tag : facts->tags) out->add_tags(tag);
          for (const std::string& purpose : facts->granted_consents) {
            out->add_granted_consents(purpose);
          }
          if (facts->create_time != absl::InfinitePast()) {
            *out->mutable_create_time() = ToProtoTimestamp(facts->create_time);
          }
        }
        CRM_ASSIGN_OR_RETURN(std::vector<OrderFact> orders,
                             read_model_.ListOrders(tx, id));
        absl::flat_hash_map<std::string, std::vector<std::string>> skus_of;
        if (items_ != nullptr) {
          CRM_ASSIGN_OR_RETURN(std::vector<OrderItemRecord> items,
                               items_->ListOrderItems(tx, id));
          for (OrderItemRecord& item : items) {
            skus_of[item.order_id].push_back(std::move(item.sku));
          }
        }
        for (const OrderFact& order : orders) {
          v1::ReadModelOrder* out = data.add_orders();
          auto skus = skus_of.find(order.order_id);
          if (skus != skus_of.end()) {
            for (const std::string& sku : skus->second) out->add_skus(sku);
          }
          out->set_order(absl::StrCat(crm::common::CustomerResourceName(id),
                                      "/orders/", order.order_id));
          *out->mutable_order_time() = ToProtoTimestamp(order.order_time);
          *out->mutable_amount() =
              crm::common::MoneyOf(order.currency_code, order.amount_minor);
          *out->mutable_refunded_amount() =
              crm::common::MoneyOf(order.currency_code, order.refunded_minor);
        }
        if (items_ != nullptr) {
          CRM_ASSIGN_OR_RETURN(std::vector<PurchasedItem> viewed,
                               items_->ListViewedItems(tx, id));
          std::sort(viewed.begin(), viewed.end(),
                    [](const PurchasedItem& a, const PurchasedItem& b) {
                      return a.sku < b.sku;
                    });
          for (const PurchasedItem& item : viewed) {
            v1::ItemView* out = data.add_item_views();
            out->set_sku(item.sku);
            *out->mutable_last_view_time() = ToProtoTimestamp(item.last_time);
          }
        }
        CRM_ASSIGN_OR_RETURN(std::optional<CustomerAggregate> aggregate,
                             read_model_.FindAggregate(tx, id));
        CRM_ASSIGN_OR_RETURN(std::vector<BehaviourCounts> counts,
                             read_model_.FindBehaviourCounts(tx, {id}));
        const BehaviourCounts& held = counts.front();
        if (!held.channel_orders.empty() || !held.category_quantities.empty() ||
            held.interaction_count > 0) {
          v1::PurchaseAggregate* out = data.mutable_aggregate();
          for (const NamedCount& one : held.channel_orders) {
            v1::BehaviourCount* count = out->add_channel_order_counts();
            count->set_name(one.name);
            count->set_count(one.count);
          }
          for (const NamedCount& one : held.category_quantities) {
            v1::BehaviourCount* count = out->add_category_quantities();
            count->set_name(one.name);
            count->set_count(one.count);
          }
          out->set_interaction_count(held.interaction_count);
        }
        if (aggregate.has_value()) {
          v1::PurchaseAggregate* out = data.mutable_aggregate();
          out->set_weekend_order_count(aggregate->weekend_order_count);
          out->set_order_count(aggregate->order_count);
          out->set_purchase_days(aggregate->purchase_days);
          if (aggregate->first_order_time.has_value()) {
            *out->mutable_first_order_time() =
                ToProtoTimestamp(*aggregate->first_order_time);
          }
          if (aggregate->last_order_time.has_value()) {
            *out->mutable_last_order_time() =
                ToProtoTimestamp(*aggregate->last_order_time);
          }
          for (const CurrencySpend& spend : aggregate->spend) {
            *out->add_net_spend() = crm::common::MoneyOf(spend.currency_code,
                                                         spend.net_total_minor);
          }
        }
        CRM_ASSIGN_OR_RETURN(std::optional<CustomerScoreRecord> score,
                             scores_.Find(tx, id));
        if (score.has_value()) {
          *data.mutable_score() =
              ToCustomerScoreProto(*score, scoring_currency_,
                                   score->clv_model_id.empty()
                                       ? ""
                                       : crm::common::FormatResourceName(
                                             "clvModels", score->clv_model_id));
          CRM_RETURN_IF_ERROR(AddReferralValues(
              referral_edges_, tx, scoring_currency_, {data.mutable_score()}));
        }
        CRM_ASSIGN_OR_RETURN(std::vector<LifecycleTransition> transitions,
                             scores_.ListTransitions(tx, id));
        for (const LifecycleTransition& transition : transitions) {
          *data.add_lifecycle_transitions() =
              ToLifecycleTransitionProto(transition);
        }
        CRM_ASSIGN_OR_RETURN(std::vector<MembershipRecord> memberships,
                             memberships_.ListOfCustomer(tx, id));
        for (const MembershipRecord& membership : memberships) {
          CRM_ASSIGN_OR_RETURN(std::optional<SegmentRecord> segment,
                               segments_.Find(tx, membership.segment_id));
          *data.add_memberships() = ToSegmentMemberProto(
              membership, segment.has_value() ? segment->display_name : "");
        }
        CRM_ASSIGN_OR_RETURN(std::vector<MergeRecord> merged,
                             read_model_.ListMergedInto(tx, id));
        std::vector<MembershipChangeRecord> changes;
        CRM_ASSIGN_OR_RETURN(changes, memberships_.ListChanges(tx, id));
        for (const MergeRecord& merge : merged) {
          data.add_merged_customers(
              crm::common::CustomerResourceName(merge.duplicate_id));
          CRM_ASSIGN_OR_RETURN(
              std::vector<MembershipChangeRecord> theirs,
              memberships_.ListChanges(tx, merge.duplicate_id));
          changes.insert(changes.end(), theirs.begin(), theirs.end());
        }
        std::stable_sort(
            changes.begin(), changes.end(),
            [](const MembershipChangeRecord& a,
               const MembershipChangeRecord& b) { return a.time < b.time; });
        for (const MembershipChangeRecord& change : changes) {
          *data.add_membership_changes() = ToMembershipChangeProto(change);
        }
        return data;
      });
}

}  // namespace crm::segmentation
