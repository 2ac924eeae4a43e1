// Applies customer-profile's change events (crm.customerprofile.v1
// .ChangeEvent) to the read model (read_model_repository.h), one event at a
// time inside the feed consumer's transaction
// (services/common/change_feed_consumer.h), so every event is applied
// exactly once together with the consumer's cursor.
//
//   ProfileFeedApplier applier(read_model);
//   FeedConsumer consumer(pool, MakeCustomerProfileFeedOpener(stub),
//       [&](sql::Connection& c, int64_t seq, absl::string_view payload) {
//         MySqlTransaction tx(c, context);
//         return applier.ApplyPayload(tx, seq, payload);
//       }, {.consumer = "segmentation"});
//
// What each event does (only the customer concerned is touched; nothing is
// rescanned):
//   CUSTOMER_CREATED / _UPDATED  the customer's facts are replaced by the
//                                event's (an ERASED customer is forgotten; a
//                                MERGED one is left to CUSTOMER_MERGED).
//   ORDER_RECORDED / _REFUNDED   the order is stored (amount, refunded so
//                                far) and the customer's aggregate
//                                recomputed from their own orders; an
//                                order seen for the first time adds to the
//                                customer's behaviour counts (one order in
//                                its channel, each line's quantity in its
//                                category).
//   CUSTOMER_MERGED              the merge is recorded (duplicate ->
//                                survivor, chains kept one step long), the
//                                duplicate's orders move to the survivor
//                                and its behaviour counts are added to the
//                                survivor's,
//                                the duplicate's read model is removed
//                                (kMergedAway), the survivor's facts replaced
//                                and aggregate recomputed.
//   CUSTOMER_ERASED              everything about the customer, and about the
//                                customers merged into it, is deleted, and
//                                so are the merge records.
//   INTERACTION_RECORDED         the customer's (a duplicate's survivor's)
//                                interaction count goes up by one; the
//                                `on_interaction` hook (if set) gets the
//                                interaction with its customer resolved.
//                                In a batch, a run of interactions is
//                                resolved with one read and counted with
//                                one statement. Nothing is re-scored: the
//                                count reaches the behaviour cluster at the
//                                customer's next scoring.
// Events naming a customer already merged away (late events of a
// duplicate): order events are applied to its survivor (the order keeps its
// id); CUSTOMER_CREATED/UPDATED are ignored (the survivor's facts come from
// the survivor's own events and the merge); CUSTOMER_ERASED erases the
// survivor, as customer-profile erases the survivor of a merged customer.
// After each event, the `on_change` hook (if set) runs in the same
// transaction for every customer whose read model changed, so scores and
// segment memberships follow.
//
// A batch of events (ApplyBatch, the feed consumer's batch in one
// transaction) with an `on_updates` hook is applied set-based: a run of
// events that only replace facts or record orders (CUSTOMER_CREATED/_UPDATED
// of a held customer, ORDER_RECORDED/_REFUNDED) is taken in waves, each
// naming every customer (after merge resolution) at most once: the k-th
// event of each customer of the run goes to wave k (events of different
// customers commute), the wave's facts and orders are written with
// multi-row statements, its customers' aggregates recomputed together, and
// `on_updates` runs once with the customers the wave updated, in place of
// `on_change`'s kUpdated calls. Every other event (a merge, an erasure) ends
// the run and is applied alone as Apply does, so each event's effects are
// followed by a scoring of its customer, as one by one: the outcome is that
// of Apply on each event in turn, except that the rows appended for
// different customers (lifecycle transitions, membership changes, feed
// events) may come in another order; each customer's come in theirs.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "crm/customerprofile/v1/change_event.pb.h"
#include "services/common/change_feed_consumer.h"
#include "services/common/unit_of_work.h"
#include "services/segmentation/read_model.h"
#include "services/segmentation/read_model_repository.h"

