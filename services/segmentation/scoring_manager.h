// Scores customers (RFM, named RFM segment, value tier, lifecycle stage,
// CLV) from the read model and serves them: per customer on every feed
// event (ScoreCustomer, inside the feed's transaction), for everyone on
// demand (RecomputeScores), and fits the CLV models (FitClvModel).
//
//   ScoringManager scoring(unit_of_work, read_model, scores, idempotency,
//                          clock, ids, ScoringPolicy{});
//   ProfileFeedApplier applier(read_model, scoring.FeedHook());
//   absl::StatusOr<v1::CustomerScore> s = scoring.GetCustomerScore(ctx, req);
//
// Per-event and full recompute score the same way (ScoreCustomer with the
// stored RFM boundaries and the latest CLV model); a full recompute first
// replaces the boundaries with the current population's. A lifecycle stage
// that differs from the stored one is recorded as a transition at the
// scoring time. Thread-safe: every call runs in its own unit of work.
#pragma once

#include <functional>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"
#include "crm/segmentation/v1/customer_score.pb.h"
#include "crm/segmentation/v1/customer_segmentation_data.pb.h"
#include "crm/segmentation/v1/segmentation_service.pb.h"
#include "services/common/change_feed_writer.h"
#include "services/common/clock.h"
#include "services/common/id_generator.h"
#include "services/common/idempotency.h"
#include "services/common/request_context.h"
#include "services/common/unit_of_work.h"
#include "services/segmentation/behaviour_clusters.h"
#include "services/segmentation/cluster_model_repository.h"
#include "services/segmentation/clv_model.h"
#include "services/segmentation/customer_aggregate.h"
#include "services/segmentation/lifecycle_stage.h"
#include "services/segmentation/profile_feed_applier.h"
#include "services/segmentation/read_model_repository.h"
#include "services/segmentation/referral_edge_repository.h"
#include "services/segmentation/rfm_scoring.h"
#include "services/segmentation/score_repository.h"
#include "services/segmentation/segment_rule.h"
#include "services/segmentation/segmentation_change_feed.h"
#include "services/segmentation/value_tier.h"

namespace crm::segmentation {

// Called after a customer was scored (or their score deleted because the
// read model holds nothing of them), in the same transaction, with the
// scoring time and what the score was computed from (`subject` is null for
// a deleted score). Segment memberships follow scores through it
// (MembershipManager::ScoredHook).
using CustomerScoredHook = std::function<absl::Status(
    crm::common::Transaction& tx, absl::string_view customer_id, absl::Time now,
    const SegmentSubject* subject)>;

// One customer of a batch of a full recompute, as CustomersScoredHook sees
// it: `subject` is what the score was computed from, null when the read
// model holds nothing of the customer (its score was deleted).
struct ScoredCustomer {
  absl::string_view customer_id;
  const SegmentSubject* subject = nullptr;
};

// Called once per batch of a full recompute, after the batch's scores were
// written, in the same transaction, with the scoring time: does for each
// customer what CustomerScoredHook does for one (memberships), with
// multi-row statements, but appends nothing to a feed: it returns, for each
// customer (same positions), the feed records its changes would have
// appended, in that order, and the recompute appends them, each customer's
// before its score's own events, after every write of the batch
// (MembershipManager::BatchScoredHook).
using CustomersScoredHook = std::function<
    absl::StatusOr<std::vector<std::vector<crm::common::FeedEventRecord>>>(
        crm::common::Transaction& tx, absl::Time now,
        const std::vector<ScoredCustomer>& customers)>;

struct ScoringPolicy {
  // ISO 4217: the currency of the monetary value and of CLV.
  std::string scoring_currency = "CNY";
  std::vector<RfmSegmentRule> rfm_segments = DefaultRfmSegmentMap();
  ValueTierPolicy value_tiers;
  LifecyclePolicy lifecycle;
  ClvOptions clv;
  double clv_days_per_unit = 7;  // Weeks.
  // Customers re-scored per transaction by a full recompute.
  int recompute_batch_size = 2000;
  // Threads (each with its own connection) that score a full recompute's
  // batches side by side, the calling thread among them; at least 1.
  int recompute_workers = 2;
};

class ScoringManager {
 public:
  // Every reference must outlive the manager. `feed` (null: no feed)
  // receives VALUE_TIER_CHANGED and LIFECYCLE_STAGE_CHANGED when a scoring
  // changes them, in the scoring's transaction after the on_scored hook
  // (segmentation_change_feed.h).
  ScoringManager(crm::common::UnitOfWork& unit_of_work,
                 ReadModelRepository& read_model, ScoreRepository& scores,
                 crm::common::IdempotencyRepository& idempotency,
                 const crm::common::Clock& clock,
                 const crm::common::IdGenerator& ids, ScoringPolicy policy,
                 CustomerScoredHook on_scored = nullptr,
                 crm::common::ChangeFeedWriter* feed = nullptr)
      : unit_of_work_(unit_of_work),
        read_model_(read_model),
        scores_(scores),
        idempotency_(idempotency),
        clock_(clock),
        ids_(ids),
        policy_(std::move(policy)),
        on_scored_(std::move(on_scored)),
        feed_(feed) {}
  ScoringManager(const ScoringManager&) = delete;
  ScoringManager& operator=(const ScoringManager&) = delete;

