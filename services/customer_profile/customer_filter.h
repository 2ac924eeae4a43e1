// The filter language of ListCustomers: the shared AIP-160 subset
// (services/common/filter/README.md) over the Customer resource's own field
// paths.
//
//   CRM_ASSIGN_OR_RETURN(Filter filter, ParseFilter(request.filter(),
//                                                   CustomerFilterSchema()));
//   // standardise and blind-index email, phone and external identities
//   // (RewriteValues), then hand `filter` to the repository.
//
// | Path                         | Type                    | Comparators      |
// Old name            |
// |------------------------------|-------------------------|------------------|---------------------|
// | `email`                      | string                  | `=`              |
// | | `phone`                      | string                  | `=` | | |
// `external_identities`        | repeated "<channel>:<id>" | `:`            |
// `external_identity` | | `external_identities.channel`| repeated string | `:`
// |                     | | `tags`                       | repeated string |
// `:`              | `tag`               | | `address.country_code`       |
// string                  | `=` `!=`         | `country_code`      | | `state`
// | enum ACTIVE MERGED ERASED | `=` `!=`       |                     | |
// `gender`                     | enum (Customer.Gender)  | `=` `!=`         | |
// | `locale`, `source_channel`   | string                  | `=` `!=`         |
// | | `create_time`, `update_time` | timestamp               | `=` `!=` `<`
// `<=` `>` `>=` |           |
//
// `birthday = "MM-DD"` (only `=`) finds the customers whose birth date has
// that month and day ("02-29" allowed); it compares the birthday blind
// index, so it needs the rewrite hook too.
//
// The old names keep their old meaning: `tag = "vip"` and
// `external_identity = "web:42"` mean `tags:"vip"` and
// `external_identities:"web:42"`. Values are parsed as the caller wrote
// them; email, phone and external identities must be standardised and
// replaced by their blind indexes (a rewrite hook) before they reach storage,
// which holds only the hashes.
#pragma once

#include "services/common/filter/filter_schema.h"

namespace crm::customer_profile {

// Built once; lives for the whole process.
const crm::common::filter::FilterSchema& CustomerFilterSchema();

}  // namespace crm::customer_profile
