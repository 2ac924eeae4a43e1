#include "services/segmentation/mysql_read_model_repository.h"

#include <cppconn/prepared_statement.h>
#include <cppconn/resultset.h>
#include <cppconn/statement.h>

#include <algorithm>
#include <iterator>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/algorithm/container.h"
#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "services/common/mysql_unit_of_work.h"
#include "services/common/prepared_statement_cache.h"
#include "services/common/sql_time.h"
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

// Separates the values of a list column (tags, consents).
constexpr char kListSeparator[] = "\x1f";

std::string JoinList(const std::vector<std::string>& values) {
  return absl::StrJoin(values, kListSeparator);
}

std::vector<std::string> SplitList(const std::string& joined) {
  if (joined.empty()) return {};
  return absl::StrSplit(joined, kListSeparator);
}

// A DATETIME(6) column selected as microseconds since the epoch (its value
// read as UTC, as FormatSqlDatetime writes it): an integer is cheaper to read
// than the text form, and gives the same time.
std::string MicrosOf(absl::string_view column) {
  return absl::StrCat("TIMESTAMPDIFF(MICROSECOND, '1970-01-01 00:00:00', ",
                      column, ")");
}

std::optional<absl::Time> OptionalMicros(sql::ResultSet& rows, int column) {
  if (rows.isNull(column)) return std::nullopt;
  return absl::FromUnixMicros(rows.getInt64(column));
}

}  // namespace

absl::Status MySqlReadModelRepository::UpsertCustomer(
    Transaction& tx, const CustomerFacts& facts) {
  CachedStatement upsert = Prepared(
      tx,
      "INSERT INTO read_model_customers (customer_id, country_code, "
      "source_channel, locale, gender, tags, granted_consents, create_time, "
      "last_sequence, customer_type) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) "
      "ON DUPLICATE KEY UPDATE country_code = VALUES(country_code), "
      "source_channel = VALUES(source_channel), locale = VALUES(locale), "
      "gender = VALUES(gender), tags = VALUES(tags), "
      "granted_consents = VALUES(granted_consents), "
      "create_time = VALUES(create_time), "
      "last_sequence = VALUES(last_sequence), "
      "customer_type = VALUES(customer_type)");
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
  upsert->setString(10, facts.customer_type);
  upsert->executeUpdate();
  return absl::OkStatus();
}

absl::StatusOr<std::optional<CustomerFacts>>
MySqlReadModelRepository::FindCustomer(Transaction& tx,
                                       absl::string_view customer_id) {
  CachedStatement select = Prepared(
      tx,
      "SELECT customer_id, country_code, source_channel, locale, gender, "
      "tags, granted_consents, create_time, last_sequence, customer_type "
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
  facts.customer_type = rows->getString("customer_type").asStdString();
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
               "previous_purchase_time, weekend_order_count) "
               "VALUES (?, ?, ?, ?, ?, ?, ?) "
               "ON DUPLICATE KEY UPDATE "
               "order_count = VALUES(order_count), "
               "purchase_days = VALUES(purchase_days), "
               "first_order_time = VALUES(first_order_time), "
               "last_order_time = VALUES(last_order_time), "
               "previous_purchase_time = VALUES(previous_purchase_time), "
               "weekend_order_count = VALUES(weekend_order_count)");
  upsert->setString(1, aggregate.customer_id);
  upsert->setInt64(2, aggregate.order_count);
  upsert->setInt64(3, aggregate.purchase_days);
  crm::common::BindOptionalSqlDatetime(*upsert, 4, aggregate.first_order_time);
  crm::common::BindOptionalSqlDatetime(*upsert, 5, aggregate.last_order_time);
  crm::common::BindOptionalSqlDatetime(*upsert, 6,
                                       aggregate.previous_purchase_time);
  upsert->setInt64(7, aggregate.weekend_order_count);
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
      "previous_purchase_time, weekend_order_count FROM read_model_aggregates "
      "WHERE customer_id = ?");
  select->setString(1, std::string(customer_id));
  std::unique_ptr<sql::ResultSet> rows(select->executeQuery());
  if (!rows->next()) return std::nullopt;
  CustomerAggregate aggregate;
  aggregate.customer_id = std::string(customer_id);
  aggregate.order_count = rows->getInt64("order_count");
  aggregate.purchase_days = rows->getInt64("purchase_days");
  aggregate.weekend_order_count = rows->getInt64("weekend_order_count");
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
      "a.weekend_order_count, s.currency_code, s.order_count AS spend_orders, "
      "s.net_total_minor, "
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
      current->weekend_order_count = rows->getInt64("weekend_order_count");
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
  // Streamed with mysql_use_result (one customer's orders held at a time), in
  // primary-key order, so the server sorts nothing; each customer's orders
  // are put in time order here.
  std::unique_ptr<sql::Statement> select(
      crm::common::MySqlConnectionOf(tx).createStatement());
  select->setResultSetType(sql::ResultSet::TYPE_FORWARD_ONLY);
  std::unique_ptr<sql::ResultSet> rows(select->executeQuery(absl::StrCat(
      "SELECT customer_id, order_id, ", MicrosOf("order_time"),
      ", currency_code, amount_minor, refunded_minor FROM read_model_orders "
      "ORDER BY customer_id, order_id")));
  std::vector<OrderFact> orders;
  auto flush = [&]() -> absl::Status {
    std::sort(orders.begin(), orders.end(),
              [](const OrderFact& a, const OrderFact& b) {
                return a.order_time != b.order_time
                           ? a.order_time < b.order_time
                           : a.order_id < b.order_id;
              });
    absl::Status visited = visit(orders.front().customer_id, orders);
    orders.clear();
    return visited;
  };
  while (rows->next()) {
    OrderFact order;
    order.customer_id = rows->getString(1).asStdString();
    if (!orders.empty() && orders.front().customer_id != order.customer_id) {
      CRM_RETURN_IF_ERROR(flush());
    }
    order.order_id = rows->getString(2).asStdString();
    order.order_time = absl::FromUnixMicros(rows->getInt64(3));
    order.currency_code = rows->getString(4).asStdString();
    order.amount_minor = rows->getInt64(5);
    order.refunded_minor = rows->getInt64(6);
    orders.push_back(std::move(order));
  }
  if (!orders.empty()) CRM_RETURN_IF_ERROR(flush());
  return absl::OkStatus();
}

