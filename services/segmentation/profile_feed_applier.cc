#include "services/segmentation/profile_feed_applier.h"

#include <algorithm>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_split.h"
#include "services/common/resource_name.h"
#include "services/common/status_macros.h"
#include "services/common/timestamps.h"
#include "services/segmentation/customer_aggregate.h"

namespace crm::segmentation {
namespace {

namespace cp = ::crm::customerprofile::v1;
using ::crm::common::Transaction;

absl::StatusOr<std::string> CustomerIdOf(absl::string_view name,
                                         absl::string_view field) {
  return crm::common::ParseResourceName(name, "customers", field);
}

// The {order} of customers/{customer}/orders/{order}.
absl::StatusOr<std::string> OrderIdOf(absl::string_view name) {
  std::vector<absl::string_view> parts = absl::StrSplit(name, '/');
  if (parts.size() != 4 || parts[0] != "customers" || parts[2] != "orders" ||
      parts[3].empty()) {
    return absl::InvalidArgumentError(
        "order.name: expected customers/{customer}/orders/{order}");
  }
  CRM_RETURN_IF_ERROR(crm::common::ValidateResourceId(parts[3], "order.name"));
  return std::string(parts[3]);
}

}  // namespace

CustomerFacts FactsFromCustomer(absl::string_view customer_id,
                                const cp::Customer& customer,
                                int64_t sequence) {
  CustomerFacts facts;
  facts.customer_id = std::string(customer_id);
  facts.country_code = customer.address().country_code();
  facts.source_channel = customer.source_channel();
  facts.locale = customer.locale();
  facts.customer_type = customer.customer_type() == cp::Customer::BUSINESS
                            ? "BUSINESS"
                            : "INDIVIDUAL";  // Unstated is an individual.
  if (customer.gender() != cp::Customer::GENDER_UNSPECIFIED) {
    facts.gender = cp::Customer::Gender_Name(customer.gender());
  }
  facts.tags.assign(customer.tags().begin(), customer.tags().end());
  std::sort(facts.tags.begin(), facts.tags.end());
  facts.tags.erase(std::unique(facts.tags.begin(), facts.tags.end()),
                   facts.tags.end());
  for (const cp::Consent& consent : customer.consents()) {
    if (consent.status() == cp::Consent::GRANTED) {
      facts.granted_consents.push_back(
          cp::Consent::Purpose_Name(consent.purpose()));
    }
  }
  std::sort(facts.granted_consents.begin(), facts.granted_consents.end());
  if (customer.has_create_time()) {
    facts.create_time = crm::common::FromProtoTimestamp(customer.create_time());
  }
  facts.last_sequence = sequence;
  return facts;
}

absl::Status ProfileFeedApplier::ApplyPayload(Transaction& tx,
                                              int64_t /*sequence*/,
                                              absl::string_view payload) {
  cp::ChangeEvent event;
  if (!event.ParseFromArray(payload.data(), static_cast<int>(payload.size()))) {
    return absl::DataLossError("change event payload does not parse");
  }
  return Apply(tx, event);
}

ReadModelChangeHook CombineHooks(ReadModelChangeHook first,
                                 ReadModelChangeHook second) {
  return [first = std::move(first), second = std::move(second)](
             Transaction& tx, absl::string_view customer_id,
             ReadModelChange change) -> absl::Status {
    if (first) CRM_RETURN_IF_ERROR(first(tx, customer_id, change));
    if (second) CRM_RETURN_IF_ERROR(second(tx, customer_id, change));
    return absl::OkStatus();
  };
}

absl::Status ProfileFeedApplier::Apply(Transaction& tx,
                                       const cp::ChangeEvent& event) {
  switch (event.type()) {
    case cp::ChangeEvent::CUSTOMER_CREATED:
    case cp::ChangeEvent::CUSTOMER_UPDATED: {
      CRM_ASSIGN_OR_RETURN(
          std::string id, CustomerIdOf(event.customer_name(), "customer_name"));
      if (event.customer().state() == cp::Customer::ERASED) {
        return Erase(tx, id);
      }
      if (event.customer().state() == cp::Customer::MERGED) {
        return absl::OkStatus();
      }
      CRM_ASSIGN_OR_RETURN(std::optional<MergeRecord> merged,
                           read_model_.FindMerge(tx, id));
      // A late facts event of a duplicate: the survivor's facts are its own.
      if (merged.has_value()) return absl::OkStatus();
      CRM_RETURN_IF_ERROR(UpsertFacts(tx, id, event));
      return Changed(tx, id, ReadModelChange::kUpdated);
    }
    case cp::ChangeEvent::ORDER_RECORDED:
    case cp::ChangeEvent::ORDER_REFUNDED: {
      CRM_ASSIGN_OR_RETURN(
          std::string named,
          CustomerIdOf(event.customer_name(), "customer_name"));
      CRM_ASSIGN_OR_RETURN(std::string order_id,
                           OrderIdOf(event.order().name()));
      // A late order event of a duplicate counts for its survivor.
      CRM_ASSIGN_OR_RETURN(std::string id, Resolve(tx, named));
      OrderFact order;
      order.customer_id = id;
      order.order_id = order_id;
      order.order_time =
          crm::common::FromProtoTimestamp(event.order().order_time());
      order.currency_code = event.order().amount().currency_code();
      order.amount_minor = event.order().amount().amount_minor();
      order.refunded_minor = event.order().refunded_amount().amount_minor();
      CRM_RETURN_IF_ERROR(read_model_.UpsertOrder(tx, order));
      CRM_RETURN_IF_ERROR(RecomputeAggregate(tx, id));
      return Changed(tx, id, ReadModelChange::kUpdated);
    }
    case cp::ChangeEvent::CUSTOMER_MERGED:
      return Merge(tx, event);
    case cp::ChangeEvent::CUSTOMER_ERASED: {
      CRM_ASSIGN_OR_RETURN(
          std::string id, CustomerIdOf(event.customer_name(), "customer_name"));
      return Erase(tx, id);
    }
    default:
      return absl::OkStatus();
  }
}

absl::Status ProfileFeedApplier::Merge(Transaction& tx,
                                       const cp::ChangeEvent& event) {
  CRM_ASSIGN_OR_RETURN(
      std::string named_survivor,
      CustomerIdOf(event.merge().survivor(), "merge.survivor"));
  CRM_ASSIGN_OR_RETURN(
      std::string duplicate,
      CustomerIdOf(event.merge().duplicate(), "merge.duplicate"));
  CRM_ASSIGN_OR_RETURN(std::string survivor, Resolve(tx, named_survivor));
  if (survivor == duplicate) return absl::OkStatus();
  MergeRecord merge;
  merge.duplicate_id = duplicate;
  merge.survivor_id = survivor;
  merge.merge_time = event.has_event_time()
                         ? crm::common::FromProtoTimestamp(event.event_time())
                         : absl::UnixEpoch();
  CRM_RETURN_IF_ERROR(read_model_.RecordMerge(tx, merge));
  CRM_RETURN_IF_ERROR(read_model_.MoveOrders(tx, duplicate, survivor));
  CRM_RETURN_IF_ERROR(Forget(tx, duplicate, ReadModelChange::kMergedAway));
  CRM_RETURN_IF_ERROR(UpsertFacts(tx, survivor, event));
  CRM_RETURN_IF_ERROR(RecomputeAggregate(tx, survivor));
  return Changed(tx, survivor, ReadModelChange::kUpdated);
}

absl::Status ProfileFeedApplier::Erase(Transaction& tx,
                                       absl::string_view named) {
  CRM_ASSIGN_OR_RETURN(std::string id, Resolve(tx, named));
  CRM_ASSIGN_OR_RETURN(std::vector<MergeRecord> merged,
                       read_model_.ListMergedInto(tx, id));
  for (const MergeRecord& merge : merged) {
    CRM_RETURN_IF_ERROR(
        Forget(tx, merge.duplicate_id, ReadModelChange::kErased));
  }
  CRM_RETURN_IF_ERROR(Forget(tx, id, ReadModelChange::kErased));
  return read_model_.DeleteMergesInto(tx, id);
}

absl::StatusOr<std::string> ProfileFeedApplier::Resolve(
    Transaction& tx, absl::string_view customer_id) {
  CRM_ASSIGN_OR_RETURN(std::optional<MergeRecord> merged,
                       read_model_.FindMerge(tx, customer_id));
  if (merged.has_value()) return merged->survivor_id;
  return std::string(customer_id);
}

absl::Status ProfileFeedApplier::UpsertFacts(Transaction& tx,
                                             absl::string_view customer_id,
                                             const cp::ChangeEvent& event) {
  return read_model_.UpsertCustomer(
      tx, FactsFromCustomer(customer_id, event.customer(), event.sequence()));
}

absl::Status ProfileFeedApplier::RecomputeAggregate(
    Transaction& tx, absl::string_view customer_id) {
  CRM_ASSIGN_OR_RETURN(std::vector<OrderFact> orders,
                       read_model_.ListOrders(tx, customer_id));
  return read_model_.SaveAggregate(tx, AggregateOrders(customer_id, orders));
}

absl::Status ProfileFeedApplier::Forget(Transaction& tx,
                                        absl::string_view customer_id,
                                        ReadModelChange change) {
  CRM_RETURN_IF_ERROR(read_model_.DeleteCustomer(tx, customer_id));
  return Changed(tx, customer_id, change);
}

absl::Status ProfileFeedApplier::Changed(Transaction& tx,
                                         absl::string_view customer_id,
                                         ReadModelChange change) {
  if (!on_change_) return absl::OkStatus();
  return on_change_(tx, customer_id, change);
}

}  // namespace crm::segmentation
