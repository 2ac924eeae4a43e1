// Bulk import of customers from a stream of rows: each row goes through the
// same standardisation and identity resolution as CreateCustomer and is
// written whole or not at all; the result lists every row's outcome.
#pragma once

#include <functional>
#include <optional>

#include "absl/status/statusor.h"
#include "crm/customerprofile/v1/customer_profile_service.pb.h"

namespace crm::customer_profile {

namespace v1 = ::crm::customerprofile::v1;

class CustomerImporter {
 public:
  virtual ~CustomerImporter() = default;

  // Reads rows from `next_row` until it returns nullopt, importing each.
  // A row that fails validation or resolution is REJECTED with the reason
  // and the import goes on; UNAVAILABLE (database down) ends the import
  // with that status after the rows already written.
  virtual absl::StatusOr<v1::ImportCustomersResponse> Import(
      const std::function<std::optional<v1::ImportCustomersRequest>()>&
          next_row) = 0;
};

}  // namespace crm::customer_profile
