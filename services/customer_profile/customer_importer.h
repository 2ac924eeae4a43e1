// Bulk import of customers from a stream of rows: each row goes through the
// same standardisation and identity resolution as ResolveCustomer and is
// written whole or not at all; the result lists every row's outcome.
//
//   CRM_ASSIGN_OR_RETURN(v1::ImportCustomersResponse response,
//                        importer.Import(ctx, [&] { return NextRow(); }));
#pragma once

#include <functional>
#include <optional>

#include "absl/status/statusor.h"
#include "crm/customerprofile/v1/customer_profile_service.pb.h"
#include "services/common/request_context.h"

namespace crm::customer_profile {

namespace v1 = ::crm::customerprofile::v1;

class CustomerImporter {
 public:
  CustomerImporter(const CustomerImporter&) = delete;
  CustomerImporter& operator=(const CustomerImporter&) = delete;
  virtual ~CustomerImporter() = default;

  // Reads rows from `next_row` until it returns nullopt, importing each.
  // A row that fails validation or resolution is REJECTED with the reason
  // and the import goes on; UNAVAILABLE (database down) ends the import
  // with that status after the rows already written. `context` is checked
  // before every row is started: once it is cancelled (CANCELLED,
  // REQUEST_CANCELLED) or its deadline has passed (DEADLINE_EXCEEDED,
  // REQUEST_DEADLINE_EXCEEDED) no further row is started and Import returns
  // that status; rows already written stay written.
  virtual absl::StatusOr<v1::ImportCustomersResponse> Import(
      const crm::common::RequestContext& context,
      const std::function<std::optional<v1::ImportCustomersRequest>()>&
          next_row) = 0;

 protected:
  CustomerImporter() = default;
};

}  // namespace crm::customer_profile
