// The customer records: standardisation, PII encryption, identity
// resolution, update, duplicates, merge, erasure and export.
//
//   CRM_ASSIGN_OR_RETURN(v1::Customer customer, customers.Create(request));
#pragma once

#include "absl/status/statusor.h"
#include "crm/customerprofile/v1/customer_profile_service.pb.h"

namespace crm::customer_profile {

namespace v1 = ::crm::customerprofile::v1;

// What a resolving write did.
struct IngestOutcome {
  v1::Customer customer;
  bool created = false;  // false: an existing customer was updated.
};

class CustomerManager {
 public:
  virtual ~CustomerManager() = default;

  // CreateCustomer: creates, or updates the customer that a known
  // identifier resolves to. Idempotent on request_id.
  virtual absl::StatusOr<v1::Customer> Create(
      const v1::CreateCustomerRequest& request) = 0;
  // The resolving write behind Create, for import rows (no request id).
  virtual absl::StatusOr<IngestOutcome> Ingest(const v1::Customer& customer,
                                               bool strict_phone) = 0;
  // GetCustomer, following merges to the survivor.
  virtual absl::StatusOr<v1::Customer> Get(
      const v1::GetCustomerRequest& request) = 0;
  virtual absl::StatusOr<v1::ListCustomersResponse> List(
      const v1::ListCustomersRequest& request) = 0;
  virtual absl::StatusOr<v1::Customer> Update(
      const v1::UpdateCustomerRequest& request) = 0;
  virtual absl::StatusOr<v1::FindDuplicateCandidatesResponse>
  FindDuplicateCandidates(
      const v1::FindDuplicateCandidatesRequest& request) = 0;
  virtual absl::StatusOr<v1::Customer> Merge(
      const v1::MergeCustomersRequest& request) = 0;
  virtual absl::StatusOr<v1::Customer> Erase(
      const v1::EraseCustomerRequest& request) = 0;
  virtual absl::StatusOr<v1::ExportCustomerDataResponse> Export(
      const v1::ExportCustomerDataRequest& request) = 0;
};

}  // namespace crm::customer_profile