absl::StatusOr<RfmPopulation> MySqlReadModelRepository::ReadRfmPopulation(
    Transaction& tx, absl::string_view currency_code) {
  // Two streamed scans, no join: joining each aggregate to its spend row
  // costs the server a primary-key probe per customer, three times the two
  // scans together. A plain statement with a forward-only result set is
  // read with mysql_use_result, rows coming from the server as they are
  // read (Connector/C++ 1.1 prepared statements always buffer the whole
  // result). Hence the currency inlined, checked first.
  if (currency_code.size() != 3 ||
      !absl::c_all_of(currency_code, absl::ascii_isupper)) {
    return absl::InvalidArgumentError("currency code must be 3 letters A-Z");
  }
  sql::Connection& connection = crm::common::MySqlConnectionOf(tx);
  RfmPopulation population;
  {
    std::unique_ptr<sql::Statement> select(connection.createStatement());
    select->setResultSetType(sql::ResultSet::TYPE_FORWARD_ONLY);
    std::unique_ptr<sql::ResultSet> rows(select->executeQuery(
        absl::StrCat("SELECT order_count, ", MicrosOf("last_order_time"),
                     " FROM read_model_aggregates WHERE order_count > 0")));
    while (rows->next()) {
      population.frequency.push_back(rows->getInt64(1));
      population.recency.push_back(
          rows->isNull(2) ? absl::ToUnixMicros(absl::InfinitePast())
                          : rows->getInt64(2));
    }
  }
  // A spend row is written with its customer's aggregate, from the same
  // orders, so each belongs to a customer with at least one order.
  {
    std::unique_ptr<sql::Statement> select(connection.createStatement());
    select->setResultSetType(sql::ResultSet::TYPE_FORWARD_ONLY);
    std::unique_ptr<sql::ResultSet> rows(select->executeQuery(
        absl::StrCat("SELECT net_total_minor FROM read_model_spend WHERE "
                     "currency_code = '",
                     currency_code, "'")));
    population.monetary.reserve(population.recency.size());
    while (rows->next()) population.monetary.push_back(rows->getInt64(1));
  }
  if (population.monetary.size() > population.recency.size()) {
    return absl::InternalError(
        absl::StrCat("read model inconsistent: ", population.monetary.size(),
                     " spend rows in ", currency_code, " for ",
                     population.recency.size(), " customers with orders"));
  }
  population.monetary.resize(population.recency.size(), 0);
  return population;
}

