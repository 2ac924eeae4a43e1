#include "services/feedback/mysql_survey_repository.h"

#include <cppconn/exception.h>
#include <cppconn/prepared_statement.h>
#include <cppconn/resultset.h>

#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "services/common/error_details.h"
#include "services/common/prepared_statement_cache.h"
#include "services/common/status_macros.h"
#include "services/common/timestamps.h"

namespace crm::feedback {
namespace {

using ::crm::common::Transaction;

constexpr int kDuplicateKeyError = 1062;

absl::StatusOr<absl::CivilDay> DayOf(const std::string& text) {
  absl::CivilDay day;
  if (!absl::ParseCivilTime(text, &day)) {
    return absl::InternalError("stored day does not parse");
  }
  return day;
}

absl::Status InsertVersion(Transaction& tx, const SurveyRecord& survey) {
  crm::common::CachedStatement insert = crm::common::Prepared(
      tx,
      "INSERT INTO survey_versions (survey_id, version, definition, "
      "create_time) VALUES (?, ?, ?, ?)");
  insert->setString(1, survey.id);
  insert->setInt(2, survey.version);
  insert->setString(3, survey.definition.SerializeAsString());
  insert->setString(4, crm::common::FormatSqlDatetime(survey.update_time));
  insert->executeUpdate();
  return absl::OkStatus();
}

}  // namespace

absl::Status MySqlSurveyRepository::Insert(Transaction& tx,
                                           const SurveyRecord& survey) {
  crm::common::CachedStatement insert = crm::common::Prepared(
      tx,
      "INSERT INTO surveys (id, version, definition, create_time, "
      "update_time) VALUES (?, ?, ?, ?, ?)");
  insert->setString(1, survey.id);
  insert->setInt(2, survey.version);
  insert->setString(3, survey.definition.SerializeAsString());
  insert->setString(4, crm::common::FormatSqlDatetime(survey.create_time));
  insert->setString(5, crm::common::FormatSqlDatetime(survey.update_time));
  try {
    insert->executeUpdate();
  } catch (const sql::SQLException& e) {
    if (e.getErrorCode() != kDuplicateKeyError) throw;
    return absl::AlreadyExistsError("a survey with this id exists");
  }
  return InsertVersion(tx, survey);
}

absl::StatusOr<SurveyRecord> MySqlSurveyRepository::Get(Transaction& tx,
                                                        const std::string& id,
                                                        bool for_update) {
  crm::common::CachedStatement select = crm::common::Prepared(
      tx, for_update ? "SELECT id, version, definition, create_time, "
                       "update_time FROM surveys WHERE id = ? FOR UPDATE"
                     : "SELECT id, version, definition, create_time, "
                       "update_time FROM surveys WHERE id = ?");
  select->setString(1, id);
  std::unique_ptr<sql::ResultSet> rows(select->executeQuery());
  if (!rows->next()) return crm::common::NotFoundError(SurveyName(id));
  SurveyRecord survey;
  survey.id = rows->getString("id").asStdString();
  survey.version = rows->getInt("version");
  if (!survey.definition.ParseFromString(
          rows->getString("definition").asStdString())) {
    return absl::DataLossError("stored survey definition does not parse");
  }
  CRM_ASSIGN_OR_RETURN(survey.create_time,
                       crm::common::ParseSqlDatetime(
                           rows->getString("create_time").asStdString()));
  CRM_ASSIGN_OR_RETURN(survey.update_time,
                       crm::common::ParseSqlDatetime(
                           rows->getString("update_time").asStdString()));
  return survey;
}

absl::Status MySqlSurveyRepository::SaveVersion(Transaction& tx,
                                                const SurveyRecord& survey) {
  crm::common::CachedStatement update = crm::common::Prepared(
      tx,
      "UPDATE surveys SET version = ?, definition = ?, update_time = ? "
      "WHERE id = ?");
  update->setInt(1, survey.version);
  update->setString(2, survey.definition.SerializeAsString());
  update->setString(3, crm::common::FormatSqlDatetime(survey.update_time));
  update->setString(4, survey.id);
  if (update->executeUpdate() == 0) {
    return crm::common::NotFoundError(SurveyName(survey.id));
  }
  return InsertVersion(tx, survey);
}

absl::Status MySqlSurveyRepository::InsertResponse(
    Transaction& tx, const SurveyResponseRecord& response) {
  v1::SurveyResponse answers;
  for (const v1::SurveyAnswer& answer : response.answers) {
    *answers.add_answers() = answer;
  }
  crm::common::CachedStatement insert = crm::common::Prepared(
      tx,
      "INSERT INTO survey_responses (customer_id, id, survey_id, "
      "survey_version, channel, subject, answers, create_time) "
      "VALUES (?, ?, ?, ?, ?, ?, ?, ?)");
  insert->setString(1, response.customer_id);
  insert->setString(2, response.id);
  insert->setString(3, response.survey_id);
  insert->setInt(4, response.survey_version);
  insert->setString(5, response.channel);
  insert->setString(6, response.subject);
  insert->setString(7, answers.SerializeAsString());
  insert->setString(8, crm::common::FormatSqlDatetime(response.create_time));
  try {
    insert->executeUpdate();
  } catch (const sql::SQLException& e) {
    if (e.getErrorCode() != kDuplicateKeyError) throw;
    return absl::AlreadyExistsError("a survey response with this id exists");
  }
  crm::common::CachedStatement scored = crm::common::Prepared(
      tx,
      "INSERT INTO survey_scored_answers (survey_id, response_id, position, "
      "kind, score, channel, create_time) VALUES (?, ?, ?, ?, ?, ?, ?)");
  for (size_t i = 0; i < response.scored.size(); ++i) {
    scored->setString(1, response.survey_id);
    scored->setString(2, response.id);
    scored->setInt(3, static_cast<int>(i));
    scored->setString(4,
                      v1::SurveyQuestion::Kind_Name(response.scored[i].kind));
    scored->setInt(5, response.scored[i].score);
    scored->setString(6, response.channel);
    scored->setString(7, crm::common::FormatSqlDatetime(response.create_time));
    scored->executeUpdate();
  }
  return absl::OkStatus();
}

absl::StatusOr<std::vector<ScoreCount>> MySqlSurveyRepository::CountScores(
    Transaction& tx, const std::string& survey_id, absl::Time from,
    absl::Time to) {
  crm::common::CachedStatement select = crm::common::Prepared(
      tx,
      "SELECT CAST(DATE(create_time) AS CHAR) AS day, channel, kind, score, "
      "COUNT(*) AS answers FROM survey_scored_answers "
      "WHERE survey_id = ? AND create_time >= ? AND create_time < ? "
      "GROUP BY day, channel, kind, score");
  select->setString(1, survey_id);
  select->setString(2, crm::common::FormatSqlDatetime(from));
  select->setString(3, crm::common::FormatSqlDatetime(to));
  std::unique_ptr<sql::ResultSet> rows(select->executeQuery());
  std::vector<ScoreCount> counts;
  while (rows->next()) {
    ScoreCount count;
    CRM_ASSIGN_OR_RETURN(count.day,
                         DayOf(rows->getString("day").asStdString()));
    count.channel = rows->getString("channel").asStdString();
    if (!v1::SurveyQuestion::Kind_Parse(rows->getString("kind").asStdString(),
                                        &count.kind)) {
      return absl::InternalError("stored question kind is unknown");
    }
    count.score = rows->getInt("score");
    count.answers = rows->getInt64("answers");
    counts.push_back(std::move(count));
  }
  return counts;
}

absl::StatusOr<std::vector<ResponseCount>>
MySqlSurveyRepository::CountResponses(Transaction& tx,
                                      const std::string& survey_id,
                                      absl::Time from, absl::Time to) {
  crm::common::CachedStatement select = crm::common::Prepared(
      tx,
      "SELECT CAST(DATE(create_time) AS CHAR) AS day, channel, "
      "COUNT(*) AS responses FROM survey_responses "
      "WHERE survey_id = ? AND create_time >= ? AND create_time < ? "
      "GROUP BY day, channel");
  select->setString(1, survey_id);
  select->setString(2, crm::common::FormatSqlDatetime(from));
  select->setString(3, crm::common::FormatSqlDatetime(to));
  std::unique_ptr<sql::ResultSet> rows(select->executeQuery());
  std::vector<ResponseCount> counts;
  while (rows->next()) {
    ResponseCount count;
    CRM_ASSIGN_OR_RETURN(count.day,
                         DayOf(rows->getString("day").asStdString()));
    count.channel = rows->getString("channel").asStdString();
    count.responses = rows->getInt64("responses");
    counts.push_back(std::move(count));
  }
  return counts;
}

absl::StatusOr<int64_t> MySqlSurveyRepository::AnonymizeCustomer(
    Transaction& tx, const std::string& customer_id) {
  crm::common::CachedStatement update = crm::common::Prepared(
      tx,
      "UPDATE survey_responses SET customer_id = '', subject = '' "
      "WHERE customer_id = ?");
  update->setString(1, customer_id);
  return static_cast<int64_t>(update->executeUpdate());
}

absl::StatusOr<int64_t> MySqlSurveyRepository::ReassignCustomer(
    Transaction& tx, const std::string& from_customer_id,
    const std::string& to_customer_id) {
  crm::common::CachedStatement update = crm::common::Prepared(
      tx, "UPDATE survey_responses SET customer_id = ? WHERE customer_id = ?");
  update->setString(1, to_customer_id);
  update->setString(2, from_customer_id);
  return static_cast<int64_t>(update->executeUpdate());
}

absl::StatusOr<std::vector<SurveyResponseRecord>>
MySqlSurveyRepository::ListResponsesByCustomer(Transaction& tx,
                                               const std::string& customer_id) {
  crm::common::CachedStatement select = crm::common::Prepared(
      tx,
      "SELECT customer_id, id, survey_id, survey_version, channel, subject, "
      "answers, create_time FROM survey_responses WHERE customer_id = ? "
      "ORDER BY create_time DESC, id DESC");
  select->setString(1, customer_id);
  std::unique_ptr<sql::ResultSet> rows(select->executeQuery());
  std::vector<SurveyResponseRecord> responses;
  while (rows->next()) {
    SurveyResponseRecord response;
    response.customer_id = rows->getString("customer_id").asStdString();
    response.id = rows->getString("id").asStdString();
    response.survey_id = rows->getString("survey_id").asStdString();
    response.survey_version = rows->getInt("survey_version");
    response.channel = rows->getString("channel").asStdString();
    response.subject = rows->getString("subject").asStdString();
    v1::SurveyResponse answers;
    if (!answers.ParseFromString(rows->getString("answers").asStdString())) {
      return absl::DataLossError("stored survey answers do not parse");
    }
    response.answers.assign(answers.answers().begin(), answers.answers().end());
    CRM_ASSIGN_OR_RETURN(response.create_time,
                         crm::common::ParseSqlDatetime(
                             rows->getString("create_time").asStdString()));
    responses.push_back(std::move(response));
  }
  return responses;
}

absl::Status MySqlSurveyRepository::RewriteAnswers(
    Transaction& tx, const std::string& response_id,
    const std::vector<v1::SurveyAnswer>& answers) {
  v1::SurveyResponse stored;
  for (const v1::SurveyAnswer& answer : answers) *stored.add_answers() = answer;
  crm::common::CachedStatement update = crm::common::Prepared(
      tx, "UPDATE survey_responses SET answers = ? WHERE id = ?");
  update->setString(1, stored.SerializeAsString());
  update->setString(2, response_id);
  update->executeUpdate();
  return absl::OkStatus();
}

}  // namespace crm::feedback
