#include "services/segmentation/mysql_read_model_repository.h"

#include <cppconn/prepared_statement.h>
#include <cppconn/resultset.h>

#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "services/common/prepared_statement_cache.h"
#include "services/common/sql_time.h"
#include "services/common/status_macros.h"
#include "services/common/timestamps.h"

namespace crm::segmentation {
namespace {

using ::crm::common::CachedStatement;
using ::crm::common::FormatSqlDatetime;
using ::crm::common::ParseSqlDatetime;
using ::crm::common::Prepared;
using ::crm::common::Transaction;
using ::crm::common::TruncateToMicros;

// Separates the values of a list column (tags, consents).
constexpr char kListSeparator[] = "\x1f";

std::string JoinList(const std::vector<std::string>& values) {
  return absl::StrJoin(values, kListSeparator);
}

std::vector<std::string> SplitList(const std::string& joined) {
  if (joined.empty()) return {};
  return absl::StrSplit(joined, kListSeparator);
}

}  // namespace

absl::Status MySqlReadModelRepository::UpsertCustomer(
    Transaction& tx, const CustomerFacts& facts) {
  CachedStatement upsert = Prepared(
      tx,
      "INSERT INTO read_model_customers (customer_id, country_code, "
      "source_channel, locale, gender, tags, granted_consents, create_time, "
      "last_sequence) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) "
      "ON DUPLICATE KEY UPDATE country_code = VALUES(country_code), "
      "source_channel = VALUES(source_channel), locale = VALUES(locale), "
      "gender = VALUES(gender), tags = VALUES(tags), "
      "granted_consents = VALUES(granted_consents), "
      "create_time = VALUES(create_time), "
      "last_sequence = VALUES(last_sequence)");
  upsert->setString(1, facts.customer_id);
  upsert->setString(2, facts.country_code);
  upsert->setString(3, facts.source_channel);
  upsert->setString(4, facts.locale);
  upsert->setString(5, facts.gender);
  upsert->setString(6, JoinList(facts.tags));
  upsert->setString(7, JoinList(facts.granted_consents));
  crm::common::BindOptionalSqlDatetime(
      *upsert, 8,
      facts.create_time == absl::InfinitePast()
          ? std::nullopt
          : std::optional<absl::Time>(facts.create_time));
  upsert->setInt64(9, facts.last_sequence);
  upsert->executeUpdate();
  return absl::OkStatus();
}

absl::StatusOr<std::optional<CustomerFacts>>
MySqlReadModelRepository::FindCustomer(Transaction& tx,
                                       absl::string_view customer_id) {
  CachedStatement select = Prepared(
      tx,
      "SELECT customer_id, country_code, source_channel, locale, gender, "
      "tags, granted_consents, create_time, last_sequence "
      "FROM read_model_customers WHERE customer_id = ?");
  select->setString(1, std::string(customer_id));
  std::unique_ptr<sql::ResultSet> rows(select->executeQuery());
  if (!rows->next()) return std::nullopt;
  CustomerFacts facts;
  facts.customer_id = rows->getString("customer_id").asStdString();
  facts.country_code = rows->getString("country_code").asStdString();
  facts.source_channel = rows->getString("source_channel").asStdString();
  facts.locale = rows->getString("locale").asStdString();
  facts.gender = rows->getString("gender").asStdString();
  facts.tags = SplitList(rows->getString("tags").asStdString());
  facts.granted_consents =
      SplitList(rows->getString("granted_consents").asStdString());
  CRM_ASSIGN_OR_RETURN(std::optional<absl::Time> create_time,
                       crm::common::OptionalSqlDatetime(*rows, "create_time"));
  facts.create_time = create_time.value_or(absl::InfinitePast());
  facts.last_sequence = rows->getInt64("last_sequence");
  return facts;
}

absl::Status MySqlReadModelRepository::UpsertOrder(Transaction& tx,
                                                   const OrderFact& order) {
  CachedStatement upsert = Prepared(
      tx,
      "INSERT INTO read_model_orders (customer_id, order_id, order_time, "
      "currency_code, amount_minor, refunded_minor) VALUES (?, ?, ?, ?, ?, ?) "
      "ON DUPLICATE KEY UPDATE order_time = VALUES(order_time), "
      "currency_code = VALUES(currency_code), "
      "amount_minor = VALUES(amount_minor), "
      "refunded_minor = VALUES(refunded_minor)");
  upsert->setString(1, order.customer_id);
  upsert->setString(2, order.order_id);
  upsert->setString(3, FormatSqlDatetime(TruncateToMicros(order.order_time)));
  upsert->setString(4, order.currency_code);
  upsert->setInt64(5, order.amount_minor);
  upsert->setInt64(6, order.refunded_minor);
  upsert->executeUpdate();
  return absl::OkStatus();
}

absl::StatusOr<std::vector<OrderFact>> MySqlReadModelRepository::ListOrders(
    Transaction& tx, absl::string_view customer_id) {
  CachedStatement select =
      Prepared(tx,
               "SELECT order_id, order_time, currency_code, amount_minor, "
               "refunded_minor FROM read_model_orders WHERE customer_id = ? "
               "ORDER BY order_time, order_id");
  select->setString(1, std::string(customer_id));
  std::unique_ptr<sql::ResultSet> rows(select->executeQuery());
  std::vector<OrderFact> orders;
  while (rows->next()) {
    OrderFact order;
    order.customer_id = std::string(customer_id);
    order.order_id = rows->getString("order_id").asStdString();
    CRM_ASSIGN_OR_RETURN(
        order.order_time,
        ParseSqlDatetime(rows->getString("order_time").asStdString()));
    order.currency_code = rows->getString("currency_code").asStdString();
    order.amount_minor = rows->getInt64("amount_minor");
    order.refunded_minor = rows->getInt64("refunded_minor");
    orders.push_back(std::move(order));
  }
  return orders;
}

absl::Status MySqlReadModelRepository::MoveOrders(
    Transaction& tx, absl::string_view from_customer_id,
    absl::string_view to_customer_id) {
  CachedStatement move =
      Prepared(tx,
               "UPDATE IGNORE read_model_orders SET customer_id = ? "
               "WHERE customer_id = ?");
  move->setString(1, std::string(to_customer_id));
  move->setString(2, std::string(from_customer_id));
  move->executeUpdate();
  CachedStatement left =
      Prepared(tx, "DELETE FROM read_model_orders WHERE customer_id = ?");
  left->setString(1, std::string(from_customer_id));
  left->executeUpdate();
  return absl::OkStatus();
}

absl::Status MySqlReadModelRepository::SaveAggregate(
    Transaction& tx, const CustomerAggregate& aggregate) {
  CachedStatement upsert =
      Prepared(tx,
               "INSERT INTO read_model_aggregates (customer_id, order_count, "
               "purchase_days, first_order_time, last_order_time, "
               "previous_purchase_time) VALUES (?, ?, ?, ?, ?, ?) "
               "ON DUPLICATE KEY UPDATE "
               "order_count = VALUES(order_count), "
               "purchase_days = VALUES(purchase_days), "
               "first_order_time = VALUES(first_order_time), "
               "last_order_time = VALUES(last_order_time), "
               "previous_purchase_time = VALUES(previous_purchase_time)");
  upsert->setString(1, aggregate.customer_id);
  upsert->setInt64(2, aggregate.order_count);
  upsert->setInt64(3, aggregate.purchase_days);
  crm::common::BindOptionalSqlDatetime(*upsert, 4, aggregate.first_order_time);
  crm::common::BindOptionalSqlDatetime(*upsert, 5, aggregate.last_order_time);
  crm::common::BindOptionalSqlDatetime(*upsert, 6,
                                       aggregate.previous_purchase_time);
  upsert->executeUpdate();
  CachedStatement clear =
      Prepared(tx, "DELETE FROM read_model_spend WHERE customer_id = ?");
  clear->setString(1, aggregate.customer_id);
  clear->executeUpdate();
  for (const CurrencySpend& spend : aggregate.spend) {
    CachedStatement insert = Prepared(
        tx,
        "INSERT INTO read_model_spend (customer_id, currency_code, "
        "order_count, net_total_minor, average_minor) VALUES (?, ?, ?, ?, ?)");
    insert->setString(1, aggregate.customer_id);
    insert->setString(2, spend.currency_code);
    insert->setInt64(3, spend.order_count);
    insert->setInt64(4, spend.net_total_minor);
    insert->setInt64(5, spend.average_minor);
    insert->executeUpdate();
  }
  return absl::OkStatus();
}

absl::StatusOr<std::optional<CustomerAggregate>>
MySqlReadModelRepository::FindAggregate(Transaction& tx,
                                        absl::string_view customer_id) {
  CachedStatement select = Prepared(
      tx,
      "SELECT order_count, purchase_days, first_order_time, last_order_time, "
      "previous_purchase_time FROM read_model_aggregates WHERE customer_id = "
      "?");
  select->setString(1, std::string(customer_id));
  std::unique_ptr<sql::ResultSet> rows(select->executeQuery());
  if (!rows->next()) return std::nullopt;
  CustomerAggregate aggregate;
  aggregate.customer_id = std::string(customer_id);
  aggregate.order_count = rows->getInt64("order_count");
  aggregate.purchase_days = rows->getInt64("purchase_days");
  CRM_ASSIGN_OR_RETURN(
      aggregate.first_order_time,
      crm::common::OptionalSqlDatetime(*rows, "first_order_time"));
  CRM_ASSIGN_OR_RETURN(
      aggregate.last_order_time,
      crm::common::OptionalSqlDatetime(*rows, "last_order_time"));
  CRM_ASSIGN_OR_RETURN(
      aggregate.previous_purchase_time,
      crm::common::OptionalSqlDatetime(*rows, "previous_purchase_time"));
  CachedStatement spend_select = Prepared(
      tx,
      "SELECT currency_code, order_count, net_total_minor, average_minor "
      "FROM read_model_spend WHERE customer_id = ? ORDER BY currency_code");
  spend_select->setString(1, std::string(customer_id));
  std::unique_ptr<sql::ResultSet> spend_rows(spend_select->executeQuery());
  while (spend_rows->next()) {
    CurrencySpend spend;
    spend.currency_code = spend_rows->getString("currency_code").asStdString();
    spend.order_count = spend_rows->getInt64("order_count");
    spend.net_total_minor = spend_rows->getInt64("net_total_minor");
    spend.average_minor = spend_rows->getInt64("average_minor");
    aggregate.spend.push_back(std::move(spend));
  }
  return aggregate;
}

absl::Status MySqlReadModelRepository::ForEachAggregate(
    Transaction& tx,
    const std::function<absl::Status(const CustomerAggregate&)>& visit) {
  CachedStatement select = Prepared(
      tx,
      "SELECT a.customer_id, a.order_count, a.purchase_days, "
      "a.first_order_time, a.last_order_time, a.previous_purchase_time, "
      "s.currency_code, s.order_count AS spend_orders, s.net_total_minor, "
      "s.average_minor FROM read_model_aggregates a "
      "LEFT JOIN read_model_spend s ON s.customer_id = a.customer_id "
      "ORDER BY a.customer_id, s.currency_code");
  std::unique_ptr<sql::ResultSet> rows(select->executeQuery());
  std::optional<CustomerAggregate> current;
  while (rows->next()) {
    const std::string id = rows->getString("customer_id").asStdString();
    if (!current.has_value() || current->customer_id != id) {
      if (current.has_value()) CRM_RETURN_IF_ERROR(visit(*current));
      current.emplace();
      current->customer_id = id;
      current->order_count = rows->getInt64("order_count");
      current->purchase_days = rows->getInt64("purchase_days");
      CRM_ASSIGN_OR_RETURN(
          current->first_order_time,
          crm::common::OptionalSqlDatetime(*rows, "first_order_time"));
      CRM_ASSIGN_OR_RETURN(
          current->last_order_time,
          crm::common::OptionalSqlDatetime(*rows, "last_order_time"));
      CRM_ASSIGN_OR_RETURN(
          current->previous_purchase_time,
          crm::common::OptionalSqlDatetime(*rows, "previous_purchase_time"));
    }
    if (!rows->isNull("currency_code")) {
      CurrencySpend spend;
      spend.currency_code = rows->getString("currency_code").asStdString();
      spend.order_count = rows->getInt64("spend_orders");
      spend.net_total_minor = rows->getInt64("net_total_minor");
      spend.average_minor = rows->getInt64("average_minor");
      current->spend.push_back(std::move(spend));
    }
  }
  if (current.has_value()) CRM_RETURN_IF_ERROR(visit(*current));
  return absl::OkStatus();
}

absl::Status MySqlReadModelRepository::ForEachCustomerOrders(
    Transaction& tx,
    const std::function<absl::Status(absl::string_view customer_id,
                                     const std::vector<OrderFact>& orders)>&
        visit) {
  CachedStatement select =
      Prepared(tx,
               "SELECT customer_id, order_id, order_time, currency_code, "
               "amount_minor, refunded_minor FROM read_model_orders "
               "ORDER BY customer_id, order_time, order_id");
  std::unique_ptr<sql::ResultSet> rows(select->executeQuery());
  std::vector<OrderFact> orders;
  while (rows->next()) {
    OrderFact order;
    order.customer_id = rows->getString("customer_id").asStdString();
    if (!orders.empty() && orders.front().customer_id != order.customer_id) {
      CRM_RETURN_IF_ERROR(visit(orders.front().customer_id, orders));
      orders.clear();
    }
    order.order_id = rows->getString("order_id").asStdString();
    CRM_ASSIGN_OR_RETURN(
        order.order_time,
        ParseSqlDatetime(rows->getString("order_time").asStdString()));
    order.currency_code = rows->getString("currency_code").asStdString();
    order.amount_minor = rows->getInt64("amount_minor");
    order.refunded_minor = rows->getInt64("refunded_minor");
    orders.push_back(std::move(order));
  }
  if (!orders.empty()) {
    CRM_RETURN_IF_ERROR(visit(orders.front().customer_id, orders));
  }
  return absl::OkStatus();
}

absl::StatusOr<std::vector<std::string>>
MySqlReadModelRepository::ListCustomerIds(Transaction& tx,
                                          absl::string_view after, int limit) {
  CachedStatement select = Prepared(
      tx,
      "SELECT customer_id FROM read_model_customers WHERE customer_id > ? "
      "UNION SELECT customer_id FROM read_model_aggregates "
      "WHERE customer_id > ? ORDER BY customer_id LIMIT ?");
  select->setString(1, std::string(after));
  select->setString(2, std::string(after));
  select->setInt(3, limit);
  std::unique_ptr<sql::ResultSet> rows(select->executeQuery());
  std::vector<std::string> ids;
  while (rows->next()) ids.push_back(rows->getString(1).asStdString());
  return ids;
}

absl::Status MySqlReadModelRepository::DeleteCustomer(
    Transaction& tx, absl::string_view customer_id) {
  for (const char* statement : {
           "DELETE FROM read_model_customers WHERE customer_id = ?",
           "DELETE FROM read_model_orders WHERE customer_id = ?",
           "DELETE FROM read_model_aggregates WHERE customer_id = ?",
           "DELETE FROM read_model_spend WHERE customer_id = ?",
       }) {
    CachedStatement remove = Prepared(tx, statement);
    remove->setString(1, std::string(customer_id));
    remove->executeUpdate();
  }
  return absl::OkStatus();
}

absl::Status MySqlReadModelRepository::RecordMerge(Transaction& tx,
                                                   const MergeRecord& merge) {
  CachedStatement repoint = Prepared(
      tx, "UPDATE merged_customers SET survivor_id = ? WHERE survivor_id = ?");
  repoint->setString(1, merge.survivor_id);
  repoint->setString(2, merge.duplicate_id);
  repoint->executeUpdate();
  CachedStatement upsert = Prepared(
      tx,
      "INSERT INTO merged_customers (customer_id, survivor_id, merge_time) "
      "VALUES (?, ?, ?) ON DUPLICATE KEY UPDATE "
      "survivor_id = VALUES(survivor_id), merge_time = VALUES(merge_time)");
  upsert->setString(1, merge.duplicate_id);
  upsert->setString(2, merge.survivor_id);
  upsert->setString(3, FormatSqlDatetime(TruncateToMicros(merge.merge_time)));
  upsert->executeUpdate();
  return absl::OkStatus();
}

namespace {

absl::StatusOr<MergeRecord> MergeFromRow(sql::ResultSet& row) {
  MergeRecord merge;
  merge.duplicate_id = row.getString("customer_id").asStdString();
  merge.survivor_id = row.getString("survivor_id").asStdString();
  CRM_ASSIGN_OR_RETURN(
      merge.merge_time,
      ParseSqlDatetime(row.getString("merge_time").asStdString()));
  return merge;
}

}  // namespace

absl::StatusOr<std::optional<MergeRecord>> MySqlReadModelRepository::FindMerge(
    Transaction& tx, absl::string_view customer_id) {
  CachedStatement select =
      Prepared(tx,
               "SELECT customer_id, survivor_id, merge_time FROM "
               "merged_customers WHERE customer_id = ?");
  select->setString(1, std::string(customer_id));
  std::unique_ptr<sql::ResultSet> rows(select->executeQuery());
  if (!rows->next()) return std::nullopt;
  CRM_ASSIGN_OR_RETURN(MergeRecord merge, MergeFromRow(*rows));
  return merge;
}

absl::StatusOr<std::vector<MergeRecord>>
MySqlReadModelRepository::ListMergedInto(Transaction& tx,
                                         absl::string_view survivor_id) {
  CachedStatement select =
      Prepared(tx,
               "SELECT customer_id, survivor_id, merge_time FROM "
               "merged_customers WHERE survivor_id = ? ORDER BY customer_id");
  select->setString(1, std::string(survivor_id));
  std::unique_ptr<sql::ResultSet> rows(select->executeQuery());
  std::vector<MergeRecord> merges;
  while (rows->next()) {
    CRM_ASSIGN_OR_RETURN(MergeRecord merge, MergeFromRow(*rows));
    merges.push_back(std::move(merge));
  }
  return merges;
}

absl::Status MySqlReadModelRepository::DeleteMergesInto(
    Transaction& tx, absl::string_view survivor_id) {
  CachedStatement remove =
      Prepared(tx, "DELETE FROM merged_customers WHERE survivor_id = ?");
  remove->setString(1, std::string(survivor_id));
  remove->executeUpdate();
  return absl::OkStatus();
}

}  // namespace crm::segmentation
