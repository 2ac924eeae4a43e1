#include "services/customer_profile/mysql_birthday_backfill_repository.h"

#include <cppconn/prepared_statement.h>
#include <cppconn/resultset.h>

#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "services/common/prepared_statement_cache.h"

namespace crm::customer_profile {

using ::crm::common::CachedStatement;
using ::crm::common::Transaction;

absl::StatusOr<std::vector<CustomerRecord>>
MySqlBirthdayBackfillRepository::LockUncomputed(Transaction& tx,
                                                absl::string_view after,
                                                int limit) {
  // customers_by_birthday holds the NULLs, each with its id (the primary
  // key), so this reads only the rows still to fill.
  CachedStatement select = crm::common::Prepared(
      tx,
      "SELECT id, state, wrapped_key, pii, profile FROM customers "
      "WHERE birthday_bidx IS NULL AND id > ? ORDER BY id LIMIT ? FOR UPDATE");
  select->setString(1, std::string(after));
  select->setInt(2, limit);
  std::unique_ptr<sql::ResultSet> rows(select->executeQuery());
  std::vector<CustomerRecord> records;
  while (rows->next()) {
    CustomerRecord record;
    record.id = rows->getString(1).asStdString();
    v1::Customer::State state = v1::Customer::STATE_UNSPECIFIED;
    if (!v1::Customer::State_Parse(rows->getString(2).asStdString(), &state)) {
      return absl::InternalError("stored customer state is unknown");
    }
    record.state = state;
    if (!rows->isNull(3)) record.wrapped_key = rows->getString(3).asStdString();
    if (!rows->isNull(4)) record.pii = rows->getString(4).asStdString();
    record.profile = rows->getString(5).asStdString();
    records.push_back(std::move(record));
  }
  return records;
}

absl::Status MySqlBirthdayBackfillRepository::SetBirthdayIndex(
    Transaction& tx, absl::string_view id, absl::string_view birthday_bidx) {
  CachedStatement update = crm::common::Prepared(
      tx,
      "UPDATE customers SET birthday_bidx = ? WHERE id = ? AND birthday_bidx "
      "IS NULL");
  update->setString(1, std::string(birthday_bidx));
  update->setString(2, std::string(id));
  update->executeUpdate();
  return absl::OkStatus();
}

}  // namespace crm::customer_profile
