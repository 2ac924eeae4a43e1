// RecomputeScores in batches on MariaDB against the per-customer scoring it
// replaces: two databases fed the same customer-profile events, one
// recomputed through RecomputeScores (batches of 7, the membership batch
// hook, multi-row statements), the other by ScoreCustomer on every customer
// in one transaction after storing the same cut points (what a full
// recompute did before batching, and what a feed event does for one
// customer). After each of three rounds (the first scores, time passing
// with new orders, a CLV model) every score, lifecycle transition,
// membership, membership history entry and feed event is identical, in
// order. Also: a request_id repeated after completion returns the stored
// response and writes nothing. And the feed's batches applied set-based
// (ProfileFeedApplier::ApplyBatch with ScoringManager::FeedUpdatesHook)
// against the same events applied one at a time: facts, orders, refunds,
// repeated customers, merges with late events of the duplicate, erasures,
// with and without cut points and a CLV model, leave every row identical
// (the rows appended for different customers compared per customer: a
// batch's waves take each customer's k-th event together).
#include <cppconn/resultset.h>
#include <cppconn/statement.h>

#include <algorithm>
#include <atomic>
#include <cstdio>
#include <map>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "absl/time/time.h"
#include "crm/customerprofile/v1/change_event.pb.h"
#include "services/common/change_feed_writer.h"
#include "services/common/clock.h"
#include "services/common/id_generator.h"
#include "services/common/idempotency.h"
#include "services/common/mysql_unit_of_work.h"
#include "services/common/request_context.h"
#include "services/common/status_macros.h"
#include "services/common/timestamps.h"
#include "services/segmentation/membership_manager.h"
#include "services/segmentation/migrations.h"
#include "services/segmentation/mysql_item_association_repository.h"
#include "services/segmentation/mysql_membership_repository.h"
#include "services/segmentation/mysql_read_model_repository.h"
#include "services/segmentation/mysql_score_repository.h"
#include "services/segmentation/mysql_segment_repository.h"
#include "services/segmentation/profile_feed_applier.h"
#include "services/segmentation/recommendation_manager.h"
#include "services/segmentation/rfm_scoring.h"
#include "services/segmentation/scoring_manager.h"
#include "services/segmentation/segment_manager.h"
#include "services/segmentation/segmentation_change_feed.h"
#include "tests/testing/status_matchers.h"
#include "tests/testing/test_database.h"

