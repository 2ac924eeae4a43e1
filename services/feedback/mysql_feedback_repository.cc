#include "services/feedback/mysql_feedback_repository.h"

#include <cppconn/exception.h>
#include <cppconn/prepared_statement.h>
#include <cppconn/resultset.h>

#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "services/common/error_details.h"
#include "services/common/filter/sql_filter.h"
#include "services/common/filter/sql_filter_binding.h"
#include "services/common/mysql_errors.h"
#include "services/common/mysql_unit_of_work.h"
#include "services/common/prepared_statement_cache.h"
#include "services/common/status_macros.h"
#include "services/common/timestamps.h"
#include "services/feedback/feedback_validation.h"

namespace crm::feedback {
namespace {

using ::crm::common::KeysetPosition;
using ::crm::common::Page;
using ::crm::common::PageRequest;
using ::crm::common::Transaction;

constexpr char kSelectColumns[] =
    "SELECT id, customer_id, channel, type, rating, text, order_id, "
    "attachment_uris, language, analysis, create_time FROM feedback";

// The columns of the filter's fields (feedback_filter.h); NULL-able ones
// hold the values of unset fields.
const crm::common::filter::SqlFieldMap& FeedbackSqlFieldMap() {
  static const crm::common::filter::SqlFieldMap* const columns = [] {
    auto* map = new crm::common::filter::SqlFieldMap();
    map->NullableColumn("customer", "NULLIF(feedback.customer_id, '')")
        .NullableColumn("customer_id", "NULLIF(feedback.customer_id, '')")
        .Column("anonymous", "(feedback.customer_id = '')")
        .Column("channel", "feedback.channel")
        .Column("type", "feedback.type")
        .Column("rating", "feedback.rating")
        .Column("language", "feedback.language")
        .NullableColumn("order",
                        "IF(feedback.order_id = '', NULL, CONCAT('customers/', "
                        "feedback.customer_id, '/orders/', feedback.order_id))")
        .Column("create_time", "feedback.create_time")
        .NullableColumn("analysis.sentiment", "feedback.sentiment")
        .NullableColumn("analysis.sentiment_score", "feedback.sentiment_score")
        .NullableColumn("analysis.category", "feedback.category");
    return map;
  }();
  return *columns;
}

// The item in the current row of `rows` (selected with kSelectColumns).
absl::StatusOr<FeedbackRecord> FeedbackFromRow(sql::ResultSet& rows) {
  FeedbackRecord feedback;
  feedback.id = rows.getString("id").asStdString();
  feedback.customer_id = rows.getString("customer_id").asStdString();
  feedback.channel = rows.getString("channel").asStdString();
  if (!v1::Feedback::Type_Parse(rows.getString("type").asStdString(),
                                &feedback.type)) {
    return absl::InternalError("stored feedback type is unknown");
  }
  feedback.rating = rows.getInt("rating");
  feedback.text = rows.getString("text").asStdString();
  feedback.order_id = rows.getString("order_id").asStdString();
  if (!rows.isNull("attachment_uris")) {
    const std::string uris = rows.getString("attachment_uris").asStdString();
    if (!uris.empty()) {
      feedback.attachment_uris = absl::StrSplit(uris, '\n');
    }
  }
  if (!v1::Feedback::Language_Parse(rows.getString("language").asStdString(),
                                    &feedback.language)) {
    return absl::InternalError("stored feedback language is unknown");
  }
  if (!rows.isNull("analysis")) {
    v1::TextAnalysis analysis;
    if (!analysis.ParseFromString(rows.getString("analysis").asStdString())) {
      return absl::DataLossError("stored text analysis does not parse");
    }
    feedback.analysis = std::move(analysis);
  }
  CRM_ASSIGN_OR_RETURN(feedback.create_time,
                       crm::common::ParseSqlDatetime(
                           rows.getString("create_time").asStdString()));
  return feedback;
}

KeysetPosition PositionOf(const FeedbackRecord& feedback) {
  return KeysetPosition{feedback.create_time, feedback.id};
}

}  // namespace

absl::Status MySqlFeedbackRepository::Insert(Transaction& tx,
                                             const FeedbackRecord& feedback) {
  crm::common::CachedStatement insert = crm::common::Prepared(
      tx,
      "INSERT INTO feedback (customer_id, id, channel, type, rating, text, "
      "order_id, attachment_uris, language, sentiment, sentiment_score, "
      "category, analysis, create_time) "
      "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)");
  insert->setString(1, feedback.customer_id);
  insert->setString(2, feedback.id);
  insert->setString(3, feedback.channel);
  insert->setString(4, v1::Feedback::Type_Name(feedback.type));
  insert->setInt(5, feedback.rating);
  insert->setString(6, feedback.text);
  insert->setString(7, feedback.order_id);
  insert->setString(8, absl::StrJoin(feedback.attachment_uris, "\n"));
  insert->setString(9, v1::Feedback::Language_Name(feedback.language));
  if (feedback.analysis.has_value()) {
    insert->setString(
        10, v1::TextAnalysis::Sentiment_Name(feedback.analysis->sentiment()));
    insert->setDouble(11, feedback.analysis->sentiment_score());
    insert->setString(12, feedback.analysis->category());
    insert->setString(13, feedback.analysis->SerializeAsString());
  } else {
    insert->setNull(10, 0);
    insert->setNull(11, 0);
    insert->setNull(12, 0);
    insert->setNull(13, 0);
  }
  insert->setString(14,
                    crm::common::FormatSqlDatetime(
                        crm::common::TruncateToMicros(feedback.create_time)));
  try {
    insert->executeUpdate();
  } catch (const sql::SQLException& e) {
    if (e.getErrorCode() != common::kMySqlDuplicateKeyError) throw;
    return absl::AlreadyExistsError("a feedback item with this id exists");
  }
  return absl::OkStatus();
}

absl::StatusOr<FeedbackRecord> MySqlFeedbackRepository::Get(
    Transaction& tx, const std::string& id) {
  crm::common::CachedStatement select =
      crm::common::Prepared(tx, absl::StrCat(kSelectColumns, " WHERE id = ?"));
  select->setString(1, id);
  std::unique_ptr<sql::ResultSet> rows(select->executeQuery());
  if (!rows->next()) return crm::common::NotFoundError(FeedbackName(id));
  return FeedbackFromRow(*rows);
}

absl::StatusOr<Page<FeedbackRecord>> MySqlFeedbackRepository::List(
    Transaction& tx, const crm::common::filter::Filter& filter,
    const PageRequest& page) {
  CRM_ASSIGN_OR_RETURN(
      crm::common::filter::SqlCondition where,
      crm::common::filter::CompileToSql(filter, FeedbackSqlFieldMap()));
  crm::common::CachedStatement select = crm::common::Prepared(
      tx, absl::StrCat(kSelectColumns, " WHERE (", where.clause,
                       ") AND (create_time < ? OR (create_time = ? AND id < ?))"
                       " ORDER BY create_time DESC, id DESC LIMIT ?"));
  const int next_parameter =
      crm::common::filter::BindSqlParams(*select, where.params, 1);
  crm::common::BindKeysetAfter(*select, next_parameter, page.after);
  select->setInt(next_parameter + 3, page.page_size + 1);
  std::unique_ptr<sql::ResultSet> rows(select->executeQuery());
  std::vector<FeedbackRecord> items;
  while (rows->next()) {
    CRM_ASSIGN_OR_RETURN(FeedbackRecord item, FeedbackFromRow(*rows));
    items.push_back(std::move(item));
  }
  return crm::common::MakePage<FeedbackRecord>(std::move(items), page.page_size,
                                               PositionOf);
}

absl::StatusOr<int64_t> MySqlFeedbackRepository::AnonymizeCustomer(
    Transaction& tx, const std::string& customer_id) {
  crm::common::CachedStatement update = crm::common::Prepared(
      tx,
      "UPDATE feedback SET customer_id = '', order_id = '', "
      "attachment_uris = NULL WHERE customer_id = ?");
  update->setString(1, customer_id);
  return static_cast<int64_t>(update->executeUpdate());
}

absl::StatusOr<int64_t> MySqlFeedbackRepository::ReassignCustomer(
    Transaction& tx, const std::string& from_customer_id,
    const std::string& to_customer_id) {
  crm::common::CachedStatement update = crm::common::Prepared(
      tx, "UPDATE feedback SET customer_id = ? WHERE customer_id = ?");
  update->setString(1, to_customer_id);
  update->setString(2, from_customer_id);
  return static_cast<int64_t>(update->executeUpdate());
}

absl::StatusOr<std::vector<FeedbackRecord>>
MySqlFeedbackRepository::ListByCustomer(Transaction& tx,
                                        const std::string& customer_id) {
  crm::common::CachedStatement select = crm::common::Prepared(
      tx, absl::StrCat(kSelectColumns,
                       " WHERE customer_id = ? ORDER BY create_time DESC, "
                       "id DESC"));
  select->setString(1, customer_id);
  std::unique_ptr<sql::ResultSet> rows(select->executeQuery());
  std::vector<FeedbackRecord> items;
  while (rows->next()) {
    CRM_ASSIGN_OR_RETURN(FeedbackRecord item, FeedbackFromRow(*rows));
    items.push_back(std::move(item));
  }
  return items;
}

absl::Status MySqlFeedbackRepository::RewriteText(Transaction& tx,
                                                  const std::string& id,
                                                  const std::string& text) {
  crm::common::CachedStatement update =
      crm::common::Prepared(tx, "UPDATE feedback SET text = ? WHERE id = ?");
  update->setString(1, text);
  update->setString(2, id);
  update->executeUpdate();
  return absl::OkStatus();
}

}  // namespace crm::feedback