  // The referral edges whose value (referral_value.h) GetCustomerScore and
  // ListCustomerScores add to each score, one read per call; `edges` must
  // outlive the manager. Without it, scores carry no referral value.
  void set_referral_edges(ReferralEdgeRepository* edges) {
    referral_edges_ = edges;
  }

  // The cluster models (cluster_model_repository.h) whose latest assigns
  // each scored customer's behaviour cluster; `models` must outlive the
  // manager. Without it, scores carry no cluster.
  void set_cluster_models(ClusterModelRepository* models) {
    cluster_models_ = models;
  }

  // The batch form of the on_scored hook for the full recompute (it must
  // return records for the feed this manager was given). Without it the
  // recompute runs on_scored per customer.
  void set_customers_scored_hook(CustomersScoredHook hook) {
    on_batch_scored_ = std::move(hook);
  }

  // Re-scores `customer_id` as of the clock's now in `tx` (or deletes its
  // score if the read model holds nothing of it), then runs the on_scored
  // hook.
  absl::Status ScoreCustomer(crm::common::Transaction& tx,
                             absl::string_view customer_id);

  // ScoreCustomer for each of `customer_ids` (distinct; the customers a
  // batch of feed events updated) as of the clock's now in `tx`, together:
  // the stored boundaries and latest CLV model read once, the customers'
  // read model and scores read with multi-row statements, what each scoring
  // computes exactly as ScoreCustomer would, only what changed written, and
  // the hooks and feed events as a full recompute's batch runs them (the
  // batch hook when set, else on_scored per customer).
  // `saved_aggregates`, when not empty, holds index for index the aggregate
  // just saved for a customer in `tx` (null: read it), so it is not read
  // back.
  absl::Status ScoreCustomers(
      crm::common::Transaction& tx,
      const std::vector<std::string>& customer_ids,
      const std::vector<const CustomerAggregate*>& saved_aggregates = {});

  // The hook for ProfileFeedApplier: re-scores an updated customer, deletes
  // the score and lifecycle history of one merged away or erased.
  ReadModelChangeHook FeedHook();
  // The batch hook for ProfileFeedApplier (ReadModelUpdatesHook):
  // ScoreCustomers.
  ReadModelUpdatesHook FeedUpdatesHook();

  // INVALID_ARGUMENT (field `name`) for a malformed name; NOT_FOUND
  // (RESOURCE_NOT_FOUND) when there is no score.
  absl::StatusOr<v1::CustomerScore> GetCustomerScore(
      const crm::common::RequestContext& context,
      const v1::GetCustomerScoreRequest& request);