namespace crm::segmentation {
namespace {

namespace cp = ::crm::customerprofile::v1;
using ::crm::common::RequestContext;
using ::crm::common::Transaction;
using ::crm::testing::IsOk;

const absl::Time kStart = absl::FromUnixSeconds(1767225600);  // 2026-01-01

absl::Time Day(int n) { return kStart + absl::Hours(24 * n + 10); }

constexpr int kCustomers = 60;
constexpr int kBatch = 7;

cp::ChangeEvent Created(const std::string& id, const std::string& country,
                        bool vip) {
  cp::ChangeEvent event;
  event.set_type(cp::ChangeEvent::CUSTOMER_CREATED);
  event.set_customer_name("customers/" + id);
  event.mutable_customer()->set_state(cp::Customer::ACTIVE);
  event.mutable_customer()->mutable_address()->set_country_code(country);
  if (vip) event.mutable_customer()->add_tags("vip");
  return event;
}

cp::ChangeEvent Ordered(const std::string& customer, const std::string& order,
                        absl::Time time, int64_t amount,
                        const std::string& currency) {
  cp::ChangeEvent event;
  event.set_type(cp::ChangeEvent::ORDER_RECORDED);
  event.set_customer_name("customers/" + customer);
  cp::Order* o = event.mutable_order();
  o->set_name(absl::StrCat("customers/", customer, "/orders/", order));
  o->mutable_amount()->set_currency_code(currency);
  o->mutable_amount()->set_amount_minor(amount);
  *o->mutable_order_time() = crm::common::ToProtoTimestamp(time);
  // Two lines (one when both draw the same SKU), for the associations.
  for (int64_t sku : {amount % 7, amount % 5}) {
    cp::OrderLineItem* line = o->add_line_items();
    line->set_sku(absl::StrCat("sku", sku));
    line->set_quantity(1);
  }
  return event;
}

// The population: most customers created with 0-6 orders over the last
// 400 days (a few in USD), some with orders but never created.
std::vector<cp::ChangeEvent> Population() {
  std::mt19937_64 rng(20261203);
  std::vector<cp::ChangeEvent> events;
  for (int i = 0; i < kCustomers; ++i) {
    const std::string id = absl::StrCat("c", 100 + i);
    if (i % 11 != 5) {
      events.push_back(Created(id, i % 3 == 0 ? "US" : "CN", i % 4 == 1));
    }
    const int orders = static_cast<int>(rng() % 7);
    for (int k = 0; k < orders; ++k) {
      const int day = -static_cast<int>(rng() % 400);
      const int64_t amount = 500 + static_cast<int64_t>(rng() % 60000);
      events.push_back(Ordered(id, absl::StrCat("o", k), Day(day), amount,
                               k % 5 == 4 ? "USD" : "CNY"));
    }
  }
  return events;
}

cp::ChangeEvent Refunded(const std::string& customer, const std::string& order,
                         absl::Time time, int64_t amount, int64_t refunded) {
  cp::ChangeEvent event = Ordered(customer, order, time, amount, "CNY");
  event.set_type(cp::ChangeEvent::ORDER_REFUNDED);
  event.mutable_order()->mutable_refunded_amount()->set_currency_code("CNY");
  event.mutable_order()->mutable_refunded_amount()->set_amount_minor(refunded);
  return event;
}

cp::ChangeEvent Merged(const std::string& survivor,
                       const std::string& duplicate) {
  cp::ChangeEvent event = Created(survivor, "CN", /*vip=*/true);
  event.set_type(cp::ChangeEvent::CUSTOMER_MERGED);
  event.mutable_merge()->set_survivor("customers/" + survivor);
  event.mutable_merge()->set_duplicate("customers/" + duplicate);
  *event.mutable_event_time() = crm::common::ToProtoTimestamp(Day(44));
  return event;
}

cp::ChangeEvent Erased(const std::string& id) {
  cp::ChangeEvent event;
  event.set_type(cp::ChangeEvent::CUSTOMER_ERASED);
  event.set_customer_name("customers/" + id);
  return event;
}

// How a Stack's applier takes the feed's batches.
enum class FeedApply { kOneByOne, kBatches };

// One segmentation database with its managers, the feed to the outbox.
struct Stack {
  explicit Stack(const std::string& name, bool batched,
                 FeedApply feed_apply = FeedApply::kOneByOne, int pool_size = 4,
                 int recompute_workers = 1) {
    auto database = crm::testing::TestDatabase::Create(name);
    EXPECT_THAT(database, IsOk());
    if (!database.ok()) return;
    db = *std::move(database);
    auto migrated = db->NewMigratedPool(Migrations(), pool_size);
    EXPECT_THAT(migrated, IsOk());
    if (!migrated.ok()) return;
    pool = *std::move(migrated);
    unit_of_work = std::make_unique<crm::common::MySqlUnitOfWork>(*pool);
    memberships = std::make_unique<MembershipManager>(
        *unit_of_work, segments, membership_repository, read_model, scores,
        clock, "CNY", &writer);
    segment_manager = std::make_unique<SegmentManager>(
        *unit_of_work, segments, idempotency, clock, ids,
        memberships->SegmentChangeHooks());
    ScoringPolicy policy;
    policy.recompute_batch_size = kBatch;
    policy.recompute_workers = recompute_workers;
    scoring = std::make_unique<ScoringManager>(
        *unit_of_work, read_model, scores, idempotency, clock, ids, policy,
        memberships->ScoredHook(), &writer);
    if (batched) {
      scoring->set_customers_scored_hook(memberships->BatchScoredHook());
    }
    recommendations = std::make_unique<RecommendationManager>(
        *unit_of_work, item_associations, AssociationPolicy{});
    applier = std::make_unique<ProfileFeedApplier>(
        read_model,
        CombineHooks(CombineHooks(scoring->FeedHook(), memberships->FeedHook()),
                     recommendations->FeedHook(read_model)),
        feed_apply == FeedApply::kBatches ? scoring->FeedUpdatesHook()
                                          : nullptr,
        recommendations->OrdersHook());
  }

  // `events` in batches of `batch_size`, each in one transaction.
  void ApplyInBatches(const std::vector<cp::ChangeEvent>& events,
                      size_t batch_size) {
    for (size_t begin = 0; begin < events.size(); begin += batch_size) {
      const std::vector<cp::ChangeEvent> batch(
          events.begin() + begin,
          events.begin() + std::min(events.size(), begin + batch_size));
      ASSERT_THAT(unit_of_work->Run(RequestContext(),
                                    [&](Transaction& tx) {
                                      return applier->ApplyBatch(tx, batch);
                                    }),
                  IsOk());
    }
  }

