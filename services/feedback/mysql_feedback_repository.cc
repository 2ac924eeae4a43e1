#include "services/feedback/mysql_feedback_repository.h"

#include <cppconn/prepared_statement.h>
#include <cppconn/resultset.h>

#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "services/common/idempotency_store.h"
#include "services/common/status_macros.h"
#include "services/common/timestamps.h"
#include "services/common/transaction.h"

namespace crm::feedback {
namespace {

using ::crm::common::FormatSqlDatetime;
using ::crm::common::KeysetPosition;
using ::crm::common::Page;
using ::crm::common::PageRequest;

constexpr char kSelectColumns[] =
    "SELECT id, customer_id, channel, type, rating, text, order_id, "
    "create_time FROM feedback";
constexpr char kAfterAndOrder[] =
    " (create_time < ? OR (create_time = ? AND id < ?))"
    " ORDER BY create_time DESC, id DESC LIMIT ?";

// The feedback in the current row of `rows` (selected with kSelectColumns).
absl::StatusOr<v1::Feedback> FeedbackFromRow(sql::ResultSet& rows) {
  v1::Feedback feedback;
  feedback.set_name(FeedbackName(rows.getString("id").asStdString()));
  feedback.set_customer_id(rows.getString("customer_id").asStdString());
  feedback.set_channel(rows.getString("channel").asStdString());
  v1::Feedback::Type type = v1::Feedback::TYPE_UNSPECIFIED;
  if (!v1::Feedback::Type_Parse(rows.getString("type").asStdString(), &type)) {
    return absl::InternalError("stored feedback type is unknown");
  }
  feedback.set_type(type);
  feedback.set_rating(rows.getInt("rating"));
  feedback.set_text(rows.getString("text").asStdString());
  feedback.set_order_id(rows.getString("order_id").asStdString());
  CRM_ASSIGN_OR_RETURN(absl::Time create_time,
                       crm::common::ParseSqlDatetime(
                           rows.getString("create_time").asStdString()));
  *feedback.mutable_create_time() = crm::common::ToProtoTimestamp(create_time);
  return feedback;
}

KeysetPosition PositionOf(const v1::Feedback& feedback) {
  return KeysetPosition{crm::common::FromProtoTimestamp(feedback.create_time()),
                        feedback.name().substr(FeedbackName("").size())};
}

}  // namespace

absl::StatusOr<v1::Feedback> MySqlFeedbackRepository::Submit(
    const v1::Feedback& feedback, const v1::SubmitFeedbackRequest& request) {
  return crm::common::RunIdempotent<v1::Feedback>(
      pool_, clock_, "SubmitFeedback", request.request_id(), request,
      [&](sql::Connection& connection) -> absl::StatusOr<v1::Feedback> {
        const std::string id = ids_.NewId();
        const absl::Time now = crm::common::TruncateToMicros(clock_.Now());
        std::unique_ptr<sql::PreparedStatement> insert(
            connection.prepareStatement(
                "INSERT INTO feedback (customer_id, id, channel, type, "
                "rating, text, order_id, create_time) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?)"));
        insert->setString(1, feedback.customer_id());
        insert->setString(2, id);
        insert->setString(3, feedback.channel());
        insert->setString(4, v1::Feedback::Type_Name(feedback.type()));
        insert->setInt(5, feedback.rating());
        insert->setString(6, feedback.text());
        insert->setString(7, feedback.order_id());
        insert->setString(8, FormatSqlDatetime(now));
        insert->executeUpdate();

        v1::Feedback stored = feedback;
        stored.set_name(FeedbackName(id));
        *stored.mutable_create_time() = crm::common::ToProtoTimestamp(now);
        return stored;
      });
}

absl::StatusOr<Page<v1::Feedback>> MySqlFeedbackRepository::List(
    const FeedbackFilter& filter, const PageRequest& page) {
  return crm::common::WithConnection<Page<v1::Feedback>>(
      pool_,
      [&](sql::Connection& connection) -> absl::StatusOr<Page<v1::Feedback>> {
        std::unique_ptr<sql::PreparedStatement> select;
        int next_parameter = 1;
        if (filter.customer_id.has_value()) {
          select.reset(connection.prepareStatement(absl::StrCat(
              kSelectColumns, " WHERE customer_id = ? AND", kAfterAndOrder)));
          select->setString(next_parameter++, *filter.customer_id);
        } else {
          select.reset(connection.prepareStatement(
              absl::StrCat(kSelectColumns, " WHERE", kAfterAndOrder)));
        }
        crm::common::BindKeysetAfter(*select, next_parameter, page.after);
        select->setInt(next_parameter + 3, page.page_size + 1);
        std::unique_ptr<sql::ResultSet> rows(select->executeQuery());
        std::vector<v1::Feedback> items;
        while (rows->next()) {
          CRM_ASSIGN_OR_RETURN(v1::Feedback item, FeedbackFromRow(*rows));
          items.push_back(std::move(item));
        }
        return crm::common::MakePage<v1::Feedback>(std::move(items),
                                                   page.page_size, PositionOf);
      });
}

}  // namespace crm::feedback
