#include "services/feedback/mysql_survey_repository.h"

#include <cppconn/exception.h>
#include <cppconn/prepared_statement.h>
#include <cppconn/resultset.h>

#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "services/common/error_details.h"
#include "services/common/filter/sql_filter.h"
#include "services/common/filter/sql_filter_binding.h"
#include "services/common/mysql_errors.h"
#include "services/common/prepared_statement_cache.h"
#include "services/common/status_macros.h"
#include "services/common/timestamps.h"

namespace crm::feedback {
namespace {

using ::crm::common::KeysetPosition;
using ::crm::common::Page;
using ::crm::common::PageRequest;
using ::crm::common::Transaction;

constexpr char kSelectResponseColumns[] =
    "SELECT customer_id, id, survey_id, survey_version, channel, subject, "
    "answers, create_time, invitation_id, value_tier, loyalty_tier "
    "FROM survey_responses";

// Keeps the scored answers (`a`) of the responses stored with one segment
// (bound first); (response_id, segment_id) is unique, so no row repeats.
constexpr char kJoinSegment[] =
    "JOIN survey_response_segments g ON g.response_id = a.response_id "
    "AND g.segment_id = ? ";

// The keyset condition and order of "newest first" (keyset_page.h).
constexpr char kAfterAndOrder[] =
    "(create_time < ? OR (create_time = ? AND id < ?)) "
    "ORDER BY create_time DESC, id DESC LIMIT ?";

// `customer` compared on the stored id itself (not through NULLIF), so
// `customer = ?` is a range of the (customer_id, create_time, id) index; an
// anonymous or erased response ('') has no customer and satisfies no
// comparison, as a NULL-able column.
absl::StatusOr<crm::common::filter::SqlCondition> CustomerCondition(
    const crm::common::filter::Restriction& restriction) {
  crm::common::filter::SqlCondition condition;
  condition.clause = absl::StrCat(
      "(survey_responses.customer_id <> '' AND survey_responses.customer_id ",
      crm::common::filter::ComparatorText(restriction.comparator), " ?)");
  condition.params.push_back(
      crm::common::filter::ToSqlParam(restriction.value));
  return condition;
}

// The columns of the filter's fields (survey_response_filter.h).
const crm::common::filter::SqlFieldMap& SurveyResponseSqlFieldMap() {
  static const crm::common::filter::SqlFieldMap* const columns = [] {
    auto* map = new crm::common::filter::SqlFieldMap();
    map->Custom("customer", CustomerCondition)
        .Column("channel", "survey_responses.channel")
        .Column("create_time", "survey_responses.create_time");
    return map;
  }();
  return *columns;
}

// The survey in the current row of `rows` (id, version, definition,
// create_time, update_time).
absl::StatusOr<SurveyRecord> SurveyFromRow(sql::ResultSet& rows) {
  SurveyRecord survey;
  survey.id = rows.getString("id").asStdString();
  survey.version = rows.getInt("version");
  if (!survey.definition.ParseFromString(
          rows.getString("definition").asStdString())) {
    return absl::DataLossError("stored survey definition does not parse");
  }
  CRM_ASSIGN_OR_RETURN(survey.create_time,
                       crm::common::ParseSqlDatetime(
                           rows.getString("create_time").asStdString()));
  CRM_ASSIGN_OR_RETURN(survey.update_time,
                       crm::common::ParseSqlDatetime(
                           rows.getString("update_time").asStdString()));
  return survey;
}

// A stored value tier name.
absl::StatusOr<v1::SurveyResponse::ValueTier> ValueTierOf(
    const std::string& name) {
  v1::SurveyResponse::ValueTier tier = v1::SurveyResponse::VALUE_TIER_UNKNOWN;
  if (!v1::SurveyResponse::ValueTier_Parse(name, &tier)) {
    return absl::InternalError("stored value tier is unknown");
  }
  return tier;
}

// The response in the current row of `rows` (kSelectResponseColumns).
absl::StatusOr<SurveyResponseRecord> ResponseFromRow(sql::ResultSet& rows) {
  SurveyResponseRecord response;
  response.customer_id = rows.getString("customer_id").asStdString();
  response.id = rows.getString("id").asStdString();
  response.survey_id = rows.getString("survey_id").asStdString();
  response.survey_version = rows.getInt("survey_version");
  response.channel = rows.getString("channel").asStdString();
  response.subject = rows.getString("subject").asStdString();
  v1::SurveyResponse answers;
  if (!answers.ParseFromString(rows.getString("answers").asStdString())) {
    return absl::DataLossError("stored survey answers do not parse");
  }
  response.answers.assign(answers.answers().begin(), answers.answers().end());
  CRM_ASSIGN_OR_RETURN(response.create_time,
                       crm::common::ParseSqlDatetime(
                           rows.getString("create_time").asStdString()));
  response.invitation_id = rows.getString("invitation_id").asStdString();
  CRM_ASSIGN_OR_RETURN(response.value_tier,
                       ValueTierOf(rows.getString("value_tier").asStdString()));
  response.loyalty_tier = rows.getString("loyalty_tier").asStdString();
  return response;
}

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
    if (e.getErrorCode() != common::kMySqlDuplicateKeyError) throw;
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
  return SurveyFromRow(*rows);
}

absl::StatusOr<SurveyRecord> MySqlSurveyRepository::GetVersion(
    Transaction& tx, const std::string& id, int32_t version) {
  crm::common::CachedStatement select = crm::common::Prepared(
      tx,
      "SELECT v.survey_id AS id, v.version, v.definition, s.create_time, "
      "v.create_time AS update_time FROM survey_versions v "
      "JOIN surveys s ON s.id = v.survey_id "
      "WHERE v.survey_id = ? AND v.version = ?");
  select->setString(1, id);
  select->setInt(2, version);
  std::unique_ptr<sql::ResultSet> rows(select->executeQuery());
  if (!rows->next()) {
    return crm::common::NotFoundError(
        absl::StrCat(SurveyName(id), " version ", version));
  }
  return SurveyFromRow(*rows);
}

absl::StatusOr<Page<SurveyRecord>> MySqlSurveyRepository::List(
    Transaction& tx, const PageRequest& page) {
  crm::common::CachedStatement select = crm::common::Prepared(
      tx, absl::StrCat("SELECT id, version, definition, create_time, "
                       "update_time FROM surveys WHERE ",
                       kAfterAndOrder));
  crm::common::BindKeysetAfter(*select, 1, page.after);
  select->setInt(4, page.page_size + 1);
  std::unique_ptr<sql::ResultSet> rows(select->executeQuery());
  std::vector<SurveyRecord> surveys;
  while (rows->next()) {
    CRM_ASSIGN_OR_RETURN(SurveyRecord survey, SurveyFromRow(*rows));
    surveys.push_back(std::move(survey));
  }
  return crm::common::MakePage<SurveyRecord>(
      std::move(surveys), page.page_size, [](const SurveyRecord& survey) {
        return KeysetPosition{survey.create_time, survey.id};
      });
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
      "survey_version, channel, subject, answers, create_time, "
      "invitation_id, value_tier, loyalty_tier) "
      "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)");
  insert->setString(1, response.customer_id);
  insert->setString(2, response.id);
  insert->setString(3, response.survey_id);
  insert->setInt(4, response.survey_version);
  insert->setString(5, response.channel);
  insert->setString(6, response.subject);
  insert->setString(7, answers.SerializeAsString());
  insert->setString(8, crm::common::FormatSqlDatetime(response.create_time));
  insert->setString(9, response.invitation_id);
  const std::string tier =
      v1::SurveyResponse::ValueTier_Name(response.value_tier);
  insert->setString(10, tier);
  insert->setString(11, response.loyalty_tier);
  try {
    insert->executeUpdate();
  } catch (const sql::SQLException& e) {
    if (e.getErrorCode() != common::kMySqlDuplicateKeyError) throw;
    return absl::AlreadyExistsError("a survey response with this id exists");
  }
  crm::common::CachedStatement scored = crm::common::Prepared(
      tx,
      "INSERT INTO survey_scored_answers (survey_id, response_id, position, "
      "kind, score, channel, create_time, value_tier, loyalty_tier) "
      "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)");
  for (size_t i = 0; i < response.scored.size(); ++i) {
    scored->setString(1, response.survey_id);
    scored->setString(2, response.id);
    scored->setInt(3, static_cast<int>(i));
    scored->setString(4,
                      v1::SurveyQuestion::Kind_Name(response.scored[i].kind));
    scored->setInt(5, response.scored[i].score);
    scored->setString(6, response.channel);
    scored->setString(7, crm::common::FormatSqlDatetime(response.create_time));
    scored->setString(8, tier);
    scored->setString(9, response.loyalty_tier);
    scored->executeUpdate();
  }
  crm::common::CachedStatement segment = crm::common::Prepared(
      tx,
      "INSERT INTO survey_response_segments (response_id, segment_id, "
      "survey_id, create_time) VALUES (?, ?, ?, ?)");
  for (const std::string& segment_id : response.segment_ids) {
    segment->setString(1, response.id);
    segment->setString(2, segment_id);
    segment->setString(3, response.survey_id);
    segment->setString(4, crm::common::FormatSqlDatetime(response.create_time));
    segment->executeUpdate();
  }
  return absl::OkStatus();
}

