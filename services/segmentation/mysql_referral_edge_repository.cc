#include "services/segmentation/mysql_referral_edge_repository.h"

#include <cppconn/prepared_statement.h>
#include <cppconn/resultset.h>

#include <algorithm>
#include <map>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "services/common/prepared_statement_cache.h"
#include "services/common/sql_batches.h"
#include "services/common/status_macros.h"
#include "services/common/timestamps.h"

namespace crm::segmentation {
namespace {

using ::crm::common::CachedStatement;
using ::crm::common::Prepared;
using ::crm::common::Transaction;

// Runs `sql` with every `?` bound to the next of `values`.
void Execute(Transaction& tx, absl::string_view sql,
             const std::vector<std::string>& values) {
  CachedStatement statement = Prepared(tx, sql);
  for (size_t i = 0; i < values.size(); ++i) {
    statement->setString(static_cast<int>(i) + 1, values[i]);
  }
  statement->executeUpdate();
}

}  // namespace

absl::Status MySqlReferralEdgeRepository::Insert(Transaction& tx,
                                                 const ReferralEdge& given) {
  ReferralEdge edge = given;
  {
    CachedStatement select =
        Prepared(tx,
                 "SELECT customer_id, survivor_id FROM merged_customers "
                 "WHERE customer_id IN (?, ?) LOCK IN SHARE MODE");
    select->setString(1, edge.referrer_id);
    select->setString(2, edge.referred_id);
    std::unique_ptr<sql::ResultSet> rows(select->executeQuery());
    std::map<std::string, std::string> survivors;
    while (rows->next()) {
      survivors[rows->getString("customer_id").asStdString()] =
          rows->getString("survivor_id").asStdString();
    }
    for (std::string* side : {&edge.referrer_id, &edge.referred_id}) {
      auto survivor = survivors.find(*side);
      if (survivor != survivors.end()) *side = survivor->second;
    }
  }
  if (edge.referrer_id == edge.referred_id) return absl::OkStatus();
  CachedStatement insert =
      Prepared(tx,
               "INSERT IGNORE INTO referral_edges (referral_id, customer_id, "
               "referred_id, reward_time) VALUES (?, ?, ?, ?)");
  insert->setString(1, edge.referral_id);
  insert->setString(2, edge.referrer_id);
  insert->setString(3, edge.referred_id);
  insert->setString(4, crm::common::FormatSqlDatetime(edge.reward_time));
  insert->executeUpdate();
  return absl::OkStatus();
}

absl::Status MySqlReferralEdgeRepository::Delete(
    Transaction& tx, absl::string_view referral_id) {
  Execute(tx, "DELETE FROM referral_edges WHERE referral_id = ?",
          {std::string(referral_id)});
  return absl::OkStatus();
}

absl::Status MySqlReferralEdgeRepository::ReKeyCustomer(
    Transaction& tx, absl::string_view duplicate_id,
    absl::string_view survivor_id) {
  const std::string duplicate(duplicate_id);
  const std::string survivor(survivor_id);
  Execute(tx, "UPDATE referral_edges SET customer_id = ? WHERE customer_id = ?",
          {survivor, duplicate});
  Execute(tx, "UPDATE referral_edges SET referred_id = ? WHERE referred_id = ?",
          {survivor, duplicate});
  Execute(tx,
          "DELETE FROM referral_edges WHERE customer_id = ? AND "
          "referred_id = ?",
          {survivor, survivor});
  return absl::OkStatus();
}

absl::Status MySqlReferralEdgeRepository::DeleteCustomer(
    Transaction& tx, absl::string_view customer_id) {
  const std::string id(customer_id);
  Execute(tx, "DELETE FROM referral_edges WHERE customer_id = ?", {id});
  Execute(tx, "DELETE FROM referral_edges WHERE referred_id = ?", {id});
  return absl::OkStatus();
}

absl::StatusOr<std::vector<ReferralEdge>> MySqlReferralEdgeRepository::EdgesOf(
    Transaction& tx, absl::string_view customer_id) {
  CachedStatement select = Prepared(
      tx,
      "SELECT referral_id, customer_id, referred_id, reward_time "
      "FROM referral_edges WHERE customer_id = ? "
      "UNION SELECT referral_id, customer_id, referred_id, reward_time "
      "FROM referral_edges WHERE referred_id = ? ORDER BY referral_id");
  select->setString(1, std::string(customer_id));
  select->setString(2, std::string(customer_id));
  std::unique_ptr<sql::ResultSet> rows(select->executeQuery());
  std::vector<ReferralEdge> edges;
  while (rows->next()) {
    ReferralEdge edge;
    edge.referral_id = rows->getString("referral_id").asStdString();
    edge.referrer_id = rows->getString("customer_id").asStdString();
    edge.referred_id = rows->getString("referred_id").asStdString();
    CRM_ASSIGN_OR_RETURN(edge.reward_time,
                         crm::common::ParseSqlDatetime(
                             rows->getString("reward_time").asStdString()));
    edges.push_back(std::move(edge));
  }
  return edges;
}

absl::StatusOr<std::map<std::string, ReferralValue>>
MySqlReferralEdgeRepository::ValuesOf(
    Transaction& tx, const std::vector<std::string>& referrer_ids) {
  std::map<std::string, ReferralValue> values;
  if (referrer_ids.empty()) return values;
  // Padded by repeating the last id, so few statement shapes serve every
  // page size (sql_batches.h).
  const size_t padded = crm::common::SqlPaddedCount(referrer_ids.size());
  CachedStatement select = Prepared(
      tx,
      absl::StrCat("SELECT e.customer_id, COUNT(*) AS referral_count, "
                   "COALESCE(SUM(s.clv_minor), 0) AS value_minor "
                   "FROM (SELECT DISTINCT customer_id, referred_id "
                   "FROM referral_edges WHERE customer_id IN (",
                   crm::common::SqlPlaceholders(padded),
                   ")) AS e LEFT JOIN customer_scores AS s "
                   "ON s.customer_id = e.referred_id GROUP BY e.customer_id"));
  for (size_t i = 0; i < padded; ++i) {
    select->setString(static_cast<int>(i) + 1,
                      referrer_ids[std::min(i, referrer_ids.size() - 1)]);
  }
  std::unique_ptr<sql::ResultSet> rows(select->executeQuery());
  while (rows->next()) {
    ReferralValue& value = values[rows->getString("customer_id").asStdString()];
    value.referral_count = rows->getInt64("referral_count");
    value.value_minor = rows->getInt64("value_minor");
  }
  return values;
}

}  // namespace crm::segmentation
