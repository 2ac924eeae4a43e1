// MySqlReadModelRepository's behaviour counts (tables
// customer_channel_counts, customer_category_counts,
// customer_interaction_counts, migration 0012): multi-row additions in
// chunks (services/common/sql_batches.h), batch reads over IdFilters
// (mysql_id_lists.h), the merge's move and the population totals.
#include <cppconn/prepared_statement.h>
#include <cppconn/resultset.h>

#include <map>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/str_cat.h"
#include "services/common/prepared_statement_cache.h"
#include "services/common/sql_batches.h"
#include "services/common/status_macros.h"
#include "services/segmentation/mysql_id_lists.h"
#include "services/segmentation/mysql_read_model_repository.h"

namespace crm::segmentation {
namespace {

using ::crm::common::CachedStatement;
using ::crm::common::Prepared;
using ::crm::common::SqlPaddedChunk;
using ::crm::common::SqlPaddedChunks;
using ::crm::common::SqlRowPlaceholders;
using ::crm::common::Transaction;

constexpr size_t kMaxCountRows = 128;

struct CountRow {
  const std::string* customer_id;
  const std::string* name;
  int64_t count;
};

// Adds `rows` to `table` (key customer_id, `name_column`; `count_column`).
void AddRows(Transaction& tx, absl::string_view table,
             absl::string_view name_column, absl::string_view count_column,
             const std::vector<CountRow>& rows) {
  // Padded (sql_batches.h): a padding row adds 0 to the last row's count.
  for (const SqlPaddedChunk& chunk :
       SqlPaddedChunks(rows.size(), kMaxCountRows)) {
    CachedStatement upsert = Prepared(
        tx, absl::StrCat("INSERT INTO ", table, " (customer_id, ", name_column,
                         ", ", count_column, ") VALUES ",
                         SqlRowPlaceholders(chunk.padded, 3),
                         " ON DUPLICATE KEY UPDATE ", count_column, " = ",
                         count_column, " + VALUES(", count_column, ")"));
    int column = 1;
    for (size_t k = 0; k < chunk.padded; ++k) {
      const CountRow& row = rows[chunk.Row(k)];
      upsert->setString(column++, *row.customer_id);
      upsert->setString(column++, *row.name);
      upsert->setInt64(column++, k < chunk.size ? row.count : 0);
    }
    upsert->executeUpdate();
  }
}

}  // namespace

absl::Status MySqlReadModelRepository::AddBehaviourCounts(
    Transaction& tx, const std::vector<BehaviourCounts>& deltas) {
  std::vector<CountRow> channels, categories;
  for (const BehaviourCounts& delta : deltas) {
    for (const NamedCount& one : delta.channel_orders) {
      if (one.count != 0) {
        channels.push_back({&delta.customer_id, &one.name, one.count});
      }
    }
    for (const NamedCount& one : delta.category_quantities) {
      if (one.count != 0) {
        categories.push_back({&delta.customer_id, &one.name, one.count});
      }
    }
  }
  AddRows(tx, "customer_channel_counts", "channel", "order_count", channels);
  AddRows(tx, "customer_category_counts", "category", "quantity", categories);
  std::vector<const BehaviourCounts*> interactions;
  for (const BehaviourCounts& delta : deltas) {
    if (delta.interaction_count != 0) interactions.push_back(&delta);
  }
  for (const SqlPaddedChunk& chunk :
       SqlPaddedChunks(interactions.size(), kMaxCountRows)) {
    CachedStatement upsert = Prepared(
        tx, absl::StrCat("INSERT INTO customer_interaction_counts "
                         "(customer_id, interaction_count) VALUES ",
                         SqlRowPlaceholders(chunk.padded, 2),
                         " ON DUPLICATE KEY UPDATE interaction_count = "
                         "interaction_count + VALUES(interaction_count)"));
    int column = 1;
    for (size_t k = 0; k < chunk.padded; ++k) {
      const BehaviourCounts& row = *interactions[chunk.Row(k)];
      upsert->setString(column++, row.customer_id);
      upsert->setInt64(column++, k < chunk.size ? row.interaction_count : 0);
    }
    upsert->executeUpdate();
  }
  return absl::OkStatus();
}

absl::StatusOr<std::vector<BehaviourCounts>>
MySqlReadModelRepository::FindBehaviourCounts(
    Transaction& tx, const std::vector<std::string>& customer_ids) {
  std::vector<BehaviourCounts> found(customer_ids.size());
  for (size_t i = 0; i < customer_ids.size(); ++i) {
    found[i].customer_id = customer_ids[i];
  }
  IdPositions positions(customer_ids);
  // One statement over the three tables (kind 0: channel, 1: category,
  // 2: interactions), each side on its primary key, names in order.
  for (const IdFilter& filter : IdFilters(customer_ids, "customer_id")) {
    CachedStatement select = Prepared(
        tx, absl::StrCat(
                "SELECT customer_id, 0, CAST(channel AS CHAR CHARACTER SET "
                "utf8mb4) COLLATE utf8mb4_bin AS name, order_count FROM "
                "customer_channel_counts WHERE ",
                filter.condition,
                " UNION ALL SELECT customer_id, 1, category, quantity FROM "
                "customer_category_counts WHERE ",
                filter.condition,
                " UNION ALL SELECT customer_id, 2, '', interaction_count FROM "
                "customer_interaction_counts WHERE ",
                filter.condition, " ORDER BY 1, 2, 3"));
    int next = 1;
    next += filter.Bind(*select, next, customer_ids);
    next += filter.Bind(*select, next, customer_ids);
    filter.Bind(*select, next, customer_ids);
    std::unique_ptr<sql::ResultSet> rows(select->executeQuery());
    while (rows->next()) {
      const std::optional<size_t> at =
          positions.Find(rows->getString(1).asStdString());
      if (!at.has_value()) continue;
      BehaviourCounts& counts = found[*at];
      switch (rows->getInt(2)) {
        case 0:
          counts.channel_orders.push_back(
              {rows->getString(3).asStdString(), rows->getInt64(4)});
          break;
        case 1:
          counts.category_quantities.push_back(
              {rows->getString(3).asStdString(), rows->getInt64(4)});
          break;
        default:
          counts.interaction_count = rows->getInt64(4);
      }
    }
  }
  return found;
}

absl::Status MySqlReadModelRepository::MoveBehaviourCounts(
    Transaction& tx, absl::string_view from_customer_id,
    absl::string_view to_customer_id) {
  const std::string from(from_customer_id);
  const std::string to(to_customer_id);
  // The moved rows through a derived table, so the update's columns name
  // the target's rows only.
  for (const char* statement : {
           "INSERT INTO customer_channel_counts (customer_id, channel, "
           "order_count) SELECT ?, m.name, m.n FROM (SELECT channel AS name, "
           "order_count AS n FROM customer_channel_counts WHERE customer_id "
           "= ?) AS m ON DUPLICATE KEY UPDATE order_count = order_count + "
           "VALUES(order_count)",
           "INSERT INTO customer_category_counts (customer_id, category, "
           "quantity) SELECT ?, m.name, m.n FROM (SELECT category AS name, "
           "quantity AS n FROM customer_category_counts WHERE customer_id = "
           "?) AS m ON DUPLICATE KEY UPDATE quantity = quantity + "
           "VALUES(quantity)",
           "INSERT INTO customer_interaction_counts (customer_id, "
           "interaction_count) SELECT ?, m.n FROM (SELECT interaction_count "
           "AS n FROM customer_interaction_counts WHERE customer_id = ?) AS m "
           "ON DUPLICATE KEY UPDATE interaction_count = interaction_count + "
           "VALUES(interaction_count)",
       }) {
    CachedStatement add = Prepared(tx, statement);
    add->setString(1, to);
    add->setString(2, from);
    add->executeUpdate();
  }
  for (const char* statement : {
           "DELETE FROM customer_channel_counts WHERE customer_id = ?",
           "DELETE FROM customer_category_counts WHERE customer_id = ?",
           "DELETE FROM customer_interaction_counts WHERE customer_id = ?",
       }) {
    CachedStatement remove = Prepared(tx, statement);
    remove->setString(1, from);
    remove->executeUpdate();
  }
  return absl::OkStatus();
}

absl::StatusOr<BehaviourCounts> MySqlReadModelRepository::BehaviourTotals(
    Transaction& tx) {
  BehaviourCounts totals;
  CachedStatement select = Prepared(
      tx,
      "SELECT 0, CAST(channel AS CHAR CHARACTER SET utf8mb4) COLLATE "
      "utf8mb4_bin AS name, SUM(order_count) FROM customer_channel_counts "
      "GROUP BY channel UNION ALL SELECT 1, category, SUM(quantity) FROM "
      "customer_category_counts GROUP BY category UNION ALL SELECT 2, '', "
      "COALESCE(SUM(interaction_count), 0) FROM customer_interaction_counts "
      "ORDER BY 1, 2");
  std::unique_ptr<sql::ResultSet> rows(select->executeQuery());
  while (rows->next()) {
    switch (rows->getInt(1)) {
      case 0:
        totals.channel_orders.push_back(
            {rows->getString(2).asStdString(), rows->getInt64(3)});
        break;
      case 1:
        totals.category_quantities.push_back(
            {rows->getString(2).asStdString(), rows->getInt64(3)});
        break;
      default:
        totals.interaction_count = rows->getInt64(3);
    }
  }
  return totals;
}

}  // namespace crm::segmentation