  // A page of scores by customer id. INVALID_ARGUMENT for a negative
  // page_size or a malformed page_token.
  absl::StatusOr<v1::ListCustomerScoresResponse> ListCustomerScores(
      const crm::common::RequestContext& context,
      const v1::ListCustomerScoresRequest& request);

  // New RFM boundaries from one streaming pass over the aggregates (only
  // each active customer's RFM inputs held), stored in their own unit of
  // work; then every customer of the read model re-scored against them, by
  // customer id, in batches of `recompute_batch_size`, one unit of work
  // each, `recompute_workers` batches at a time: a few multi-row reads
  // (aggregates, facts, stored scores, memberships, and orders when a CLV model
  // exists), the scores computed exactly as a feed event's ScoreCustomer does,
  // and only what changed written (scores, transitions, memberships and their
  // history, feed events in per-customer order; batches commit in any order).
  // The context is checked between batches; the first failure stops every
  // worker. Idempotent on request_id: the response is stored in a last unit of
  // work after every batch committed, so a repeat after completion returns it
  // and a repeat after a failure part-way runs the whole recompute again.
  // A failure part-way leaves the new boundaries and the batches committed
  // so far (each batch consistent in itself); a re-run converges, as
  // scoring is a function of the data, the boundaries and the compute time.
  absl::StatusOr<v1::RecomputeScoresResponse> RecomputeScores(
      const crm::common::RequestContext& context,
      const v1::RecomputeScoresRequest& request);

  // Fits BG/NBD and Gamma-Gamma on every customer's orders as of
  // observation_end (default now) in currency_code (default the scoring
  // currency) and stores the model as clvModels/{id}. FAILED_PRECONDITION
  // (RESOURCE_STATE_CONFLICT) when the data cannot support a fit;
  // INVALID_ARGUMENT for a malformed currency code. Idempotent on
  // request_id.
  absl::StatusOr<v1::ClvModel> FitClvModel(
      const crm::common::RequestContext& context,
      const v1::FitClvModelRequest& request);

  // INVALID_ARGUMENT (field `name`) for a malformed name; NOT_FOUND when
  // there is no such model.
  absl::StatusOr<v1::ClvModel> GetClvModel(
      const crm::common::RequestContext& context,
      const v1::GetClvModelRequest& request);

  // The calibration/holdout report of a stored model (clv_calibration.h)
  // over every customer's orders in the model's currency, read in one
  // streaming pass. INVALID_ARGUMENT naming `name` when malformed,
  // `holdout_end` when unset or not on a later UTC day than the model's
  // observation end; NOT_FOUND when there is no such model. Defined in
  // scoring_manager_calibration.cc.
  absl::StatusOr<v1::ClvCalibrationReport> GetClvCalibrationReport(
      const crm::common::RequestContext& context,
      const v1::GetClvCalibrationReportRequest& request);

  // A page of the stored lifecycle transitions of `request.parent()`
  // (`customers/{customer}`), newest first (transition time, then the order
  // of appending, descending), keyset pages: page_size 0 -> 50, > 1000 ->
  // 1000. INVALID_ARGUMENT (FIELD_INVALID) naming `parent` when malformed,
  // `page_size` when negative; PAGE_TOKEN_INVALID for a token of another
  // parent or a malformed one. A customer with no transitions (never seen,
  // erased, or merged away: a duplicate's history is deleted with its score,
  // as ExportCustomerSegmentationData shows) gives an empty page, not
  // NOT_FOUND; a survivor lists only its own transitions.
  absl::StatusOr<v1::ListLifecycleTransitionsResponse> ListLifecycleTransitions(
      const crm::common::RequestContext& context,
      const v1::ListLifecycleTransitionsRequest& request);

  // The stored lifecycle transitions of `customer_id`, oldest first.
  absl::StatusOr<std::vector<LifecycleTransition>> LifecycleHistory(
      const crm::common::RequestContext& context,
      absl::string_view customer_id);

