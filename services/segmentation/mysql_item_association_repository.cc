#include "services/segmentation/mysql_item_association_repository.h"

#include <cppconn/prepared_statement.h>
#include <cppconn/resultset.h>

#include <algorithm>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_set.h"
#include "absl/strings/str_cat.h"
#include "services/common/prepared_statement_cache.h"
#include "services/common/sql_batches.h"
#include "services/common/status_macros.h"
#include "services/common/timestamps.h"

namespace crm::segmentation {
namespace {

using ::crm::common::CachedStatement;
using ::crm::common::Prepared;
using ::crm::common::SqlChunk;
using ::crm::common::SqlChunks;
using ::crm::common::SqlPaddedChunk;
using ::crm::common::SqlPaddedChunks;
using ::crm::common::SqlPlaceholders;
using ::crm::common::SqlRowPlaceholders;
using ::crm::common::Transaction;

constexpr size_t kMaxAssociationRows = 128;

// A count keyed by its SKUs, in key order (so rows are written, and locked,
// in one order).
template <typename Map>
std::vector<typename Map::const_pointer> SortedEntries(const Map& map) {
  std::vector<typename Map::const_pointer> entries;
  entries.reserve(map.size());
  for (const auto& entry : map) entries.push_back(&entry);
  std::sort(entries.begin(), entries.end(),
            [](auto a, auto b) { return a->first < b->first; });
  return entries;
}

// Adds `counts` to item_baskets, item_pairs and basket_totals.
absl::Status AddCounts(Transaction& tx, const BasketCounts& counts);

}  // namespace

absl::Status MySqlItemAssociationRepository::AddBaskets(
    Transaction& tx, const std::vector<OrderItemRecord>& items,
    const BasketCounts& counts) {
  // Padded (sql_batches.h) here and below: INSERT IGNORE skips a repeated
  // row, and a padding row of the counts adds 0.
  for (const SqlPaddedChunk& chunk :
       SqlPaddedChunks(items.size(), kMaxAssociationRows)) {
    CachedStatement insert = Prepared(
        tx, absl::StrCat("INSERT IGNORE INTO order_items (customer_id, "
                         "order_id, sku, order_time) VALUES ",
                         SqlRowPlaceholders(chunk.padded, 4)));
    int column = 1;
    for (size_t k = 0; k < chunk.padded; ++k) {
      const size_t i = chunk.Row(k);
      insert->setString(column++, items[i].customer_id);
      insert->setString(column++, items[i].order_id);
      insert->setString(column++, items[i].sku);
      insert->setString(
          column++, crm::common::FormatSqlDatetime(
                        crm::common::TruncateToMicros(items[i].order_time)));
    }
    insert->executeUpdate();
  }
  return AddCounts(tx, counts);
}

namespace {

absl::Status AddCounts(Transaction& tx, const BasketCounts& counts) {
  const auto item_entries = SortedEntries(counts.items);
  for (const SqlPaddedChunk& chunk :
       SqlPaddedChunks(item_entries.size(), kMaxAssociationRows)) {
    CachedStatement upsert = Prepared(
        tx, absl::StrCat(
                "INSERT INTO item_baskets (sku, category, baskets, weight) "
                "VALUES ",
                SqlRowPlaceholders(chunk.padded, 4),
                " ON DUPLICATE KEY UPDATE baskets = baskets + "
                "VALUES(baskets), weight = weight + VALUES(weight), "
                "category = IF(VALUES(category) = '', category, "
                "VALUES(category))"));
    int column = 1;
    for (size_t k = 0; k < chunk.padded; ++k) {
      const auto& entry = *item_entries[chunk.Row(k)];
      const bool padding = k >= chunk.size;
      upsert->setString(column++, entry.first);
      upsert->setString(column++, entry.second.category);
      upsert->setInt64(column++, padding ? 0 : entry.second.baskets);
      upsert->setDouble(column++, padding ? 0.0 : entry.second.weight);
    }
    upsert->executeUpdate();
  }
  const auto pair_entries = SortedEntries(counts.pairs);
  for (const SqlPaddedChunk& chunk :
       SqlPaddedChunks(pair_entries.size(), kMaxAssociationRows)) {
    CachedStatement upsert = Prepared(
        tx,
        absl::StrCat("INSERT INTO item_pairs (sku, other_sku, baskets, weight) "
                     "VALUES ",
                     SqlRowPlaceholders(chunk.padded, 4),
                     " ON DUPLICATE KEY UPDATE baskets = baskets + "
                     "VALUES(baskets), weight = weight + VALUES(weight)"));
    int column = 1;
    for (size_t k = 0; k < chunk.padded; ++k) {
      const auto& entry = *pair_entries[chunk.Row(k)];
      const bool padding = k >= chunk.size;
      upsert->setString(column++, entry.first.first);
      upsert->setString(column++, entry.first.second);
      upsert->setInt64(column++, padding ? 0 : entry.second.baskets);
      upsert->setDouble(column++, padding ? 0.0 : entry.second.weight);
    }
    upsert->executeUpdate();
  }
  if (counts.baskets > 0) {
    CachedStatement totals = Prepared(
        tx,
        "INSERT INTO basket_totals (id, baskets, weight) VALUES (1, ?, ?) "
        "ON DUPLICATE KEY UPDATE baskets = baskets + VALUES(baskets), "
        "weight = weight + VALUES(weight)");
    totals->setInt64(1, counts.baskets);
    totals->setDouble(2, counts.weight);
    totals->executeUpdate();
  }
  return absl::OkStatus();
}

}  // namespace

absl::Status MySqlItemAssociationRepository::AddViews(
    Transaction& tx, const std::vector<ItemViewRecord>& views,
    const BasketCounts& counts) {
  for (const SqlChunk& chunk : SqlChunks(views.size(), kMaxAssociationRows)) {
    CachedStatement upsert = Prepared(
        tx, absl::StrCat("INSERT INTO item_views (customer_id, view_day, sku, "
                         "view_time) VALUES ",
                         SqlRowPlaceholders(chunk.size, 4),
                         " ON DUPLICATE KEY UPDATE view_time = "
                         "GREATEST(view_time, VALUES(view_time))"));
    int column = 1;
    for (size_t i = chunk.begin; i < chunk.begin + chunk.size; ++i) {
      upsert->setString(column++, views[i].customer_id);
      upsert->setString(column++, crm::common::FormatSqlDatetime(views[i].day));
      upsert->setString(column++, views[i].sku);
      upsert->setString(column++,
                        crm::common::FormatSqlDatetime(
                            crm::common::TruncateToMicros(views[i].view_time)));
    }
    upsert->executeUpdate();
  }
  return AddCounts(tx, counts);
}

absl::StatusOr<std::vector<std::string>>
MySqlItemAssociationRepository::ListViewedSkusOn(Transaction& tx,
                                                 absl::string_view customer_id,
                                                 absl::Time day) {
  CachedStatement select = Prepared(
      tx,
      "SELECT sku FROM item_views WHERE customer_id = ? AND view_day = ? "
      "ORDER BY sku");
  select->setString(1, std::string(customer_id));
  select->setString(2, crm::common::FormatSqlDatetime(day));
  std::unique_ptr<sql::ResultSet> rows(select->executeQuery());
  std::vector<std::string> skus;
  while (rows->next()) skus.push_back(rows->getString(1).asStdString());
  return skus;
}

absl::StatusOr<std::vector<PurchasedItem>>
MySqlItemAssociationRepository::ListViewedItems(Transaction& tx,
                                                absl::string_view customer_id) {
  CachedStatement select = Prepared(
      tx,
      "SELECT sku, TIMESTAMPDIFF(MICROSECOND, '1970-01-01 00:00:00', "
      "MAX(view_time)) FROM item_views WHERE customer_id = ? GROUP BY sku");
  select->setString(1, std::string(customer_id));
  std::unique_ptr<sql::ResultSet> rows(select->executeQuery());
  std::vector<PurchasedItem> viewed;
  while (rows->next()) {
    viewed.push_back(
        PurchasedItem{.sku = rows->getString(1).asStdString(),
                      .last_time = absl::FromUnixMicros(rows->getInt64(2))});
  }
  return viewed;
}

absl::StatusOr<std::vector<PurchasedItem>>
MySqlItemAssociationRepository::ListPurchasedItems(
    Transaction& tx, absl::string_view customer_id) {
  CachedStatement select = Prepared(
      tx,
      "SELECT sku, TIMESTAMPDIFF(MICROSECOND, '1970-01-01 00:00:00', "
      "MAX(order_time)) FROM order_items WHERE customer_id = ? GROUP BY sku");
  select->setString(1, std::string(customer_id));
  std::unique_ptr<sql::ResultSet> rows(select->executeQuery());
  std::vector<PurchasedItem> purchased;
  while (rows->next()) {
    purchased.push_back(
        PurchasedItem{.sku = rows->getString(1).asStdString(),
                      .last_time = absl::FromUnixMicros(rows->getInt64(2))});
  }
  return purchased;
}

absl::StatusOr<std::vector<OrderItemRecord>>
MySqlItemAssociationRepository::ListOrderItems(Transaction& tx,
                                               absl::string_view customer_id) {
  CachedStatement select =
      Prepared(tx,
               "SELECT order_id, sku, TIMESTAMPDIFF(MICROSECOND, '1970-01-01 "
               "00:00:00', order_time) FROM order_items WHERE customer_id = ? "
               "ORDER BY order_id, sku");
  select->setString(1, std::string(customer_id));
  std::unique_ptr<sql::ResultSet> rows(select->executeQuery());
  std::vector<OrderItemRecord> items;
  while (rows->next()) {
    items.push_back(
        OrderItemRecord{.customer_id = std::string(customer_id),
                        .order_id = rows->getString(1).asStdString(),
                        .sku = rows->getString(2).asStdString(),
                        .order_time = absl::FromUnixMicros(rows->getInt64(3))});
  }
  return items;
}

absl::StatusOr<AssociationView> MySqlItemAssociationRepository::LoadView(
    Transaction& tx, const std::vector<std::string>& history,
    int64_t min_pair_baskets) {
  AssociationView view;
  absl::flat_hash_set<std::string> wanted(history.begin(), history.end());
  for (const SqlChunk& chunk : SqlChunks(history.size(), kMaxAssociationRows)) {
    CachedStatement select = Prepared(
        tx, absl::StrCat("SELECT sku, other_sku, baskets, weight FROM "
                         "item_pairs WHERE sku IN (",
                         SqlPlaceholders(chunk.size), ") AND baskets >= ?"));
    int column = 1;
    for (size_t i = chunk.begin; i < chunk.begin + chunk.size; ++i) {
      select->setString(column++, history[i]);
    }
    select->setInt64(column, min_pair_baskets);
    std::unique_ptr<sql::ResultSet> rows(select->executeQuery());
    while (rows->next()) {
      std::string other = rows->getString(2).asStdString();
      wanted.insert(other);
      view.pairs_of[rows->getString(1).asStdString()].emplace_back(
          std::move(other), PairCount{.baskets = rows->getInt64(3),
                                      .weight = rows->getDouble(4)});
    }
  }
  std::vector<std::string> skus(wanted.begin(), wanted.end());
  std::sort(skus.begin(), skus.end());
  for (const SqlChunk& chunk : SqlChunks(skus.size(), 1024)) {
    CachedStatement select =
        Prepared(tx, absl::StrCat("SELECT sku, category, baskets, weight FROM "
                                  "item_baskets WHERE sku IN (",
                                  SqlPlaceholders(chunk.size), ")"));
    for (size_t i = 0; i < chunk.size; ++i) {
      select->setString(static_cast<int>(i + 1), skus[chunk.begin + i]);
    }
    std::unique_ptr<sql::ResultSet> rows(select->executeQuery());
    while (rows->next()) {
      view.items[rows->getString(1).asStdString()] =
          ItemCount{.baskets = rows->getInt64(3),
                    .weight = rows->getDouble(4),
                    .category = rows->getString(2).asStdString()};
    }
  }
  CachedStatement totals =
      Prepared(tx, "SELECT baskets, weight FROM basket_totals WHERE id = 1");
  std::unique_ptr<sql::ResultSet> rows(totals->executeQuery());
  if (rows->next()) {
    view.baskets = rows->getInt64(1);
    view.weight = rows->getDouble(2);
  }
  return view;
}

absl::Status MySqlItemAssociationRepository::MoveCustomer(
    Transaction& tx, absl::string_view from_customer_id,
    absl::string_view to_customer_id) {
  CachedStatement move = Prepared(
      tx,
      "UPDATE IGNORE order_items SET customer_id = ? WHERE customer_id = ?");
  move->setString(1, std::string(to_customer_id));
  move->setString(2, std::string(from_customer_id));
  move->executeUpdate();
  CachedStatement move_views = Prepared(
      tx, "UPDATE IGNORE item_views SET customer_id = ? WHERE customer_id = ?");
  move_views->setString(1, std::string(to_customer_id));
  move_views->setString(2, std::string(from_customer_id));
  move_views->executeUpdate();
  return DeleteCustomer(tx, from_customer_id);
}

absl::Status MySqlItemAssociationRepository::DeleteCustomer(
    Transaction& tx, absl::string_view customer_id) {
  CachedStatement remove =
      Prepared(tx, "DELETE FROM order_items WHERE customer_id = ?");
  remove->setString(1, std::string(customer_id));
  remove->executeUpdate();
  CachedStatement remove_views =
      Prepared(tx, "DELETE FROM item_views WHERE customer_id = ?");
  remove_views->setString(1, std::string(customer_id));
  remove_views->executeUpdate();
  return absl::OkStatus();
}

}  // namespace crm::segmentation
