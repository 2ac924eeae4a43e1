#include "services/loyalty/mysql_campaign_repository.h"

#include <cppconn/exception.h>
#include <cppconn/prepared_statement.h>
#include <cppconn/resultset.h>

#include <memory>
#include <string>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "services/common/mysql_errors.h"
#include "services/common/mysql_unit_of_work.h"
#include "services/common/prepared_statement_cache.h"
#include "services/common/status_macros.h"
#include "services/common/timestamps.h"

namespace crm::loyalty {
namespace {

using ::crm::common::FormatSqlDatetime;
using ::crm::common::ParseSqlDatetime;
using ::crm::common::Transaction;

constexpr char kCampaignColumns[] =
    "SELECT id, display_name, start_time, end_time, tier_ids, "
    "multiplier_percent, bonus_points_per_order, points_budget, "
    "points_awarded, orders_rewarded, marketing_channel, "
    "orders_skipped_without_consent, segment_id, create_time, version "
    "FROM campaigns ";

absl::StatusOr<CampaignRecord> CampaignFromRow(sql::ResultSet& rows) {
  CampaignRecord campaign;
  campaign.id = rows.getString("id").asStdString();
  campaign.display_name = rows.getString("display_name").asStdString();
  CRM_ASSIGN_OR_RETURN(
      campaign.start_time,
      ParseSqlDatetime(rows.getString("start_time").asStdString()));
  CRM_ASSIGN_OR_RETURN(
      campaign.end_time,
      ParseSqlDatetime(rows.getString("end_time").asStdString()));
  campaign.tier_ids = absl::StrSplit(rows.getString("tier_ids").asStdString(),
                                     ',', absl::SkipEmpty());
  campaign.multiplier_percent = rows.getInt("multiplier_percent");
  campaign.bonus_points_per_order = rows.getInt64("bonus_points_per_order");
  campaign.points_budget = rows.getInt64("points_budget");
  campaign.points_awarded = rows.getInt64("points_awarded");
  campaign.orders_rewarded = rows.getInt64("orders_rewarded");
  if (!v1::Campaign::MarketingChannel_Parse(
          rows.getString("marketing_channel").asStdString(),
          &campaign.marketing_channel)) {
    return absl::DataLossError("campaign with an unknown marketing channel");
  }
  campaign.orders_skipped_without_consent =
      rows.getInt64("orders_skipped_without_consent");
  if (!rows.isNull("segment_id")) {
    campaign.segment_id = rows.getString("segment_id").asStdString();
  }
  CRM_ASSIGN_OR_RETURN(
      campaign.create_time,
      ParseSqlDatetime(rows.getString("create_time").asStdString()));
  campaign.version = rows.getInt64("version");
  return campaign;
}

absl::StatusOr<std::vector<CampaignRecord>> CampaignsFrom(
    sql::ResultSet& rows) {
  std::vector<CampaignRecord> campaigns;
  while (rows.next()) {
    CRM_ASSIGN_OR_RETURN(CampaignRecord campaign, CampaignFromRow(rows));
    campaigns.push_back(std::move(campaign));
  }
  return campaigns;
}

}  // namespace

absl::Status MySqlCampaignRepository::Insert(Transaction& tx,
                                             const CampaignRecord& campaign) {
  crm::common::CachedStatement insert = crm::common::Prepared(
      tx,
      "INSERT INTO campaigns (id, display_name, start_time, end_time, "
      "tier_ids, multiplier_percent, bonus_points_per_order, points_budget, "
      "points_awarded, orders_rewarded, marketing_channel, "
      "orders_skipped_without_consent, create_time, version, segment_id) "
      "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)");
  insert->setString(1, campaign.id);
  insert->setString(2, campaign.display_name);
  insert->setString(3, FormatSqlDatetime(campaign.start_time));
  insert->setString(4, FormatSqlDatetime(campaign.end_time));
  insert->setString(5, absl::StrJoin(campaign.tier_ids, ","));
  insert->setInt(6, campaign.multiplier_percent);
  insert->setInt64(7, campaign.bonus_points_per_order);
  insert->setInt64(8, campaign.points_budget);
  insert->setInt64(9, campaign.points_awarded);
  insert->setInt64(10, campaign.orders_rewarded);
  insert->setString(
      11, v1::Campaign::MarketingChannel_Name(campaign.marketing_channel));
  insert->setInt64(12, campaign.orders_skipped_without_consent);
  insert->setString(13, FormatSqlDatetime(campaign.create_time));
  insert->setInt64(14, campaign.version);
  if (campaign.segment_id.empty()) {
    insert->setNull(15, 0);
  } else {
    insert->setString(15, campaign.segment_id);
  }
  try {
    insert->executeUpdate();
  } catch (const sql::SQLException& e) {
    if (e.getErrorCode() != common::kMySqlDuplicateKeyError) throw;
    return absl::AlreadyExistsError("campaign exists");
  }
  return absl::OkStatus();
}

absl::StatusOr<std::optional<CampaignRecord>> MySqlCampaignRepository::Find(
    Transaction& tx, absl::string_view id) {
  crm::common::CachedStatement select =
      crm::common::Prepared(tx, absl::StrCat(kCampaignColumns, "WHERE id = ?"));
  select->setString(1, std::string(id));
  std::unique_ptr<sql::ResultSet> rows(select->executeQuery());
  if (!rows->next()) return std::nullopt;
  CRM_ASSIGN_OR_RETURN(CampaignRecord campaign, CampaignFromRow(*rows));
  return campaign;
}

absl::StatusOr<std::vector<CampaignRecord>> MySqlCampaignRepository::List(
    Transaction& tx, absl::string_view after, int limit) {
  crm::common::CachedStatement select = crm::common::Prepared(
      tx, absl::StrCat(kCampaignColumns, "WHERE id > ? ORDER BY id LIMIT ?"));
  select->setString(1, std::string(after));
  select->setInt(2, limit);
  std::unique_ptr<sql::ResultSet> rows(select->executeQuery());
  return CampaignsFrom(*rows);
}

absl::StatusOr<std::vector<CampaignRecord>> MySqlCampaignRepository::ActiveAt(
    Transaction& tx, absl::Time now, bool lock) {
  crm::common::CachedStatement select = crm::common::Prepared(
      tx, absl::StrCat(kCampaignColumns,
                       "WHERE end_time > ? AND start_time <= ? "
                       "AND points_awarded < points_budget ORDER BY id",
                       lock ? " FOR UPDATE" : ""));
  const std::string now_text = FormatSqlDatetime(now);
  select->setString(1, now_text);
  select->setString(2, now_text);
  std::unique_ptr<sql::ResultSet> rows(select->executeQuery());
  return CampaignsFrom(*rows);
}

absl::Status MySqlCampaignRepository::UpdateUsage(
    Transaction& tx, const CampaignRecord& campaign) {
  crm::common::CachedStatement update = crm::common::Prepared(
      tx,
      "UPDATE campaigns SET points_awarded = ?, orders_rewarded = ?, "
      "orders_skipped_without_consent = ?, version = ? WHERE id = ?");
  update->setInt64(1, campaign.points_awarded);
  update->setInt64(2, campaign.orders_rewarded);
  update->setInt64(3, campaign.orders_skipped_without_consent);
  update->setInt64(4, campaign.version);
  update->setString(5, campaign.id);
  if (update->executeUpdate() == 0) {
    return absl::NotFoundError("no campaign to update");
  }
  return absl::OkStatus();
}

}  // namespace crm::loyalty