namespace crm::segmentation {

// How an event changed a customer's read model.
enum class ReadModelChange {
  kUpdated,     // Facts or orders changed; the customer is held.
  kMergedAway,  // Merged into another customer; their read model is gone.
  kErased,      // Erased; everything about them must go.
};

// Called after an event changed `customer_id`'s read model, in the event's
// transaction.
using ReadModelChangeHook = std::function<absl::Status(
    crm::common::Transaction& tx, absl::string_view customer_id,
    ReadModelChange change)>;

// Called once per wave of a batch (see the file comment) with the customers
// whose read model the wave updated (kUpdated; distinct, in the order of
// their events) and, index for index, the aggregate the wave saved for each
// (null for a customer whose event replaced facts only: its aggregate is as
// stored), in the batch's transaction.
using ReadModelUpdatesHook = std::function<absl::Status(
    crm::common::Transaction& tx, const std::vector<std::string>& customer_ids,
    const std::vector<const CustomerAggregate*>& saved_aggregates)>;

// An order the read model had not held before an ORDER_RECORDED or
// ORDER_REFUNDED event stored it (each order is new exactly once).
struct NewOrder {
  std::string customer_id;  // The buyer as stored (a duplicate's survivor).
  std::string order_id;
  const crm::customerprofile::v1::Order* order = nullptr;  // The event's.
};

// Called with the orders an event (or a wave) stored for the first time,
// after the read model's writes, in the same transaction.
using NewOrdersHook = std::function<absl::Status(
    crm::common::Transaction& tx, const std::vector<NewOrder>& orders)>;

// Called with an INTERACTION_RECORDED event's interaction and its customer
// as stored (a duplicate's survivor), in the event's transaction.
using InteractionHook = std::function<absl::Status(
    crm::common::Transaction& tx, absl::string_view customer_id,
    const crm::customerprofile::v1::InteractionEvent& interaction)>;

// A hook that runs `first`, then (if it succeeded) `second`; either may be
// null.
ReadModelChangeHook CombineHooks(ReadModelChangeHook first,
                                 ReadModelChangeHook second);

class ProfileFeedApplier {
 public:
  // `read_model` must outlive the applier.
  explicit ProfileFeedApplier(ReadModelRepository& read_model,
                              ReadModelChangeHook on_change = nullptr,
                              ReadModelUpdatesHook on_updates = nullptr,
                              NewOrdersHook on_new_orders = nullptr,
                              InteractionHook on_interaction = nullptr)
      : read_model_(read_model),
        on_change_(std::move(on_change)),
        on_updates_(std::move(on_updates)),
        on_new_orders_(std::move(on_new_orders)),
        on_interaction_(std::move(on_interaction)) {}
  ProfileFeedApplier(const ProfileFeedApplier&) = delete;
  ProfileFeedApplier& operator=(const ProfileFeedApplier&) = delete;

  // Parses `payload` (a serialized ChangeEvent) and applies it.
  // DATA_LOSS if it does not parse.
  absl::Status ApplyPayload(crm::common::Transaction& tx, int64_t sequence,
                            absl::string_view payload);

  // Parses every payload (DATA_LOSS if one does not parse; nothing is
  // applied then) and applies the events with ApplyBatch.
  absl::Status ApplyPayloads(crm::common::Transaction& tx,
                             const std::vector<crm::common::FeedItem>& items);

  // Applies `events` in order as the file comment says: set-based in waves
  // with an `on_updates` hook, else Apply on each. Errors as Apply's; a
  // failure leaves the transaction to be rolled back.
  absl::Status ApplyBatch(
      crm::common::Transaction& tx,
      const std::vector<crm::customerprofile::v1::ChangeEvent>& events);

  // Applies `event` as the file comment says. INVALID_ARGUMENT for an event
  // whose customer or order name is malformed; events of unknown types are
  // ignored (OK), so a newer producer does not stop the consumer.
  absl::Status Apply(crm::common::Transaction& tx,
                     const crm::customerprofile::v1::ChangeEvent& event);

 private:
  absl::Status UpsertFacts(crm::common::Transaction& tx,
                           absl::string_view customer_id,
                           const crm::customerprofile::v1::ChangeEvent& event);
  absl::Status RecomputeAggregate(crm::common::Transaction& tx,
                                  absl::string_view customer_id);
  absl::Status NewOrders(crm::common::Transaction& tx,
                         const std::vector<NewOrder>& orders);
  absl::Status Forget(crm::common::Transaction& tx,
                      absl::string_view customer_id, ReadModelChange change);
  absl::Status Erase(crm::common::Transaction& tx,
                     absl::string_view customer_id);
  absl::Status Merge(crm::common::Transaction& tx,
                     const crm::customerprofile::v1::ChangeEvent& event);
  // `customer_id`, or its survivor if it was merged away.
  absl::StatusOr<std::string> Resolve(crm::common::Transaction& tx,
                                      absl::string_view customer_id);
  absl::Status Changed(crm::common::Transaction& tx,
                       absl::string_view customer_id, ReadModelChange change);

  // One fact or order event of a wave, its names parsed.
  struct WaveEvent;
  // Applies a run of fact and order events (no merge or erasure among them)
  // in waves.
  absl::Status ApplyRun(crm::common::Transaction& tx,
                        const std::vector<WaveEvent>& run);
  absl::Status ApplyWave(crm::common::Transaction& tx,
                         const std::vector<const WaveEvent*>& wave);
  // Applies a run of INTERACTION_RECORDED events.
  absl::Status ApplyInteractions(
      crm::common::Transaction& tx,
      const std::vector<const crm::customerprofile::v1::ChangeEvent*>&
          interactions);

  ReadModelRepository& read_model_;
  ReadModelChangeHook on_change_;
  ReadModelUpdatesHook on_updates_;
  NewOrdersHook on_new_orders_;
  InteractionHook on_interaction_;
};

// The read-model facts of a customer as the feed carries it.
CustomerFacts FactsFromCustomer(
    absl::string_view customer_id,
    const crm::customerprofile::v1::Customer& customer, int64_t sequence);

}  // namespace crm::segmentation