absl::StatusOr<std::vector<std::optional<CustomerFacts>>>
MySqlReadModelRepository::FindCustomers(
    Transaction& tx, const std::vector<std::string>& customer_ids) {
  std::vector<std::optional<CustomerFacts>> found(customer_ids.size());
  IdPositions positions(customer_ids);
  for (const IdFilter& filter : IdFilters(customer_ids, "customer_id")) {
    CachedStatement select = Prepared(
        tx, absl::StrCat("SELECT customer_id, country_code, source_channel, "
                         "locale, gender, tags, granted_consents, ",
                         MicrosOf("create_time"),
                         ", last_sequence, customer_type "
                         "FROM read_model_customers WHERE ",
                         filter.condition));
    filter.Bind(*select, 1, customer_ids);
    std::unique_ptr<sql::ResultSet> rows(select->executeQuery());
    while (rows->next()) {
      const std::optional<size_t> at =
          positions.Find(rows->getString(1).asStdString());
      if (!at.has_value()) continue;
      CustomerFacts& facts = found[*at].emplace();
      facts.customer_id = customer_ids[*at];
      facts.country_code = rows->getString(2).asStdString();
      facts.source_channel = rows->getString(3).asStdString();
      facts.locale = rows->getString(4).asStdString();
      facts.gender = rows->getString(5).asStdString();
      facts.tags = SplitList(rows->getString(6).asStdString());
      facts.granted_consents = SplitList(rows->getString(7).asStdString());
      facts.create_time =
          OptionalMicros(*rows, 8).value_or(absl::InfinitePast());
      facts.last_sequence = rows->getInt64(9);
      facts.customer_type = rows->getString(10).asStdString();
    }
  }
  return found;
}

absl::StatusOr<std::vector<std::optional<CustomerAggregate>>>
MySqlReadModelRepository::FindAggregates(
    Transaction& tx, const std::vector<std::string>& customer_ids,
    absl::string_view spend_currency) {
  std::vector<std::optional<CustomerAggregate>> found(customer_ids.size());
  IdPositions positions(customer_ids);
  // Two primary-key reads (aggregates, then spend in currency order), no
  // join to sort.
  for (const IdFilter& filter : IdFilters(customer_ids, "customer_id")) {
    CachedStatement select = Prepared(
        tx, absl::StrCat(
                "SELECT customer_id, order_count, purchase_days, ",
                MicrosOf("first_order_time"), ", ", MicrosOf("last_order_time"),
                ", ", MicrosOf("previous_purchase_time"),
                ", weekend_order_count FROM read_model_aggregates WHERE ",
                filter.condition));
    filter.Bind(*select, 1, customer_ids);
    std::unique_ptr<sql::ResultSet> rows(select->executeQuery());
    while (rows->next()) {
      const std::optional<size_t> at =
          positions.Find(rows->getString(1).asStdString());
      if (!at.has_value()) continue;
      CustomerAggregate& aggregate = found[*at].emplace();
      aggregate.customer_id = customer_ids[*at];
      aggregate.order_count = rows->getInt64(2);
      aggregate.purchase_days = rows->getInt64(3);
      aggregate.first_order_time = OptionalMicros(*rows, 4);
      aggregate.last_order_time = OptionalMicros(*rows, 5);
      aggregate.previous_purchase_time = OptionalMicros(*rows, 6);
      aggregate.weekend_order_count = rows->getInt64(7);
    }
  }
  for (const IdFilter& filter : IdFilters(customer_ids, "customer_id")) {
    CachedStatement select = Prepared(
        tx, absl::StrCat("SELECT customer_id, currency_code, order_count, "
                         "net_total_minor, average_minor FROM "
                         "read_model_spend WHERE ",
                         filter.condition,
                         spend_currency.empty() ? "" : " AND currency_code = ?",
                         " ORDER BY customer_id, currency_code"));
    const int bound = filter.Bind(*select, 1, customer_ids);
    if (!spend_currency.empty()) {
      select->setString(1 + bound, std::string(spend_currency));
    }
    std::unique_ptr<sql::ResultSet> rows(select->executeQuery());
    while (rows->next()) {
      const std::optional<size_t> at =
          positions.Find(rows->getString(1).asStdString());
      if (!at.has_value() || !found[*at].has_value()) continue;
      CurrencySpend spend;
      spend.currency_code = rows->getString(2).asStdString();
      spend.order_count = rows->getInt64(3);
      spend.net_total_minor = rows->getInt64(4);
      spend.average_minor = rows->getInt64(5);
      found[*at]->spend.push_back(std::move(spend));
    }
  }
  return found;
}

