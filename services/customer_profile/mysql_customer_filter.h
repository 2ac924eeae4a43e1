// Where each filterable Customer field (customer_filter.h) lives in
// customer-profile's tables, for CompileToSql (services/common/filter/
// sql_filter.h) in the customer repository's List query, which selects
// `FROM customers` (unaliased).
//
//   CRM_ASSIGN_OR_RETURN(SqlCondition where,
//                        CompileToSql(filter, CustomerSqlFieldMap()));
//
// | Path                    | Storage |
// |-------------------------|-------------------------------------------------------|
// | `email`, `phone`        | `email_bidx`, `phone_bidx` (NULL-able; the value
// must be the blind index) | | `external_identities`   | EXISTS in
// `customer_identifiers` (kind `external`, value_hash = blind index) | | `tags`
// | EXISTS in `customer_tags` (utf8mb4_bin)               | |
// `address.country_code`  | `country_code` ('' when unset) | | `state` |
// `state` (the enum name)                               | | `create_time`,
// `update_time` | the DATETIME(6) columns                          |
//
// `birthday` is `birthday_bidx` (NULL-able; the value must be the blind
// index).
//
// `external_identities.channel`, `gender`, `locale` and `source_channel` are
// only inside the serialized `profile` blob: a filter naming them is
// FILTER_INVALID ("cannot be used in this filter") until a migration gives
// them columns.
#pragma once

#include "services/common/filter/sql_filter.h"

namespace crm::customer_profile {

const crm::common::filter::SqlFieldMap& CustomerSqlFieldMap();

}  // namespace crm::customer_profile
