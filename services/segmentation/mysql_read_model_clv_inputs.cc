// MySqlReadModelRepository::ForEachCustomerPurchases: the inputs of the CLV
// fit (clv_model.h), filtered in the server and streamed three columns a
// row.
#include <cppconn/resultset.h>
#include <cppconn/statement.h>

#include <memory>
#include <string>
#include <vector>

#include "absl/algorithm/container.h"
#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "services/common/mysql_unit_of_work.h"
#include "services/common/status_macros.h"
#include "services/segmentation/mysql_read_model_repository.h"

namespace crm::segmentation {

absl::Status MySqlReadModelRepository::ForEachCustomerPurchases(
    crm::common::Transaction& tx, absl::string_view currency_code,
    int64_t last_utc_day,
    const std::function<
        absl::Status(absl::string_view customer_id,
                     const std::vector<ClvPurchase>& purchases)>& visit) {
  // A plain statement with a forward-only result set is read with
  // mysql_use_result (rows arrive as they are read; prepared statements
  // would buffer the whole result), so the values are inlined, the currency
  // checked first. The filter is ClvPurchaseOf's: the currency, not
  // refunded in full, the UTC day (order_time holds UTC) up to the last.
  // Primary-key order, so the server sorts nothing and each customer's rows
  // come together.
  if (currency_code.size() != 3 ||
      !absl::c_all_of(currency_code, absl::ascii_isupper)) {
    return absl::InvalidArgumentError("currency code must be 3 letters A-Z");
  }
  std::unique_ptr<sql::Statement> select(
      crm::common::MySqlConnectionOf(tx).createStatement());
  select->setResultSetType(sql::ResultSet::TYPE_FORWARD_ONLY);
  std::unique_ptr<sql::ResultSet> rows(select->executeQuery(absl::StrCat(
      "SELECT customer_id, DATEDIFF(order_time, '1970-01-01'), "
      "amount_minor - refunded_minor FROM read_model_orders "
      "WHERE currency_code = '",
      currency_code,
      "' AND (refunded_minor <= 0 OR amount_minor - refunded_minor > 0) "
      "AND DATEDIFF(order_time, '1970-01-01') <= ",
      last_utc_day, " ORDER BY customer_id, order_id")));
  std::string customer_id;
  std::vector<ClvPurchase> purchases;
  while (rows->next()) {
    const sql::SQLString id = rows->getString(1);
    if (!purchases.empty() && id.asStdString() != customer_id) {
      CRM_RETURN_IF_ERROR(visit(customer_id, purchases));
      purchases.clear();
    }
    if (purchases.empty()) customer_id = id.asStdString();
    purchases.push_back(ClvPurchase{.utc_day = rows->getInt64(2),
                                    .net_minor = rows->getInt64(3)});
  }
  if (!purchases.empty()) CRM_RETURN_IF_ERROR(visit(customer_id, purchases));
  return absl::OkStatus();
}

}  // namespace crm::segmentation