absl::StatusOr<std::vector<std::vector<OrderFact>>>
MySqlReadModelRepository::ListOrdersOf(
    Transaction& tx, const std::vector<std::string>& customer_ids) {
  std::vector<std::vector<OrderFact>> found(customer_ids.size());
  IdPositions positions(customer_ids);
  // In primary-key order (no sort on the server); each customer's orders
  // are put in time order here.
  for (const IdFilter& filter : IdFilters(customer_ids, "customer_id")) {
    CachedStatement select = Prepared(
        tx,
        absl::StrCat("SELECT customer_id, order_id, ", MicrosOf("order_time"),
                     ", currency_code, amount_minor, refunded_minor "
                     "FROM read_model_orders WHERE ",
                     filter.condition, " ORDER BY customer_id, order_id"));
    filter.Bind(*select, 1, customer_ids);
    std::unique_ptr<sql::ResultSet> rows(select->executeQuery());
    while (rows->next()) {
      const std::optional<size_t> at =
          positions.Find(rows->getString(1).asStdString());
      if (!at.has_value()) continue;
      OrderFact order;
      order.customer_id = customer_ids[*at];
      order.order_id = rows->getString(2).asStdString();
      order.order_time = absl::FromUnixMicros(rows->getInt64(3));
      order.currency_code = rows->getString(4).asStdString();
      order.amount_minor = rows->getInt64(5);
      order.refunded_minor = rows->getInt64(6);
      found[*at].push_back(std::move(order));
    }
  }
  for (std::vector<OrderFact>& orders : found) {
    std::sort(orders.begin(), orders.end(),
              [](const OrderFact& a, const OrderFact& b) {
                return a.order_time != b.order_time
                           ? a.order_time < b.order_time
                           : a.order_id < b.order_id;
              });
  }
  return found;
}

absl::StatusOr<std::vector<std::string>>
MySqlReadModelRepository::ListCustomerIds(Transaction& tx,
                                          absl::string_view after, int limit) {
  // Each side read on its own primary key and merged here: `UNION ALL`
  // streams both sides (MariaDB keeps no temporary table for it), where a
  // `UNION` would have the server dedupe them through one.
  CachedStatement select = Prepared(
      tx,
      "(SELECT customer_id, 0 FROM read_model_customers WHERE customer_id > ? "
      "ORDER BY customer_id LIMIT ?) UNION ALL (SELECT customer_id, 1 FROM "
      "read_model_aggregates WHERE customer_id > ? ORDER BY customer_id "
      "LIMIT ?)");
  select->setString(1, std::string(after));
  select->setInt(2, limit);
  select->setString(3, std::string(after));
  select->setInt(4, limit);
  std::unique_ptr<sql::ResultSet> rows(select->executeQuery());
  std::vector<std::string> sides[2];
  while (rows->next()) {
    sides[rows->getInt(2) == 0 ? 0 : 1].push_back(
        rows->getString(1).asStdString());
  }
  // Each side comes in key order (its own ORDER BY ... LIMIT); checked, as
  // the merge needs it.
  for (std::vector<std::string>& side : sides) {
    if (!std::is_sorted(side.begin(), side.end())) {
      std::sort(side.begin(), side.end());
    }
  }
  std::vector<std::string> ids;
  ids.reserve(std::max(sides[0].size(), sides[1].size()));
  std::set_union(std::make_move_iterator(sides[0].begin()),
                 std::make_move_iterator(sides[0].end()),
                 std::make_move_iterator(sides[1].begin()),
                 std::make_move_iterator(sides[1].end()),
                 std::back_inserter(ids));
  if (static_cast<int>(ids.size()) > limit) ids.resize(limit);
  return ids;
}

absl::Status MySqlReadModelRepository::DeleteCustomer(
    Transaction& tx, absl::string_view customer_id) {
  for (const char* statement : {
           "DELETE FROM read_model_customers WHERE customer_id = ?",
           "DELETE FROM read_model_orders WHERE customer_id = ?",
           "DELETE FROM read_model_aggregates WHERE customer_id = ?",
           "DELETE FROM read_model_spend WHERE customer_id = ?",
           "DELETE FROM customer_channel_counts WHERE customer_id = ?",
           "DELETE FROM customer_category_counts WHERE customer_id = ?",
           "DELETE FROM customer_interaction_counts WHERE customer_id = ?",
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