absl::StatusOr<Page<SurveyResponseRecord>> MySqlSurveyRepository::ListResponses(
    Transaction& tx, const std::string& survey_id,
    const crm::common::filter::Filter& filter, const PageRequest& page) {
  CRM_ASSIGN_OR_RETURN(
      crm::common::filter::SqlCondition where,
      crm::common::filter::CompileToSql(filter, SurveyResponseSqlFieldMap()));
  const bool one_survey = !survey_id.empty();
  crm::common::CachedStatement select = crm::common::Prepared(
      tx, absl::StrCat(kSelectResponseColumns, " WHERE ",
                       one_survey ? "survey_id = ? AND " : "", "(",
                       where.clause, ") AND ", kAfterAndOrder));
  int parameter = 1;
  if (one_survey) select->setString(parameter++, survey_id);
  parameter =
      crm::common::filter::BindSqlParams(*select, where.params, parameter);
  crm::common::BindKeysetAfter(*select, parameter, page.after);
  select->setInt(parameter + 3, page.page_size + 1);
  std::unique_ptr<sql::ResultSet> rows(select->executeQuery());
  std::vector<SurveyResponseRecord> responses;
  while (rows->next()) {
    CRM_ASSIGN_OR_RETURN(SurveyResponseRecord response, ResponseFromRow(*rows));
    responses.push_back(std::move(response));
  }
  return crm::common::MakePage<SurveyResponseRecord>(
      std::move(responses), page.page_size,
      [](const SurveyResponseRecord& response) {
        return KeysetPosition{response.create_time, response.id};
      });
}

