#include "services/customer_profile/mysql_order_repository.h"

#include <cppconn/exception.h>
#include <cppconn/prepared_statement.h>
#include <cppconn/resultset.h>

#include <algorithm>
#include <iterator>
#include <map>
#include <memory>
#include <optional>
#include <sstream>
#include <string>
#include <tuple>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "services/common/error_details.h"
#include "services/common/mysql_unit_of_work.h"
#include "services/common/prepared_statement_cache.h"
#include "services/common/sql_batches.h"
#include "services/common/status_macros.h"
#include "services/common/timestamps.h"
#include "services/customer_profile/order_resources.h"

namespace crm::customer_profile {
namespace {

using ::crm::common::CachedStatement;
using ::crm::common::FormatSqlDatetime;
using ::crm::common::Prepared;
using ::crm::common::Transaction;

constexpr int kMySqlDuplicateKey = 1062;

// Most rows of one multi-row order or summary statement.
constexpr size_t kMaxOrdersPerStatement = 32;

constexpr char kOrderColumns[] =
    "customer_id, id, channel, channel_order_id, currency_code, amount_minor, "
    "refunded_minor, store_id, order_time, create_time, line_items";

constexpr char kEventColumns[] =
    "customer_id, event_id, type, custom_type, channel, event_time, "
    "properties, create_time";

constexpr char kSummaryColumns[] =
    "customer_id, currency_code, order_count, total_spent_minor, "
    "first_order_time, last_order_time";

std::string ReadBlob(sql::ResultSet& rows, const std::string& column) {
  std::unique_ptr<std::istream> blob(rows.getBlob(column));
  if (blob == nullptr) return std::string();
  return std::string(std::istreambuf_iterator<char>(*blob),
                     std::istreambuf_iterator<char>());
}

absl::StatusOr<absl::Time> ReadTime(sql::ResultSet& rows,
                                    const std::string& column) {
  return crm::common::ParseSqlDatetime(std::string(rows.getString(column)));
}

// The order in the current row of `rows` (selected with kOrderColumns).
absl::StatusOr<OrderRecord> ReadOrder(sql::ResultSet& rows) {
  v1::Order line_items;
  if (!line_items.ParseFromString(ReadBlob(rows, "line_items"))) {
    return absl::InternalError("stored order line items are corrupt");
  }
  OrderRecord order;
  order.customer_id = rows.getString("customer_id");
  order.id = rows.getString("id");
  order.channel = rows.getString("channel");
  order.channel_order_id = rows.getString("channel_order_id");
  order.currency_code = rows.getString("currency_code");
  order.amount_minor = rows.getInt64("amount_minor");
  order.refunded_minor = rows.getInt64("refunded_minor");
  order.store_id = rows.getString("store_id");
  CRM_ASSIGN_OR_RETURN(order.order_time, ReadTime(rows, "order_time"));
  CRM_ASSIGN_OR_RETURN(order.create_time, ReadTime(rows, "create_time"));
  order.line_items = std::move(*line_items.mutable_line_items());
  return order;
}

// The event in the current row of `rows` (selected with kEventColumns).
absl::StatusOr<InteractionEventRecord> ReadEvent(sql::ResultSet& rows) {
  v1::InteractionEvent properties;
  if (!properties.ParseFromString(ReadBlob(rows, "properties"))) {
    return absl::InternalError("stored event properties are corrupt");
  }
  InteractionEventRecord event;
  event.customer_id = rows.getString("customer_id");
  event.event_id = rows.getString("event_id");
  event.type = static_cast<v1::InteractionEvent::Type>(rows.getInt("type"));
  event.custom_type = rows.getString("custom_type");
  event.channel = rows.getString("channel");
  CRM_ASSIGN_OR_RETURN(event.event_time, ReadTime(rows, "event_time"));
  CRM_ASSIGN_OR_RETURN(event.create_time, ReadTime(rows, "create_time"));
  event.properties.insert(properties.properties().begin(),
                          properties.properties().end());
  return event;
}

// The summary in the current row of `rows` (selected with kSummaryColumns).
absl::StatusOr<PurchaseSummaryRecord> ReadSummary(sql::ResultSet& rows) {
  PurchaseSummaryRecord summary;
  summary.customer_id = rows.getString("customer_id");
  summary.currency_code = rows.getString("currency_code");
  summary.order_count = rows.getInt64("order_count");
  summary.total_spent_minor = rows.getInt64("total_spent_minor");
  CRM_ASSIGN_OR_RETURN(summary.first_order_time,
                       ReadTime(rows, "first_order_time"));
  CRM_ASSIGN_OR_RETURN(summary.last_order_time,
                       ReadTime(rows, "last_order_time"));
  return summary;
}

absl::StatusOr<std::vector<OrderRecord>> ReadOrders(
    sql::PreparedStatement& select) {
  std::unique_ptr<sql::ResultSet> rows(select.executeQuery());
  std::vector<OrderRecord> orders;
  while (rows->next()) {
    CRM_ASSIGN_OR_RETURN(OrderRecord order, ReadOrder(*rows));
    orders.push_back(std::move(order));
  }
  return orders;
}

absl::StatusOr<std::optional<OrderRecord>> ReadOptionalOrder(
    sql::PreparedStatement& select) {
  CRM_ASSIGN_OR_RETURN(std::vector<OrderRecord> orders, ReadOrders(select));
  if (orders.empty()) return std::optional<OrderRecord>();
  return std::optional<OrderRecord>(std::move(orders.front()));
}

}  // namespace

absl::Status MySqlOrderRepository::InsertOrder(Transaction& tx,
                                               const OrderRecord& order) {
  return InsertOrders(tx, {order});
}

absl::Status MySqlOrderRepository::InsertOrders(
    Transaction& tx, const std::vector<OrderRecord>& unordered) {
  // In unique-key order, so concurrent batches claim channel orders in the
  // same order.
  std::vector<const OrderRecord*> orders;
  orders.reserve(unordered.size());
  for (const OrderRecord& order : unordered) orders.push_back(&order);
  std::sort(orders.begin(), orders.end(),
            [](const OrderRecord* a, const OrderRecord* b) {
              return std::tie(a->channel, a->channel_order_id) <
                     std::tie(b->channel, b->channel_order_id);
            });
  for (const crm::common::SqlChunk& chunk :
       crm::common::SqlChunks(orders.size(), kMaxOrdersPerStatement)) {
    CachedStatement insert = Prepared(
        tx, absl::StrCat("INSERT INTO orders (", kOrderColumns, ") VALUES ",
                         crm::common::SqlRowPlaceholders(chunk.size, 11)));
    // The line items' streams stay alive until the statement has run.
    std::vector<std::unique_ptr<std::istringstream>> line_items_blobs;
    line_items_blobs.reserve(chunk.size);
    int index = 1;
    for (size_t k = chunk.begin; k < chunk.begin + chunk.size; ++k) {
      const OrderRecord& order = *orders[k];
      v1::Order line_items;
      *line_items.mutable_line_items() = order.line_items;
      line_items_blobs.push_back(
          std::make_unique<std::istringstream>(line_items.SerializeAsString()));
      insert->setString(index++, order.customer_id);
      insert->setString(index++, order.id);
      insert->setString(index++, order.channel);
      insert->setString(index++, order.channel_order_id);
      insert->setString(index++, order.currency_code);
      insert->setInt64(index++, order.amount_minor);
      insert->setInt64(index++, order.refunded_minor);
      insert->setString(index++, order.store_id);
      insert->setString(index++, FormatSqlDatetime(order.order_time));
      insert->setString(index++, FormatSqlDatetime(order.create_time));
      insert->setBlob(index++, line_items_blobs.back().get());
    }
    try {
      insert->executeUpdate();
    } catch (const sql::SQLException& e) {
      if (e.getErrorCode() != kMySqlDuplicateKey) throw;
      const OrderRecord& first = *orders[chunk.begin];
      return crm::common::AlreadyExistsError(
          chunk.size == 1 ? OrderName(first.customer_id, first.id)
                          : std::string("orders"),
          "order: the channel order is already recorded");
    }
  }
  return absl::OkStatus();
}

absl::StatusOr<std::optional<OrderRecord>>
MySqlOrderRepository::FindOrderByChannelOrder(
    Transaction& tx, absl::string_view channel,
    absl::string_view channel_order_id) {
  // A shared lock: the latest committed row, whatever the snapshot.
  CachedStatement select = Prepared(
      tx, absl::StrCat("SELECT ", kOrderColumns,
                       " FROM orders WHERE channel = ? AND channel_order_id = ?"
                       " LOCK IN SHARE MODE"));
  select->setString(1, std::string(channel));
  select->setString(2, std::string(channel_order_id));
  return ReadOptionalOrder(*select);
}

absl::StatusOr<std::optional<OrderRecord>>
MySqlOrderRepository::GetOrderForUpdate(Transaction& tx,
                                        absl::string_view customer_id,
                                        absl::string_view order_id) {
  CachedStatement select =
      Prepared(tx, absl::StrCat("SELECT ", kOrderColumns,
                                " FROM orders WHERE customer_id = ? AND id = ?"
                                " FOR UPDATE"));
  select->setString(1, std::string(customer_id));
  select->setString(2, std::string(order_id));
  return ReadOptionalOrder(*select);
}

absl::Status MySqlOrderRepository::SetRefundedAmount(
    Transaction& tx, absl::string_view customer_id, absl::string_view order_id,
    int64_t refunded_minor) {
  CachedStatement update = Prepared(
      tx,
      "UPDATE orders SET refunded_minor = ? WHERE customer_id = ? AND id = ?");
  update->setInt64(1, refunded_minor);
  update->setString(2, std::string(customer_id));
  update->setString(3, std::string(order_id));
  if (update->executeUpdate() == 0) {
    // Zero affected rows also when the value is unchanged: check presence.
    CachedStatement select =
        Prepared(tx, "SELECT 1 FROM orders WHERE customer_id = ? AND id = ?");
    select->setString(1, std::string(customer_id));
    select->setString(2, std::string(order_id));
    std::unique_ptr<sql::ResultSet> rows(select->executeQuery());
    if (!rows->next()) {
      return crm::common::NotFoundError(OrderName(customer_id, order_id));
    }
  }
  return absl::OkStatus();
}

absl::StatusOr<crm::common::Page<OrderRecord>> MySqlOrderRepository::ListOrders(
    Transaction& tx, absl::string_view customer_id,
    const crm::common::PageRequest& page) {
  CachedStatement select = Prepared(
      tx, absl::StrCat("SELECT ", kOrderColumns,
                       " FROM orders WHERE customer_id = ? AND "
                       "(order_time < ? OR (order_time = ? AND id < ?)) "
                       "ORDER BY order_time DESC, id DESC LIMIT ?"));
  select->setString(1, std::string(customer_id));
  crm::common::BindKeysetAfter(*select, 2, page.after);
  select->setInt(5, page.page_size + 1);
  CRM_ASSIGN_OR_RETURN(std::vector<OrderRecord> orders, ReadOrders(*select));
  return crm::common::MakePage<OrderRecord>(
      std::move(orders), page.page_size, [](const OrderRecord& order) {
        return crm::common::KeysetPosition{order.order_time, order.id};
      });
}

absl::StatusOr<std::optional<RefundRecord>> MySqlOrderRepository::FindRefund(
    Transaction& tx, absl::string_view customer_id, absl::string_view order_id,
    absl::string_view refund_id) {
  CachedStatement select =
      Prepared(tx,
               "SELECT customer_id, order_id, refund_id, amount_minor, reason, "
               "create_time FROM order_refunds "
               "WHERE customer_id = ? AND order_id = ? AND refund_id = ?");
  select->setString(1, std::string(customer_id));
  select->setString(2, std::string(order_id));
  select->setString(3, std::string(refund_id));
  std::unique_ptr<sql::ResultSet> rows(select->executeQuery());
  if (!rows->next()) return std::optional<RefundRecord>();
  RefundRecord refund;
  refund.customer_id = rows->getString("customer_id");
  refund.order_id = rows->getString("order_id");
  refund.refund_id = rows->getString("refund_id");
  refund.amount_minor = rows->getInt64("amount_minor");
  refund.reason = rows->getString("reason");
  CRM_ASSIGN_OR_RETURN(refund.create_time, ReadTime(*rows, "create_time"));
  return std::optional<RefundRecord>(std::move(refund));
}

absl::Status MySqlOrderRepository::InsertRefund(Transaction& tx,
                                                const RefundRecord& refund) {
  CachedStatement insert =
      Prepared(tx,
               "INSERT INTO order_refunds (customer_id, order_id, refund_id, "
               "amount_minor, reason, create_time) VALUES (?, ?, ?, ?, ?, ?)");
  insert->setString(1, refund.customer_id);
  insert->setString(2, refund.order_id);
  insert->setString(3, refund.refund_id);
  insert->setInt64(4, refund.amount_minor);
  insert->setString(5, refund.reason);
  insert->setString(6, FormatSqlDatetime(refund.create_time));
  try {
    insert->executeUpdate();
  } catch (const sql::SQLException& e) {
    if (e.getErrorCode() != kMySqlDuplicateKey) throw;
    return crm::common::AlreadyExistsError(
        OrderName(refund.customer_id, refund.order_id),
        "refund_id: already used for this order");
  }
  return absl::OkStatus();
}

absl::Status MySqlOrderRepository::AddToPurchaseSummary(
    Transaction& tx, const PurchaseSummaryDelta& delta) {
  return AddToPurchaseSummaries(tx, {delta});
}

absl::Status MySqlOrderRepository::AddToPurchaseSummaries(
    Transaction& tx, const std::vector<PurchaseSummaryDelta>& unordered) {
  // In key order: concurrent writers lock summaries in the same order.
  std::vector<const PurchaseSummaryDelta*> deltas;
  deltas.reserve(unordered.size());
  for (const PurchaseSummaryDelta& delta : unordered) deltas.push_back(&delta);
  std::stable_sort(
      deltas.begin(), deltas.end(),
      [](const PurchaseSummaryDelta* a, const PurchaseSummaryDelta* b) {
        return std::tie(a->customer_id, a->currency_code) <
               std::tie(b->customer_id, b->currency_code);
      });
  // Additive: a padded (repeated) row would be added twice, so chunks of
  // exact power-of-two sizes.
  for (const crm::common::SqlChunk& chunk :
       crm::common::SqlChunks(deltas.size(), kMaxOrdersPerStatement)) {
    CachedStatement upsert = Prepared(
        tx,
        absl::StrCat("INSERT INTO customer_purchase_summaries (customer_id, "
                     "currency_code, order_count, total_spent_minor, "
                     "first_order_time, last_order_time) VALUES ",
                     crm::common::SqlRowPlaceholders(chunk.size, 6),
                     " ON DUPLICATE KEY UPDATE "
                     "order_count = order_count + VALUES(order_count), "
                     "total_spent_minor = total_spent_minor + "
                     "VALUES(total_spent_minor), "
                     "first_order_time = LEAST(first_order_time, "
                     "VALUES(first_order_time)), "
                     "last_order_time = GREATEST(last_order_time, "
                     "VALUES(last_order_time))"));
    int index = 1;
    for (size_t k = chunk.begin; k < chunk.begin + chunk.size; ++k) {
      const PurchaseSummaryDelta& delta = *deltas[k];
      upsert->setString(index++, delta.customer_id);
      upsert->setString(index++, delta.currency_code);
      upsert->setInt64(index++, delta.order_count);
      upsert->setInt64(index++, delta.total_spent_minor);
      upsert->setString(index++, FormatSqlDatetime(delta.first_order_time));
      upsert->setString(index++, FormatSqlDatetime(delta.last_order_time));
    }
    upsert->executeUpdate();
  }
  return absl::OkStatus();
}

absl::StatusOr<std::vector<PurchaseSummaryRecord>>
MySqlOrderRepository::ListPurchaseSummaries(Transaction& tx,
                                            absl::string_view customer_id) {
  CachedStatement select = Prepared(
      tx, absl::StrCat("SELECT ", kSummaryColumns,
                       " FROM customer_purchase_summaries "
                       "WHERE customer_id = ? ORDER BY currency_code"));
  select->setString(1, std::string(customer_id));
  std::unique_ptr<sql::ResultSet> rows(select->executeQuery());
  std::vector<PurchaseSummaryRecord> summaries;
  while (rows->next()) {
    CRM_ASSIGN_OR_RETURN(PurchaseSummaryRecord summary, ReadSummary(*rows));
    summaries.push_back(std::move(summary));
  }
  return summaries;
}

absl::StatusOr<std::map<std::string, std::vector<PurchaseSummaryRecord>>>
MySqlOrderRepository::ListPurchaseSummariesOfCustomers(
    Transaction& tx, const std::vector<std::string>& customer_ids) {
  std::map<std::string, std::vector<PurchaseSummaryRecord>> summaries;
  if (customer_ids.empty()) return summaries;
  // The list is padded (repeating the last id) to a power of two, so a
  // connection's statement cache holds a few statements, not one per size.
  size_t bound = 1;
  while (bound < customer_ids.size()) bound *= 2;
  std::string placeholders;
  for (size_t i = 0; i < bound; ++i) {
    absl::StrAppend(&placeholders, i == 0 ? "?" : ", ?");
  }
  CachedStatement select = Prepared(
      tx, absl::StrCat("SELECT ", kSummaryColumns,
                       " FROM customer_purchase_summaries WHERE customer_id "
                       "IN (",
                       placeholders, ") ORDER BY customer_id, currency_code"));
  for (size_t i = 0; i < bound; ++i) {
    select->setString(static_cast<unsigned int>(i + 1),
                      customer_ids[std::min(i, customer_ids.size() - 1)]);
  }
  std::unique_ptr<sql::ResultSet> rows(select->executeQuery());
  while (rows->next()) {
    CRM_ASSIGN_OR_RETURN(PurchaseSummaryRecord summary, ReadSummary(*rows));
    std::vector<PurchaseSummaryRecord>& of_customer =
        summaries[summary.customer_id];
    of_customer.push_back(std::move(summary));
  }
  return summaries;
}

absl::StatusOr<bool> MySqlOrderRepository::InsertEventIfAbsent(
    Transaction& tx, const InteractionEventRecord& event) {
  v1::InteractionEvent properties;
  properties.mutable_properties()->insert(event.properties.begin(),
                                          event.properties.end());
  std::istringstream properties_blob(properties.SerializeAsString());
  CachedStatement insert = Prepared(
      tx, absl::StrCat("INSERT IGNORE INTO interaction_events (", kEventColumns,
                       ") VALUES (?, ?, ?, ?, ?, ?, ?, ?)"));
  insert->setString(1, event.customer_id);
  insert->setString(2, event.event_id);
  insert->setInt(3, static_cast<int>(event.type));
  insert->setString(4, event.custom_type);
  insert->setString(5, event.channel);
  insert->setString(6, FormatSqlDatetime(event.event_time));
  insert->setBlob(7, &properties_blob);
  insert->setString(8, FormatSqlDatetime(event.create_time));
  return insert->executeUpdate() > 0;
}

absl::Status MySqlOrderRepository::MoveCustomerActivity(
    Transaction& tx, absl::string_view from_customer_id,
    absl::string_view to_customer_id) {
  if (from_customer_id == to_customer_id) return absl::OkStatus();
  for (const char* sql : {
           "UPDATE orders SET customer_id = ? WHERE customer_id = ?",
           "UPDATE order_refunds SET customer_id = ? WHERE customer_id = ?",
           "UPDATE interaction_events SET customer_id = ? "
           "WHERE customer_id = ?",
       }) {
    CachedStatement move = Prepared(tx, sql);
    move->setString(1, std::string(to_customer_id));
    move->setString(2, std::string(from_customer_id));
    move->executeUpdate();
  }
  CachedStatement select =
      Prepared(tx, absl::StrCat("SELECT ", kSummaryColumns,
                                " FROM customer_purchase_summaries "
                                "WHERE customer_id = ? FOR UPDATE"));
  select->setString(1, std::string(from_customer_id));
  std::vector<PurchaseSummaryRecord> moved;
  {
    std::unique_ptr<sql::ResultSet> rows(select->executeQuery());
    while (rows->next()) {
      CRM_ASSIGN_OR_RETURN(PurchaseSummaryRecord summary, ReadSummary(*rows));
      moved.push_back(std::move(summary));
    }
  }
  for (const PurchaseSummaryRecord& summary : moved) {
    CRM_RETURN_IF_ERROR(AddToPurchaseSummary(
        tx, PurchaseSummaryDelta{
                std::string(to_customer_id), summary.currency_code,
                summary.order_count, summary.total_spent_minor,
                summary.first_order_time, summary.last_order_time}));
  }
  CachedStatement remove = Prepared(
      tx, "DELETE FROM customer_purchase_summaries WHERE customer_id = ?");
  remove->setString(1, std::string(from_customer_id));
  remove->executeUpdate();
  return absl::OkStatus();
}

absl::StatusOr<CustomerActivity> MySqlOrderRepository::LoadCustomerActivity(
    Transaction& tx, absl::string_view customer_id) {
  CustomerActivity activity;
  CachedStatement orders =
      Prepared(tx, absl::StrCat("SELECT ", kOrderColumns,
                                " FROM orders WHERE customer_id = ? "
                                "ORDER BY order_time, id"));
  orders->setString(1, std::string(customer_id));
  CRM_ASSIGN_OR_RETURN(activity.orders, ReadOrders(*orders));
  CachedStatement events = Prepared(
      tx, absl::StrCat("SELECT ", kEventColumns,
                       " FROM interaction_events WHERE customer_id = ? "
                       "ORDER BY event_time, event_id"));
  events->setString(1, std::string(customer_id));
  std::unique_ptr<sql::ResultSet> rows(events->executeQuery());
  while (rows->next()) {
    CRM_ASSIGN_OR_RETURN(InteractionEventRecord event, ReadEvent(*rows));
    activity.events.push_back(std::move(event));
  }
  return activity;
}

absl::Status MySqlOrderRepository::DeleteEventsOfCustomer(
    Transaction& tx, absl::string_view customer_id) {
  CachedStatement remove =
      Prepared(tx, "DELETE FROM interaction_events WHERE customer_id = ?");
  remove->setString(1, std::string(customer_id));
  remove->executeUpdate();
  return absl::OkStatus();
}

}  // namespace crm::customer_profile