  // Every row of the read model, as text.
  std::vector<std::string> ReadModelRows() {
    std::vector<std::string> all;
    for (const char* query : {
             "SELECT CONCAT_WS('|', customer_id, country_code, tags, "
             "last_sequence) FROM read_model_customers ORDER BY customer_id",
             "SELECT CONCAT_WS('|', customer_id, order_id, order_time, "
             "amount_minor, refunded_minor) FROM read_model_orders ORDER BY "
             "customer_id, order_id",
             "SELECT CONCAT_WS('|', customer_id, order_count, purchase_days, "
             "first_order_time, last_order_time) FROM read_model_aggregates "
             "ORDER BY customer_id",
             "SELECT CONCAT_WS('|', customer_id, currency_code, "
             "net_total_minor) FROM read_model_spend ORDER BY customer_id, "
             "currency_code",
             "SELECT CONCAT_WS('|', customer_id, survivor_id) FROM "
             "merged_customers ORDER BY customer_id",
             "SELECT CONCAT_WS('|', customer_id, order_id, sku, order_time) "
             "FROM order_items ORDER BY customer_id, order_id, sku",
             // Weights summed in another order differ in the last bits.
             "SELECT CONCAT_WS('|', sku, baskets, ROUND(LOG2(weight), 9)) "
             "FROM item_baskets ORDER BY sku",
             "SELECT CONCAT_WS('|', sku, other_sku, baskets, "
             "ROUND(LOG2(weight), 9)) FROM item_pairs ORDER BY sku, other_sku",
             "SELECT CONCAT_WS('|', baskets, ROUND(LOG2(weight), 9)) FROM "
             "basket_totals",
         }) {
      absl::StatusOr<std::vector<std::string>> rows = db->QueryColumn(query);
      EXPECT_THAT(rows, IsOk()) << query;
      if (!rows.ok()) continue;
      all.push_back(absl::StrCat("-- ", query));
      all.insert(all.end(), rows->begin(), rows->end());
    }
    return all;
  }

  void Apply(const std::vector<cp::ChangeEvent>& events) {
    for (const cp::ChangeEvent& event : events) {
      ASSERT_THAT(unit_of_work->Run(RequestContext(),
                                    [&](Transaction& tx) {
                                      return applier->Apply(tx, event);
                                    }),
                  IsOk());
    }
  }

  void CreateSegment(const std::string& display_name, const std::string& rule) {
    v1::CreateSegmentRequest request;
    request.mutable_segment()->set_display_name(display_name);
    request.mutable_segment()->set_rule(rule);
    ASSERT_THAT(segment_manager->CreateSegment({}, request), IsOk());
  }

  // What a full recompute was before batches: the cut points of the active
  // population stored, then ScoreCustomer (a feed event's scoring) on every
  // customer of the read model, in one transaction.
  absl::Status PerCustomerRecompute() {
    return unit_of_work->Run(
        RequestContext(), [&](Transaction& tx) -> absl::Status {
          std::vector<RfmInputs> population;
          CRM_RETURN_IF_ERROR(read_model.ForEachAggregate(
              tx, [&](const CustomerAggregate& aggregate) {
                if (aggregate.order_count > 0) {
                  RfmInputs inputs;
                  inputs.last_order_time =
                      aggregate.last_order_time.value_or(absl::InfinitePast());
                  inputs.frequency = aggregate.order_count;
                  for (const CurrencySpend& spend : aggregate.spend) {
                    if (spend.currency_code == "CNY") {
                      inputs.monetary_minor = spend.net_total_minor;
                    }
                  }
                  population.push_back(inputs);
                }
                return absl::OkStatus();
              }));
          CRM_RETURN_IF_ERROR(scores.SaveBoundaries(
              tx, ComputeRfmBoundaries(population),
              crm::common::TruncateToMicros(clock.Now())));
          std::string after;
          while (true) {
            CRM_ASSIGN_OR_RETURN(std::vector<std::string> customer_ids,
                                 read_model.ListCustomerIds(tx, after, 100));
            for (const std::string& id : customer_ids) {
              CRM_RETURN_IF_ERROR(scoring->ScoreCustomer(tx, id));
            }
            if (customer_ids.size() < 100) return absl::OkStatus();
            after = customer_ids.back();
          }
        });
  }

  // Every row of the scoring and membership tables and of the outbox, in
  // their stored order (seq, id), or with `per_customer` by customer first
  // (a feed batch may append different customers' rows in another order
  // than one by one), as text.
  std::vector<std::string> Rows(bool per_customer = false) {
    std::vector<std::string> all;
    for (std::string query : {
             "SELECT CONCAT_WS('|', customer_id, recency_score, "
             "frequency_score, monetary_score, rfm_segment, value_tier, "
             "lifecycle_stage, monetary_minor, COALESCE(p_alive, 'null'), "
             "COALESCE(expected_purchases, 'null'), COALESCE(clv_minor, "
             "'null'), clv_model_id, score_time, version) FROM "
             "customer_scores ORDER BY customer_id",
             "SELECT CONCAT_WS('|', customer_id, transition_time, from_stage, "
             "to_stage) FROM lifecycle_transitions ORDER BY seq",
             "SELECT CONCAT_WS('|', population, recency_cuts, frequency_cuts, "
             "monetary_cuts, compute_time) FROM rfm_boundaries",
             "SELECT CONCAT_WS('|', customer_id, segment_id, enter_time) FROM "
             "segment_memberships ORDER BY customer_id, segment_id",
             "SELECT CONCAT_WS('|', customer_id, change_time, segment_id, "
             "kind, reason) FROM segment_membership_changes ORDER BY seq",
             "SELECT CONCAT_WS('|', feed, type, `key`, HEX(payload), "
             "event_time) FROM change_feed_events ORDER BY id",
         }) {
      if (per_customer) {
        query = absl::StrReplaceAll(
            query, {{"ORDER BY seq", "ORDER BY customer_id, seq"},
                    {"ORDER BY id", "ORDER BY `key`, id"}});
      }
      absl::StatusOr<std::vector<std::string>> rows = db->QueryColumn(query);
      EXPECT_THAT(rows, IsOk()) << query;
      if (!rows.ok()) continue;
      all.push_back(absl::StrCat("-- ", query));
      all.insert(all.end(), rows->begin(), rows->end());
    }
    return all;
  }

