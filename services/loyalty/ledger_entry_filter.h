// The filter language's schema (services/common/filter) of ledger entries
// for ListLedgerEntries: `type` (=, != an entry type name), `create_time`
// and `sequence` (=, !=, <, <=, >, >=).
//
//   CRM_ASSIGN_OR_RETURN(Filter filter,
//       ParseFilter(request.filter(), LedgerEntryFilterSchema()));
#pragma once

#include "services/common/filter/filter_schema.h"

namespace crm::loyalty {

const crm::common::filter::FilterSchema& LedgerEntryFilterSchema();

}  // namespace crm::loyalty
