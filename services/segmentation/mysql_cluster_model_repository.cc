#include "services/segmentation/mysql_cluster_model_repository.h"

#include <cppconn/prepared_statement.h>
#include <cppconn/resultset.h>

#include <memory>
#include <string>

#include "absl/strings/escaping.h"
#include "services/common/prepared_statement_cache.h"
#include "services/common/timestamps.h"

namespace crm::segmentation {
namespace {

using ::crm::common::CachedStatement;
using ::crm::common::Prepared;
using ::crm::common::Transaction;

absl::StatusOr<std::optional<v1::BehaviourClusterModel>> ModelOf(
    sql::ResultSet& rows) {
  if (!rows.next()) return std::nullopt;
  v1::BehaviourClusterModel model;
  const std::string bytes =
      absl::HexStringToBytes(rows.getString(1).asStdString());
  if (!model.ParseFromString(bytes)) {
    return absl::DataLossError("cluster_models: a stored model does not parse");
  }
  return model;
}

}  // namespace

absl::Status MySqlClusterModelRepository::Save(
    Transaction& tx, absl::string_view id, absl::Time fit_time,
    const v1::BehaviourClusterModel& model) {
  // As hex text: a blob parameter would cost one more packet.
  CachedStatement insert =
      Prepared(tx,
               "INSERT INTO cluster_models (id, fit_time, model) VALUES (?, ?, "
               "UNHEX(?))");
  insert->setString(1, std::string(id));
  insert->setString(2, crm::common::FormatSqlDatetime(
                           crm::common::TruncateToMicros(fit_time)));
  insert->setString(3, absl::BytesToHexString(model.SerializeAsString()));
  insert->executeUpdate();
  return absl::OkStatus();
}

absl::StatusOr<std::optional<v1::BehaviourClusterModel>>
MySqlClusterModelRepository::Latest(Transaction& tx) {
  CachedStatement select = Prepared(
      tx,
      "SELECT HEX(model) FROM cluster_models ORDER BY fit_time DESC, id DESC "
      "LIMIT 1");
  std::unique_ptr<sql::ResultSet> rows(select->executeQuery());
  return ModelOf(*rows);
}

absl::StatusOr<std::optional<v1::BehaviourClusterModel>>
MySqlClusterModelRepository::Find(Transaction& tx, absl::string_view id) {
  CachedStatement select =
      Prepared(tx, "SELECT HEX(model) FROM cluster_models WHERE id = ?");
  select->setString(1, std::string(id));
  std::unique_ptr<sql::ResultSet> rows(select->executeQuery());
  return ModelOf(*rows);
}

}  // namespace crm::segmentation
