#include "services/loyalty/mysql_reward_repository.h"

#include <cppconn/exception.h>
#include <cppconn/prepared_statement.h>
#include <cppconn/resultset.h>

#include <memory>
#include <string>
#include <variant>

#include "absl/strings/str_cat.h"
#include "services/common/filter/sql_filter.h"
#include "services/common/filter/sql_filter_binding.h"
#include "services/common/mysql_errors.h"
#include "services/common/mysql_unit_of_work.h"
#include "services/common/prepared_statement_cache.h"
#include "services/common/sql_time.h"
#include "services/common/status_macros.h"
#include "services/common/timestamps.h"

namespace crm::loyalty {
namespace {

using ::crm::common::BindOptionalSqlDatetime;
using ::crm::common::FormatSqlDatetime;
using ::crm::common::OptionalSqlDatetime;
using ::crm::common::ParseSqlDatetime;
using ::crm::common::Transaction;

constexpr char kRewardColumns[] =
    "SELECT id, display_name, point_cost, stock, coupon_validity_days, "
    "available_until, create_time, version FROM rewards ";
constexpr char kCouponColumns[] =
    "SELECT id, code, customer_id, reward_id, state, issue_time, "
    "expire_time, redeem_time, issue_key FROM coupons ";

absl::StatusOr<RewardRecord> RewardFromRow(sql::ResultSet& rows) {
  RewardRecord reward;
  reward.id = rows.getString("id").asStdString();
  reward.display_name = rows.getString("display_name").asStdString();
  reward.point_cost = rows.getInt64("point_cost");
  reward.stock = rows.getInt64("stock");
  reward.coupon_validity_days = rows.getInt("coupon_validity_days");
  CRM_ASSIGN_OR_RETURN(reward.available_until,
                       OptionalSqlDatetime(rows, "available_until"));
  CRM_ASSIGN_OR_RETURN(
      reward.create_time,
      ParseSqlDatetime(rows.getString("create_time").asStdString()));
  reward.version = rows.getInt64("version");
  return reward;
}

absl::StatusOr<CouponRecord> CouponFromRow(sql::ResultSet& rows) {
  CouponRecord coupon;
  coupon.id = rows.getString("id").asStdString();
  coupon.code = rows.getString("code").asStdString();
  coupon.customer_id = rows.getString("customer_id").asStdString();
  coupon.reward_id = rows.getString("reward_id").asStdString();
  if (!v1::Coupon::State_Parse(rows.getString("state").asStdString(),
                               &coupon.state)) {
    return absl::InternalError("coupon in an unknown state");
  }
  CRM_ASSIGN_OR_RETURN(
      coupon.issue_time,
      ParseSqlDatetime(rows.getString("issue_time").asStdString()));
  CRM_ASSIGN_OR_RETURN(
      coupon.expire_time,
      ParseSqlDatetime(rows.getString("expire_time").asStdString()));
  CRM_ASSIGN_OR_RETURN(coupon.redeem_time,
                       OptionalSqlDatetime(rows, "redeem_time"));
  if (!rows.isNull("issue_key")) {
    coupon.issue_key = rows.getString("issue_key").asStdString();
  }
  return coupon;
}

// The columns of coupons' filter fields (coupon_filter.h). `state` is the
// state a read shows at `now`: a stored ISSUED coupon whose expire_time is at
// or before `now` is EXPIRED (as ToCouponProto), so ISSUED also requires
// expire_time after `now`.
crm::common::filter::SqlFieldMap CouponSqlFields(absl::Time now) {
  using ::crm::common::filter::Comparator;
  using ::crm::common::filter::Restriction;
  using ::crm::common::filter::SqlCondition;
  crm::common::filter::SqlFieldMap fields;
  fields.Column("customer", "customer_id")
      .Column("reward", "reward_id")
      .Column("issue_time", "issue_time")
      .Column("expire_time", "expire_time")
      .Custom(
          "state",
          [now](
              const Restriction& restriction) -> absl::StatusOr<SqlCondition> {
            const std::string& name = std::get<std::string>(restriction.value);
            SqlCondition condition;
            if (name == "EXPIRED") {
              condition.clause = "(state = 'ISSUED' AND expire_time <= ?)";
              condition.params.push_back(FormatSqlDatetime(now));
            } else if (name == "ISSUED") {
              condition.clause = "(state = 'ISSUED' AND expire_time > ?)";
              condition.params.push_back(FormatSqlDatetime(now));
            } else {
              condition.clause = "(state = ?)";
              condition.params.push_back(name);
            }
            if (restriction.comparator == Comparator::kNe) {
              condition.clause = absl::StrCat("(NOT ", condition.clause, ")");
            }
            return condition;
          });
  return fields;
}

absl::StatusOr<std::optional<CouponRecord>> OneCoupon(
    crm::common::CachedStatement& select) {
  std::unique_ptr<sql::ResultSet> rows(select->executeQuery());
  if (!rows->next()) return std::nullopt;
  CRM_ASSIGN_OR_RETURN(CouponRecord coupon, CouponFromRow(*rows));
  return coupon;
}

}  // namespace

absl::Status MySqlRewardRepository::InsertReward(Transaction& tx,
                                                 const RewardRecord& reward) {
  crm::common::CachedStatement insert = crm::common::Prepared(
      tx,
      "INSERT INTO rewards (id, display_name, point_cost, stock, "
      "coupon_validity_days, available_until, create_time, version) "
      "VALUES (?, ?, ?, ?, ?, ?, ?, ?)");
  insert->setString(1, reward.id);
  insert->setString(2, reward.display_name);
  insert->setInt64(3, reward.point_cost);
  insert->setInt64(4, reward.stock);
  insert->setInt(5, reward.coupon_validity_days);
  BindOptionalSqlDatetime(*insert, 6, reward.available_until);
  insert->setString(7, FormatSqlDatetime(reward.create_time));
  insert->setInt64(8, reward.version);
  try {
    insert->executeUpdate();
  } catch (const sql::SQLException& e) {
    if (e.getErrorCode() != common::kMySqlDuplicateKeyError) throw;
    return absl::AlreadyExistsError("reward exists");
  }
  return absl::OkStatus();
}

absl::StatusOr<std::optional<RewardRecord>> MySqlRewardRepository::FindReward(
    Transaction& tx, absl::string_view id, bool lock) {
  crm::common::CachedStatement select = crm::common::Prepared(
      tx,
      absl::StrCat(kRewardColumns, "WHERE id = ?", lock ? " FOR UPDATE" : ""));
  select->setString(1, std::string(id));
  std::unique_ptr<sql::ResultSet> rows(select->executeQuery());
  if (!rows->next()) return std::nullopt;
  CRM_ASSIGN_OR_RETURN(RewardRecord reward, RewardFromRow(*rows));
  return reward;
}

absl::Status MySqlRewardRepository::UpdateReward(Transaction& tx,
                                                 const RewardRecord& reward) {
  crm::common::CachedStatement update = crm::common::Prepared(
      tx, "UPDATE rewards SET stock = ?, version = ? WHERE id = ?");
  update->setInt64(1, reward.stock);
  update->setInt64(2, reward.version);
  update->setString(3, reward.id);
  if (update->executeUpdate() == 0) {
    return absl::NotFoundError("no reward to update");
  }
  return absl::OkStatus();
}

absl::StatusOr<std::vector<RewardRecord>> MySqlRewardRepository::ListRewards(
    Transaction& tx, absl::string_view after, int limit) {
  crm::common::CachedStatement select = crm::common::Prepared(
      tx, absl::StrCat(kRewardColumns, "WHERE id > ? ORDER BY id LIMIT ?"));
  select->setString(1, std::string(after));
  select->setInt(2, limit);
  std::unique_ptr<sql::ResultSet> rows(select->executeQuery());
  std::vector<RewardRecord> rewards;
  while (rows->next()) {
    CRM_ASSIGN_OR_RETURN(RewardRecord reward, RewardFromRow(*rows));
    rewards.push_back(std::move(reward));
  }
  return rewards;
}

absl::Status MySqlRewardRepository::InsertCoupon(Transaction& tx,
                                                 const CouponRecord& coupon) {
  crm::common::CachedStatement insert = crm::common::Prepared(
      tx,
      "INSERT INTO coupons (id, code, customer_id, reward_id, state, "
      "issue_time, expire_time, redeem_time, issue_key) "
      "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)");
  insert->setString(1, coupon.id);
  insert->setString(2, coupon.code);
  insert->setString(3, coupon.customer_id);
  insert->setString(4, coupon.reward_id);
  insert->setString(5, v1::Coupon::State_Name(coupon.state));
  insert->setString(6, FormatSqlDatetime(coupon.issue_time));
  insert->setString(7, FormatSqlDatetime(coupon.expire_time));
  BindOptionalSqlDatetime(*insert, 8, coupon.redeem_time);
  if (coupon.issue_key.empty()) {
    insert->setNull(9, 0);
  } else {
    insert->setString(9, coupon.issue_key);
  }
  try {
    insert->executeUpdate();
  } catch (const sql::SQLException& e) {
    if (e.getErrorCode() != common::kMySqlDuplicateKeyError) throw;
    return absl::AlreadyExistsError("coupon id or code exists");
  }
  return absl::OkStatus();
}

absl::StatusOr<std::optional<CouponRecord>> MySqlRewardRepository::FindCoupon(
    Transaction& tx, absl::string_view id) {
  crm::common::CachedStatement select =
      crm::common::Prepared(tx, absl::StrCat(kCouponColumns, "WHERE id = ?"));
  select->setString(1, std::string(id));
  return OneCoupon(select);
}

absl::StatusOr<std::optional<CouponRecord>>
MySqlRewardRepository::FindCouponByCode(Transaction& tx, absl::string_view code,
                                        bool lock) {
  crm::common::CachedStatement select =
      crm::common::Prepared(tx, absl::StrCat(kCouponColumns, "WHERE code = ?",
                                             lock ? " FOR UPDATE" : ""));
  select->setString(1, std::string(code));
  return OneCoupon(select);
}

absl::Status MySqlRewardRepository::UpdateCoupon(Transaction& tx,
                                                 const CouponRecord& coupon) {
  crm::common::CachedStatement update = crm::common::Prepared(
      tx, "UPDATE coupons SET state = ?, redeem_time = ? WHERE id = ?");
  update->setString(1, v1::Coupon::State_Name(coupon.state));
  BindOptionalSqlDatetime(*update, 2, coupon.redeem_time);
  update->setString(3, coupon.id);
  if (update->executeUpdate() == 0) {
    return absl::NotFoundError("no coupon to update");
  }
  return absl::OkStatus();
}

absl::StatusOr<std::vector<CouponRecord>>
MySqlRewardRepository::CouponsOfCustomer(Transaction& tx,
                                         absl::string_view customer_id) {
  crm::common::CachedStatement select = crm::common::Prepared(
      tx, absl::StrCat(kCouponColumns,
                       "WHERE customer_id = ? ORDER BY issue_time, id"));
  select->setString(1, std::string(customer_id));
  std::unique_ptr<sql::ResultSet> rows(select->executeQuery());
  std::vector<CouponRecord> coupons;
  while (rows->next()) {
    CRM_ASSIGN_OR_RETURN(CouponRecord coupon, CouponFromRow(*rows));
    coupons.push_back(std::move(coupon));
  }
  return coupons;
}

absl::StatusOr<std::vector<CouponRecord>> MySqlRewardRepository::ListCoupons(
    Transaction& tx, const CouponQuery& query) {
  CRM_ASSIGN_OR_RETURN(crm::common::filter::SqlCondition where,
                       crm::common::filter::CompileToSql(
                           query.filter, CouponSqlFields(query.now)));
  crm::common::CachedStatement select = crm::common::Prepared(
      tx, absl::StrCat(kCouponColumns, "WHERE (", where.clause, ")",
                       query.after.has_value()
                           ? " AND (issue_time < ? OR (issue_time = ? AND "
                             "id < ?))"
                           : "",
                       " ORDER BY issue_time DESC, id DESC LIMIT ?"));
  int next = crm::common::filter::BindSqlParams(*select, where.params, 1);
  if (query.after.has_value()) {
    const std::string time = FormatSqlDatetime(query.after->first);
    select->setString(next++, time);
    select->setString(next++, time);
    select->setString(next++, query.after->second);
  }
  select->setInt(next, query.limit);
  std::unique_ptr<sql::ResultSet> rows(select->executeQuery());
  std::vector<CouponRecord> coupons;
  while (rows->next()) {
    CRM_ASSIGN_OR_RETURN(CouponRecord coupon, CouponFromRow(*rows));
    coupons.push_back(std::move(coupon));
  }
  return coupons;
}

absl::StatusOr<std::optional<CouponRecord>>
MySqlRewardRepository::FindCouponByIssueKey(Transaction& tx,
                                            absl::string_view customer_id,
                                            absl::string_view issue_key) {
  crm::common::CachedStatement select = crm::common::Prepared(
      tx,
      absl::StrCat(kCouponColumns, "WHERE customer_id = ? AND issue_key = ?"));
  select->setString(1, std::string(customer_id));
  select->setString(2, std::string(issue_key));
  return OneCoupon(select);
}

absl::Status MySqlRewardRepository::ForgetIssueKeys(
    Transaction& tx, absl::string_view customer_id) {
  crm::common::CachedStatement update = crm::common::Prepared(
      tx, "UPDATE coupons SET issue_key = NULL WHERE customer_id = ?");
  update->setString(1, std::string(customer_id));
  update->executeUpdate();
  return absl::OkStatus();
}

absl::Status MySqlRewardRepository::ReassignCoupons(
    Transaction& tx, absl::string_view from_customer_id,
    absl::string_view to_customer_id) {
  crm::common::CachedStatement update = crm::common::Prepared(
      tx, "UPDATE coupons SET customer_id = ? WHERE customer_id = ?");
  update->setString(1, std::string(to_customer_id));
  update->setString(2, std::string(from_customer_id));
  update->executeUpdate();
  return absl::OkStatus();
}

}  // namespace crm::loyalty