  // Customers of the read model (with facts or orders).
  int64_t ReadModelCustomers() {
    return Count(
        "(SELECT customer_id FROM read_model_customers UNION SELECT "
        "customer_id FROM read_model_aggregates) AS held");
  }

  int64_t Count(const std::string& table) {
    absl::StatusOr<std::vector<std::string>> n =
        db->QueryColumn(absl::StrCat("SELECT COUNT(*) FROM ", table));
    EXPECT_THAT(n, IsOk());
    return n.ok() && !n->empty() ? std::stoll(n->front()) : -1;
  }

  std::unique_ptr<crm::testing::TestDatabase> db;
  std::unique_ptr<crm::common::MySqlPool> pool;
  crm::common::FakeClock clock{Day(0)};
  crm::common::SequentialIdGenerator ids{"id"};
  crm::common::MySqlChangeFeedWriter writer{std::string(kSegmentationFeed),
                                            clock, nullptr};
  std::unique_ptr<crm::common::MySqlUnitOfWork> unit_of_work;
  MySqlSegmentRepository segments;
  MySqlReadModelRepository read_model;
  MySqlScoreRepository scores;
  MySqlMembershipRepository membership_repository;
  crm::common::MySqlIdempotencyRepository idempotency;
  std::unique_ptr<MembershipManager> memberships;
  std::unique_ptr<SegmentManager> segment_manager;
  std::unique_ptr<ScoringManager> scoring;
  MySqlItemAssociationRepository item_associations;
  std::unique_ptr<RecommendationManager> recommendations;
  std::unique_ptr<ProfileFeedApplier> applier;
};

// Segments, then the population through the feed.
void Populate(Stack& stack) {
  stack.clock.Set(Day(0));
  stack.CreateSegment("Recent", "rfm.recency >= 4");
  stack.CreateSegment("At risk", "lifecycle = \"AT_RISK\"");
  stack.CreateSegment("High value", "value_tier = \"HIGH\"");
  stack.CreateSegment("CN repeat", "country = \"CN\" AND order_count >= 2");
  stack.CreateSegment("VIP champions",
                      "tags:\"vip\" AND rfm.segment = \"Champions\"");
  stack.CreateSegment("Likely alive", "clv.p_alive >= 0.5");
  stack.Apply(Population());
}

// Time passes and some customers buy again.
void Later(Stack& stack) {
  stack.clock.Set(Day(45));
  std::vector<cp::ChangeEvent> events;
  for (int i = 0; i < kCustomers; i += 4) {
    events.push_back(Ordered(absl::StrCat("c", 100 + i), "late",
                             Day(40 + i % 5), 20000 + 137 * i, "CNY"));
  }
  stack.Apply(events);
}

void Fit(Stack& stack) {
  v1::FitClvModelRequest request;
  *request.mutable_observation_end() = crm::common::ToProtoTimestamp(Day(45));
  absl::StatusOr<v1::ClvModel> model = stack.scoring->FitClvModel({}, request);
  ASSERT_THAT(model, IsOk());
}

// The recompute of `workers` threads against ScoreCustomer on every customer;
// with more than one worker, batches commit in any order, so the rows are
// compared per customer.
void ExpectRecomputeEqualsPerCustomerScoring(const std::string& name,
                                             int workers) {
  Stack batched(name, /*batched=*/true, FeedApply::kOneByOne,
                /*pool_size=*/workers + 2, workers);
  Stack reference(name + "_ref", /*batched=*/false);
  const bool per_customer = workers > 1;
  ASSERT_NE(batched.unit_of_work, nullptr);
  ASSERT_NE(reference.unit_of_work, nullptr);
  Populate(batched);
  Populate(reference);
  ASSERT_EQ(batched.Rows(per_customer), reference.Rows(per_customer));

  // Round 1: the first cut points and scores.
  batched.clock.Set(Day(1));
  reference.clock.Set(Day(1));
  absl::StatusOr<v1::RecomputeScoresResponse> first =
      batched.scoring->RecomputeScores({}, {});
  ASSERT_THAT(first, IsOk());
  EXPECT_EQ(first->customer_count(), batched.ReadModelCustomers());
  EXPECT_GT(first->customer_count(), 5 * kBatch);
  ASSERT_THAT(reference.PerCustomerRecompute(), IsOk());
  EXPECT_EQ(batched.Rows(per_customer), reference.Rows(per_customer));
  EXPECT_GT(batched.Count("segment_memberships"), 0);
  EXPECT_GT(batched.Count("change_feed_events"), 2 * kCustomers);

  // Round 2: new orders, 44 days on (stages move, memberships leave and
  // enter).
  Later(batched);
  Later(reference);
  const int64_t changes_before = batched.Count("segment_membership_changes");
  ASSERT_THAT(batched.scoring->RecomputeScores({}, {}), IsOk());
  ASSERT_THAT(reference.PerCustomerRecompute(), IsOk());
  EXPECT_EQ(batched.Rows(per_customer), reference.Rows(per_customer));
  EXPECT_GT(batched.Count("segment_membership_changes"), changes_before);

  // Round 3: with a CLV model (orders read per batch), 45 days on.
  Fit(batched);
  Fit(reference);
  batched.clock.Set(Day(90));
  reference.clock.Set(Day(90));
  ASSERT_THAT(batched.scoring->RecomputeScores({}, {}), IsOk());
  ASSERT_THAT(reference.PerCustomerRecompute(), IsOk());
  EXPECT_EQ(batched.Rows(per_customer), reference.Rows(per_customer));
  absl::StatusOr<std::vector<std::string>> with_clv = batched.db->QueryColumn(
      "SELECT COUNT(*) FROM customer_scores WHERE clv_minor IS NOT NULL");
  ASSERT_THAT(with_clv, IsOk());
  EXPECT_NE(with_clv->front(), "0");

  // Nothing changed, same time: nothing written (scores keep their version).
  const std::vector<std::string> settled = batched.Rows(per_customer);
  ASSERT_THAT(batched.scoring->RecomputeScores({}, {}), IsOk());
  std::vector<std::string> again = batched.Rows(per_customer);
  EXPECT_EQ(again, settled);
}

TEST(BatchedRecomputeTest, EqualsPerCustomerScoringOverSeveralBatches) {
  ExpectRecomputeEqualsPerCustomerScoring("seg_batched", 1);
}

TEST(BatchedRecomputeTest, WorkersSideBySideEqualPerCustomerScoring) {
  ExpectRecomputeEqualsPerCustomerScoring("seg_batched_workers", 3);
}

// A recompute evaluates the memberships of the customers whose score it
// changes only (and reads no facts of the others): their facts and
// aggregates are as the feed left them, which evaluated them then.
TEST(BatchedRecomputeTest, MembershipsAreEvaluatedForChangedScoresOnly) {
  Stack stack("seg_batched_scope", /*batched=*/true, FeedApply::kOneByOne,
              /*pool_size=*/4, /*recompute_workers=*/2);
  ASSERT_NE(stack.unit_of_work, nullptr);
  Populate(stack);
  std::atomic<int64_t> evaluated{0};
  CustomersScoredHook hook = stack.memberships->BatchScoredHook();
  stack.scoring->set_customers_scored_hook(
      [&](Transaction& tx, absl::Time now,
          const std::vector<ScoredCustomer>& customers) {
        evaluated += static_cast<int64_t>(customers.size());
        return hook(tx, now, customers);
      });
  const char kVersions[] = "customer_scores WHERE version > 1";
  auto versions_total = [&] {
    absl::StatusOr<std::vector<std::string>> sum = stack.db->QueryColumn(
        "SELECT COALESCE(SUM(version), 0) FROM customer_scores");
    EXPECT_THAT(sum, IsOk());
    return sum.ok() ? std::stoll(sum->front()) : -1;
  };

  // The first recompute gives everyone RFM scores: all are evaluated.
  stack.clock.Set(Day(1));
  const int64_t before_first = versions_total();
  ASSERT_THAT(stack.scoring->RecomputeScores({}, {}), IsOk());
  const int64_t changed_first = versions_total() - before_first;
  EXPECT_GT(changed_first, 0);
  EXPECT_EQ(evaluated.load(), changed_first);
  EXPECT_GT(stack.Count(kVersions), 0);

  // Again at the same time: nothing changes, nobody is evaluated.
  evaluated = 0;
  const std::vector<std::string> settled = stack.Rows(/*per_customer=*/true);
  ASSERT_THAT(stack.scoring->RecomputeScores({}, {}), IsOk());
  EXPECT_EQ(evaluated.load(), 0);
  EXPECT_EQ(stack.Rows(/*per_customer=*/true), settled);

  // Months later stages move: exactly the re-scored customers are evaluated.
  stack.clock.Set(Day(120));
  const int64_t before_later = versions_total();
  ASSERT_THAT(stack.scoring->RecomputeScores({}, {}), IsOk());
  const int64_t changed_later = versions_total() - before_later;
  EXPECT_GT(changed_later, 0);
  EXPECT_LT(changed_later, stack.ReadModelCustomers());
  EXPECT_EQ(evaluated.load(), changed_later);
}

// Cancelled part-way, three workers stop between batches: CANCELLED, some
// batches committed and not all; a recompute afterwards gives what an
// uncancelled one gives.
TEST(BatchedRecomputeTest, CancelledWorkersStopBetweenBatches) {
  Stack probe("seg_batched_cancel_probe", /*batched=*/true,
              FeedApply::kOneByOne, /*pool_size=*/5, /*recompute_workers=*/3);
  Stack stack("seg_batched_cancel", /*batched=*/true, FeedApply::kOneByOne,
              /*pool_size=*/5, /*recompute_workers=*/3);
  Stack reference("seg_batched_cancel_ref", /*batched=*/false);
  ASSERT_NE(probe.unit_of_work, nullptr);
  ASSERT_NE(stack.unit_of_work, nullptr);
  ASSERT_NE(reference.unit_of_work, nullptr);
  for (Stack* each : {&probe, &stack, &reference}) {
    Populate(*each);
    each->clock.Set(Day(1));
  }
  // How often a whole recompute asks whether it was cancelled; then one
  // cancelled after half as many questions.
  std::atomic<int> polls{0};
  RequestContext counted;
  counted.set_cancellation([&polls] {
    ++polls;
    return false;
  });
  ASSERT_THAT(probe.scoring->RecomputeScores(counted, {}), IsOk());
  const int half = polls.load() / 2;
  ASSERT_GT(half, 3);
  polls = 0;
  RequestContext cancelled_later;
  cancelled_later.set_cancellation([&polls, half] { return ++polls > half; });
  absl::StatusOr<v1::RecomputeScoresResponse> cancelled =
      stack.scoring->RecomputeScores(cancelled_later, {});
  EXPECT_EQ(cancelled.status().code(), absl::StatusCode::kCancelled);
  // The feed scored everyone already; RFM is scored from the first
  // recompute's cut points on, so only the batches reached have it.
  const char kRfmScored[] = "customer_scores WHERE recency_score > 0";
  const int64_t reached = stack.Count(kRfmScored);
  EXPECT_GT(reached, 0);

  ASSERT_THAT(stack.scoring->RecomputeScores({}, {}), IsOk());
  ASSERT_THAT(reference.PerCustomerRecompute(), IsOk());
  EXPECT_LT(reached, stack.Count(kRfmScored));
  EXPECT_EQ(stack.Count(kRfmScored), reference.Count(kRfmScored));
  // Scores and memberships as the reference's (the history and feed differ:
  // the cancelled run's batches were scored once already).
  std::vector<std::string> rows = stack.Rows(/*per_customer=*/true);
  std::vector<std::string> expected = reference.Rows(/*per_customer=*/true);
  auto section = [](const std::vector<std::string>& all, const char* table) {
    std::vector<std::string> out;
    bool in = false;
    for (const std::string& row : all) {
      if (absl::StartsWith(row, "-- ")) {
        in = absl::StrContains(row, absl::StrCat("FROM ", table, " "));
        continue;
      }
      if (in) out.push_back(row);
    }
    return out;
  };
  for (const char* table : {"customer_scores", "segment_memberships"}) {
    EXPECT_EQ(section(rows, table), section(expected, table)) << table;
  }
}

TEST(BatchedRecomputeTest, RepeatedRequestIdReturnsTheStoredResponse) {
  Stack stack("seg_batched_idem", /*batched=*/true);
  ASSERT_NE(stack.unit_of_work, nullptr);
  Populate(stack);
  stack.clock.Set(Day(2));
  v1::RecomputeScoresRequest request;
  request.set_request_id("recompute-1");
  absl::StatusOr<v1::RecomputeScoresResponse> first =
      stack.scoring->RecomputeScores({}, request);
  ASSERT_THAT(first, IsOk());
  EXPECT_EQ(first->customer_count(), stack.ReadModelCustomers());
  EXPECT_EQ(crm::common::FromProtoTimestamp(first->compute_time()), Day(2));
  const std::vector<std::string> after_first = stack.Rows();

  // Later, with the data changed: the repeat runs nothing.
  stack.clock.Set(Day(200));
  Later(stack);
  const std::vector<std::string> before_repeat = stack.Rows();
  absl::StatusOr<v1::RecomputeScoresResponse> repeat =
      stack.scoring->RecomputeScores({}, request);
  ASSERT_THAT(repeat, IsOk());
  EXPECT_EQ(repeat->SerializeAsString(), first->SerializeAsString());
  EXPECT_EQ(stack.Rows(), before_repeat);

  // A new request id recomputes.
  request.set_request_id("recompute-2");
  absl::StatusOr<v1::RecomputeScoresResponse> second =
      stack.scoring->RecomputeScores({}, request);
  ASSERT_THAT(second, IsOk());
  EXPECT_EQ(crm::common::FromProtoTimestamp(second->compute_time()), Day(45));
  EXPECT_NE(stack.Rows(), before_repeat);
}

// Round two of the feed: customers buy again (several twice in one batch,
// one with a refund), change their facts, are merged (with late events of
// the duplicate after the merge) and erased (one buys again afterwards).
std::vector<cp::ChangeEvent> MixedEvents(int round) {
  std::vector<cp::ChangeEvent> events;
  for (int i = 0; i < kCustomers; i += 3) {
    const std::string id = absl::StrCat("c", 100 + i);
    events.push_back(Ordered(id, absl::StrCat("r", round, "a"), Day(40 + i % 7),
                             9000 + 311 * i, "CNY"));
    if (i % 2 == 0) {
      events.push_back(Ordered(id, absl::StrCat("r", round, "b"),
                               Day(41 + i % 3), 4000 + 17 * i, "CNY"));
    }
    if (i % 5 == 0) {
      events.push_back(Created(id, "JP", /*vip=*/i % 10 == 0));
      events.back().set_type(cp::ChangeEvent::CUSTOMER_UPDATED);
    }
  }
  events.push_back(Refunded(absl::StrCat("c", 103),
                            absl::StrCat("r", round, "a"), Day(43),
                            9000 + 311 * 3, 2500));
  const std::string survivor = absl::StrCat("c", 110 + round);
  const std::string duplicate = absl::StrCat("c", 130 + round);
  events.push_back(Merged(survivor, duplicate));
  events.push_back(
      Ordered(duplicate, absl::StrCat("late", round), Day(44), 7777, "CNY"));
  events.push_back(Created(duplicate, "US", /*vip=*/false));
  events.push_back(
      Ordered(survivor, absl::StrCat("s", round), Day(44), 1234, "CNY"));
  cp::ChangeEvent merged_state = Created(duplicate, "US", false);
  merged_state.mutable_customer()->set_state(cp::Customer::MERGED);
  events.push_back(merged_state);
  const std::string erased = absl::StrCat("c", 140 + round);
  events.push_back(
      Ordered(erased, absl::StrCat("e", round), Day(44), 555, "CNY"));
  events.push_back(Erased(erased));
  events.push_back(
      Ordered(erased, absl::StrCat("after", round), Day(44), 999, "CNY"));
  for (int i = 1; i < kCustomers; i += 7) {
    events.push_back(Ordered(absl::StrCat("c", 100 + i),
                             absl::StrCat("r", round, "z"), Day(44), 300 + i,
                             "USD"));
  }
  for (size_t i = 0; i < events.size(); ++i) {
    events[i].set_sequence(static_cast<int64_t>(1000 * round + i));
  }
  return events;
}

TEST(BatchedFeedApplyTest, BatchesEqualOneEventAtATime) {
  Stack batched("seg_feed_batches", /*batched=*/true, FeedApply::kBatches);
  Stack reference("seg_feed_one_by_one", /*batched=*/false);
  ASSERT_NE(batched.unit_of_work, nullptr);
  ASSERT_NE(reference.unit_of_work, nullptr);
  for (Stack* stack : {&batched, &reference}) {
    stack->clock.Set(Day(0));
    stack->CreateSegment("Recent", "rfm.recency >= 4");
    stack->CreateSegment("At risk", "lifecycle = \"AT_RISK\"");
    stack->CreateSegment("VIP JP", "tags:\"vip\" AND country = \"JP\"");
    stack->CreateSegment("Likely alive", "clv.p_alive >= 0.5");
  }
  // Before any cut points: the population in batches of 13.
  batched.ApplyInBatches(Population(), 13);
  reference.Apply(Population());
  EXPECT_EQ(batched.ReadModelRows(), reference.ReadModelRows());
  EXPECT_EQ(batched.Rows(/*per_customer=*/true),
            reference.Rows(/*per_customer=*/true));

  // With cut points; then with a CLV model (orders read for each wave).
  for (int round = 1; round <= 2; ++round) {
    const absl::Time now = Day(round == 1 ? 45 : 46);
    batched.clock.Set(now);
    reference.clock.Set(now);
    if (round == 2) {
      Fit(batched);
      Fit(reference);
    } else {
      ASSERT_THAT(batched.scoring->RecomputeScores({}, {}), IsOk());
      ASSERT_THAT(reference.scoring->RecomputeScores({}, {}), IsOk());
    }
    batched.ApplyInBatches(MixedEvents(round), round == 1 ? 100 : 9);
    reference.Apply(MixedEvents(round));
    EXPECT_EQ(batched.ReadModelRows(), reference.ReadModelRows());
    EXPECT_EQ(batched.Rows(/*per_customer=*/true),
              reference.Rows(/*per_customer=*/true));
    // The events moved stages and memberships (at the clock's time).
    const std::string at_now =
        absl::StrCat("'", crm::common::FormatSqlDatetime(now), "'");
    EXPECT_GT(batched.Count(absl::StrCat(
                  "lifecycle_transitions WHERE transition_time = ", at_now)),
              0);
    EXPECT_GT(batched.Count(absl::StrCat(
                  "segment_membership_changes WHERE change_time = ", at_now)),
              0);
  }
  EXPECT_GT(batched.Count("item_pairs"), 0);
  absl::StatusOr<std::vector<std::string>> merged =
      batched.db->QueryColumn("SELECT COUNT(*) FROM merged_customers");
  ASSERT_THAT(merged, IsOk());
  EXPECT_EQ(merged->front(), "2");
}

// The session counters of `stack`'s pool's only connection.
std::map<std::string, int64_t> SessionCounters(Stack& stack) {
  std::map<std::string, int64_t> counters;
  absl::StatusOr<crm::common::PooledConnection> connection =
      stack.pool->Acquire();
  EXPECT_THAT(connection.status(), IsOk());
  if (!connection.ok()) return counters;
  std::unique_ptr<sql::Statement> statement((*connection)->createStatement());
  std::unique_ptr<sql::ResultSet> rows(statement->executeQuery(
      "SHOW SESSION STATUS WHERE Variable_name IN ('Questions', "
      "'Com_stmt_prepare')"));
  while (rows->next()) {
    counters[rows->getString(1).asStdString()] = rows->getInt64(2);
  }
  return counters;
}

// Round trips (queries, executions and prepares) of `stack` while `run`.
template <typename Run>
int64_t RoundTrips(Stack& stack, Run run) {
  std::map<std::string, int64_t> a = SessionCounters(stack);
  std::map<std::string, int64_t> b = SessionCounters(stack);
  run();
  std::map<std::string, int64_t> c = SessionCounters(stack);
  int64_t total = 0;
  for (const char* name : {"Questions", "Com_stmt_prepare"}) {
    total += (c[name] - b[name]) - (b[name] - a[name]);
  }
  return total;
}

// A batch's round trips follow its waves, not its events: 40 order events of
// distinct customers (one wave, every multi-row write one padded statement)
// cost at most a few more than one event (appends of a varying number of
// rows - transitions, membership changes, feed events - go in one statement
// per power of two); and 40 events of 20 customers, each customer's two
// next to each other, take two waves.
TEST(BatchedFeedApplyTest, RoundTripsFollowWavesNotEvents) {
  Stack stack("seg_feed_round_trips", /*batched=*/true, FeedApply::kBatches,
              /*pool_size=*/1);
  ASSERT_NE(stack.unit_of_work, nullptr);
  Populate(stack);
  stack.clock.Set(Day(45));
  ASSERT_THAT(stack.scoring->RecomputeScores({}, {}), IsOk());
  auto orders = [](int round, int count) {
    std::vector<cp::ChangeEvent> events;
    for (int i = 0; i < count; ++i) {
      events.push_back(Ordered(absl::StrCat("c", 100 + i),
                               absl::StrCat("rt", round), Day(44),
                               1000 + 10 * i, "CNY"));
    }
    return events;
  };
  auto apply = [&](const std::vector<cp::ChangeEvent>& events) {
    ASSERT_THAT(stack.unit_of_work->Run(RequestContext(),
                                        [&](Transaction& tx) {
                                          return stack.applier->ApplyBatch(
                                              tx, events);
                                        }),
                IsOk());
  };
  apply(orders(0, 40));  // Warm-up: every statement shape prepared once.
  apply(orders(1, 1));
  const int64_t one = RoundTrips(stack, [&] { apply(orders(2, 1)); });
  const int64_t forty = RoundTrips(stack, [&] { apply(orders(3, 40)); });
  // c100, c100, c101, c101, ...: one by one, twenty waves.
  std::vector<cp::ChangeEvent> twice;
  const std::vector<cp::ChangeEvent> first = orders(4, 20);
  const std::vector<cp::ChangeEvent> second = orders(5, 20);
  for (size_t i = 0; i < first.size(); ++i) {
    twice.push_back(first[i]);
    twice.push_back(second[i]);
  }
  const int64_t two_each = RoundTrips(stack, [&] { apply(twice); });
  std::printf(
      "round trips: one order event %lld, forty in one batch %lld, forty of "
      "twenty customers %lld\n",
      static_cast<long long>(one), static_cast<long long>(forty),
      static_cast<long long>(two_each));
  // One by one, forty events would cost forty times `one`.
  EXPECT_GT(one, 5);
  EXPECT_LE(forty, one + 8);
  EXPECT_LE(two_each, 2 * (one + 8));
}

}  // namespace
}  // namespace crm::segmentation
