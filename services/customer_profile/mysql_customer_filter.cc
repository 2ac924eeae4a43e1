#include "services/customer_profile/mysql_customer_filter.h"

namespace crm::customer_profile {

const crm::common::filter::SqlFieldMap& CustomerSqlFieldMap() {
  static const crm::common::filter::SqlFieldMap* const columns = [] {
    auto* map = new crm::common::filter::SqlFieldMap();
    map->NullableColumn("email", "customers.email_bidx")
        .NullableColumn("phone", "customers.phone_bidx")
        .NullableColumn("birthday", "customers.birthday_bidx")
        .Exists("external_identities",
                "SELECT 1 FROM customer_identifiers ci "
                "WHERE ci.customer_id = customers.id "
                "AND ci.kind = 'external' AND ci.value_hash = ?")
        .Exists("tags",
                "SELECT 1 FROM customer_tags ct "
                "WHERE ct.customer_id = customers.id AND ct.tag = ?")
        .Column("address.country_code", "customers.country_code")
        .Column("state", "customers.state")
        .Column("create_time", "customers.create_time")
        .Column("update_time", "customers.update_time");
    return map;
  }();
  return *columns;
}

}  // namespace crm::customer_profile
