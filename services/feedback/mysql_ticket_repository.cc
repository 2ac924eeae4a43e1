#include "services/feedback/mysql_ticket_repository.h"

#include <cppconn/exception.h>
#include <cppconn/prepared_statement.h>
#include <cppconn/resultset.h>

#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "services/common/error_details.h"
#include "services/common/filter/sql_filter.h"
#include "services/common/filter/sql_filter_binding.h"
#include "services/common/mysql_errors.h"
#include "services/common/mysql_unit_of_work.h"
#include "services/common/prepared_statement_cache.h"
#include "services/common/sql_time.h"
#include "services/common/status_macros.h"
#include "services/common/timestamps.h"
#include "services/feedback/ticket_resources.h"

namespace crm::feedback {
namespace {

using ::crm::common::KeysetPosition;
using ::crm::common::Page;
using ::crm::common::PageRequest;
using ::crm::common::Transaction;

constexpr char kTicketColumns[] =
    "SELECT id, customer_id, feedback_id, title, description, category, "
    "state, priority, assignee, team, sentiment_score, escalation_level, "
    "create_time, update_time, first_response_time, resolve_time, "
    "close_time, first_response_deadline, resolution_deadline, "
    "next_escalation_time, version, compensation_points, "
    "compensation_entry, compensation_time FROM tickets";

constexpr char kEventColumns[] =
    "SELECT ticket_id, id, kind, author, text, from_state, to_state, "
    "assignee, team, escalation_level, create_time, compensation_points, "
    "compensation_entry FROM ticket_events";

const crm::common::filter::SqlFieldMap& TicketSqlFieldMap() {
  static const crm::common::filter::SqlFieldMap* const columns = [] {
    auto* map = new crm::common::filter::SqlFieldMap();
    map->NullableColumn("customer", "NULLIF(tickets.customer_id, '')")
        .NullableColumn("customer_id", "NULLIF(tickets.customer_id, '')")
        .NullableColumn("feedback", "NULLIF(tickets.feedback_id, '')")
        .Column("state", "tickets.state")
        .Column("priority", "tickets.priority")
        .Column("category", "tickets.category")
        .Column("assignee", "tickets.assignee")
        .Column("team", "tickets.team")
        .Column("escalation_level", "tickets.escalation_level")
        .Column("create_time", "tickets.create_time")
        .Column("update_time", "tickets.update_time")
        .Column("first_response_deadline", "tickets.first_response_deadline")
        .Column("resolution_deadline", "tickets.resolution_deadline");
    return map;
  }();
  return *columns;
}

absl::StatusOr<absl::Time> TimeColumn(sql::ResultSet& rows,
                                      const std::string& column) {
  return crm::common::ParseSqlDatetime(rows.getString(column).asStdString());
}

absl::StatusOr<TicketRecord> TicketFromRow(sql::ResultSet& rows) {
  TicketRecord ticket;
  ticket.id = rows.getString("id").asStdString();
  ticket.customer_id = rows.getString("customer_id").asStdString();
  ticket.feedback_id = rows.getString("feedback_id").asStdString();
  ticket.title = rows.getString("title").asStdString();
  ticket.description = rows.getString("description").asStdString();
  ticket.category = rows.getString("category").asStdString();
  if (!v1::Ticket::State_Parse(rows.getString("state").asStdString(),
                               &ticket.state) ||
      !v1::Ticket::Priority_Parse(rows.getString("priority").asStdString(),
                                  &ticket.priority)) {
    return absl::InternalError("stored ticket state or priority is unknown");
  }
  ticket.assignee = rows.getString("assignee").asStdString();
  ticket.team = rows.getString("team").asStdString();
  ticket.sentiment_score = rows.getDouble("sentiment_score");
  ticket.escalation_level = rows.getInt("escalation_level");
  CRM_ASSIGN_OR_RETURN(ticket.create_time, TimeColumn(rows, "create_time"));
  CRM_ASSIGN_OR_RETURN(ticket.update_time, TimeColumn(rows, "update_time"));
  CRM_ASSIGN_OR_RETURN(
      ticket.first_response_time,
      crm::common::OptionalSqlDatetime(rows, "first_response_time"));
  CRM_ASSIGN_OR_RETURN(ticket.resolve_time,
                       crm::common::OptionalSqlDatetime(rows, "resolve_time"));
  CRM_ASSIGN_OR_RETURN(ticket.close_time,
                       crm::common::OptionalSqlDatetime(rows, "close_time"));
  CRM_ASSIGN_OR_RETURN(ticket.first_response_deadline,
                       TimeColumn(rows, "first_response_deadline"));
  CRM_ASSIGN_OR_RETURN(ticket.resolution_deadline,
                       TimeColumn(rows, "resolution_deadline"));
  CRM_ASSIGN_OR_RETURN(
      ticket.next_escalation_time,
      crm::common::OptionalSqlDatetime(rows, "next_escalation_time"));
  ticket.version = rows.getInt64("version");
  ticket.compensation_points = rows.getInt64("compensation_points");
  ticket.compensation_entry =
      rows.getString("compensation_entry").asStdString();
  CRM_ASSIGN_OR_RETURN(
      ticket.compensation_time,
      crm::common::OptionalSqlDatetime(rows, "compensation_time"));
  return ticket;
}

absl::StatusOr<TicketEventRecord> EventFromRow(sql::ResultSet& rows) {
  TicketEventRecord event;
  event.ticket_id = rows.getString("ticket_id").asStdString();
  event.id = rows.getString("id").asStdString();
  if (!v1::TicketEvent::Kind_Parse(rows.getString("kind").asStdString(),
                                   &event.kind) ||
      !v1::Ticket::State_Parse(rows.getString("from_state").asStdString(),
                               &event.from_state) ||
      !v1::Ticket::State_Parse(rows.getString("to_state").asStdString(),
                               &event.to_state)) {
    return absl::InternalError("stored ticket event kind or state is unknown");
  }
  event.author = rows.getString("author").asStdString();
  event.text = rows.getString("text").asStdString();
  event.assignee = rows.getString("assignee").asStdString();
  event.team = rows.getString("team").asStdString();
  event.escalation_level = rows.getInt("escalation_level");
  CRM_ASSIGN_OR_RETURN(event.create_time, TimeColumn(rows, "create_time"));
  event.compensation_points = rows.getInt64("compensation_points");
  event.compensation_entry = rows.getString("compensation_entry").asStdString();
  return event;
}

std::optional<absl::Time> Micros(const std::optional<absl::Time>& time) {
  if (!time.has_value()) return std::nullopt;
  return crm::common::TruncateToMicros(*time);
}

// Binds the mutable columns of `ticket` from parameter `first` on, in the
// order of kMutableColumns; returns the next parameter index.
constexpr char kMutableColumns[] =
    "customer_id = ?, title = ?, description = ?, category = ?, state = ?, "
    "priority = ?, assignee = ?, team = ?, sentiment_score = ?, "
    "escalation_level = ?, update_time = ?, first_response_time = ?, "
    "resolve_time = ?, close_time = ?, first_response_deadline = ?, "
    "resolution_deadline = ?, next_escalation_time = ?, version = ?, "
    "compensation_points = ?, compensation_entry = ?, compensation_time = ?";

int BindMutable(sql::PreparedStatement& statement, int first,
                const TicketRecord& ticket) {
  int i = first;
  statement.setString(i++, ticket.customer_id);
  statement.setString(i++, ticket.title);
  statement.setString(i++, ticket.description);
  statement.setString(i++, ticket.category);
  statement.setString(i++, v1::Ticket::State_Name(ticket.state));
  statement.setString(i++, v1::Ticket::Priority_Name(ticket.priority));
  statement.setString(i++, ticket.assignee);
  statement.setString(i++, ticket.team);
  statement.setDouble(i++, ticket.sentiment_score);
  statement.setInt(i++, ticket.escalation_level);
  statement.setString(i++, crm::common::FormatSqlDatetime(ticket.update_time));
  crm::common::BindOptionalSqlDatetime(statement, i++,
                                       Micros(ticket.first_response_time));
  crm::common::BindOptionalSqlDatetime(statement, i++,
                                       Micros(ticket.resolve_time));
  crm::common::BindOptionalSqlDatetime(statement, i++,
                                       Micros(ticket.close_time));
  statement.setString(
      i++, crm::common::FormatSqlDatetime(ticket.first_response_deadline));
  statement.setString(
      i++, crm::common::FormatSqlDatetime(ticket.resolution_deadline));
  crm::common::BindOptionalSqlDatetime(statement, i++,
                                       Micros(ticket.next_escalation_time));
  statement.setInt64(i++, ticket.version);
  statement.setInt64(i++, ticket.compensation_points);
  statement.setString(i++, ticket.compensation_entry);
  crm::common::BindOptionalSqlDatetime(statement, i++,
                                       Micros(ticket.compensation_time));
  return i;
}

absl::StatusOr<std::vector<TicketRecord>> ReadTickets(
    sql::PreparedStatement& select) {
  std::unique_ptr<sql::ResultSet> rows(select.executeQuery());
  std::vector<TicketRecord> tickets;
  while (rows->next()) {
    CRM_ASSIGN_OR_RETURN(TicketRecord ticket, TicketFromRow(*rows));
    tickets.push_back(std::move(ticket));
  }
  return tickets;
}

}  // namespace

absl::Status MySqlTicketRepository::Insert(Transaction& tx,
                                           const TicketRecord& ticket) {
  crm::common::CachedStatement insert = crm::common::Prepared(
      tx, absl::StrCat("INSERT INTO tickets SET id = ?, feedback_id = ?, "
                       "create_time = ?, ",
                       kMutableColumns));
  insert->setString(1, ticket.id);
  insert->setString(2, ticket.feedback_id);
  insert->setString(3, crm::common::FormatSqlDatetime(ticket.create_time));
  BindMutable(*insert, 4, ticket);
  try {
    insert->executeUpdate();
  } catch (const sql::SQLException& e) {
    if (e.getErrorCode() != common::kMySqlDuplicateKeyError) throw;
    return absl::AlreadyExistsError(
        "a ticket with this id or for this feedback item exists");
  }
  return absl::OkStatus();
}

absl::StatusOr<TicketRecord> MySqlTicketRepository::Get(Transaction& tx,
                                                        const std::string& id,
                                                        bool for_update) {
  crm::common::CachedStatement select =
      crm::common::Prepared(tx, absl::StrCat(kTicketColumns, " WHERE id = ?",
                                             for_update ? " FOR UPDATE" : ""));
  select->setString(1, id);
  std::unique_ptr<sql::ResultSet> rows(select->executeQuery());
  if (!rows->next()) return crm::common::NotFoundError(TicketName(id));
  return TicketFromRow(*rows);
}

absl::Status MySqlTicketRepository::Save(Transaction& tx,
                                         const TicketRecord& ticket) {
  crm::common::CachedStatement update = crm::common::Prepared(
      tx,
      absl::StrCat("UPDATE tickets SET ", kMutableColumns, " WHERE id = ?"));
  const int next = BindMutable(*update, 1, ticket);
  update->setString(next, ticket.id);
  if (update->executeUpdate() == 0) {
    // Zero rows also when nothing changed; tell the cases apart.
    CRM_RETURN_IF_ERROR(Get(tx, ticket.id, false).status());
  }
  crm::common::CachedStatement events = crm::common::Prepared(
      tx,
      "UPDATE ticket_events SET customer_id = ? WHERE ticket_id = ? AND "
      "customer_id <> ?");
  events->setString(1, ticket.customer_id);
  events->setString(2, ticket.id);
  events->setString(3, ticket.customer_id);
  events->executeUpdate();
  return absl::OkStatus();
}

absl::StatusOr<Page<TicketRecord>> MySqlTicketRepository::List(
    Transaction& tx, const crm::common::filter::Filter& filter,
    const PageRequest& page) {
  CRM_ASSIGN_OR_RETURN(
      crm::common::filter::SqlCondition where,
      crm::common::filter::CompileToSql(filter, TicketSqlFieldMap()));
  crm::common::CachedStatement select = crm::common::Prepared(
      tx, absl::StrCat(kTicketColumns, " WHERE (", where.clause,
                       ") AND (create_time < ? OR (create_time = ? AND id < ?))"
                       " ORDER BY create_time DESC, id DESC LIMIT ?"));
  const int next = crm::common::filter::BindSqlParams(*select, where.params, 1);
  crm::common::BindKeysetAfter(*select, next, page.after);
  select->setInt(next + 3, page.page_size + 1);
  CRM_ASSIGN_OR_RETURN(std::vector<TicketRecord> tickets, ReadTickets(*select));
  return crm::common::MakePage<TicketRecord>(
      std::move(tickets), page.page_size, [](const TicketRecord& ticket) {
        return KeysetPosition{ticket.create_time, ticket.id};
      });
}

absl::StatusOr<std::vector<TicketRecord>> MySqlTicketRepository::ListByCustomer(
    Transaction& tx, const std::string& customer_id, bool for_update) {
  crm::common::CachedStatement select = crm::common::Prepared(
      tx, absl::StrCat(kTicketColumns,
                       " WHERE customer_id = ? ORDER BY create_time DESC, "
                       "id DESC",
                       for_update ? " FOR UPDATE" : ""));
  select->setString(1, customer_id);
  return ReadTickets(*select);
}

absl::StatusOr<std::vector<TicketRecord>>
MySqlTicketRepository::ClaimDueForEscalation(Transaction& tx, absl::Time now,
                                             int limit) {
  crm::common::CachedStatement select = crm::common::Prepared(
      tx, absl::StrCat(kTicketColumns,
                       " WHERE next_escalation_time <= ? ORDER BY "
                       "next_escalation_time LIMIT ? FOR UPDATE SKIP LOCKED"));
  select->setString(1, crm::common::FormatSqlDatetime(now));
  select->setInt(2, limit);
  return ReadTickets(*select);
}

absl::Status MySqlTicketRepository::InsertEvent(
    Transaction& tx, const TicketEventRecord& event) {
  // The event takes its ticket's customer (the shard key).
  crm::common::CachedStatement insert = crm::common::Prepared(
      tx,
      "INSERT INTO ticket_events (ticket_id, id, kind, author, text, "
      "from_state, to_state, assignee, team, escalation_level, create_time, "
      "compensation_points, compensation_entry, customer_id) "
      "SELECT ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, customer_id "
      "FROM tickets WHERE id = ?");
  insert->setString(1, event.ticket_id);
  insert->setString(2, event.id);
  insert->setString(3, v1::TicketEvent::Kind_Name(event.kind));
  insert->setString(4, event.author);
  insert->setString(5, event.text);
  insert->setString(6, v1::Ticket::State_Name(event.from_state));
  insert->setString(7, v1::Ticket::State_Name(event.to_state));
  insert->setString(8, event.assignee);
  insert->setString(9, event.team);
  insert->setInt(10, event.escalation_level);
  insert->setString(11, crm::common::FormatSqlDatetime(event.create_time));
  insert->setInt64(12, event.compensation_points);
  insert->setString(13, event.compensation_entry);
  insert->setString(14, event.ticket_id);
  try {
    if (insert->executeUpdate() == 0) {
      return crm::common::NotFoundError(TicketName(event.ticket_id));
    }
  } catch (const sql::SQLException& e) {
    if (e.getErrorCode() != common::kMySqlDuplicateKeyError) throw;
    return absl::AlreadyExistsError("a ticket event with this id exists");
  }
  return absl::OkStatus();
}

absl::StatusOr<Page<TicketEventRecord>> MySqlTicketRepository::ListEvents(
    Transaction& tx, const std::string& ticket_id, const PageRequest& page) {
  crm::common::CachedStatement select = crm::common::Prepared(
      tx, absl::StrCat(kEventColumns,
                       " WHERE ticket_id = ? AND (create_time < ? OR "
                       "(create_time = ? AND id < ?)) ORDER BY create_time "
                       "DESC, id DESC LIMIT ?"));
  select->setString(1, ticket_id);
  crm::common::BindKeysetAfter(*select, 2, page.after);
  select->setInt(5, page.page_size + 1);
  std::unique_ptr<sql::ResultSet> rows(select->executeQuery());
  std::vector<TicketEventRecord> events;
  while (rows->next()) {
    CRM_ASSIGN_OR_RETURN(TicketEventRecord event, EventFromRow(*rows));
    events.push_back(std::move(event));
  }
  return crm::common::MakePage<TicketEventRecord>(
      std::move(events), page.page_size, [](const TicketEventRecord& event) {
        return KeysetPosition{event.create_time, event.id};
      });
}

absl::Status MySqlTicketRepository::RewriteEvent(
    Transaction& tx, const TicketEventRecord& event) {
  crm::common::CachedStatement update = crm::common::Prepared(
      tx,
      "UPDATE ticket_events SET author = ?, text = ?, compensation_entry = ? "
      "WHERE ticket_id = ? AND id = ?");
  update->setString(1, event.author);
  update->setString(2, event.text);
  update->setString(3, event.compensation_entry);
  update->setString(4, event.ticket_id);
  update->setString(5, event.id);
  update->executeUpdate();
  return absl::OkStatus();
}

absl::StatusOr<int64_t> MySqlTicketRepository::ReassignCustomer(
    Transaction& tx, const std::string& from_customer_id,
    const std::string& to_customer_id) {
  crm::common::CachedStatement update = crm::common::Prepared(
      tx,
      "UPDATE tickets SET customer_id = ?, version = version + 1 WHERE "
      "customer_id = ?");
  update->setString(1, to_customer_id);
  update->setString(2, from_customer_id);
  const int64_t moved = update->executeUpdate();
  crm::common::CachedStatement events = crm::common::Prepared(
      tx, "UPDATE ticket_events SET customer_id = ? WHERE customer_id = ?");
  events->setString(1, to_customer_id);
  events->setString(2, from_customer_id);
  events->executeUpdate();
  return moved;
}

}  // namespace crm::feedback
