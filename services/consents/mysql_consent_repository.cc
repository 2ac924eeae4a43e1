#include "services/consents/mysql_consent_repository.h"

#include <cppconn/prepared_statement.h>
#include <cppconn/resultset.h>

#include <algorithm>
#include <memory>
#include <string>

#include "services/common/mysql_unit_of_work.h"
#include "services/common/prepared_statement_cache.h"
#include "services/common/sql_time.h"
#include "services/common/status_macros.h"

namespace crm::consents {
namespace {

namespace cp = ::crm::customerprofile::v1;
using ::crm::common::Transaction;

}  // namespace

absl::StatusOr<std::vector<ConsentAnswer>> MySqlConsentRepository::Find(
    Transaction& tx, absl::string_view customer_id) {
  crm::common::CachedStatement select = crm::common::Prepared(
      tx,
      "SELECT purpose, status, answer_time FROM customer_consents "
      "WHERE customer_id = ? ORDER BY purpose");
  select->setString(1, std::string(customer_id));
  std::unique_ptr<sql::ResultSet> rows(select->executeQuery());
  std::vector<ConsentAnswer> answers;
  while (rows->next()) {
    ConsentAnswer answer;
    // A name this build does not know stays unspecified: never granted.
    cp::Consent::Purpose_Parse(rows->getString("purpose").asStdString(),
                               &answer.purpose);
    cp::Consent::Status_Parse(rows->getString("status").asStdString(),
                              &answer.status);
    CRM_ASSIGN_OR_RETURN(answer.answer_time, crm::common::OptionalSqlDatetime(
                                                 *rows, "answer_time"));
    answers.push_back(answer);
  }
  std::sort(answers.begin(), answers.end(),
            [](const ConsentAnswer& a, const ConsentAnswer& b) {
              return a.purpose < b.purpose;
            });
  return answers;
}

absl::StatusOr<bool> MySqlConsentRepository::Replace(
    Transaction& tx, absl::string_view customer_id,
    const std::vector<ConsentAnswer>& answers, int64_t feed_sequence) {
  crm::common::CachedStatement newest = crm::common::Prepared(
      tx,
      "SELECT MAX(feed_sequence) AS newest FROM customer_consents "
      "WHERE customer_id = ? FOR UPDATE");
  newest->setString(1, std::string(customer_id));
  std::unique_ptr<sql::ResultSet> rows(newest->executeQuery());
  if (rows->next() && !rows->isNull("newest") &&
      rows->getInt64("newest") > feed_sequence) {
    return false;
  }
  CRM_RETURN_IF_ERROR(Forget(tx, customer_id));
  crm::common::CachedStatement insert = crm::common::Prepared(
      tx,
      "INSERT INTO customer_consents (customer_id, purpose, status, "
      "answer_time, feed_sequence) VALUES (?, ?, ?, ?, ?)");
  for (const ConsentAnswer& answer : answers) {
    insert->setString(1, std::string(customer_id));
    insert->setString(2, cp::Consent::Purpose_Name(answer.purpose));
    insert->setString(3, cp::Consent::Status_Name(answer.status));
    crm::common::BindOptionalSqlDatetime(*insert, 4, answer.answer_time);
    insert->setInt64(5, feed_sequence);
    insert->executeUpdate();
  }
  return true;
}

absl::Status MySqlConsentRepository::Forget(Transaction& tx,
                                            absl::string_view customer_id) {
  crm::common::CachedStatement erase = crm::common::Prepared(
      tx, "DELETE FROM customer_consents WHERE customer_id = ?");
  erase->setString(1, std::string(customer_id));
  erase->executeUpdate();
  return absl::OkStatus();
}

}  // namespace crm::consents
