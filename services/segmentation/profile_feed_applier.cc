#include "services/segmentation/profile_feed_applier.h"

#include <algorithm>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "absl/strings/str_cat.h"
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

struct ProfileFeedApplier::WaveEvent {
  const cp::ChangeEvent* event = nullptr;
  bool order = false;       // ORDER_RECORDED/_REFUNDED, else facts.
  std::string customer_id;  // As named; its survivor once resolved.
  std::string order_id;     // Order events only.
};

namespace {

enum class BatchRole {
  kWave,         // Facts or an order: applied in a wave.
  kInteraction,  // Applied with the interactions next to it.
  kAlone,        // A merge, an erasure: applied on its own.
  kIgnored,      // Changes nothing (Apply returns OK at once).
};

BatchRole RoleOf(const cp::ChangeEvent& event) {
  switch (event.type()) {
    case cp::ChangeEvent::CUSTOMER_CREATED:
    case cp::ChangeEvent::CUSTOMER_UPDATED:
      if (event.customer().state() == cp::Customer::ERASED) {
        return BatchRole::kAlone;
      }
      if (event.customer().state() == cp::Customer::MERGED) {
        return BatchRole::kIgnored;
      }
      return BatchRole::kWave;
    case cp::ChangeEvent::ORDER_RECORDED:
    case cp::ChangeEvent::ORDER_REFUNDED:
      return BatchRole::kWave;
    case cp::ChangeEvent::CUSTOMER_MERGED:
    case cp::ChangeEvent::CUSTOMER_ERASED:
      return BatchRole::kAlone;
    case cp::ChangeEvent::INTERACTION_RECORDED:
      return BatchRole::kInteraction;
    default:
      return BatchRole::kIgnored;
  }
}

OrderFact OrderFactOf(absl::string_view customer_id, absl::string_view order_id,
                      const cp::Order& order) {
  OrderFact fact;
  fact.customer_id = std::string(customer_id);
  fact.order_id = std::string(order_id);
  // As stored (DATETIME(6)), so an aggregate of orders held in memory
  // equals one of the same orders read back.
  fact.order_time = crm::common::TruncateToMicros(
      crm::common::FromProtoTimestamp(order.order_time()));
  fact.currency_code = order.amount().currency_code();
  fact.amount_minor = order.amount().amount_minor();
  fact.refunded_minor = order.refunded_amount().amount_minor();
  return fact;
}

// What a newly seen order adds to its buyer's behaviour counts: one order
// in its channel, each line's quantity in its category (lines without a
// category, or with a quantity below 1, add nothing).
BehaviourCounts CountsOfNewOrder(absl::string_view customer_id,
                                 const cp::Order& order) {
  BehaviourCounts counts;
  counts.customer_id = std::string(customer_id);
  if (!order.channel().empty()) {
    counts.channel_orders.push_back({order.channel(), 1});
  }
  std::map<std::string, int64_t> categories;
  for (const cp::OrderLineItem& line : order.line_items()) {
    if (line.category().empty() || line.quantity() < 1) continue;
    categories[line.category()] += line.quantity();
  }
  for (auto& [category, quantity] : categories) {
    counts.category_quantities.push_back({category, quantity});
  }
  return counts;
}

// The behaviour counts `orders` add (see CountsOfNewOrder).
std::vector<BehaviourCounts> CountsOfNewOrders(
    const std::vector<NewOrder>& orders) {
  std::vector<BehaviourCounts> counts;
  counts.reserve(orders.size());
  for (const NewOrder& order : orders) {
    counts.push_back(CountsOfNewOrder(order.customer_id, *order.order));
  }
  return counts;
}

// Puts `order` in `orders` (a customer's orders), replacing the one with its
// id; whether one was replaced (the order was held before).
bool ReplaceOrAdd(std::vector<OrderFact>& orders, OrderFact order) {
  for (OrderFact& held : orders) {
    if (held.order_id == order.order_id) {
      held = std::move(order);
      return true;
    }
  }
  orders.push_back(std::move(order));
  return false;
}

}  // namespace