absl::StatusOr<std::vector<ScoreCount>> MySqlSurveyRepository::CountScores(
    Transaction& tx, const std::string& survey_id, absl::Time from,
    absl::Time to, const std::string& segment_id) {
  const bool one_segment = !segment_id.empty();
  crm::common::CachedStatement select = crm::common::Prepared(
      tx, absl::StrCat(
              "SELECT CAST(DATE(a.create_time) AS CHAR) AS day, a.channel, "
              "a.value_tier, a.loyalty_tier, a.kind, a.score, "
              "COUNT(*) AS answers FROM survey_scored_answers a ",
              one_segment ? kJoinSegment : "",
              "WHERE a.survey_id = ? AND a.create_time >= ? AND "
              "a.create_time < ? GROUP BY day, a.channel, a.value_tier, "
              "a.loyalty_tier, a.kind, a.score"));
  int parameter = 1;
  if (one_segment) select->setString(parameter++, segment_id);
  select->setString(parameter++, survey_id);
  select->setString(parameter++, crm::common::FormatSqlDatetime(from));
  select->setString(parameter, crm::common::FormatSqlDatetime(to));
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
    CRM_ASSIGN_OR_RETURN(
        count.value_tier,
        ValueTierOf(rows->getString("value_tier").asStdString()));
    count.loyalty_tier = rows->getString("loyalty_tier").asStdString();
    counts.push_back(std::move(count));
  }
  return counts;
}

absl::StatusOr<std::vector<ResponseCount>>
MySqlSurveyRepository::CountResponses(Transaction& tx,
                                      const std::string& survey_id,
                                      absl::Time from, absl::Time to,
                                      const std::string& segment_id) {
  const bool one_segment = !segment_id.empty();
  crm::common::CachedStatement select = crm::common::Prepared(
      tx, absl::StrCat(
              "SELECT CAST(DATE(a.create_time) AS CHAR) AS day, a.channel, "
              "a.value_tier, a.loyalty_tier, COUNT(*) AS responses "
              "FROM survey_responses a ",
              one_segment ? absl::StrReplaceAll(kJoinSegment,
                                                {{"a.response_id", "a.id"}})
                          : "",
              "WHERE a.survey_id = ? AND a.create_time >= ? AND "
              "a.create_time < ? GROUP BY day, a.channel, a.value_tier, "
              "a.loyalty_tier"));
  int parameter = 1;
  if (one_segment) select->setString(parameter++, segment_id);
  select->setString(parameter++, survey_id);
  select->setString(parameter++, crm::common::FormatSqlDatetime(from));
  select->setString(parameter, crm::common::FormatSqlDatetime(to));
  std::unique_ptr<sql::ResultSet> rows(select->executeQuery());
  std::vector<ResponseCount> counts;
  while (rows->next()) {
    ResponseCount count;
    CRM_ASSIGN_OR_RETURN(count.day,
                         DayOf(rows->getString("day").asStdString()));
    count.channel = rows->getString("channel").asStdString();
    count.responses = rows->getInt64("responses");
    CRM_ASSIGN_OR_RETURN(
        count.value_tier,
        ValueTierOf(rows->getString("value_tier").asStdString()));
    count.loyalty_tier = rows->getString("loyalty_tier").asStdString();
    counts.push_back(std::move(count));
  }
  return counts;
}

absl::StatusOr<int64_t> MySqlSurveyRepository::AnonymizeCustomer(
    Transaction& tx, const std::string& customer_id) {
  crm::common::CachedStatement update = crm::common::Prepared(
      tx,
      "UPDATE survey_responses SET customer_id = '', subject = '', "
      "invitation_id = '' WHERE customer_id = ?");
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
      tx, absl::StrCat(kSelectResponseColumns,
                       " WHERE customer_id = ? ORDER BY create_time DESC, "
                       "id DESC"));
  select->setString(1, customer_id);
  std::unique_ptr<sql::ResultSet> rows(select->executeQuery());
  std::vector<SurveyResponseRecord> responses;
  while (rows->next()) {
    CRM_ASSIGN_OR_RETURN(SurveyResponseRecord response, ResponseFromRow(*rows));
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
