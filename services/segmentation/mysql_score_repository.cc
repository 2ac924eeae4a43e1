#include "services/segmentation/mysql_score_repository.h"

#include <cppconn/prepared_statement.h>
#include <cppconn/resultset.h>

#include <limits>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "services/common/prepared_statement_cache.h"
#include "services/common/sql_batches.h"
#include "services/common/status_macros.h"
#include "services/common/timestamps.h"
#include "services/segmentation/mysql_id_lists.h"

namespace crm::segmentation {
namespace {

using ::crm::common::CachedStatement;
using ::crm::common::FormatSqlDatetime;
using ::crm::common::ParseSqlDatetime;
using ::crm::common::Prepared;
using ::crm::common::Transaction;
using ::crm::common::TruncateToMicros;

// Later than every stored time: where the first newest-first page starts.
constexpr char kLatestDatetime[] = "9999-12-31 23:59:59.999999";

constexpr char kScoreColumns[] =
    "SELECT customer_id, recency_score, frequency_score, monetary_score, "
    "rfm_segment, value_tier, lifecycle_stage, monetary_minor, p_alive, "
    "expected_purchases, clv_minor, clv_model_id, score_time, version, "
    "cluster FROM customer_scores";

constexpr char kModelColumns[] =
    "SELECT id, fit_time, observation_end, currency_code, days_per_unit, "
    "customers, bgnbd_r, bgnbd_alpha, bgnbd_a, bgnbd_b, "
    "bgnbd_log_likelihood, bgnbd_converged, gg_p, gg_q, gg_gamma, "
    "gg_log_likelihood, gg_converged, gg_customers FROM clv_models";

ValueTier TierFromName(const std::string& name) {
  for (ValueTier tier :
       {ValueTier::kLow, ValueTier::kMedium, ValueTier::kHigh}) {
    if (name == ValueTierName(tier)) return tier;
  }
  return ValueTier::kUnspecified;
}

LifecycleStage StageFromName(const std::string& name) {
  for (int i = 1; i <= 7; ++i) {
    const auto stage = static_cast<LifecycleStage>(i);
    if (name == LifecycleStageName(stage)) return stage;
  }
  return LifecycleStage::kUnspecified;
}

// Rows of (transition_time, seq, from_stage, to_stage) of `customer_id`.
absl::StatusOr<std::vector<LifecycleTransition>> TransitionsOf(
    sql::ResultSet& rows, absl::string_view customer_id) {
  std::vector<LifecycleTransition> transitions;
  while (rows.next()) {
    LifecycleTransition transition;
    transition.customer_id = std::string(customer_id);
    CRM_ASSIGN_OR_RETURN(
        transition.time,
        ParseSqlDatetime(rows.getString("transition_time").asStdString()));
    transition.seq = rows.getInt64("seq");
    transition.from = StageFromName(rows.getString("from_stage").asStdString());
    transition.to = StageFromName(rows.getString("to_stage").asStdString());
    transitions.push_back(std::move(transition));
  }
  return transitions;
}

absl::StatusOr<CustomerScoreRecord> ScoreFromRow(sql::ResultSet& rows) {
  CustomerScoreRecord score;
  score.customer_id = rows.getString("customer_id").asStdString();
  score.rfm.recency = rows.getInt("recency_score");
  score.rfm.frequency = rows.getInt("frequency_score");
  score.rfm.monetary = rows.getInt("monetary_score");
  score.rfm_segment = rows.getString("rfm_segment").asStdString();
  score.value_tier = TierFromName(rows.getString("value_tier").asStdString());
  score.lifecycle_stage =
      StageFromName(rows.getString("lifecycle_stage").asStdString());
  score.monetary_minor = rows.getInt64("monetary_minor");
  if (!rows.isNull("p_alive")) score.p_alive = rows.getDouble("p_alive");
  if (!rows.isNull("expected_purchases")) {
    score.expected_purchases = rows.getDouble("expected_purchases");
  }
  if (!rows.isNull("clv_minor")) score.clv_minor = rows.getInt64("clv_minor");
  score.clv_model_id = rows.getString("clv_model_id").asStdString();
  CRM_ASSIGN_OR_RETURN(
      score.score_time,
      ParseSqlDatetime(rows.getString("score_time").asStdString()));
  score.version = rows.getInt64("version");
  score.cluster = rows.getInt("cluster");
  return score;
}

// Rows per multi-row INSERT of a batch.
constexpr size_t kMaxRowsPerInsert = 256;

// The columns of customer_scores in the order of kScoreColumns, fetched by
// position; times as microseconds since the epoch.
constexpr char kScoreColumnsByPosition[] =
    "SELECT customer_id, recency_score, frequency_score, monetary_score, "
    "rfm_segment, value_tier, lifecycle_stage, monetary_minor, p_alive, "
    "expected_purchases, clv_minor, clv_model_id, "
    "TIMESTAMPDIFF(MICROSECOND, '1970-01-01 00:00:00', score_time), version, "
    "cluster FROM customer_scores";

CustomerScoreRecord ScoreFromPositions(sql::ResultSet& rows) {
  CustomerScoreRecord score;
  score.customer_id = rows.getString(1).asStdString();
  score.rfm.recency = rows.getInt(2);
  score.rfm.frequency = rows.getInt(3);
  score.rfm.monetary = rows.getInt(4);
  score.rfm_segment = rows.getString(5).asStdString();
  score.value_tier = TierFromName(rows.getString(6).asStdString());
  score.lifecycle_stage = StageFromName(rows.getString(7).asStdString());
  score.monetary_minor = rows.getInt64(8);
  if (!rows.isNull(9)) score.p_alive = static_cast<double>(rows.getDouble(9));
  if (!rows.isNull(10)) {
    score.expected_purchases = static_cast<double>(rows.getDouble(10));
  }
  if (!rows.isNull(11)) score.clv_minor = rows.getInt64(11);
  score.clv_model_id = rows.getString(12).asStdString();
  score.score_time = absl::FromUnixMicros(rows.getInt64(13));
  score.version = rows.getInt64(14);
  score.cluster = rows.getInt(15);
  return score;
}

// Binds the 15 columns of `score` (insert order) from parameter `first`.
void BindScore(sql::PreparedStatement& statement, int first,
               const CustomerScoreRecord& score) {
  statement.setString(first, score.customer_id);
  statement.setInt(first + 1, score.rfm.recency);
  statement.setInt(first + 2, score.rfm.frequency);
  statement.setInt(first + 3, score.rfm.monetary);
  statement.setString(first + 4, score.rfm_segment);
  statement.setString(first + 5, ValueTierName(score.value_tier));
  statement.setString(first + 6, LifecycleStageName(score.lifecycle_stage));
  statement.setInt64(first + 7, score.monetary_minor);
  if (score.p_alive.has_value()) {
    statement.setDouble(first + 8, *score.p_alive);
  } else {
    statement.setNull(first + 8, 0);
  }
  if (score.expected_purchases.has_value()) {
    statement.setDouble(first + 9, *score.expected_purchases);
  } else {
    statement.setNull(first + 9, 0);
  }
  if (score.clv_minor.has_value()) {
    statement.setInt64(first + 10, *score.clv_minor);
  } else {
    statement.setNull(first + 10, 0);
  }
  statement.setString(first + 11, score.clv_model_id);
  statement.setString(first + 12,
                      FormatSqlDatetime(TruncateToMicros(score.score_time)));
  statement.setInt64(first + 13, score.version);
  statement.setInt(first + 14, score.cluster);
}

std::string JoinCuts(const std::array<int64_t, 4>& cuts) {
  return absl::StrJoin(cuts, ",");
}

absl::StatusOr<std::array<int64_t, 4>> SplitCuts(const std::string& text) {
  std::vector<std::string> parts = absl::StrSplit(text, ',');
  std::array<int64_t, 4> cuts{};
  if (parts.size() != cuts.size()) {
    return absl::DataLossError("rfm_boundaries: malformed cuts");
  }
  for (size_t i = 0; i < cuts.size(); ++i) {
    if (!absl::SimpleAtoi(parts[i], &cuts[i])) {
      return absl::DataLossError("rfm_boundaries: malformed cut");
    }
  }
  return cuts;
}

double DoubleColumn(sql::ResultSet& rows, const char* column) {
  return static_cast<double>(rows.getDouble(column));
}

absl::StatusOr<ClvModelRecord> ModelFromRow(sql::ResultSet& rows) {
  ClvModelRecord model;
  model.id = rows.getString("id").asStdString();
  CRM_ASSIGN_OR_RETURN(
      model.fit_time,
      ParseSqlDatetime(rows.getString("fit_time").asStdString()));
  CRM_ASSIGN_OR_RETURN(
      model.observation_end,
      ParseSqlDatetime(rows.getString("observation_end").asStdString()));
  model.currency_code = rows.getString("currency_code").asStdString();
  model.days_per_unit = DoubleColumn(rows, "days_per_unit");
  model.customers = rows.getInt64("customers");
  model.purchases.params = BgNbdParams{
      DoubleColumn(rows, "bgnbd_r"), DoubleColumn(rows, "bgnbd_alpha"),
      DoubleColumn(rows, "bgnbd_a"), DoubleColumn(rows, "bgnbd_b")};
  model.purchases.log_likelihood = DoubleColumn(rows, "bgnbd_log_likelihood");
  model.purchases.converged = rows.getBoolean("bgnbd_converged");
  model.spend.params =
      GammaGammaParams{DoubleColumn(rows, "gg_p"), DoubleColumn(rows, "gg_q"),
                       DoubleColumn(rows, "gg_gamma")};
  model.spend.log_likelihood = DoubleColumn(rows, "gg_log_likelihood");
  model.spend.converged = rows.getBoolean("gg_converged");
  model.spend.customers = rows.getInt64("gg_customers");
  return model;
}

}  // namespace

absl::StatusOr<std::optional<CustomerScoreRecord>> MySqlScoreRepository::Find(
    Transaction& tx, absl::string_view customer_id) {
  CachedStatement select =
      Prepared(tx, std::string(kScoreColumns) + " WHERE customer_id = ?");
  select->setString(1, std::string(customer_id));
  std::unique_ptr<sql::ResultSet> rows(select->executeQuery());
  if (!rows->next()) return std::nullopt;
  CRM_ASSIGN_OR_RETURN(CustomerScoreRecord score, ScoreFromRow(*rows));
  return score;
}

absl::Status MySqlScoreRepository::Save(Transaction& tx,
                                        const CustomerScoreRecord& score) {
  CachedStatement upsert = Prepared(
      tx,
      "INSERT INTO customer_scores (customer_id, recency_score, "
      "frequency_score, monetary_score, rfm_segment, value_tier, "
      "lifecycle_stage, monetary_minor, p_alive, expected_purchases, "
      "clv_minor, clv_model_id, score_time, version, cluster) VALUES "
      "(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON DUPLICATE KEY UPDATE "
      "recency_score = VALUES(recency_score), "
      "frequency_score = VALUES(frequency_score), "
      "monetary_score = VALUES(monetary_score), "
      "rfm_segment = VALUES(rfm_segment), value_tier = VALUES(value_tier), "
      "lifecycle_stage = VALUES(lifecycle_stage), "
      "monetary_minor = VALUES(monetary_minor), p_alive = VALUES(p_alive), "
      "expected_purchases = VALUES(expected_purchases), "
      "clv_minor = VALUES(clv_minor), clv_model_id = VALUES(clv_model_id), "
      "score_time = VALUES(score_time), "
      "version = VALUES(version), cluster = VALUES(cluster)");
  upsert->setString(1, score.customer_id);
  upsert->setInt(2, score.rfm.recency);
  upsert->setInt(3, score.rfm.frequency);
  upsert->setInt(4, score.rfm.monetary);
  upsert->setString(5, score.rfm_segment);
  upsert->setString(6, ValueTierName(score.value_tier));
  upsert->setString(7, LifecycleStageName(score.lifecycle_stage));
  upsert->setInt64(8, score.monetary_minor);
  if (score.p_alive.has_value()) {
    upsert->setDouble(9, *score.p_alive);
  } else {
    upsert->setNull(9, 0);
  }
  if (score.expected_purchases.has_value()) {
    upsert->setDouble(10, *score.expected_purchases);
  } else {
    upsert->setNull(10, 0);
  }
  if (score.clv_minor.has_value()) {
    upsert->setInt64(11, *score.clv_minor);
  } else {
    upsert->setNull(11, 0);
  }
  upsert->setString(12, score.clv_model_id);
  upsert->setString(13, FormatSqlDatetime(TruncateToMicros(score.score_time)));
  upsert->setInt64(14, score.version);
  upsert->setInt(15, score.cluster);
  upsert->executeUpdate();
  return absl::OkStatus();
}

absl::StatusOr<std::vector<std::optional<CustomerScoreRecord>>>
MySqlScoreRepository::FindMany(Transaction& tx,
                               const std::vector<std::string>& customer_ids) {
  std::vector<std::optional<CustomerScoreRecord>> found(customer_ids.size());
  IdPositions positions(customer_ids);
  for (const IdFilter& filter : IdFilters(customer_ids, "customer_id")) {
    CachedStatement select = Prepared(
        tx, absl::StrCat(kScoreColumnsByPosition, " WHERE ", filter.condition));
    filter.Bind(*select, 1, customer_ids);
    std::unique_ptr<sql::ResultSet> rows(select->executeQuery());
    while (rows->next()) {
      CustomerScoreRecord score = ScoreFromPositions(*rows);
      const std::optional<size_t> at = positions.Find(score.customer_id);
      if (at.has_value()) found[*at] = std::move(score);
    }
  }
  return found;
}

absl::Status MySqlScoreRepository::SaveMany(
    Transaction& tx, const std::vector<CustomerScoreRecord>& scores) {
  // Padded (sql_batches.h): a repeated row sets what it just set.
  for (const crm::common::SqlPaddedChunk& chunk :
       crm::common::SqlPaddedChunks(scores.size(), kMaxRowsPerInsert)) {
    CachedStatement upsert = Prepared(
        tx, absl::StrCat(
                "INSERT INTO customer_scores (customer_id, recency_score, "
                "frequency_score, monetary_score, rfm_segment, value_tier, "
                "lifecycle_stage, monetary_minor, p_alive, expected_purchases, "
                "clv_minor, clv_model_id, score_time, version, cluster) "
                "VALUES ",
                crm::common::SqlRowPlaceholders(chunk.padded, 15),
                " ON DUPLICATE KEY UPDATE "
                "recency_score = VALUES(recency_score), "
                "frequency_score = VALUES(frequency_score), "
                "monetary_score = VALUES(monetary_score), "
                "rfm_segment = VALUES(rfm_segment), "
                "value_tier = VALUES(value_tier), "
                "lifecycle_stage = VALUES(lifecycle_stage), "
                "monetary_minor = VALUES(monetary_minor), "
                "p_alive = VALUES(p_alive), "
                "expected_purchases = VALUES(expected_purchases), "
                "clv_minor = VALUES(clv_minor), "
                "clv_model_id = VALUES(clv_model_id), "
                "score_time = VALUES(score_time), version = VALUES(version), "
                "cluster = VALUES(cluster)"));
    for (size_t k = 0; k < chunk.padded; ++k) {
      BindScore(*upsert, static_cast<int>(1 + 15 * k), scores[chunk.Row(k)]);
    }
    upsert->executeUpdate();
  }
  return absl::OkStatus();
}

absl::Status MySqlScoreRepository::AppendTransitions(
    Transaction& tx, const std::vector<LifecycleTransition>& transitions) {
  // Rows of one INSERT get ascending seq values in VALUES order.
  for (const crm::common::SqlChunk& chunk :
       crm::common::SqlChunks(transitions.size(), kMaxRowsPerInsert)) {
    CachedStatement insert = Prepared(
        tx, absl::StrCat("INSERT INTO lifecycle_transitions (customer_id, "
                         "transition_time, from_stage, to_stage) VALUES ",
                         crm::common::SqlRowPlaceholders(chunk.size, 4)));
    int column = 1;
    for (size_t i = chunk.begin; i < chunk.begin + chunk.size; ++i) {
      const LifecycleTransition& transition = transitions[i];
      insert->setString(column++, transition.customer_id);
      insert->setString(column++,
                        FormatSqlDatetime(TruncateToMicros(transition.time)));
      insert->setString(column++, LifecycleStageName(transition.from));
      insert->setString(column++, LifecycleStageName(transition.to));
    }
    insert->executeUpdate();
  }
  return absl::OkStatus();
}

absl::Status MySqlScoreRepository::Delete(Transaction& tx,
                                          absl::string_view customer_id) {
  for (const char* statement :
       {"DELETE FROM customer_scores WHERE customer_id = ?",
        "DELETE FROM lifecycle_transitions WHERE customer_id = ?"}) {
    CachedStatement remove = Prepared(tx, statement);
    remove->setString(1, std::string(customer_id));
    remove->executeUpdate();
  }
  return absl::OkStatus();
}

absl::StatusOr<std::vector<CustomerScoreRecord>> MySqlScoreRepository::List(
    Transaction& tx, absl::string_view after, int limit) {
  CachedStatement select =
      Prepared(tx, std::string(kScoreColumns) +
                       " WHERE customer_id > ? ORDER BY customer_id LIMIT ?");
  select->setString(1, std::string(after));
  select->setInt(2, limit);
  std::unique_ptr<sql::ResultSet> rows(select->executeQuery());
  std::vector<CustomerScoreRecord> scores;
  while (rows->next()) {
    CRM_ASSIGN_OR_RETURN(CustomerScoreRecord score, ScoreFromRow(*rows));
    scores.push_back(std::move(score));
  }
  return scores;
}

absl::Status MySqlScoreRepository::AppendTransition(
    Transaction& tx, const LifecycleTransition& transition) {
  CachedStatement insert = Prepared(
      tx,
      "INSERT INTO lifecycle_transitions (customer_id, transition_time, "
      "from_stage, to_stage) VALUES (?, ?, ?, ?)");
  insert->setString(1, transition.customer_id);
  insert->setString(2, FormatSqlDatetime(TruncateToMicros(transition.time)));
  insert->setString(3, LifecycleStageName(transition.from));
  insert->setString(4, LifecycleStageName(transition.to));
  insert->executeUpdate();
  return absl::OkStatus();
}

absl::StatusOr<std::vector<LifecycleTransition>>
MySqlScoreRepository::ListTransitions(Transaction& tx,
                                      absl::string_view customer_id) {
  CachedStatement select =
      Prepared(tx,
               "SELECT transition_time, seq, from_stage, to_stage FROM "
               "lifecycle_transitions WHERE customer_id = ? "
               "ORDER BY transition_time, seq");
  select->setString(1, std::string(customer_id));
  std::unique_ptr<sql::ResultSet> rows(select->executeQuery());
  return TransitionsOf(*rows, customer_id);
}

absl::StatusOr<std::vector<LifecycleTransition>>
MySqlScoreRepository::ListTransitionsNewestFirst(
    Transaction& tx, absl::string_view customer_id,
    const std::optional<TransitionPosition>& after, int limit) {
  // One statement for every page, served by the primary key
  // (customer_id, transition_time, seq) read backwards; the first page
  // starts after the largest DATETIME.
  CachedStatement select = Prepared(
      tx,
      "SELECT transition_time, seq, from_stage, to_stage FROM "
      "lifecycle_transitions WHERE customer_id = ? AND (transition_time < ? "
      "OR (transition_time = ? AND seq < ?)) "
      "ORDER BY transition_time DESC, seq DESC LIMIT ?");
  const std::string time =
      after.has_value() ? FormatSqlDatetime(TruncateToMicros(after->time))
                        : std::string(kLatestDatetime);
  select->setString(1, std::string(customer_id));
  select->setString(2, time);
  select->setString(3, time);
  select->setInt64(
      4, after.has_value() ? after->seq : std::numeric_limits<int64_t>::max());
  select->setInt(5, limit);
  std::unique_ptr<sql::ResultSet> rows(select->executeQuery());
  return TransitionsOf(*rows, customer_id);
}

absl::StatusOr<std::optional<RfmBoundaries>>
MySqlScoreRepository::LoadBoundaries(Transaction& tx) {
  CachedStatement select =
      Prepared(tx,
               "SELECT population, recency_cuts, frequency_cuts, monetary_cuts "
               "FROM rfm_boundaries WHERE id = 1");
  std::unique_ptr<sql::ResultSet> rows(select->executeQuery());
  if (!rows->next()) return std::nullopt;
  RfmBoundaries boundaries;
  boundaries.population = rows->getInt64("population");
  CRM_ASSIGN_OR_RETURN(
      boundaries.recency,
      SplitCuts(rows->getString("recency_cuts").asStdString()));
  CRM_ASSIGN_OR_RETURN(
      boundaries.frequency,
      SplitCuts(rows->getString("frequency_cuts").asStdString()));
  CRM_ASSIGN_OR_RETURN(
      boundaries.monetary,
      SplitCuts(rows->getString("monetary_cuts").asStdString()));
  return boundaries;
}

absl::Status MySqlScoreRepository::SaveBoundaries(
    Transaction& tx, const RfmBoundaries& boundaries, absl::Time compute_time) {
  CachedStatement upsert = Prepared(
      tx,
      "INSERT INTO rfm_boundaries (id, population, recency_cuts, "
      "frequency_cuts, monetary_cuts, compute_time) VALUES (1, ?, ?, ?, ?, ?) "
      "ON DUPLICATE KEY UPDATE population = VALUES(population), "
      "recency_cuts = VALUES(recency_cuts), "
      "frequency_cuts = VALUES(frequency_cuts), "
      "monetary_cuts = VALUES(monetary_cuts), "
      "compute_time = VALUES(compute_time)");
  upsert->setInt64(1, boundaries.population);
  upsert->setString(2, JoinCuts(boundaries.recency));
  upsert->setString(3, JoinCuts(boundaries.frequency));
  upsert->setString(4, JoinCuts(boundaries.monetary));
  upsert->setString(5, FormatSqlDatetime(TruncateToMicros(compute_time)));
  upsert->executeUpdate();
  return absl::OkStatus();
}

absl::Status MySqlScoreRepository::SaveClvModel(Transaction& tx,
                                                const ClvModelRecord& model) {
  CachedStatement insert = Prepared(
      tx,
      "INSERT INTO clv_models (id, fit_time, observation_end, currency_code, "
      "days_per_unit, customers, bgnbd_r, bgnbd_alpha, bgnbd_a, bgnbd_b, "
      "bgnbd_log_likelihood, bgnbd_converged, gg_p, gg_q, gg_gamma, "
      "gg_log_likelihood, gg_converged, gg_customers) VALUES "
      "(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)");
  insert->setString(1, model.id);
  insert->setString(2, FormatSqlDatetime(TruncateToMicros(model.fit_time)));
  insert->setString(3,
                    FormatSqlDatetime(TruncateToMicros(model.observation_end)));
  insert->setString(4, model.currency_code);
  insert->setDouble(5, model.days_per_unit);
  insert->setInt64(6, model.customers);
  insert->setDouble(7, model.purchases.params.r);
  insert->setDouble(8, model.purchases.params.alpha);
  insert->setDouble(9, model.purchases.params.a);
  insert->setDouble(10, model.purchases.params.b);
  insert->setDouble(11, model.purchases.log_likelihood);
  insert->setBoolean(12, model.purchases.converged);
  insert->setDouble(13, model.spend.params.p);
  insert->setDouble(14, model.spend.params.q);
  insert->setDouble(15, model.spend.params.gamma);
  insert->setDouble(16, model.spend.log_likelihood);
  insert->setBoolean(17, model.spend.converged);
  insert->setInt64(18, model.spend.customers);
  insert->executeUpdate();
  return absl::OkStatus();
}

absl::StatusOr<std::optional<ClvModelRecord>>
MySqlScoreRepository::LatestClvModel(Transaction& tx) {
  CachedStatement select =
      Prepared(tx, std::string(kModelColumns) +
                       " ORDER BY fit_time DESC, id DESC LIMIT 1");
  std::unique_ptr<sql::ResultSet> rows(select->executeQuery());
  if (!rows->next()) return std::nullopt;
  CRM_ASSIGN_OR_RETURN(ClvModelRecord model, ModelFromRow(*rows));
  return model;
}

absl::StatusOr<std::optional<ClvModelRecord>>
MySqlScoreRepository::FindClvModel(Transaction& tx, absl::string_view id) {
  CachedStatement select =
      Prepared(tx, std::string(kModelColumns) + " WHERE id = ?");
  select->setString(1, std::string(id));
  std::unique_ptr<sql::ResultSet> rows(select->executeQuery());
  if (!rows->next()) return std::nullopt;
  CRM_ASSIGN_OR_RETURN(ClvModelRecord model, ModelFromRow(*rows));
  return model;
}

}  // namespace crm::segmentation