absl::Status ProfileFeedApplier::ApplyPayloads(
    Transaction& tx, const std::vector<crm::common::FeedItem>& items) {
  std::vector<cp::ChangeEvent> events(items.size());
  for (size_t i = 0; i < items.size(); ++i) {
    const std::string& payload = items[i].payload;
    if (!events[i].ParseFromArray(payload.data(),
                                  static_cast<int>(payload.size()))) {
      return absl::DataLossError(absl::StrCat(
          "change event payload ", items[i].sequence, " does not parse"));
    }
  }
  return ApplyBatch(tx, events);
}

absl::Status ProfileFeedApplier::ApplyBatch(
    Transaction& tx, const std::vector<cp::ChangeEvent>& events) {
  if (!on_updates_) {
    for (const cp::ChangeEvent& event : events) {
      CRM_RETURN_IF_ERROR(Apply(tx, event));
    }
    return absl::OkStatus();
  }
  std::vector<WaveEvent> run;
  std::vector<const cp::ChangeEvent*> interactions;
  for (const cp::ChangeEvent& event : events) {
    const BatchRole role = RoleOf(event);
    if (role == BatchRole::kIgnored) continue;
    // Runs of one kind are applied before an event of another kind, so
    // events keep their order.
    if (role != BatchRole::kWave) {
      CRM_RETURN_IF_ERROR(ApplyRun(tx, run));
      run.clear();
    }
    if (role != BatchRole::kInteraction) {
      CRM_RETURN_IF_ERROR(ApplyInteractions(tx, interactions));
      interactions.clear();
    }
    switch (role) {
      case BatchRole::kIgnored:
        break;
      case BatchRole::kAlone:
        CRM_RETURN_IF_ERROR(Apply(tx, event));
        break;
      case BatchRole::kInteraction:
        interactions.push_back(&event);
        break;
      case BatchRole::kWave: {
        WaveEvent wave_event;
        wave_event.event = &event;
        wave_event.order = event.type() == cp::ChangeEvent::ORDER_RECORDED ||
                           event.type() == cp::ChangeEvent::ORDER_REFUNDED;
        CRM_ASSIGN_OR_RETURN(
            wave_event.customer_id,
            CustomerIdOf(event.customer_name(), "customer_name"));
        if (wave_event.order) {
          CRM_ASSIGN_OR_RETURN(wave_event.order_id,
                               OrderIdOf(event.order().name()));
        }
        run.push_back(std::move(wave_event));
        break;
      }
    }
  }
  CRM_RETURN_IF_ERROR(ApplyInteractions(tx, interactions));
  return ApplyRun(tx, run);
}

absl::Status ProfileFeedApplier::ApplyInteractions(
    Transaction& tx, const std::vector<const cp::ChangeEvent*>& interactions) {
  if (interactions.empty()) return absl::OkStatus();
  // Merge records change only with merges and erasures, never inside a run
  // of interactions: one read resolves every name of it.
  std::vector<std::string> named;
  std::vector<std::string> ids;
  ids.reserve(interactions.size());
  absl::flat_hash_set<std::string> seen;
  for (const cp::ChangeEvent* event : interactions) {
    CRM_ASSIGN_OR_RETURN(std::string id,
                         CustomerIdOf(event->customer_name(), "customer_name"));
    if (seen.insert(id).second) named.push_back(id);
    ids.push_back(std::move(id));
  }
  CRM_ASSIGN_OR_RETURN(std::vector<std::optional<MergeRecord>> merges,
                       read_model_.FindMerges(tx, named));
  absl::flat_hash_map<std::string, std::string> survivors;
  for (size_t i = 0; i < named.size(); ++i) {
    if (merges[i].has_value()) survivors[named[i]] = merges[i]->survivor_id;
  }
  // A late interaction of a duplicate counts for its survivor.
  absl::flat_hash_map<std::string, size_t> positions;
  std::vector<BehaviourCounts> counts;
  for (std::string& id : ids) {
    auto survivor = survivors.find(id);
    if (survivor != survivors.end()) id = survivor->second;
    auto [at, inserted] = positions.emplace(id, counts.size());
    if (inserted) {
      BehaviourCounts fresh;
      fresh.customer_id = id;
      counts.push_back(std::move(fresh));
    }
    counts[at->second].interaction_count += 1;
  }
  CRM_RETURN_IF_ERROR(read_model_.AddBehaviourCounts(tx, counts));
  if (!on_interaction_) return absl::OkStatus();
  for (size_t i = 0; i < interactions.size(); ++i) {
    CRM_RETURN_IF_ERROR(
        on_interaction_(tx, ids[i], interactions[i]->interaction()));
  }
  return absl::OkStatus();
}