 private:
  absl::Status ScoreWith(crm::common::Transaction& tx,
                         absl::string_view customer_id, absl::Time now,
                         const std::optional<RfmBoundaries>& boundaries,
                         const std::optional<ClvModelRecord>& model,
                         const std::optional<BehaviourClusters>& clusters);
  // The latest cluster model; nullopt without one (or without models).
  absl::StatusOr<std::optional<BehaviourClusters>> LatestClusters(
      crm::common::Transaction& tx);
  // What scoring `aggregate` at `now` gives (pure): the score, whether it
  // differs from `previous` (only then is it stored), the class change and
  // the lifecycle transition. `orders` are the customer's (for CLV),
  // `counts` their behaviour counts (for the cluster).
  struct Scoring;
  Scoring Compute(absl::string_view customer_id,
                  const CustomerAggregate& aggregate,
                  const std::optional<CustomerScoreRecord>& previous,
                  const std::optional<RfmBoundaries>& boundaries,
                  const std::optional<ClvModelRecord>& model,
                  const std::optional<BehaviourClusters>& clusters,
                  const std::vector<OrderFact>& orders,
                  const BehaviourCounts& counts, absl::Time now) const;
  // The stored response of a completed recompute with this request id;
  // nullopt if none.
  absl::StatusOr<std::optional<v1::RecomputeScoresResponse>> StoredRecompute(
      const crm::common::RequestContext& context,
      const v1::RecomputeScoresRequest& request);
  // Whose memberships a batch scoring evaluates (through the batch hook).
  enum class MembershipScope {
    // Every customer's: their read model may have changed (a feed batch).
    kEveryCustomer,
    // Only those whose score changes, or who are gone: for a full
    // recompute, which changes no customer's facts or aggregate. A segment
    // rule is a function of the facts, the aggregate and the score, and
    // every change of those (a feed event, a scoring, a segment created or
    // its rule changed) evaluates the customer's memberships in its own
    // transaction, so with the score unchanged they are what they were.
    // Their facts are not read either (only those of customers without an
    // aggregate, to know whether the read model still holds them).
    kChangedScores,
  };
  // Scores `ids` (distinct) as of `now` against `cuts` and `model` in `tx`
  // (see ScoreCustomers); returns whether it appended feed events.
  // `saved_aggregates` as ScoreCustomers'.
  absl::StatusOr<bool> ScoreBatch(
      crm::common::Transaction& tx, const std::vector<std::string>& ids,
      absl::Time now, const std::optional<RfmBoundaries>& cuts,
      const std::optional<ClvModelRecord>& model,
      const std::optional<BehaviourClusters>& clusters,
      const std::vector<const CustomerAggregate*>& saved_aggregates = {},
      MembershipScope scope = MembershipScope::kEveryCustomer);
  // The next batch of a full recompute, read in `tx` under
  // `cursor_mutex`: up to recompute_batch_size customer ids after `after`,
  // which it advances to the last; sets `listed_all` once a batch comes
  // short (then, and after it, returns none).
  absl::StatusOr<std::vector<std::string>> ClaimBatch(
      crm::common::Transaction& tx, absl::Mutex& cursor_mutex,
      std::string& after, bool& listed_all);

  crm::common::UnitOfWork& unit_of_work_;
  ReadModelRepository& read_model_;
  ScoreRepository& scores_;
  crm::common::IdempotencyRepository& idempotency_;
  const crm::common::Clock& clock_;
  const crm::common::IdGenerator& ids_;
  const ScoringPolicy policy_;
  const CustomerScoredHook on_scored_;
  crm::common::ChangeFeedWriter* const feed_;
  CustomersScoredHook on_batch_scored_;
  ReferralEdgeRepository* referral_edges_ = nullptr;
  ClusterModelRepository* cluster_models_ = nullptr;
};

// API forms.
v1::CustomerScore ToCustomerScoreProto(const CustomerScoreRecord& score,
                                       absl::string_view currency_code,
                                       const std::string& model_name);
v1::ClvModel ToClvModelProto(const ClvModelRecord& model);
v1::LifecycleTransition ToLifecycleTransitionProto(
    const LifecycleTransition& transition);

}  // namespace crm::segmentation
