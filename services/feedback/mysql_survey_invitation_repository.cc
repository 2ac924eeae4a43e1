#include "services/feedback/mysql_survey_invitation_repository.h"

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
#include "services/common/prepared_statement_cache.h"
#include "services/common/sql_time.h"
#include "services/common/status_macros.h"
#include "services/common/timestamps.h"
#include "services/feedback/survey_invitation_rules.h"

namespace crm::feedback {
namespace {

using ::crm::common::KeysetPosition;
using ::crm::common::Page;
using ::crm::common::PageRequest;
using ::crm::common::Transaction;

constexpr char kSelectInvitationColumns[] =
    "SELECT customer_id, id, survey_id, subject, channel, response_id, "
    "create_time, answer_time FROM survey_invitations";

// The keyset condition and order of "newest first" (keyset_page.h).
constexpr char kInvitationsAfterAndOrder[] =
    "(create_time < ? OR (create_time = ? AND id < ?)) "
    "ORDER BY create_time DESC, id DESC LIMIT ?";

// The columns of the filter's fields (survey_invitation_filter.h).
const crm::common::filter::SqlFieldMap& SurveyInvitationSqlFieldMap() {
  static const crm::common::filter::SqlFieldMap* const columns = [] {
    auto* map = new crm::common::filter::SqlFieldMap();
    map->Column("customer", "survey_invitations.customer_id")
        .Column("subject", "survey_invitations.subject")
        .Column("channel", "survey_invitations.channel")
        .Column("state",
                "IF(survey_invitations.response_id = '', 'SENT', "
                "'ANSWERED')")
        .Column("create_time", "survey_invitations.create_time");
    return map;
  }();
  return *columns;
}

// The invitation in the current row of `rows` (kSelectInvitationColumns).
absl::StatusOr<SurveyInvitationRecord> InvitationFromRow(sql::ResultSet& rows) {
  SurveyInvitationRecord invitation;
  invitation.customer_id = rows.getString("customer_id").asStdString();
  invitation.id = rows.getString("id").asStdString();
  invitation.survey_id = rows.getString("survey_id").asStdString();
  invitation.subject = rows.getString("subject").asStdString();
  if (!v1::SurveyInvitation::Channel_Parse(
          rows.getString("channel").asStdString(), &invitation.channel)) {
    return absl::InternalError("stored invitation channel is unknown");
  }
  invitation.response_id = rows.getString("response_id").asStdString();
  CRM_ASSIGN_OR_RETURN(invitation.create_time,
                       crm::common::ParseSqlDatetime(
                           rows.getString("create_time").asStdString()));
  CRM_ASSIGN_OR_RETURN(invitation.answer_time,
                       crm::common::OptionalSqlDatetime(rows, "answer_time"));
  return invitation;
}

absl::StatusOr<std::vector<SurveyInvitationRecord>> ReadInvitations(
    sql::ResultSet& rows) {
  std::vector<SurveyInvitationRecord> invitations;
  while (rows.next()) {
    CRM_ASSIGN_OR_RETURN(SurveyInvitationRecord invitation,
                         InvitationFromRow(rows));
    invitations.push_back(std::move(invitation));
  }
  return invitations;
}

}  // namespace

absl::Status MySqlSurveyInvitationRepository::Insert(
    Transaction& tx, const SurveyInvitationRecord& invitation) {
  crm::common::CachedStatement insert = crm::common::Prepared(
      tx,
      "INSERT INTO survey_invitations (customer_id, id, survey_id, subject, "
      "channel, response_id, create_time, answer_time) "
      "VALUES (?, ?, ?, ?, ?, ?, ?, ?)");
  insert->setString(1, invitation.customer_id);
  insert->setString(2, invitation.id);
  insert->setString(3, invitation.survey_id);
  insert->setString(4, invitation.subject);
  insert->setString(5, v1::SurveyInvitation::Channel_Name(invitation.channel));
  insert->setString(6, invitation.response_id);
  insert->setString(7, crm::common::FormatSqlDatetime(invitation.create_time));
  crm::common::BindOptionalSqlDatetime(*insert, 8, invitation.answer_time);
  try {
    insert->executeUpdate();
  } catch (const sql::SQLException& e) {
    if (e.getErrorCode() != common::kMySqlDuplicateKeyError) throw;
    return absl::AlreadyExistsError(
        "the survey already has an invitation for this subject");
  }
  return absl::OkStatus();
}

absl::StatusOr<SurveyInvitationRecord> MySqlSurveyInvitationRepository::Get(
    Transaction& tx, const std::string& survey_id, const std::string& id,
    bool for_update) {
  crm::common::CachedStatement select =
      crm::common::Prepared(tx, absl::StrCat(kSelectInvitationColumns,
                                             " WHERE id = ? AND survey_id = ?",
                                             for_update ? " FOR UPDATE" : ""));
  select->setString(1, id);
  select->setString(2, survey_id);
  std::unique_ptr<sql::ResultSet> rows(select->executeQuery());
  if (!rows->next()) {
    return crm::common::NotFoundError(SurveyInvitationName(survey_id, id));
  }
  return InvitationFromRow(*rows);
}

absl::StatusOr<std::optional<SurveyInvitationRecord>>
MySqlSurveyInvitationRepository::FindBySubject(Transaction& tx,
                                               const std::string& survey_id,
                                               const std::string& subject) {
  crm::common::CachedStatement select = crm::common::Prepared(
      tx, absl::StrCat(kSelectInvitationColumns,
                       " WHERE survey_id = ? AND subject = ?"));
  select->setString(1, survey_id);
  select->setString(2, subject);
  std::unique_ptr<sql::ResultSet> rows(select->executeQuery());
  if (!rows->next()) return std::optional<SurveyInvitationRecord>();
  CRM_ASSIGN_OR_RETURN(SurveyInvitationRecord invitation,
                       InvitationFromRow(*rows));
  return std::optional<SurveyInvitationRecord>(std::move(invitation));
}

absl::Status MySqlSurveyInvitationRepository::MarkAnswered(
    Transaction& tx, const std::string& id, const std::string& response_id,
    absl::Time answer_time) {
  crm::common::CachedStatement update = crm::common::Prepared(
      tx,
      "UPDATE survey_invitations SET response_id = ?, answer_time = ? "
      "WHERE id = ?");
  update->setString(1, response_id);
  update->setString(2, crm::common::FormatSqlDatetime(answer_time));
  update->setString(3, id);
  if (update->executeUpdate() == 0) {
    return absl::NotFoundError("survey invitation not found");
  }
  return absl::OkStatus();
}

absl::StatusOr<Page<SurveyInvitationRecord>>
MySqlSurveyInvitationRepository::List(Transaction& tx,
                                      const std::string& survey_id,
                                      const crm::common::filter::Filter& filter,
                                      const PageRequest& page) {
  CRM_ASSIGN_OR_RETURN(
      crm::common::filter::SqlCondition where,
      crm::common::filter::CompileToSql(filter, SurveyInvitationSqlFieldMap()));
  const bool one_survey = !survey_id.empty();
  crm::common::CachedStatement select = crm::common::Prepared(
      tx, absl::StrCat(kSelectInvitationColumns, " WHERE ",
                       one_survey ? "survey_id = ? AND " : "", "(",
                       where.clause, ") AND ", kInvitationsAfterAndOrder));
  int parameter = 1;
  if (one_survey) select->setString(parameter++, survey_id);
  parameter =
      crm::common::filter::BindSqlParams(*select, where.params, parameter);
  crm::common::BindKeysetAfter(*select, parameter, page.after);
  select->setInt(parameter + 3, page.page_size + 1);
  std::unique_ptr<sql::ResultSet> rows(select->executeQuery());
  CRM_ASSIGN_OR_RETURN(std::vector<SurveyInvitationRecord> invitations,
                       ReadInvitations(*rows));
  return crm::common::MakePage<SurveyInvitationRecord>(
      std::move(invitations), page.page_size,
      [](const SurveyInvitationRecord& invitation) {
        return KeysetPosition{invitation.create_time, invitation.id};
      });
}

absl::StatusOr<std::vector<SurveyInvitationRecord>>
MySqlSurveyInvitationRepository::ListByCustomer(
    Transaction& tx, const std::string& customer_id) {
  crm::common::CachedStatement select = crm::common::Prepared(
      tx, absl::StrCat(kSelectInvitationColumns,
                       " WHERE customer_id = ? ORDER BY create_time DESC, "
                       "id DESC"));
  select->setString(1, customer_id);
  std::unique_ptr<sql::ResultSet> rows(select->executeQuery());
  return ReadInvitations(*rows);
}

absl::StatusOr<int64_t> MySqlSurveyInvitationRepository::DeleteCustomer(
    Transaction& tx, const std::string& customer_id) {
  crm::common::CachedStatement erase = crm::common::Prepared(
      tx, "DELETE FROM survey_invitations WHERE customer_id = ?");
  erase->setString(1, customer_id);
  return static_cast<int64_t>(erase->executeUpdate());
}

absl::StatusOr<int64_t> MySqlSurveyInvitationRepository::ReassignCustomer(
    Transaction& tx, const std::string& from_customer_id,
    const std::string& to_customer_id) {
  crm::common::CachedStatement update = crm::common::Prepared(
      tx,
      "UPDATE survey_invitations SET customer_id = ? WHERE customer_id = ?");
  update->setString(1, to_customer_id);
  update->setString(2, from_customer_id);
  return static_cast<int64_t>(update->executeUpdate());
}

}  // namespace crm::feedback