absl::Status ProfileFeedApplier::ApplyRun(Transaction& tx,
                                          const std::vector<WaveEvent>& run) {
  if (run.empty()) return absl::OkStatus();
  // Merge records change only with merges and erasures, never inside a run:
  // one read resolves every name of it.
  std::vector<std::string> named;
  absl::flat_hash_set<absl::string_view> seen;
  for (const WaveEvent& wave_event : run) {
    if (seen.insert(wave_event.customer_id).second) {
      named.push_back(wave_event.customer_id);
    }
  }
  CRM_ASSIGN_OR_RETURN(std::vector<std::optional<MergeRecord>> merges,
                       read_model_.FindMerges(tx, named));
  absl::flat_hash_map<std::string, std::string> survivors;
  for (size_t i = 0; i < named.size(); ++i) {
    if (merges[i].has_value()) survivors[named[i]] = merges[i]->survivor_id;
  }
  std::vector<WaveEvent> resolved;
  resolved.reserve(run.size());
  for (const WaveEvent& wave_event : run) {
    auto survivor = survivors.find(wave_event.customer_id);
    if (survivor == survivors.end()) {
      resolved.push_back(wave_event);
      continue;
    }
    // A late facts event of a duplicate: the survivor's facts are its own.
    if (!wave_event.order) continue;
    // A late order event of a duplicate counts for its survivor.
    WaveEvent for_survivor = wave_event;
    for_survivor.customer_id = survivor->second;
    resolved.push_back(std::move(for_survivor));
  }
  // No event of the run merges or erases, so events of different customers
  // commute: the k-th event of each customer goes to wave k. A run takes as
  // many waves as its busiest customer has events (not one more per repeated
  // customer), each customer's events in their order.
  std::vector<std::vector<const WaveEvent*>> waves;
  absl::flat_hash_map<absl::string_view, size_t> events_of;
  for (const WaveEvent& wave_event : resolved) {
    const size_t k = events_of[wave_event.customer_id]++;
    if (k == waves.size()) waves.emplace_back();
    waves[k].push_back(&wave_event);
  }
  for (const std::vector<const WaveEvent*>& wave : waves) {
    CRM_RETURN_IF_ERROR(ApplyWave(tx, wave));
  }
  return absl::OkStatus();
}

