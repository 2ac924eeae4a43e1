#include "services/feedback/mysql_feedback_repository.h"

#include <cppconn/exception.h>
#include <cppconn/prepared_statement.h>
#include <cppconn/resultset.h>

#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "services/common/mysql_unit_of_work.h"
#include "services/common/prepared_statement_cache.h"
#include "services/common/status_macros.h"
#include "services/common/timestamps.h"

namespace crm::feedback {
namespace {

using ::crm::common::KeysetPosition;
using ::crm::common::Page;
using ::crm::common::PageRequest;
using ::crm::common::Transaction;

constexpr int kDuplicateKeyError = 1062;

constexpr char kSelectColumns[] =
    "SELECT id, customer_id, channel, type, rating, text, order_id, "
    "create_time FROM feedback";
constexpr char kAfterAndOrder[] =
    " (create_time < ? OR (create_time = ? AND id < ?))"
    " ORDER BY create_time DESC, id DESC LIMIT ?";

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
      "INSERT INTO feedback (customer_id, id, channel, type, rating, "
      "text, order_id, create_time) VALUES (?, ?, ?, ?, ?, ?, ?, ?)");
  insert->setString(1, feedback.customer_id);
  insert->setString(2, feedback.id);
  insert->setString(3, feedback.channel);
  insert->setString(4, v1::Feedback::Type_Name(feedback.type));
  insert->setInt(5, feedback.rating);
  insert->setString(6, feedback.text);
  insert->setString(7, feedback.order_id);
  insert->setString(8,
                    crm::common::FormatSqlDatetime(
                        crm::common::TruncateToMicros(feedback.create_time)));
  try {
    insert->executeUpdate();
  } catch (const sql::SQLException& e) {
    if (e.getErrorCode() != kDuplicateKeyError) throw;
    return absl::AlreadyExistsError("a feedback item with this id exists");
  }
  return absl::OkStatus();
}

absl::StatusOr<Page<FeedbackRecord>> MySqlFeedbackRepository::List(
    Transaction& tx, const FeedbackFilter& filter, const PageRequest& page) {
  const bool by_customer = filter.customer_id.has_value();
  crm::common::CachedStatement select = crm::common::Prepared(
      tx, by_customer
              ? absl::StrCat(kSelectColumns, " WHERE customer_id = ? AND",
                             kAfterAndOrder)
              : absl::StrCat(kSelectColumns, " WHERE", kAfterAndOrder));
  int next_parameter = 1;
  if (by_customer) select->setString(next_parameter++, *filter.customer_id);
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

}  // namespace crm::feedback
