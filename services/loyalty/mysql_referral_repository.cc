#include "services/loyalty/mysql_referral_repository.h"

#include <cppconn/exception.h>
#include <cppconn/prepared_statement.h>
#include <cppconn/resultset.h>

#include <algorithm>
#include <map>
#include <memory>
#include <string>

#include "absl/strings/str_cat.h"
#include "services/common/filter/sql_filter.h"
#include "services/common/filter/sql_filter_binding.h"
#include "services/common/mysql_errors.h"
#include "services/common/mysql_unit_of_work.h"
#include "services/common/prepared_statement_cache.h"
#include "services/common/sql_batches.h"
#include "services/common/sql_time.h"
#include "services/common/status_macros.h"
#include "services/common/timestamps.h"

namespace crm::loyalty {
namespace {

constexpr char kReferralCodeColumns[] =
    "SELECT customer_id, code, create_time FROM referral_codes ";
constexpr char kReferralColumns[] =
    "SELECT id, customer_id, referrer_id, state, create_time, reward_time, "
    "cancel_time, referrer_points, referred_points FROM referrals ";

absl::StatusOr<std::optional<ReferralCodeRecord>> OneReferralCode(
    crm::common::CachedStatement& select) {
  std::unique_ptr<sql::ResultSet> rows(select->executeQuery());
  if (!rows->next()) return std::nullopt;
  ReferralCodeRecord code;
  code.customer_id = rows->getString("customer_id").asStdString();
  code.code = rows->getString("code").asStdString();
  CRM_ASSIGN_OR_RETURN(code.create_time,
                       crm::common::ParseSqlDatetime(
                           rows->getString("create_time").asStdString()));
  return code;
}

absl::StatusOr<ReferralRecord> ReferralFromRow(sql::ResultSet& rows) {
  ReferralRecord referral;
  referral.id = rows.getString("id").asStdString();
  referral.referred_id = rows.getString("customer_id").asStdString();
  referral.referrer_id = rows.getString("referrer_id").asStdString();
  if (!v1::Referral::State_Parse(rows.getString("state").asStdString(),
                                 &referral.state)) {
    return absl::InternalError("referral in an unknown state");
  }
  CRM_ASSIGN_OR_RETURN(referral.create_time,
                       crm::common::ParseSqlDatetime(
                           rows.getString("create_time").asStdString()));
  CRM_ASSIGN_OR_RETURN(referral.reward_time,
                       crm::common::OptionalSqlDatetime(rows, "reward_time"));
  CRM_ASSIGN_OR_RETURN(referral.cancel_time,
                       crm::common::OptionalSqlDatetime(rows, "cancel_time"));
  referral.referrer_points = rows.getInt64("referrer_points");
  referral.referred_points = rows.getInt64("referred_points");
  return referral;
}

absl::StatusOr<std::vector<ReferralRecord>> AllReferralRows(
    crm::common::CachedStatement& select) {
  std::unique_ptr<sql::ResultSet> rows(select->executeQuery());
  std::vector<ReferralRecord> referrals;
  while (rows->next()) {
    CRM_ASSIGN_OR_RETURN(ReferralRecord referral, ReferralFromRow(*rows));
    referrals.push_back(std::move(referral));
  }
  return referrals;
}

// The columns of referrals' filter fields (referral_filter.h).
crm::common::filter::SqlFieldMap ReferralSqlFields() {
  crm::common::filter::SqlFieldMap fields;
  fields.Column("referrer", "referrer_id")
      .Column("referred", "customer_id")
      .Column("state", "state")
      .Column("create_time", "create_time");
  return fields;
}

}  // namespace

absl::StatusOr<std::optional<ReferralCodeRecord>>
MySqlReferralRepository::FindCode(crm::common::Transaction& tx,
                                  absl::string_view customer_id, bool lock) {
  crm::common::CachedStatement select = crm::common::Prepared(
      tx, absl::StrCat(kReferralCodeColumns, "WHERE customer_id = ?",
                       lock ? " FOR UPDATE" : ""));
  select->setString(1, std::string(customer_id));
  return OneReferralCode(select);
}

absl::StatusOr<std::optional<ReferralCodeRecord>>
MySqlReferralRepository::FindCodeByCode(crm::common::Transaction& tx,
                                        absl::string_view code) {
  crm::common::CachedStatement select = crm::common::Prepared(
      tx, absl::StrCat(kReferralCodeColumns, "WHERE code = ?"));
  select->setString(1, std::string(code));
  return OneReferralCode(select);
}

absl::Status MySqlReferralRepository::InsertCode(
    crm::common::Transaction& tx, const ReferralCodeRecord& code) {
  crm::common::CachedStatement insert = crm::common::Prepared(
      tx,
      "INSERT INTO referral_codes (customer_id, code, create_time) "
      "VALUES (?, ?, ?)");
  insert->setString(1, code.customer_id);
  insert->setString(2, code.code);
  insert->setString(3, crm::common::FormatSqlDatetime(code.create_time));
  try {
    insert->executeUpdate();
  } catch (const sql::SQLException& e) {
    if (e.getErrorCode() != common::kMySqlDuplicateKeyError) throw;
    return absl::AlreadyExistsError("referral code or its customer exists");
  }
  return absl::OkStatus();
}

absl::Status MySqlReferralRepository::MoveCode(
    crm::common::Transaction& tx, absl::string_view from_customer_id,
    absl::string_view to_customer_id) {
  crm::common::CachedStatement update = crm::common::Prepared(
      tx, "UPDATE referral_codes SET customer_id = ? WHERE customer_id = ?");
  update->setString(1, std::string(to_customer_id));
  update->setString(2, std::string(from_customer_id));
  update->executeUpdate();
  return absl::OkStatus();
}

absl::Status MySqlReferralRepository::DeleteCode(
    crm::common::Transaction& tx, absl::string_view customer_id) {
  crm::common::CachedStatement remove = crm::common::Prepared(
      tx, "DELETE FROM referral_codes WHERE customer_id = ?");
  remove->setString(1, std::string(customer_id));
  remove->executeUpdate();
  return absl::OkStatus();
}

absl::Status MySqlReferralRepository::InsertReferral(
    crm::common::Transaction& tx, const ReferralRecord& referral) {
  crm::common::CachedStatement insert = crm::common::Prepared(
      tx,
      "INSERT INTO referrals (id, customer_id, referrer_id, state, "
      "create_time, reward_time, cancel_time, referrer_points, "
      "referred_points) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)");
  insert->setString(1, referral.id);
  insert->setString(2, referral.referred_id);
  insert->setString(3, referral.referrer_id);
  insert->setString(4, v1::Referral::State_Name(referral.state));
  insert->setString(5, crm::common::FormatSqlDatetime(referral.create_time));
  crm::common::BindOptionalSqlDatetime(*insert, 6, referral.reward_time);
  crm::common::BindOptionalSqlDatetime(*insert, 7, referral.cancel_time);
  insert->setInt64(8, referral.referrer_points);
  insert->setInt64(9, referral.referred_points);
  try {
    insert->executeUpdate();
  } catch (const sql::SQLException& e) {
    if (e.getErrorCode() != common::kMySqlDuplicateKeyError) throw;
    return absl::AlreadyExistsError("referral exists");
  }
  return absl::OkStatus();
}

absl::Status MySqlReferralRepository::UpdateReferral(
    crm::common::Transaction& tx, const ReferralRecord& referral) {
  crm::common::CachedStatement update = crm::common::Prepared(
      tx,
      "UPDATE referrals SET customer_id = ?, referrer_id = ?, state = ?, "
      "reward_time = ?, cancel_time = ?, referrer_points = ?, "
      "referred_points = ? WHERE id = ?");
  update->setString(1, referral.referred_id);
  update->setString(2, referral.referrer_id);
  update->setString(3, v1::Referral::State_Name(referral.state));
  crm::common::BindOptionalSqlDatetime(*update, 4, referral.reward_time);
  crm::common::BindOptionalSqlDatetime(*update, 5, referral.cancel_time);
  update->setInt64(6, referral.referrer_points);
  update->setInt64(7, referral.referred_points);
  update->setString(8, referral.id);
  // MariaDB counts matched rows only when they change; check existence
  // apart so an update to the same values is not NOT_FOUND.
  if (update->executeUpdate() == 0) {
    crm::common::CachedStatement exists =
        crm::common::Prepared(tx, "SELECT 1 FROM referrals WHERE id = ?");
    exists->setString(1, referral.id);
    std::unique_ptr<sql::ResultSet> rows(exists->executeQuery());
    if (!rows->next()) return absl::NotFoundError("no referral to update");
  }
  return absl::OkStatus();
}

absl::StatusOr<std::vector<ReferralRecord>>
MySqlReferralRepository::ReferralsOfReferred(crm::common::Transaction& tx,
                                             absl::string_view customer_id,
                                             bool lock) {
  crm::common::CachedStatement select = crm::common::Prepared(
      tx, absl::StrCat(kReferralColumns,
                       "WHERE customer_id = ? ORDER BY create_time, id",
                       lock ? " FOR UPDATE" : ""));
  select->setString(1, std::string(customer_id));
  return AllReferralRows(select);
}

absl::StatusOr<std::map<std::string, std::vector<ReferralRecord>>>
MySqlReferralRepository::ReferralsOfReferredMany(
    crm::common::Transaction& tx, const std::vector<std::string>& customer_ids,
    bool lock) {
  std::map<std::string, std::vector<ReferralRecord>> by_customer;
  for (const std::string& id : customer_ids) by_customer[id];
  const std::vector<std::string> ids = [&] {
    std::vector<std::string> out;
    for (const auto& [id, unused] : by_customer) out.push_back(id);
    return out;
  }();
  for (const crm::common::SqlChunk& chunk :
       crm::common::SqlChunks(ids.size(), 64)) {
    crm::common::CachedStatement select = crm::common::Prepared(
        tx, absl::StrCat(kReferralColumns, "WHERE customer_id IN (",
                         crm::common::SqlPlaceholders(chunk.size),
                         ") ORDER BY customer_id, create_time, id",
                         lock ? " FOR UPDATE" : ""));
    for (size_t i = 0; i < chunk.size; ++i) {
      select->setString(static_cast<int>(i) + 1, ids[chunk.begin + i]);
    }
    CRM_ASSIGN_OR_RETURN(std::vector<ReferralRecord> rows,
                         AllReferralRows(select));
    for (ReferralRecord& row : rows) {
      by_customer[row.referred_id].push_back(std::move(row));
    }
  }
  return by_customer;
}

absl::StatusOr<std::vector<ReferralRecord>>
MySqlReferralRepository::ReferralsOfCustomer(crm::common::Transaction& tx,
                                             absl::string_view customer_id,
                                             bool lock) {
  // One statement per side, each on its own key, so the locking reads lock
  // only the rows they return (an OR could scan and lock the table).
  std::map<std::string, ReferralRecord> by_id;
  for (const char* column : {"customer_id", "referrer_id"}) {
    crm::common::CachedStatement select = crm::common::Prepared(
        tx, absl::StrCat(kReferralColumns, "WHERE ", column, " = ?",
                         lock ? " FOR UPDATE" : ""));
    select->setString(1, std::string(customer_id));
    CRM_ASSIGN_OR_RETURN(std::vector<ReferralRecord> rows,
                         AllReferralRows(select));
    for (ReferralRecord& row : rows) by_id[row.id] = std::move(row);
  }
  std::vector<ReferralRecord> referrals;
  for (auto& [id, referral] : by_id) referrals.push_back(std::move(referral));
  std::sort(referrals.begin(), referrals.end(),
            [](const ReferralRecord& a, const ReferralRecord& b) {
              if (a.create_time != b.create_time) {
                return a.create_time < b.create_time;
              }
              return a.id < b.id;
            });
  return referrals;
}

absl::StatusOr<std::vector<ReferralRecord>>
MySqlReferralRepository::ListReferrals(crm::common::Transaction& tx,
                                       const ReferralQuery& query) {
  CRM_ASSIGN_OR_RETURN(
      crm::common::filter::SqlCondition where,
      crm::common::filter::CompileToSql(query.filter, ReferralSqlFields()));
  crm::common::CachedStatement select = crm::common::Prepared(
      tx, absl::StrCat(kReferralColumns, "WHERE (", where.clause, ")",
                       query.after.has_value()
                           ? " AND (create_time < ? OR (create_time = ? AND "
                             "id < ?))"
                           : "",
                       " ORDER BY create_time DESC, id DESC LIMIT ?"));
  int next = crm::common::filter::BindSqlParams(*select, where.params, 1);
  if (query.after.has_value()) {
    const std::string time = crm::common::FormatSqlDatetime(query.after->first);
    select->setString(next++, time);
    select->setString(next++, time);
    select->setString(next++, query.after->second);
  }
  select->setInt(next, query.limit);
  return AllReferralRows(select);
}

absl::StatusOr<bool> MySqlReferralRepository::HasOrdered(
    crm::common::Transaction& tx, absl::string_view customer_id) {
  crm::common::CachedStatement select = crm::common::Prepared(
      tx, "SELECT 1 FROM order_earnings WHERE customer_id = ? LIMIT 1");
  select->setString(1, std::string(customer_id));
  std::unique_ptr<sql::ResultSet> rows(select->executeQuery());
  return rows->next();
}

}  // namespace crm::loyalty
