#include "services/segmentation/scoring_manager.h"

#include <algorithm>
#include <atomic>
#include <cmath>
#include <optional>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "absl/algorithm/container.h"
#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/synchronization/mutex.h"
#include "crm/type/v1/error_reason.pb.h"
#include "services/common/error_details.h"
#include "services/common/etag.h"
#include "services/common/field_behavior.h"
#include "services/common/idempotency_store.h"
#include "services/common/keyset_page.h"
#include "services/common/money.h"
#include "services/common/resource_name.h"
#include "services/common/status_macros.h"
#include "services/common/timestamps.h"
#include "services/segmentation/cluster_manager.h"
#include "services/segmentation/referral_value.h"

namespace crm::segmentation {
namespace {

using ::crm::common::RequestContext;
using ::crm::common::Transaction;

constexpr char kRecomputeMethod[] = "RecomputeScores";
constexpr char kScoreListQuery[] = "customerScores";

std::string ScoreName(absl::string_view customer_id) {
  return absl::StrCat("customers/", customer_id, "/score");
}

std::string ClvModelName(absl::string_view id) {
  return crm::common::FormatResourceName("clvModels", id);
}

// The {customer} of customers/{customer}/score.
absl::StatusOr<std::string> ParseScoreName(absl::string_view name) {
  std::vector<absl::string_view> parts = absl::StrSplit(name, '/');
  if (parts.size() != 3 || parts[0] != "customers" || parts[2] != "score" ||
      !crm::common::ValidateResourceId(parts[1], "name").ok()) {
    return crm::common::InvalidFieldError(
        "name", "expected customers/{customer}/score");
  }
  return std::string(parts[1]);
}

int64_t MonetaryIn(const CustomerAggregate& aggregate,
                   absl::string_view currency) {
  for (const CurrencySpend& spend : aggregate.spend) {
    if (spend.currency_code == currency) return spend.net_total_minor;
  }
  return 0;
}

RfmInputs RfmInputsOf(const CustomerAggregate& aggregate,
                      absl::string_view currency) {
  RfmInputs inputs;
  inputs.last_order_time =
      aggregate.last_order_time.value_or(absl::InfinitePast());
  inputs.frequency = aggregate.order_count;
  inputs.monetary_minor = MonetaryIn(aggregate, currency);
  return inputs;
}

// Whether two scores hold the same values (their times and versions aside).
bool SameScores(const CustomerScoreRecord& a, const CustomerScoreRecord& b) {
  return a.rfm.recency == b.rfm.recency && a.rfm.frequency == b.rfm.frequency &&
         a.rfm.monetary == b.rfm.monetary && a.rfm_segment == b.rfm_segment &&
         a.value_tier == b.value_tier &&
         a.lifecycle_stage == b.lifecycle_stage &&
         a.monetary_minor == b.monetary_minor && a.p_alive == b.p_alive &&
         a.expected_purchases == b.expected_purchases &&
         a.clv_minor == b.clv_minor && a.clv_model_id == b.clv_model_id &&
         a.cluster == b.cluster;
}

}  // namespace

v1::CustomerScore ToCustomerScoreProto(const CustomerScoreRecord& score,
                                       absl::string_view currency_code,
                                       const std::string& model_name) {
  v1::CustomerScore proto;
  proto.set_name(ScoreName(score.customer_id));
  proto.mutable_rfm()->set_recency(score.rfm.recency);
  proto.mutable_rfm()->set_frequency(score.rfm.frequency);
  proto.mutable_rfm()->set_monetary(score.rfm.monetary);
  proto.mutable_rfm()->set_cell(score.rfm.Cell());
  proto.mutable_rfm()->set_segment(score.rfm_segment);
  proto.set_value_tier(
      static_cast<v1::CustomerScore::ValueTier>(score.value_tier));
  proto.set_lifecycle_stage(
      static_cast<v1::CustomerScore::LifecycleStage>(score.lifecycle_stage));
  if (score.clv_minor.has_value()) {
    v1::ClvEstimate* clv = proto.mutable_clv();
    clv->set_p_alive(score.p_alive.value_or(0));
    clv->set_expected_purchases(score.expected_purchases.value_or(0));
    *clv->mutable_value() =
        crm::common::MoneyOf(currency_code, *score.clv_minor);
    clv->set_model(model_name);
  }
  *proto.mutable_monetary_value() =
      crm::common::MoneyOf(currency_code, score.monetary_minor);
  *proto.mutable_score_time() = crm::common::ToProtoTimestamp(score.score_time);
  proto.set_etag(crm::common::EncodeEtag(score.version));
  proto.set_cluster(score.cluster);
  return proto;
}

v1::ClvModel ToClvModelProto(const ClvModelRecord& model) {
  v1::ClvModel proto;
  proto.set_name(ClvModelName(model.id));
  *proto.mutable_fit_time() = crm::common::ToProtoTimestamp(model.fit_time);
  *proto.mutable_observation_end() =
      crm::common::ToProtoTimestamp(model.observation_end);
  proto.set_currency_code(model.currency_code);
  proto.set_time_unit_days(model.days_per_unit);
  proto.set_customer_count(model.customers);
  v1::BgNbdParameters* bg = proto.mutable_bg_nbd();
  bg->set_r(model.purchases.params.r);
  bg->set_alpha(model.purchases.params.alpha);
  bg->set_a(model.purchases.params.a);
  bg->set_b(model.purchases.params.b);
  bg->set_log_likelihood(model.purchases.log_likelihood);
  bg->set_converged(model.purchases.converged);
  v1::GammaGammaParameters* gg = proto.mutable_gamma_gamma();
  gg->set_p(model.spend.params.p);
  gg->set_q(model.spend.params.q);
  gg->set_gamma(model.spend.params.gamma);
  gg->set_log_likelihood(model.spend.log_likelihood);
  gg->set_converged(model.spend.converged);
  gg->set_customer_count(model.spend.customers);
  return proto;
}

v1::LifecycleTransition ToLifecycleTransitionProto(
    const LifecycleTransition& transition) {
  v1::LifecycleTransition proto;
  proto.set_from_stage(
      static_cast<v1::CustomerScore::LifecycleStage>(transition.from));
  proto.set_to_stage(
      static_cast<v1::CustomerScore::LifecycleStage>(transition.to));
  *proto.mutable_transition_time() =
      crm::common::ToProtoTimestamp(transition.time);
  return proto;
}

absl::Status ScoringManager::ScoreCustomer(Transaction& tx,
                                           absl::string_view customer_id) {
  CRM_ASSIGN_OR_RETURN(std::optional<RfmBoundaries> boundaries,
                       scores_.LoadBoundaries(tx));
  CRM_ASSIGN_OR_RETURN(std::optional<ClvModelRecord> model,
                       scores_.LatestClvModel(tx));
  CRM_ASSIGN_OR_RETURN(std::optional<BehaviourClusters> clusters,
                       LatestClusters(tx));
  return ScoreWith(tx, customer_id, clock_.Now(), boundaries, model, clusters);
}

absl::StatusOr<std::optional<BehaviourClusters>> ScoringManager::LatestClusters(
    Transaction& tx) {
  if (cluster_models_ == nullptr) return std::nullopt;
  CRM_ASSIGN_OR_RETURN(std::optional<v1::BehaviourClusterModel> latest,
                       cluster_models_->Latest(tx));
  if (!latest.has_value()) return std::nullopt;
  return ClustersFromProto(*latest);
}

struct ScoringManager::Scoring {
  CustomerScoreRecord score;
  bool changed = true;  // Differs from the stored score (or none is stored).
  ScoreClassChange classes;
  std::optional<LifecycleTransition> transition;
};

ScoringManager::Scoring ScoringManager::Compute(
    absl::string_view customer_id, const CustomerAggregate& aggregate,
    const std::optional<CustomerScoreRecord>& previous,
    const std::optional<RfmBoundaries>& boundaries,
    const std::optional<ClvModelRecord>& model,
    const std::optional<BehaviourClusters>& clusters,
    const std::vector<OrderFact>& orders, const BehaviourCounts& counts,
    absl::Time now) const {
  Scoring result;
  CustomerScoreRecord& score = result.score;
  score.customer_id = std::string(customer_id);
  score.score_time = crm::common::TruncateToMicros(now);
  score.version = previous.has_value() ? previous->version + 1 : 1;
  const RfmInputs inputs = RfmInputsOf(aggregate, policy_.scoring_currency);
  score.monetary_minor = inputs.monetary_minor;
  // Before the first full recompute there are no boundaries: RFM waits.
  if (boundaries.has_value()) score.rfm = ScoreRfm(*boundaries, inputs);
  score.rfm_segment = NamedRfmSegment(policy_.rfm_segments, score.rfm);

  if (model.has_value() && aggregate.order_count > 0) {
    std::optional<ClvSummary> summary = SummarizeForClv(
        orders, now, model->days_per_unit, model->currency_code);
    if (summary.has_value()) {
      score.p_alive = BgNbdPAlive(model->purchases.params, *summary);
      score.expected_purchases = BgNbdExpectedPurchases(
          model->purchases.params, *summary, policy_.clv.horizon_units);
      score.clv_minor = std::llround(CustomerLifetimeValue(
          model->purchases.params, model->spend.params, *summary, policy_.clv));
      score.clv_model_id = model->id;
    }
  }

  LifecycleInputs lifecycle;
  lifecycle.purchase_days = aggregate.purchase_days;
  lifecycle.first_purchase_time = aggregate.first_order_time;
  lifecycle.last_purchase_time = aggregate.last_order_time;
  lifecycle.previous_purchase_time = aggregate.previous_purchase_time;
  lifecycle.p_alive = score.p_alive;
  score.lifecycle_stage = ClassifyLifecycle(policy_.lifecycle, lifecycle, now);

  if (clusters.has_value()) {
    std::optional<BehaviourFeatures> features = FeaturesOf(
        aggregate, counts, clusters->vocabulary, policy_.scoring_currency, now);
    if (features.has_value())
      score.cluster = AssignCluster(*clusters, *features);
  }

  ValueTierInputs tier;
  tier.monetary_score = score.rfm.monetary;
  tier.monetary_minor = score.monetary_minor;
  tier.clv_minor = score.clv_minor;
  score.value_tier = ClassifyValueTier(policy_.value_tiers, tier);

  const LifecycleStage before = previous.has_value()
                                    ? previous->lifecycle_stage
                                    : LifecycleStage::kUnspecified;
  result.classes = ScoreClassChange{.old_tier = previous.has_value()
                                                    ? previous->value_tier
                                                    : ValueTier::kUnspecified,
                                    .new_tier = score.value_tier,
                                    .old_stage = before,
                                    .new_stage = score.lifecycle_stage};
  if (before != score.lifecycle_stage) {
    result.transition = LifecycleTransition{.customer_id = score.customer_id,
                                            .from = before,
                                            .to = score.lifecycle_stage,
                                            .time = score.score_time};
  }
  // A scoring that computes what is stored stores nothing: the stored score
  // keeps its time and version (etag).
  if (previous.has_value() && SameScores(*previous, score)) {
    result.changed = false;
    score = *previous;
  }
  return result;
}

absl::Status ScoringManager::ScoreWith(
    Transaction& tx, absl::string_view customer_id, absl::Time now,
    const std::optional<RfmBoundaries>& boundaries,
    const std::optional<ClvModelRecord>& model,
    const std::optional<BehaviourClusters>& clusters) {
  CRM_ASSIGN_OR_RETURN(std::optional<CustomerAggregate> found,
                       read_model_.FindAggregate(tx, customer_id));
  CRM_ASSIGN_OR_RETURN(std::optional<CustomerFacts> facts,
                       read_model_.FindCustomer(tx, customer_id));
  CRM_ASSIGN_OR_RETURN(std::optional<CustomerScoreRecord> previous,
                       scores_.Find(tx, customer_id));
  if (!found.has_value() && !facts.has_value()) {
    CRM_RETURN_IF_ERROR(scores_.Delete(tx, customer_id));
    if (!on_scored_) return absl::OkStatus();
    return on_scored_(tx, customer_id, now, nullptr);
  }
  const CustomerAggregate aggregate =
      found.value_or(AggregateOrders(customer_id, {}));
  std::vector<OrderFact> orders;
  if (model.has_value() && aggregate.order_count > 0) {
    CRM_ASSIGN_OR_RETURN(orders, read_model_.ListOrders(tx, customer_id));
  }
  BehaviourCounts counts;
  if (clusters.has_value() && aggregate.order_count > 0) {
    CRM_ASSIGN_OR_RETURN(
        std::vector<BehaviourCounts> found_counts,
        read_model_.FindBehaviourCounts(tx, {std::string(customer_id)}));
    counts = std::move(found_counts.front());
  }
  const absl::Time scored_at = crm::common::TruncateToMicros(now);
  const Scoring scoring = Compute(customer_id, aggregate, previous, boundaries,
                                  model, clusters, orders, counts, now);
  if (scoring.transition.has_value()) {
    CRM_RETURN_IF_ERROR(scores_.AppendTransition(tx, *scoring.transition));
  }
  if (scoring.changed) CRM_RETURN_IF_ERROR(scores_.Save(tx, scoring.score));
  if (on_scored_) {
    const SegmentSubject subject{.facts = facts.has_value() ? &*facts : nullptr,
                                 .aggregate = &aggregate,
                                 .score = &scoring.score};
    CRM_RETURN_IF_ERROR(on_scored_(tx, customer_id, scored_at, &subject));
  }
  // Last: after the hook's membership writes (the outbox's writer contract).
  return AppendScoreClassChanges(feed_, tx, customer_id, scoring.classes,
                                 scored_at);
}

ReadModelChangeHook ScoringManager::FeedHook() {
  return [this](Transaction& tx, absl::string_view customer_id,
                ReadModelChange change) -> absl::Status {
    if (change != ReadModelChange::kUpdated) {
      return scores_.Delete(tx, customer_id);
    }
    return ScoreCustomer(tx, customer_id);
  };
}

ReadModelUpdatesHook ScoringManager::FeedUpdatesHook() {
  return [this](Transaction& tx, const std::vector<std::string>& customer_ids,
                const std::vector<const CustomerAggregate*>& saved_aggregates) {
    return ScoreCustomers(tx, customer_ids, saved_aggregates);
  };
}

absl::StatusOr<v1::CustomerScore> ScoringManager::GetCustomerScore(
    const RequestContext& context, const v1::GetCustomerScoreRequest& request) {
  CRM_RETURN_IF_ERROR(crm::common::CheckRequiredFields(request));
  CRM_ASSIGN_OR_RETURN(std::string id, ParseScoreName(request.name()));
  return unit_of_work_.Read<v1::CustomerScore>(
      context, [&](Transaction& tx) -> absl::StatusOr<v1::CustomerScore> {
        CRM_ASSIGN_OR_RETURN(std::optional<CustomerScoreRecord> score,
                             scores_.Find(tx, id));
        if (!score.has_value()) {
          return crm::common::NotFoundError(ScoreName(id));
        }
        v1::CustomerScore proto = ToCustomerScoreProto(
            *score, policy_.scoring_currency,
            score->clv_model_id.empty() ? ""
                                        : ClvModelName(score->clv_model_id));
        CRM_RETURN_IF_ERROR(AddReferralValues(
            referral_edges_, tx, policy_.scoring_currency, {&proto}));
        return proto;
      });
}

absl::StatusOr<v1::ListCustomerScoresResponse>
ScoringManager::ListCustomerScores(
    const RequestContext& context,
    const v1::ListCustomerScoresRequest& request) {
  CRM_RETURN_IF_ERROR(crm::common::CheckRequiredFields(request));
  CRM_ASSIGN_OR_RETURN(
      crm::common::PageRequest page,
      crm::common::ParsePageRequest(request.page_size(), request.page_token(),
                                    kScoreListQuery));
  const std::string after = page.after.has_value() ? page.after->id : "";
  return unit_of_work_.Read<v1::ListCustomerScoresResponse>(
      context,
      [&](Transaction& tx) -> absl::StatusOr<v1::ListCustomerScoresResponse> {
        CRM_ASSIGN_OR_RETURN(std::vector<CustomerScoreRecord> rows,
                             scores_.List(tx, after, page.page_size + 1));
        crm::common::Page<CustomerScoreRecord> result =
            crm::common::MakePage<CustomerScoreRecord>(
                std::move(rows), page.page_size,
                [](const CustomerScoreRecord& score) {
                  return crm::common::KeysetPosition{absl::UnixEpoch(),
                                                     score.customer_id};
                });
        v1::ListCustomerScoresResponse response;
        std::vector<v1::CustomerScore*> listed;
        for (const CustomerScoreRecord& score : result.items) {
          v1::CustomerScore* proto = response.add_customer_scores();
          *proto = ToCustomerScoreProto(score, policy_.scoring_currency,
                                        score.clv_model_id.empty()
                                            ? ""
                                            : ClvModelName(score.clv_model_id));
          listed.push_back(proto);
        }
        // One read for the page's referral values.
        CRM_RETURN_IF_ERROR(AddReferralValues(
            referral_edges_, tx, policy_.scoring_currency, listed));
        response.set_next_page_token(
            crm::common::NextPageToken(result.next, kScoreListQuery));
        return response;
      });
}

absl::StatusOr<std::optional<v1::RecomputeScoresResponse>>
ScoringManager::StoredRecompute(const RequestContext& context,
                                const v1::RecomputeScoresRequest& request) {
  return crm::common::FindStoredResponse<v1::RecomputeScoresResponse>(
      unit_of_work_, idempotency_, context, kRecomputeMethod,
      request.request_id(), request);
}

absl::StatusOr<v1::RecomputeScoresResponse> ScoringManager::RecomputeScores(
    const RequestContext& context, const v1::RecomputeScoresRequest& request) {
  CRM_RETURN_IF_ERROR(crm::common::CheckRequiredFields(request));
  CRM_RETURN_IF_ERROR(crm::common::ValidateRequestId(request.request_id()));
  CRM_ASSIGN_OR_RETURN(std::optional<v1::RecomputeScoresResponse> stored,
                       StoredRecompute(context, request));
  if (stored.has_value()) return *std::move(stored);

  // The cut points, from two streamed scans holding each active customer's
  // RFM inputs only (ReadRfmPopulation), stored before any customer is
  // re-scored against them.
  const absl::Time now = crm::common::TruncateToMicros(clock_.Now());
  RfmBoundaries boundaries;
  std::optional<ClvModelRecord> model;
  std::optional<BehaviourClusters> clusters;
  CRM_RETURN_IF_ERROR(
      unit_of_work_.Run(context, [&](Transaction& tx) -> absl::Status {
        CRM_ASSIGN_OR_RETURN(
            RfmPopulation population,
            read_model_.ReadRfmPopulation(tx, policy_.scoring_currency));
        boundaries = ComputeRfmBoundaries(std::move(population));
        CRM_RETURN_IF_ERROR(scores_.SaveBoundaries(tx, boundaries, now));
        CRM_ASSIGN_OR_RETURN(model, scores_.LatestClvModel(tx));
        CRM_ASSIGN_OR_RETURN(clusters, LatestClusters(tx));
        return absl::OkStatus();
      }));

  // Batches go to `recompute_workers` threads (this one among them), each
  // claiming the next batch of ids under `cursor_mutex` in its own unit of
  // work and scoring it there: the batches of different customers are
  // independent, so they commit in any order. The first failure or
  // cancellation stops every worker before its next batch.
  absl::Mutex cursor_mutex;
  std::string after;        // Guarded by cursor_mutex.
  bool listed_all = false;  // Guarded by cursor_mutex.
  absl::Status failure;     // Guarded by cursor_mutex.
  std::atomic<int64_t> scored{0};
  auto run_batches = [&]() {
    while (true) {
      {
        absl::MutexLock lock(&cursor_mutex);
        if (listed_all || !failure.ok()) return;
      }
      // A cancelled request (the caller left; a scheduled run at shutdown
      // or past its deadline) ends here, between batches; the batches
      // committed so far stay (see the header). The deadline itself is the
      // unit of work's to enforce, on its own clock.
      bool appended = false;
      // Claimed once: a retried unit of work scores the same customers.
      std::optional<std::vector<std::string>> claimed;
      absl::StatusOr<int64_t> count =
          context.IsCancelled()
              ? absl::StatusOr<int64_t>(context.CheckActive(clock_.Now()))
              : unit_of_work_.Run<int64_t>(
                    context, [&](Transaction& tx) -> absl::StatusOr<int64_t> {
                      appended = false;
                      if (!claimed.has_value()) {
                        CRM_ASSIGN_OR_RETURN(
                            claimed,
                            ClaimBatch(tx, cursor_mutex, after, listed_all));
                      }
                      if (claimed->empty()) return 0;
                      CRM_ASSIGN_OR_RETURN(
                          appended,
                          ScoreBatch(tx, *claimed, now, boundaries, model,
                                     clusters, {},
                                     MembershipScope::kChangedScores));
                      return static_cast<int64_t>(claimed->size());
                    });
      if (!count.ok()) {
        absl::MutexLock lock(&cursor_mutex);
        if (failure.ok()) failure = count.status();
        return;
      }
      if (appended && feed_ != nullptr) feed_->NotifyCommitted();
      scored += *count;
    }
  };
  const int workers = std::max(1, policy_.recompute_workers);
  std::vector<std::thread> helpers;
  helpers.reserve(workers - 1);
  for (int i = 1; i < workers; ++i) helpers.emplace_back(run_batches);
  run_batches();
  for (std::thread& helper : helpers) helper.join();
  CRM_RETURN_IF_ERROR(failure);

  v1::RecomputeScoresResponse response;
  response.set_customer_count(scored.load());
  response.set_active_customer_count(boundaries.population);
  *response.mutable_compute_time() = crm::common::ToProtoTimestamp(now);
  if (request.request_id().empty()) return response;
  // Stored last, in a small unit of work of its own; a concurrent repeat
  // that completed first wins, and its response is returned.
  return crm::common::RunIdempotent<v1::RecomputeScoresResponse>(
      unit_of_work_, idempotency_, clock_, context, kRecomputeMethod,
      request.request_id(), request,
      [&](Transaction&) -> absl::StatusOr<v1::RecomputeScoresResponse> {
        return response;
      });
}

absl::StatusOr<std::vector<std::string>> ScoringManager::ClaimBatch(
    Transaction& tx, absl::Mutex& cursor_mutex, std::string& after,
    bool& listed_all) {
  absl::MutexLock lock(&cursor_mutex);
  if (listed_all) return std::vector<std::string>();
  CRM_ASSIGN_OR_RETURN(
      std::vector<std::string> ids,
      read_model_.ListCustomerIds(tx, after, policy_.recompute_batch_size));
  if (static_cast<int>(ids.size()) < policy_.recompute_batch_size) {
    listed_all = true;
  }
  if (!ids.empty()) after = ids.back();
  return ids;
}

absl::Status ScoringManager::ScoreCustomers(
    Transaction& tx, const std::vector<std::string>& customer_ids,
    const std::vector<const CustomerAggregate*>& saved_aggregates) {
  if (customer_ids.empty()) return absl::OkStatus();
  CRM_ASSIGN_OR_RETURN(std::optional<RfmBoundaries> boundaries,
                       scores_.LoadBoundaries(tx));
  CRM_ASSIGN_OR_RETURN(std::optional<ClvModelRecord> model,
                       scores_.LatestClvModel(tx));
  CRM_ASSIGN_OR_RETURN(std::optional<BehaviourClusters> clusters,
                       LatestClusters(tx));
  return ScoreBatch(tx, customer_ids, clock_.Now(), boundaries, model, clusters,
                    saved_aggregates)
      .status();
}

absl::StatusOr<bool> ScoringManager::ScoreBatch(
    Transaction& tx, const std::vector<std::string>& ids, absl::Time now,
    const std::optional<RfmBoundaries>& cuts,
    const std::optional<ClvModelRecord>& model,
    const std::optional<BehaviourClusters>& clusters,
    const std::vector<const CustomerAggregate*>& saved_aggregates,
    MembershipScope scope) {
  bool appended = false;
  // Only the batch hook is given a subset; the per-customer hook sees all.
  const bool changed_only =
      scope == MembershipScope::kChangedScores && on_batch_scored_;
  // The aggregates just saved are taken as they are; the others are read.
  std::vector<std::optional<CustomerAggregate>> found(ids.size());
  std::vector<std::string> unread;
  std::vector<size_t> unread_at;
  for (size_t i = 0; i < ids.size(); ++i) {
    if (i < saved_aggregates.size() && saved_aggregates[i] != nullptr) {
      found[i] = *saved_aggregates[i];
    } else {
      unread.push_back(ids[i]);
      unread_at.push_back(i);
    }
  }
  if (!unread.empty()) {
    // The scoring and the segment rules use the spend in the scoring
    // currency only.
    CRM_ASSIGN_OR_RETURN(
        std::vector<std::optional<CustomerAggregate>> read,
        read_model_.FindAggregates(tx, unread, policy_.scoring_currency));
    for (size_t k = 0; k < unread.size(); ++k) {
      found[unread_at[k]] = std::move(read[k]);
    }
  }
  CRM_ASSIGN_OR_RETURN(std::vector<std::optional<CustomerScoreRecord>> previous,
                       scores_.FindMany(tx, ids));
  std::vector<std::vector<OrderFact>> orders;
  if (model.has_value()) {
    CRM_ASSIGN_OR_RETURN(orders, read_model_.ListOrdersOf(tx, ids));
  }
  std::vector<BehaviourCounts> counts;
  if (clusters.has_value()) {
    CRM_ASSIGN_OR_RETURN(counts, read_model_.FindBehaviourCounts(tx, ids));
  }
  const std::vector<OrderFact> no_orders;
  const BehaviourCounts no_counts;
  const absl::Time scored_at = crm::common::TruncateToMicros(now);

  // Everything in memory first, at stable addresses for the hooks. A
  // customer without an aggregate is scored as one without orders (and
  // dropped below if the read model holds no facts of it either).
  std::vector<bool> has_aggregate(ids.size());
  std::vector<CustomerAggregate> aggregates;
  std::vector<Scoring> scorings;
  aggregates.reserve(ids.size());
  scorings.reserve(ids.size());
  for (size_t i = 0; i < ids.size(); ++i) {
    has_aggregate[i] = found[i].has_value();
    aggregates.push_back(has_aggregate[i] ? *std::move(found[i])
                                          : AggregateOrders(ids[i], {}));
    scorings.push_back(Compute(ids[i], aggregates[i], previous[i], cuts, model,
                               clusters, orders.empty() ? no_orders : orders[i],
                               counts.empty() ? no_counts : counts[i], now));
  }
  // The facts of every customer, or (changed_only) of those whose
  // memberships are evaluated below and of those without an aggregate.
  std::vector<size_t> facts_at;
  for (size_t i = 0; i < ids.size(); ++i) {
    if (!changed_only || !has_aggregate[i] || scorings[i].changed) {
      facts_at.push_back(i);
    }
  }
  std::vector<std::optional<CustomerFacts>> facts(ids.size());
  if (facts_at.size() == ids.size()) {
    CRM_ASSIGN_OR_RETURN(facts, read_model_.FindCustomers(tx, ids));
  } else if (!facts_at.empty()) {
    std::vector<std::string> wanted;
    wanted.reserve(facts_at.size());
    for (size_t i : facts_at) wanted.push_back(ids[i]);
    CRM_ASSIGN_OR_RETURN(std::vector<std::optional<CustomerFacts>> read,
                         read_model_.FindCustomers(tx, wanted));
    for (size_t k = 0; k < facts_at.size(); ++k) {
      facts[facts_at[k]] = std::move(read[k]);
    }
  }
  std::vector<bool> held(ids.size());
  std::vector<CustomerScoreRecord> changed;
  std::vector<LifecycleTransition> transitions;
  for (size_t i = 0; i < ids.size(); ++i) {
    held[i] = has_aggregate[i] || facts[i].has_value();
    if (!held[i]) {
      scorings[i] = Scoring();
      continue;
    }
    const Scoring& scoring = scorings[i];
    if (scoring.transition.has_value()) {
      transitions.push_back(*scoring.transition);
    }
    if (scoring.changed) changed.push_back(scoring.score);
  }
  // Customers listed but gone (not expected within one snapshot) lose their
  // score, as ScoreWith does.
  for (size_t i = 0; i < ids.size(); ++i) {
    if (!held[i]) CRM_RETURN_IF_ERROR(scores_.Delete(tx, ids[i]));
  }
  CRM_RETURN_IF_ERROR(scores_.AppendTransitions(tx, transitions));
  CRM_RETURN_IF_ERROR(scores_.SaveMany(tx, changed));

  std::vector<SegmentSubject> subjects(ids.size());
  std::vector<ScoredCustomer> customers(ids.size());
  for (size_t i = 0; i < ids.size(); ++i) {
    subjects[i] =
        SegmentSubject{.facts = facts[i].has_value() ? &*facts[i] : nullptr,
                       .aggregate = &aggregates[i],
                       .score = &scorings[i].score};
    customers[i] = ScoredCustomer{.customer_id = ids[i],
                                  .subject = held[i] ? &subjects[i] : nullptr};
  }
  if (!on_batch_scored_) {
    // Per customer, as ScoreWith: the hook, then the score's events.
    for (size_t i = 0; i < ids.size(); ++i) {
      if (on_scored_) {
        CRM_RETURN_IF_ERROR(
            on_scored_(tx, ids[i], scored_at, customers[i].subject));
      }
      if (held[i]) {
        CRM_RETURN_IF_ERROR(AppendScoreClassChanges(
            feed_, tx, ids[i], scorings[i].classes, scored_at));
      }
    }
    // The hook may have appended events of its own.
    return true;
  }
  // The customers whose memberships are evaluated: all, or (changed_only)
  // those whose score changed or who are gone. The others' subject is what
  // it was when their memberships were last evaluated (see the header).
  std::vector<size_t> evaluated_at;
  std::vector<ScoredCustomer> evaluated;
  for (size_t i = 0; i < ids.size(); ++i) {
    if (!changed_only || !held[i] || scorings[i].changed) {
      evaluated_at.push_back(i);
      evaluated.push_back(customers[i]);
    }
  }
  CRM_ASSIGN_OR_RETURN(
      std::vector<std::vector<crm::common::FeedEventRecord>> hook_events,
      on_batch_scored_(tx, scored_at, evaluated));
  std::vector<std::vector<crm::common::FeedEventRecord>> events_of(ids.size());
  for (size_t k = 0; k < evaluated_at.size() && k < hook_events.size(); ++k) {
    events_of[evaluated_at[k]] = std::move(hook_events[k]);
  }
  // Last, after every write of the batch (the outbox's writer contract): per
  // customer, its membership events, then its score's.
  std::vector<crm::common::FeedEventRecord> events;
  for (size_t i = 0; i < ids.size(); ++i) {
    for (crm::common::FeedEventRecord& event : events_of[i]) {
      events.push_back(std::move(event));
    }
    if (held[i] && feed_ != nullptr) {
      AddScoreClassChangeRecords(ids[i], scorings[i].classes, scored_at,
                                 events);
    }
  }
  if (!events.empty()) {
    if (feed_ == nullptr) {
      return absl::InternalError(
          "the recompute's batch hook returned feed events but the scoring "
          "has no feed");
    }
    CRM_RETURN_IF_ERROR(feed_->AppendAll(tx, events));
    appended = true;
  }
  return appended;
}

absl::StatusOr<v1::ClvModel> ScoringManager::GetClvModel(
    const RequestContext& context, const v1::GetClvModelRequest& request) {
  CRM_RETURN_IF_ERROR(crm::common::CheckRequiredFields(request));
  CRM_ASSIGN_OR_RETURN(
      std::string id,
      crm::common::ParseResourceName(request.name(), "clvModels", "name"));
  return unit_of_work_.Read<v1::ClvModel>(
      context, [&](Transaction& tx) -> absl::StatusOr<v1::ClvModel> {
        CRM_ASSIGN_OR_RETURN(std::optional<ClvModelRecord> model,
                             scores_.FindClvModel(tx, id));
        if (!model.has_value()) {
          return crm::common::NotFoundError(ClvModelName(id));
        }
        return ToClvModelProto(*model);
      });
}

absl::StatusOr<v1::ListLifecycleTransitionsResponse>
ScoringManager::ListLifecycleTransitions(
    const RequestContext& context,
    const v1::ListLifecycleTransitionsRequest& request) {
  CRM_RETURN_IF_ERROR(crm::common::CheckRequiredFields(request));
  absl::StatusOr<std::string> customer_id =
      crm::common::ParseResourceName(request.parent(), "customers", "parent");
  if (!customer_id.ok()) {
    return crm::common::InvalidFieldError(
        "parent", "must be of the form customers/{customer}");
  }
  // Tokens are bound to the parent; the keyset id is the transition's seq.
  const std::string query =
      absl::StrCat(request.parent(), "/lifecycleTransitions");
  CRM_ASSIGN_OR_RETURN(crm::common::PageRequest page,
                       crm::common::ParsePageRequest(
                           request.page_size(), request.page_token(), query));
  std::optional<TransitionPosition> after;
  if (page.after.has_value()) {
    int64_t seq = 0;
    if (!absl::SimpleAtoi(page.after->id, &seq)) {
      return crm::common::ErrorWithReason(
          crm::common::InvalidFieldError("page_token", "is malformed"),
          crm::type::v1::PAGE_TOKEN_INVALID, {{"field", "page_token"}});
    }
    after = TransitionPosition{page.after->create_time, seq};
  }
  CRM_ASSIGN_OR_RETURN(
      std::vector<LifecycleTransition> rows,
      unit_of_work_.Read<std::vector<LifecycleTransition>>(
          context,
          [&](Transaction& tx)
              -> absl::StatusOr<std::vector<LifecycleTransition>> {
            return scores_.ListTransitionsNewestFirst(tx, *customer_id, after,
                                                      page.page_size + 1);
          }));
  crm::common::Page<LifecycleTransition> result =
      crm::common::MakePage<LifecycleTransition>(
          std::move(rows), page.page_size,
          [](const LifecycleTransition& transition) {
            return crm::common::KeysetPosition{transition.time,
                                               absl::StrCat(transition.seq)};
          });
  v1::ListLifecycleTransitionsResponse response;
  for (const LifecycleTransition& transition : result.items) {
    *response.add_lifecycle_transitions() =
        ToLifecycleTransitionProto(transition);
  }
  response.set_next_page_token(crm::common::NextPageToken(result.next, query));
  return response;
}

absl::StatusOr<std::vector<LifecycleTransition>>
ScoringManager::LifecycleHistory(const RequestContext& context,
                                 absl::string_view customer_id) {
  return unit_of_work_.Read<std::vector<LifecycleTransition>>(
      context,
      [&](Transaction& tx) -> absl::StatusOr<std::vector<LifecycleTransition>> {
        return scores_.ListTransitions(tx, customer_id);
      });
}

}  // namespace crm::segmentation
