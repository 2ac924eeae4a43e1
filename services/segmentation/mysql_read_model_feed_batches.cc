// MySqlReadModelRepository's batch writes of a batch of feed events
// (UpsertCustomers, UpsertOrders, SaveAggregates) and FindMerges: multi-row
// statements, one per kMaxFeedBatchRows rows, padded to a power-of-two
// number of rows by repeating the last (each statement is an upsert, a
// DELETE or a SELECT by key, which a repeated row leaves as they are:
// services/common/sql_batches.h), the same SQL as the single forms in
// mysql_read_model_repository.cc.
#include <cppconn/prepared_statement.h>
#include <cppconn/resultset.h>

#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "services/common/prepared_statement_cache.h"
#include "services/common/sql_batches.h"
#include "services/common/sql_time.h"
#include "services/common/status_macros.h"
#include "services/common/timestamps.h"
#include "services/segmentation/mysql_read_model_repository.h"

namespace crm::segmentation {
namespace {

using ::crm::common::CachedStatement;
using ::crm::common::Prepared;
using ::crm::common::SqlPaddedChunk;
using ::crm::common::SqlPaddedChunks;
using ::crm::common::SqlPlaceholders;
using ::crm::common::SqlRowPlaceholders;
using ::crm::common::Transaction;

constexpr size_t kMaxFeedBatchRows = 128;
// Separates the values of a list column (tags, consents), as the single
// forms store them.
constexpr char kFeedListSeparator[] = "\x1f";

std::optional<absl::Time> FactTimeOrNull(absl::Time time) {
  if (time == absl::InfinitePast()) return std::nullopt;
  return time;
}

}  // namespace

absl::Status MySqlReadModelRepository::UpsertCustomers(
    Transaction& tx, const std::vector<CustomerFacts>& facts) {
  for (const SqlPaddedChunk& chunk :
       SqlPaddedChunks(facts.size(), kMaxFeedBatchRows)) {
    CachedStatement upsert = Prepared(
        tx, absl::StrCat(
                "INSERT INTO read_model_customers (customer_id, country_code, "
                "source_channel, locale, gender, tags, granted_consents, "
                "create_time, last_sequence, customer_type) VALUES ",
                SqlRowPlaceholders(chunk.padded, 10),
                " ON DUPLICATE KEY UPDATE country_code = VALUES(country_code), "
                "source_channel = VALUES(source_channel), "
                "locale = VALUES(locale), gender = VALUES(gender), "
                "tags = VALUES(tags), "
                "granted_consents = VALUES(granted_consents), "
                "create_time = VALUES(create_time), "
                "last_sequence = VALUES(last_sequence), "
                "customer_type = VALUES(customer_type)"));
    int column = 1;
    for (size_t k = 0; k < chunk.padded; ++k) {
      const CustomerFacts& one = facts[chunk.Row(k)];
      upsert->setString(column++, one.customer_id);
      upsert->setString(column++, one.country_code);
      upsert->setString(column++, one.source_channel);
      upsert->setString(column++, one.locale);
      upsert->setString(column++, one.gender);
      upsert->setString(column++, absl::StrJoin(one.tags, kFeedListSeparator));
      upsert->setString(
          column++, absl::StrJoin(one.granted_consents, kFeedListSeparator));
      crm::common::BindOptionalSqlDatetime(*upsert, column++,
                                           FactTimeOrNull(one.create_time));
      upsert->setInt64(column++, one.last_sequence);
      upsert->setString(column++, one.customer_type);
    }
    upsert->executeUpdate();
  }
  return absl::OkStatus();
}

absl::Status MySqlReadModelRepository::UpsertOrders(
    Transaction& tx, const std::vector<OrderFact>& orders) {
  for (const SqlPaddedChunk& chunk :
       SqlPaddedChunks(orders.size(), kMaxFeedBatchRows)) {
    CachedStatement upsert = Prepared(
        tx, absl::StrCat("INSERT INTO read_model_orders (customer_id, "
                         "order_id, order_time, currency_code, amount_minor, "
                         "refunded_minor) VALUES ",
                         SqlRowPlaceholders(chunk.padded, 6),
                         " ON DUPLICATE KEY UPDATE "
                         "order_time = VALUES(order_time), "
                         "currency_code = VALUES(currency_code), "
                         "amount_minor = VALUES(amount_minor), "
                         "refunded_minor = VALUES(refunded_minor)"));
    int column = 1;
    for (size_t k = 0; k < chunk.padded; ++k) {
      const OrderFact& order = orders[chunk.Row(k)];
      upsert->setString(column++, order.customer_id);
      upsert->setString(column++, order.order_id);
      upsert->setString(column++,
                        crm::common::FormatSqlDatetime(
                            crm::common::TruncateToMicros(order.order_time)));
      upsert->setString(column++, order.currency_code);
      upsert->setInt64(column++, order.amount_minor);
      upsert->setInt64(column++, order.refunded_minor);
    }
    upsert->executeUpdate();
  }
  return absl::OkStatus();
}

absl::Status MySqlReadModelRepository::SaveAggregates(
    Transaction& tx, const std::vector<CustomerAggregate>& aggregates) {
  for (const SqlPaddedChunk& chunk :
       SqlPaddedChunks(aggregates.size(), kMaxFeedBatchRows)) {
    CachedStatement upsert = Prepared(
        tx, absl::StrCat("INSERT INTO read_model_aggregates (customer_id, "
                         "order_count, purchase_days, first_order_time, "
                         "last_order_time, previous_purchase_time, "
                         "weekend_order_count) VALUES ",
                         SqlRowPlaceholders(chunk.padded, 7),
                         " ON DUPLICATE KEY UPDATE "
                         "order_count = VALUES(order_count), "
                         "purchase_days = VALUES(purchase_days), "
                         "first_order_time = VALUES(first_order_time), "
                         "last_order_time = VALUES(last_order_time), "
                         "previous_purchase_time = "
                         "VALUES(previous_purchase_time), "
                         "weekend_order_count = VALUES(weekend_order_count)"));
    int column = 1;
    for (size_t k = 0; k < chunk.padded; ++k) {
      const CustomerAggregate& aggregate = aggregates[chunk.Row(k)];
      upsert->setString(column++, aggregate.customer_id);
      upsert->setInt64(column++, aggregate.order_count);
      upsert->setInt64(column++, aggregate.purchase_days);
      crm::common::BindOptionalSqlDatetime(*upsert, column++,
                                           aggregate.first_order_time);
      crm::common::BindOptionalSqlDatetime(*upsert, column++,
                                           aggregate.last_order_time);
      crm::common::BindOptionalSqlDatetime(*upsert, column++,
                                           aggregate.previous_purchase_time);
      upsert->setInt64(column++, aggregate.weekend_order_count);
    }
    upsert->executeUpdate();
    // The chunk's spend rows replaced: an IN list of exactly its ids (never
    // a key range, which would take other customers' rows with it).
    CachedStatement clear = Prepared(
        tx, absl::StrCat("DELETE FROM read_model_spend WHERE customer_id IN (",
                         SqlPlaceholders(chunk.padded), ")"));
    for (size_t k = 0; k < chunk.padded; ++k) {
      clear->setString(static_cast<int>(k + 1),
                       aggregates[chunk.Row(k)].customer_id);
    }
    clear->executeUpdate();
  }
  struct SpendRow {
    const std::string* customer_id;
    const CurrencySpend* spend;
  };
  std::vector<SpendRow> rows;
  for (const CustomerAggregate& aggregate : aggregates) {
    for (const CurrencySpend& spend : aggregate.spend) {
      rows.push_back({&aggregate.customer_id, &spend});
    }
  }
  // An upsert only so that padding rows may repeat a row just inserted.
  for (const SqlPaddedChunk& chunk :
       SqlPaddedChunks(rows.size(), kMaxFeedBatchRows)) {
    CachedStatement insert = Prepared(
        tx, absl::StrCat("INSERT INTO read_model_spend (customer_id, "
                         "currency_code, order_count, net_total_minor, "
                         "average_minor) VALUES ",
                         SqlRowPlaceholders(chunk.padded, 5),
                         " ON DUPLICATE KEY UPDATE "
                         "order_count = VALUES(order_count), "
                         "net_total_minor = VALUES(net_total_minor), "
                         "average_minor = VALUES(average_minor)"));
    int column = 1;
    for (size_t k = 0; k < chunk.padded; ++k) {
      const size_t i = chunk.Row(k);
      insert->setString(column++, *rows[i].customer_id);
      insert->setString(column++, rows[i].spend->currency_code);
      insert->setInt64(column++, rows[i].spend->order_count);
      insert->setInt64(column++, rows[i].spend->net_total_minor);
      insert->setInt64(column++, rows[i].spend->average_minor);
    }
    insert->executeUpdate();
  }
  return absl::OkStatus();
}

absl::StatusOr<std::vector<std::optional<MergeRecord>>>
MySqlReadModelRepository::FindMerges(
    Transaction& tx, const std::vector<std::string>& customer_ids) {
  std::vector<std::optional<MergeRecord>> found(customer_ids.size());
  absl::flat_hash_map<absl::string_view, size_t> positions;
  for (size_t i = 0; i < customer_ids.size(); ++i) {
    positions.emplace(customer_ids[i], i);
  }
  for (const SqlPaddedChunk& chunk :
       SqlPaddedChunks(customer_ids.size(), kMaxFeedBatchRows)) {
    CachedStatement select = Prepared(
        tx, absl::StrCat("SELECT customer_id, survivor_id, merge_time FROM "
                         "merged_customers WHERE customer_id IN (",
                         SqlPlaceholders(chunk.padded), ")"));
    for (size_t k = 0; k < chunk.padded; ++k) {
      select->setString(static_cast<int>(k + 1), customer_ids[chunk.Row(k)]);
    }
    std::unique_ptr<sql::ResultSet> rows(select->executeQuery());
    while (rows->next()) {
      const std::string id = rows->getString(1).asStdString();
      auto at = positions.find(id);
      if (at == positions.end()) continue;
      MergeRecord& merge = found[at->second].emplace();
      merge.duplicate_id = id;
      merge.survivor_id = rows->getString(2).asStdString();
      CRM_ASSIGN_OR_RETURN(
          merge.merge_time,
          crm::common::ParseSqlDatetime(rows->getString(3).asStdString()));
    }
  }
  return found;
}

}  // namespace crm::segmentation
