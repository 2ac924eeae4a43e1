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
#include <utility>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "crm/customerprofile/v1/change_event.pb.h"
#include "services/common/change_feed_outbox.h"
#include "services/common/resource_name.h"
#include "services/common/status_macros.h"
#include "services/common/timestamps.h"
#include "services/common/transaction.h"
#include "services/customer_profile/mysql_customer_repository.h"

namespace crm::customer_profile {
namespace {

using ::crm::common::FormatSqlDatetime;
using ::crm::common::ParseSqlDatetime;
using ::crm::common::ToProtoTimestamp;

constexpr int kMySqlDuplicateKey = 1062;

constexpr char kOrderColumns[] =
    "customer_id, id, channel, channel_order_id, currency_code, amount_minor, "
    "refunded_minor, store_id, order_time, create_time, line_items";

std::string CustomerName(absl::string_view customer_id) {
  return crm::common::FormatResourceName("customers", customer_id);
}

std::string OrderName(absl::string_view customer_id,
                      absl::string_view order_id) {
  return absl::StrCat("customers/", customer_id, "/orders/", order_id);
}

std::string ReadBlob(sql::ResultSet& rows, const std::string& column) {
  std::unique_ptr<std::istream> blob(rows.getBlob(column));
  if (blob == nullptr) return std::string();
  return std::string(std::istreambuf_iterator<char>(*blob),
                     std::istreambuf_iterator<char>());
}

absl::StatusOr<absl::Time> ReadTime(sql::ResultSet& rows,
                                    const std::string& column) {
  return ParseSqlDatetime(std::string(rows.getString(column)));
}

// The order in the current row of `rows` (selected with kOrderColumns).
absl::StatusOr<v1::Order> ReadOrder(sql::ResultSet& rows) {
  v1::Order order;
  // Line items are stored as a serialized Order holding only line_items.
  if (!order.ParseFromString(ReadBlob(rows, "line_items"))) {
    return absl::InternalError("stored order line items are corrupt");
  }
  const std::string customer_id = rows.getString("customer_id");
  const std::string id = rows.getString("id");
  order.set_name(OrderName(customer_id, id));
  order.set_customer(CustomerName(customer_id));
  order.set_channel(rows.getString("channel"));
  order.set_channel_order_id(rows.getString("channel_order_id"));
  const std::string currency = rows.getString("currency_code");
  order.mutable_amount()->set_currency_code(currency);
  order.mutable_amount()->set_amount_minor(rows.getInt64("amount_minor"));
  order.mutable_refunded_amount()->set_currency_code(currency);
  order.mutable_refunded_amount()->set_amount_minor(
      rows.getInt64("refunded_minor"));
  order.set_store_id(rows.getString("store_id"));
  CRM_ASSIGN_OR_RETURN(absl::Time order_time, ReadTime(rows, "order_time"));
  *order.mutable_order_time() = ToProtoTimestamp(order_time);
  CRM_ASSIGN_OR_RETURN(absl::Time create_time, ReadTime(rows, "create_time"));
  *order.mutable_create_time() = ToProtoTimestamp(create_time);
  return order;
}

// The order with (channel, channel_order_id), read with a shared lock so the
// latest committed row is seen whatever the transaction's snapshot.
absl::StatusOr<std::optional<v1::Order>> FindByChannelOrder(
    sql::Connection& c, absl::string_view channel,
    absl::string_view channel_order_id) {
  std::unique_ptr<sql::PreparedStatement> select(c.prepareStatement(
      absl::StrCat("SELECT ", kOrderColumns,
                   " FROM orders WHERE channel = ? AND channel_order_id = ?"
                   " LOCK IN SHARE MODE")));
  select->setString(1, std::string(channel));
  select->setString(2, std::string(channel_order_id));
  std::unique_ptr<sql::ResultSet> rows(select->executeQuery());
  if (!rows->next()) return std::optional<v1::Order>();
  CRM_ASSIGN_OR_RETURN(v1::Order order, ReadOrder(*rows));
  return std::optional<v1::Order>(std::move(order));
}

// Adds one order (count, amount, time) or a refund (negative amount, no
// count, time ignored) to the customer's summary row for `currency`.
void AddToSummary(sql::Connection& c, absl::string_view customer_id,
                  absl::string_view currency, int64_t order_count,
                  int64_t amount_minor, absl::Time first_order_time,
                  absl::Time last_order_time) {
  std::unique_ptr<sql::PreparedStatement> upsert(c.prepareStatement(
      "INSERT INTO customer_purchase_summaries (customer_id, currency_code, "
      "order_count, total_spent_minor, first_order_time, last_order_time) "
      "VALUES (?, ?, ?, ?, ?, ?) ON DUPLICATE KEY UPDATE "
      "order_count = order_count + VALUES(order_count), "
      "total_spent_minor = total_spent_minor + VALUES(total_spent_minor), "
      "first_order_time = LEAST(first_order_time, VALUES(first_order_time)), "
      "last_order_time = GREATEST(last_order_time, VALUES(last_order_time))"));
  upsert->setString(1, std::string(customer_id));
  upsert->setString(2, std::string(currency));
  upsert->setInt64(3, order_count);
  upsert->setInt64(4, amount_minor);
  upsert->setString(5, FormatSqlDatetime(first_order_time));
  upsert->setString(6, FormatSqlDatetime(last_order_time));
  upsert->executeUpdate();
}

absl::Status AppendOrderEvent(sql::Connection& c, v1::ChangeEvent::Type type,
                              const v1::Order& order,
                              absl::string_view customer_id,
                              int64_t refund_amount_minor, absl::Time now) {
  v1::ChangeEvent event;
  event.set_type(type);
  event.set_customer_name(CustomerName(customer_id));
  *event.mutable_order() = order;
  event.set_refund_amount_minor(refund_amount_minor);
  crm::common::FeedEventRecord record;
  record.type = static_cast<int>(type);
  record.key = std::string(customer_id);
  if (!event.SerializeToString(&record.payload)) {
    return absl::InternalError("cannot serialize change event");
  }
  // Callers append last, after every row lock (change_feed_outbox.h).
  return crm::common::ChangeFeedOutbox::Append(c, kCustomerProfileFeed, record,
                                               now);
}

absl::StatusOr<v1::InteractionEvent> ReadEvent(sql::ResultSet& rows) {
  v1::InteractionEvent event;
  // Properties are stored as a serialized InteractionEvent holding only them.
  if (!event.ParseFromString(ReadBlob(rows, "properties"))) {
    return absl::InternalError("stored event properties are corrupt");
  }
  const std::string customer_id = rows.getString("customer_id");
  const std::string event_id = rows.getString("event_id");
  event.set_name(absl::StrCat("customers/", customer_id, "/events/", event_id));
  event.set_customer(CustomerName(customer_id));
  event.set_event_id(event_id);
  event.set_type(static_cast<v1::InteractionEvent::Type>(rows.getInt("type")));
  event.set_custom_type(rows.getString("custom_type"));
  event.set_channel(rows.getString("channel"));
  CRM_ASSIGN_OR_RETURN(absl::Time event_time, ReadTime(rows, "event_time"));
  *event.mutable_event_time() = ToProtoTimestamp(event_time);
  return event;
}

}  // namespace

absl::StatusOr<OrderWriteResult> MySqlOrderRepository::Record(
    const v1::Order& order) {
  CRM_ASSIGN_OR_RETURN(std::string requested_id,
                       crm::common::ParseResourceName(
                           order.customer(), "customers", "order.customer"));
  return crm::common::RunInTransaction<OrderWriteResult>(
      pool_, [&](sql::Connection& c) -> absl::StatusOr<OrderWriteResult> {
        CRM_ASSIGN_OR_RETURN(std::string customer_id,
                             ResolveActiveCustomerId(c, requested_id));
        const absl::Time now = crm::common::TruncateToMicros(clock_.Now());
        const absl::Time order_time =
            crm::common::FromProtoTimestamp(order.order_time());
        v1::Order stored = order;
        const std::string id = ids_.NewId();
        stored.set_name(OrderName(customer_id, id));
        stored.set_customer(CustomerName(customer_id));
        stored.mutable_refunded_amount()->set_currency_code(
            order.amount().currency_code());
        stored.mutable_refunded_amount()->set_amount_minor(0);
        *stored.mutable_create_time() = ToProtoTimestamp(now);

        v1::Order line_items;
        *line_items.mutable_line_items() = order.line_items();
        std::istringstream line_items_blob(line_items.SerializeAsString());
        std::unique_ptr<sql::PreparedStatement> insert(c.prepareStatement(
            "INSERT INTO orders (customer_id, id, channel, channel_order_id, "
            "currency_code, amount_minor, refunded_minor, store_id, "
            "order_time, create_time, line_items) "
            "VALUES (?, ?, ?, ?, ?, ?, 0, ?, ?, ?, ?)"));
        insert->setString(1, customer_id);
        insert->setString(2, id);
        insert->setString(3, order.channel());
        insert->setString(4, order.channel_order_id());
        insert->setString(5, order.amount().currency_code());
        insert->setInt64(6, order.amount().amount_minor());
        insert->setString(7, order.store_id());
        insert->setString(8, FormatSqlDatetime(order_time));
        insert->setString(9, FormatSqlDatetime(now));
        insert->setBlob(10, &line_items_blob);
        try {
          insert->executeUpdate();
        } catch (const sql::SQLException& e) {
          if (e.getErrorCode() != kMySqlDuplicateKey) throw;
          // Recorded before (or by a concurrent call that has committed
          // meanwhile: the insert waited for it): return what is stored.
          CRM_ASSIGN_OR_RETURN(
              std::optional<v1::Order> existing,
              FindByChannelOrder(c, order.channel(), order.channel_order_id()));
          if (!existing.has_value()) {
            // The conflicting row went away (rolled back): try again.
            return absl::AbortedError("order insert raced; retry");
          }
          return OrderWriteResult{std::move(*existing), false};
        }
        AddToSummary(c, customer_id, order.amount().currency_code(), 1,
                     order.amount().amount_minor(), order_time, order_time);
        CRM_RETURN_IF_ERROR(AppendOrderEvent(c, v1::ChangeEvent::ORDER_RECORDED,
                                             stored, customer_id, 0, now));
        return OrderWriteResult{std::move(stored), true};
      });
}

absl::StatusOr<OrderWriteResult> MySqlOrderRepository::Refund(
    const RefundSpec& spec) {
  return crm::common::RunInTransaction<OrderWriteResult>(
      pool_, [&](sql::Connection& c) -> absl::StatusOr<OrderWriteResult> {
        CRM_ASSIGN_OR_RETURN(std::string customer_id,
                             ResolveActiveCustomerId(c, spec.customer_id));
        std::unique_ptr<sql::PreparedStatement> select(c.prepareStatement(
            absl::StrCat("SELECT ", kOrderColumns,
                         " FROM orders WHERE customer_id = ? AND id = ?"
                         " FOR UPDATE")));
        select->setString(1, customer_id);
        select->setString(2, spec.order_id);
        std::unique_ptr<sql::ResultSet> rows(select->executeQuery());
        if (!rows->next()) {
          return absl::NotFoundError(absl::StrCat(
              OrderName(spec.customer_id, spec.order_id), " was not found"));
        }
        CRM_ASSIGN_OR_RETURN(v1::Order order, ReadOrder(*rows));
        rows.reset();

        std::unique_ptr<sql::PreparedStatement> seen(c.prepareStatement(
            "SELECT 1 FROM order_refunds "
            "WHERE customer_id = ? AND order_id = ? AND refund_id = ?"));
        seen->setString(1, customer_id);
        seen->setString(2, spec.order_id);
        seen->setString(3, spec.refund_id);
        std::unique_ptr<sql::ResultSet> seen_rows(seen->executeQuery());
        if (seen_rows->next()) return OrderWriteResult{std::move(order), false};

        const std::string& currency = order.amount().currency_code();
        const int64_t remaining = order.amount().amount_minor() -
                                  order.refunded_amount().amount_minor();
        int64_t amount = remaining;
        if (spec.amount.has_value()) {
          if (spec.amount->currency_code() != currency) {
            return absl::InvalidArgumentError(
                "amount.currency_code: must be the order's currency");
          }
          amount = spec.amount->amount_minor();
        }
        if (remaining <= 0) {
          return absl::FailedPreconditionError(
              "the order is already fully refunded");
        }
        if (amount > remaining) {
          return absl::FailedPreconditionError(
              "amount: exceeds the unrefunded amount of the order");
        }
        const absl::Time now = crm::common::TruncateToMicros(clock_.Now());
        std::unique_ptr<sql::PreparedStatement> insert(c.prepareStatement(
            "INSERT INTO order_refunds (customer_id, order_id, refund_id, "
            "amount_minor, reason, create_time) VALUES (?, ?, ?, ?, ?, ?)"));
        insert->setString(1, customer_id);
        insert->setString(2, spec.order_id);
        insert->setString(3, spec.refund_id);
        insert->setInt64(4, amount);
        insert->setString(5, spec.reason);
        insert->setString(6, FormatSqlDatetime(now));
        insert->executeUpdate();
        std::unique_ptr<sql::PreparedStatement> update(c.prepareStatement(
            "UPDATE orders SET refunded_minor = refunded_minor + ? "
            "WHERE customer_id = ? AND id = ?"));
        update->setInt64(1, amount);
        update->setString(2, customer_id);
        update->setString(3, spec.order_id);
        update->executeUpdate();
        order.mutable_refunded_amount()->set_amount_minor(
            order.refunded_amount().amount_minor() + amount);
        const absl::Time order_time =
            crm::common::FromProtoTimestamp(order.order_time());
        AddToSummary(c, customer_id, currency, 0, -amount, order_time,
                     order_time);
        CRM_RETURN_IF_ERROR(AppendOrderEvent(c, v1::ChangeEvent::ORDER_REFUNDED,
                                             order, customer_id, amount, now));
        return OrderWriteResult{std::move(order), true};
      });
}

absl::StatusOr<crm::common::Page<v1::Order>> MySqlOrderRepository::List(
    absl::string_view customer_id, const crm::common::PageRequest& page) {
  return crm::common::WithConnection<crm::common::Page<v1::Order>>(
      pool_,
      [&](sql::Connection& c) -> absl::StatusOr<crm::common::Page<v1::Order>> {
        CRM_ASSIGN_OR_RETURN(std::string resolved,
                             ResolveActiveCustomerId(c, customer_id));
        std::unique_ptr<sql::PreparedStatement> select(c.prepareStatement(
            absl::StrCat("SELECT ", kOrderColumns,
                         " FROM orders WHERE customer_id = ? AND "
                         "(order_time < ? OR (order_time = ? AND id < ?)) "
                         "ORDER BY order_time DESC, id DESC LIMIT ?")));
        select->setString(1, resolved);
        crm::common::BindKeysetAfter(*select, 2, page.after);
        select->setInt(5, page.page_size + 1);
        std::unique_ptr<sql::ResultSet> rows(select->executeQuery());
        std::vector<std::pair<v1::Order, std::string>> items;
        while (rows->next()) {
          CRM_ASSIGN_OR_RETURN(v1::Order order, ReadOrder(*rows));
          items.emplace_back(std::move(order), rows->getString("id"));
        }
        crm::common::Page<std::pair<v1::Order, std::string>> keyed =
            crm::common::MakePage<std::pair<v1::Order, std::string>>(
                std::move(items), page.page_size,
                [](const std::pair<v1::Order, std::string>& item) {
                  return crm::common::KeysetPosition{
                      crm::common::FromProtoTimestamp(item.first.order_time()),
                      item.second};
                });
        crm::common::Page<v1::Order> result;
        result.next = keyed.next;
        for (auto& item : keyed.items) {
          result.items.push_back(std::move(item.first));
        }
        return result;
      });
}

absl::StatusOr<RecordEventsResult> MySqlOrderRepository::RecordEvents(
    const std::vector<v1::InteractionEvent>& events) {
  return crm::common::RunInTransaction<RecordEventsResult>(
      pool_, [&](sql::Connection& c) -> absl::StatusOr<RecordEventsResult> {
        RecordEventsResult result;
        absl::flat_hash_map<std::string, std::string> resolved;
        const absl::Time now = crm::common::TruncateToMicros(clock_.Now());
        std::unique_ptr<sql::PreparedStatement> insert(c.prepareStatement(
            "INSERT IGNORE INTO interaction_events (customer_id, event_id, "
            "type, custom_type, channel, event_time, properties, "
            "create_time) VALUES (?, ?, ?, ?, ?, ?, ?, ?)"));
        for (size_t i = 0; i < events.size(); ++i) {
          const v1::InteractionEvent& event = events[i];
          CRM_ASSIGN_OR_RETURN(std::string requested,
                               crm::common::ParseResourceName(
                                   event.customer(), "customers",
                                   absl::StrCat("events[", i, "].customer")));
          auto it = resolved.find(requested);
          if (it == resolved.end()) {
            absl::StatusOr<std::string> id =
                ResolveActiveCustomerId(c, requested);
            if (!id.ok()) {
              return absl::Status(id.status().code(),
                                  absl::StrCat("events[", i, "].customer: ",
                                               id.status().message()));
            }
            it = resolved.emplace(requested, *std::move(id)).first;
          }
          v1::InteractionEvent properties;
          *properties.mutable_properties() = event.properties();
          std::istringstream properties_blob(properties.SerializeAsString());
          insert->setString(1, it->second);
          insert->setString(2, event.event_id());
          insert->setInt(3, static_cast<int>(event.type()));
          insert->setString(4, event.custom_type());
          insert->setString(5, event.channel());
          insert->setString(
              6, FormatSqlDatetime(
                     crm::common::FromProtoTimestamp(event.event_time())));
          insert->setBlob(7, &properties_blob);
          insert->setString(8, FormatSqlDatetime(now));
          if (insert->executeUpdate() > 0) {
            ++result.recorded;
          } else {
            ++result.duplicates;
          }
        }
        return result;
      });
}

// ---------------------------------------------------------------- helpers

absl::Status ReassignOrdersAndEvents(sql::Connection& connection,
                                     absl::string_view from_customer_id,
                                     absl::string_view to_customer_id) {
  if (from_customer_id == to_customer_id) return absl::OkStatus();
  for (const char* sql : {
           "UPDATE orders SET customer_id = ? WHERE customer_id = ?",
           "UPDATE order_refunds SET customer_id = ? WHERE customer_id = ?",
           "UPDATE interaction_events SET customer_id = ? "
           "WHERE customer_id = ?",
       }) {
    std::unique_ptr<sql::PreparedStatement> move(
        connection.prepareStatement(sql));
    move->setString(1, std::string(to_customer_id));
    move->setString(2, std::string(from_customer_id));
    move->executeUpdate();
  }
  struct Row {
    std::string currency;
    int64_t count;
    int64_t total;
    absl::Time first;
    absl::Time last;
  };
  std::vector<Row> moved;
  {
    std::unique_ptr<sql::PreparedStatement> select(connection.prepareStatement(
        "SELECT currency_code, order_count, total_spent_minor, "
        "first_order_time, last_order_time FROM customer_purchase_summaries "
        "WHERE customer_id = ? FOR UPDATE"));
    select->setString(1, std::string(from_customer_id));
    std::unique_ptr<sql::ResultSet> rows(select->executeQuery());
    while (rows->next()) {
      Row row;
      row.currency = rows->getString(1);
      row.count = rows->getInt64(2);
      row.total = rows->getInt64(3);
      CRM_ASSIGN_OR_RETURN(row.first, ReadTime(*rows, "first_order_time"));
      CRM_ASSIGN_OR_RETURN(row.last, ReadTime(*rows, "last_order_time"));
      moved.push_back(std::move(row));
    }
  }
  for (const Row& row : moved) {
    AddToSummary(connection, to_customer_id, row.currency, row.count, row.total,
                 row.first, row.last);
  }
  std::unique_ptr<sql::PreparedStatement> remove(connection.prepareStatement(
      "DELETE FROM customer_purchase_summaries WHERE customer_id = ?"));
  remove->setString(1, std::string(from_customer_id));
  remove->executeUpdate();
  return absl::OkStatus();
}

absl::StatusOr<v1::PurchaseSummary> LoadPurchaseSummary(
    sql::Connection& connection, absl::string_view customer_id) {
  std::unique_ptr<sql::PreparedStatement> select(connection.prepareStatement(
      "SELECT currency_code, order_count, total_spent_minor, "
      "first_order_time, last_order_time FROM customer_purchase_summaries "
      "WHERE customer_id = ? ORDER BY currency_code"));
  select->setString(1, std::string(customer_id));
  std::unique_ptr<sql::ResultSet> rows(select->executeQuery());
  v1::PurchaseSummary summary;
  std::optional<absl::Time> first;
  std::optional<absl::Time> last;
  while (rows->next()) {
    crm::type::v1::Money* total = summary.add_total_spent();
    total->set_currency_code(rows->getString(1));
    total->set_amount_minor(rows->getInt64(3));
    summary.set_order_count(summary.order_count() + rows->getInt64(2));
    CRM_ASSIGN_OR_RETURN(absl::Time row_first,
                         ReadTime(*rows, "first_order_time"));
    CRM_ASSIGN_OR_RETURN(absl::Time row_last,
                         ReadTime(*rows, "last_order_time"));
    first = first.has_value() ? std::min(*first, row_first) : row_first;
    last = last.has_value() ? std::max(*last, row_last) : row_last;
  }
  if (first.has_value()) {
    *summary.mutable_first_order_time() = ToProtoTimestamp(*first);
    *summary.mutable_last_order_time() = ToProtoTimestamp(*last);
  }
  return summary;
}

absl::Status ExportOrdersAndEvents(sql::Connection& connection,
                                   absl::string_view customer_id,
                                   v1::ExportCustomerDataResponse* out) {
  {
    std::unique_ptr<sql::PreparedStatement> select(connection.prepareStatement(
        absl::StrCat("SELECT ", kOrderColumns,
                     " FROM orders WHERE customer_id = ? "
                     "ORDER BY order_time, id")));
    select->setString(1, std::string(customer_id));
    std::unique_ptr<sql::ResultSet> rows(select->executeQuery());
    while (rows->next()) {
      CRM_ASSIGN_OR_RETURN(*out->add_orders(), ReadOrder(*rows));
    }
  }
  std::unique_ptr<sql::PreparedStatement> select(connection.prepareStatement(
      "SELECT customer_id, event_id, type, custom_type, channel, event_time, "
      "properties FROM interaction_events WHERE customer_id = ? "
      "ORDER BY event_time, event_id"));
  select->setString(1, std::string(customer_id));
  std::unique_ptr<sql::ResultSet> rows(select->executeQuery());
  while (rows->next()) {
    CRM_ASSIGN_OR_RETURN(*out->add_events(), ReadEvent(*rows));
  }
  return absl::OkStatus();
}

absl::Status DeleteEventsForCustomer(sql::Connection& connection,
                                     absl::string_view customer_id) {
  std::unique_ptr<sql::PreparedStatement> remove(connection.prepareStatement(
      "DELETE FROM interaction_events WHERE customer_id = ?"));
  remove->setString(1, std::string(customer_id));
  remove->executeUpdate();
  return absl::OkStatus();
}

}  // namespace crm::customer_profile
