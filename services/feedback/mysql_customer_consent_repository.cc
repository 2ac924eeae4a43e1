#include "services/feedback/mysql_customer_consent_repository.h"

#include <cppconn/prepared_statement.h>
#include <cppconn/resultset.h>

#include <algorithm>
#include <memory>
#include <string>
#include <vector>

#include "services/common/prepared_statement_cache.h"
#include "services/common/status_macros.h"

namespace crm::feedback {
namespace {

namespace cp = ::crm::customerprofile::v1;
using ::crm::common::Transaction;

}  // namespace

absl::StatusOr<std::vector<ConsentAnswer>> MySqlCustomerConsentRepository::Find(
    Transaction& tx, const std::string& customer_id) {
  crm::common::CachedStatement select = crm::common::Prepared(
      tx,
      "SELECT purpose, status FROM customer_consents WHERE customer_id = ?");
  select->setString(1, customer_id);
  std::unique_ptr<sql::ResultSet> rows(select->executeQuery());
  std::vector<ConsentAnswer> answers;
  while (rows->next()) {
    ConsentAnswer answer;
    // A name this build does not know stays unspecified: never granted.
    cp::Consent::Purpose_Parse(rows->getString("purpose").asStdString(),
                               &answer.purpose);
    cp::Consent::Status_Parse(rows->getString("status").asStdString(),
                              &answer.status);
    answers.push_back(answer);
  }
  std::sort(answers.begin(), answers.end(),
            [](const ConsentAnswer& a, const ConsentAnswer& b) {
              return a.purpose < b.purpose;
            });
  return answers;
}

absl::StatusOr<bool> MySqlCustomerConsentRepository::Replace(
    Transaction& tx, const std::string& customer_id,
    const std::vector<ConsentAnswer>& answers, int64_t feed_sequence) {
  crm::common::CachedStatement newest = crm::common::Prepared(
      tx,
      "SELECT MAX(feed_sequence) AS newest FROM customer_consents "
      "WHERE customer_id = ? FOR UPDATE");
  newest->setString(1, customer_id);
  std::unique_ptr<sql::ResultSet> rows(newest->executeQuery());
  if (rows->next() && !rows->isNull("newest") &&
      rows->getInt64("newest") > feed_sequence) {
    return false;
  }
  CRM_RETURN_IF_ERROR(Forget(tx, customer_id));
  crm::common::CachedStatement insert = crm::common::Prepared(
      tx,
      "INSERT INTO customer_consents (customer_id, purpose, status, "
      "feed_sequence) VALUES (?, ?, ?, ?)");
  for (const ConsentAnswer& answer : answers) {
    insert->setString(1, customer_id);
    insert->setString(2, cp::Consent::Purpose_Name(answer.purpose));
    insert->setString(3, cp::Consent::Status_Name(answer.status));
    insert->setInt64(4, feed_sequence);
    insert->executeUpdate();
  }
  return true;
}

absl::Status MySqlCustomerConsentRepository::Forget(
    Transaction& tx, const std::string& customer_id) {
  crm::common::CachedStatement erase = crm::common::Prepared(
      tx, "DELETE FROM customer_consents WHERE customer_id = ?");
  erase->setString(1, customer_id);
  erase->executeUpdate();
  return absl::OkStatus();
}

}  // namespace crm::feedback
