#include "services/loyalty/mysql_feed_event_repository.h"

#include <cppconn/prepared_statement.h>
#include <cppconn/resultset.h>

#include <cstdint>
#include <istream>
#include <iterator>
#include <memory>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "crm/loyalty/v1/change_event.pb.h"
#include "services/common/prepared_statement_cache.h"
#include "services/loyalty/tier_change_feed.h"

namespace crm::loyalty {

absl::Status MySqlFeedEventRepository::ReKeyCustomerEvents(
    crm::common::Transaction& tx, absl::string_view customer_id,
    absl::string_view tombstone_id) {
  std::vector<std::pair<int64_t, std::string>> events;
  {
    crm::common::CachedStatement select = crm::common::Prepared(
        tx,
        "SELECT id, payload FROM change_feed_events "
        "WHERE feed = ? AND `key` = ? ORDER BY id FOR UPDATE");
    select->setString(1, std::string(kLoyaltyFeed));
    select->setString(2, std::string(customer_id));
    std::unique_ptr<sql::ResultSet> rows(select->executeQuery());
    while (rows->next()) {
      std::string payload;
      std::unique_ptr<std::istream> blob(rows->getBlob("payload"));
      if (blob != nullptr) {
        payload.assign(std::istreambuf_iterator<char>(*blob),
                       std::istreambuf_iterator<char>());
      }
      events.emplace_back(rows->getInt64("id"), std::move(payload));
    }
  }
  crm::common::CachedStatement update = crm::common::Prepared(
      tx, "UPDATE change_feed_events SET `key` = ?, payload = ? WHERE id = ?");
  for (const auto& [id, payload] : events) {
    v1::ChangeEvent event;
    if (!event.ParseFromString(payload)) {
      return absl::DataLossError(
          absl::StrCat("loyalty feed event ", id, " is corrupt"));
    }
    event.set_customer(absl::StrCat("customers/", tombstone_id));
    std::istringstream bytes(event.SerializeAsString());
    update->setString(1, std::string(tombstone_id));
    update->setBlob(2, &bytes);
    update->setInt64(3, id);
    update->executeUpdate();
  }
  return absl::OkStatus();
}

}  // namespace crm::loyalty