absl::Status ProfileFeedApplier::ApplyWave(
    Transaction& tx, const std::vector<const WaveEvent*>& wave) {
  if (wave.empty()) return absl::OkStatus();
  std::vector<CustomerFacts> facts;
  std::vector<OrderFact> orders;
  std::vector<std::string> ordering;  // Customers with an order event.
  std::vector<std::string> updated;
  updated.reserve(wave.size());
  for (const WaveEvent* wave_event : wave) {
    updated.push_back(wave_event->customer_id);
    if (wave_event->order) {
      orders.push_back(OrderFactOf(wave_event->customer_id,
                                   wave_event->order_id,
                                   wave_event->event->order()));
      ordering.push_back(wave_event->customer_id);
    } else {
      facts.push_back(FactsFromCustomer(wave_event->customer_id,
                                        wave_event->event->customer(),
                                        wave_event->event->sequence()));
    }
  }
  CRM_RETURN_IF_ERROR(read_model_.UpsertCustomers(tx, facts));
  std::vector<NewOrder> new_orders;
  std::vector<CustomerAggregate> aggregates;
  if (!ordering.empty()) {
    // The orders held before the wave's, with the wave's put in (each
    // customer has one order event in a wave).
    CRM_ASSIGN_OR_RETURN(std::vector<std::vector<OrderFact>> held,
                         read_model_.ListOrdersOf(tx, ordering));
    aggregates.reserve(ordering.size());
    size_t next_order = 0;
    for (const WaveEvent* wave_event : wave) {
      if (!wave_event->order) continue;
      const size_t i = next_order++;
      if (!ReplaceOrAdd(held[i], orders[i])) {
        new_orders.push_back(NewOrder{.customer_id = wave_event->customer_id,
                                      .order_id = wave_event->order_id,
                                      .order = &wave_event->event->order()});
      }
      aggregates.push_back(AggregateOrders(ordering[i], held[i]));
    }
    CRM_RETURN_IF_ERROR(read_model_.UpsertOrders(tx, orders));
    CRM_RETURN_IF_ERROR(read_model_.SaveAggregates(tx, aggregates));
    if (!new_orders.empty()) {
      CRM_RETURN_IF_ERROR(
          read_model_.AddBehaviourCounts(tx, CountsOfNewOrders(new_orders)));
    }
  }
  CRM_RETURN_IF_ERROR(NewOrders(tx, new_orders));
  // The aggregates saved, index for index with `updated` (orders come in
  // wave order in `aggregates`).
  std::vector<const CustomerAggregate*> saved(updated.size(), nullptr);
  size_t next_aggregate = 0;
  for (size_t i = 0; i < wave.size(); ++i) {
    if (wave[i]->order) saved[i] = &aggregates[next_aggregate++];
  }
  return on_updates_(tx, updated, saved);
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
      CRM_ASSIGN_OR_RETURN(std::vector<OrderFact> orders,
                           read_model_.ListOrders(tx, id));
      OrderFact order = OrderFactOf(id, order_id, event.order());
      const bool held = ReplaceOrAdd(orders, order);
      CRM_RETURN_IF_ERROR(read_model_.UpsertOrder(tx, order));
      CRM_RETURN_IF_ERROR(
          read_model_.SaveAggregate(tx, AggregateOrders(id, orders)));
      if (!held) {
        const std::vector<NewOrder> new_orders = {NewOrder{
            .customer_id = id, .order_id = order_id, .order = &event.order()}};
        CRM_RETURN_IF_ERROR(
            read_model_.AddBehaviourCounts(tx, CountsOfNewOrders(new_orders)));
        CRM_RETURN_IF_ERROR(NewOrders(tx, new_orders));
      }
      return Changed(tx, id, ReadModelChange::kUpdated);
    }
    case cp::ChangeEvent::CUSTOMER_MERGED:
      return Merge(tx, event);
    case cp::ChangeEvent::CUSTOMER_ERASED: {
      CRM_ASSIGN_OR_RETURN(
          std::string id, CustomerIdOf(event.customer_name(), "customer_name"));
      return Erase(tx, id);
    }
    case cp::ChangeEvent::INTERACTION_RECORDED:
      return ApplyInteractions(tx, {&event});
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
  CRM_RETURN_IF_ERROR(read_model_.MoveBehaviourCounts(tx, duplicate, survivor));
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

absl::Status ProfileFeedApplier::NewOrders(
    Transaction& tx, const std::vector<NewOrder>& orders) {
  if (!on_new_orders_ || orders.empty()) return absl::OkStatus();
  return on_new_orders_(tx, orders);
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
