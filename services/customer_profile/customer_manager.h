// The customer records of customer-profile: create and resolve, read, list,
// update, duplicates, merge, erasure, export and statistics, orchestrated
// over injected
// storage (customer_repository.h, order_repository.h) in units of work.
// The rules live in their own files: standardisation
// (customer_validation.h), encryption and blind indexes
// (customer_pii_codec.h), identity resolution (customer_identity_resolver.h),
// merge precedence (customer_merge_policy.h) and merge chains
// (customer_merge_chain.h).
//
//   CRM_ASSIGN_OR_RETURN(CustomerPiiCodec codec,
//   CustomerPiiCodec::Create(ring)); CustomerManager customers({.unit_of_work =
//   unit_of_work,
//                              .customers = mysql_customers,
//                              .orders = mysql_orders,
//                              .idempotency = idempotency_keys,
//                              .feed = feed_writer,
//                              .clock = clock,
//                              .ids = ids},
//                             std::move(codec), options);
//   CRM_ASSIGN_OR_RETURN(v1::Customer customer,
//                        customers.Get(context, get_request));
//
// Every mutation runs in one unit of work with its idempotency record
// (request_id, services/common/idempotency.h) and appends a ChangeEvent
// without personal data to the feed as its last step; the feed is told after
// commit. Idempotency records keep only the customer's name (never personal
// data), so every response, first or repeated, is the customer as read after
// the commit (following merges).
//
// Merge: precedence by customer_merge_policy.h (the more recently updated
// record's non-empty values win; pinned fields keep the survivor's);
// identifiers, orders, refunds, events and purchase summaries move to the
// survivor; the duplicate becomes a MERGED tombstone with its personal data
// destroyed; customers merged into the duplicate are re-pointed at the
// survivor; an audit entry records the fields taken. Repeating a merge
// returns the survivor; merging a customer with itself (also via a chain)
// or with an ERASED customer is rejected.
//
// Erasure destroys the wrapped data key, every personal column, blind index,
// identifier and tag, and the customer's interaction events; the record
// stays as an ERASED tombstone (orders are kept as financial records).
// Erasing a MERGED customer erases its survivor (the same person).
//
// Errors carry reasons (services/common/error_details.h): RESOURCE_NOT_FOUND
// ("customers/<id>"), ETAG_MISMATCH, FIELD_INVALID / FIELD_REQUIRED naming
// the field, CUSTOMER_ERASED for writes to an erased customer,
// RESOURCE_STATE_CONFLICT for other state conflicts (a MERGED customer
// updated, a merge with itself), RESOURCE_ALREADY_EXISTS for an external
// identity owned by another customer.
#pragma once

#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "crm/customerprofile/v1/change_event.pb.h"
#include "crm/customerprofile/v1/customer_profile_service.pb.h"
#include "services/common/change_feed_writer.h"
#include "services/common/clock.h"
#include "services/common/id_generator.h"
#include "services/common/idempotency.h"
#include "services/common/request_context.h"
#include "services/common/unit_of_work.h"
#include "services/customer_profile/customer_identity_resolver.h"
#include "services/customer_profile/customer_pii_codec.h"
#include "services/customer_profile/customer_repository.h"
#include "services/customer_profile/customer_resolver.h"
#include "services/customer_profile/order_repository.h"

namespace crm::customer_profile {

namespace v1 = ::crm::customerprofile::v1;

// What the manager works on; every member must outlive the manager.
struct CustomerManagerDependencies {
  crm::common::UnitOfWork& unit_of_work;
  CustomerRepository& customers;
  OrderRepository& orders;
  crm::common::IdempotencyRepository& idempotency;
  crm::common::ChangeFeedWriter& feed;
  const crm::common::Clock& clock;
  const crm::common::IdGenerator& ids;
  // The unit of work of GetCustomer's reads when not `unit_of_work`: one
  // that coalesces concurrent reads (main.cc: a GroupCommitUnitOfWork)
  // reads the customers of concurrent Get calls together.
  crm::common::UnitOfWork* reads = nullptr;
};

struct CustomerManagerOptions {
  // Region for phone numbers written without a country calling code.
  std::string phone_default_region = "CN";
  // Identifier kinds tried by resolution, first match wins.
  std::vector<IdentifierKind> resolution_order = DefaultResolutionOrder();
};

class CustomerManager final : public CustomerResolver {
 public:
  // INVALID_ARGUMENT for an unsupported phone region or an empty resolution
  // order.
  static absl::StatusOr<std::unique_ptr<CustomerManager>> Create(
      CustomerManagerDependencies dependencies, CustomerPiiCodec codec,
      CustomerManagerOptions options);

  // CreateCustomer: ResolveCustomer returning only the customer.
  absl::StatusOr<v1::Customer> Create(
      const crm::common::RequestContext& context,
      const v1::CreateCustomerRequest& request);
  // ResolveCustomer (customer_resolver.h).
  absl::StatusOr<v1::ResolveCustomerResponse> Resolve(
      const crm::common::RequestContext& context,
      const v1::ResolveCustomerRequest& request) override;
  // Many ResolveCustomer writes (customer_resolver.h): rows without a known
  // identifier are standardised and encrypted first, then created together
  // in one unit of work (one identifier look-up, multi-row claims and
  // inserts, their feed events); rows that resolve to an existing customer,
  // repeat an identifier of an earlier row or carry a request_id are then
  // written one at a time, in request order. A batch transaction that fails
  // for a row's sake is redone one row at a time, so no row fails another.
  std::vector<absl::StatusOr<v1::ResolveCustomerResponse>> ResolveBatch(
      const crm::common::RequestContext& context,
      const std::vector<v1::ResolveCustomerRequest>& requests) override;
  // GetCustomer, following merges to the survivor.
  absl::StatusOr<v1::Customer> Get(const crm::common::RequestContext& context,
                                   const v1::GetCustomerRequest& request);
  absl::StatusOr<v1::ListCustomersResponse> List(
      const crm::common::RequestContext& context,
      const v1::ListCustomersRequest& request);
  // UpdateCustomer: the fields of the mask (or, without a mask, the fields
  // set in the body); output-only paths ignored; etag checked when given.
  absl::StatusOr<v1::Customer> Update(
      const crm::common::RequestContext& context,
      const v1::UpdateCustomerRequest& request);
  absl::StatusOr<v1::FindDuplicateCandidatesResponse> FindDuplicateCandidates(
      const crm::common::RequestContext& context,
      const v1::FindDuplicateCandidatesRequest& request);
  absl::StatusOr<v1::Customer> Merge(const crm::common::RequestContext& context,
                                     const v1::MergeCustomersRequest& request);
  absl::StatusOr<v1::Customer> Erase(const crm::common::RequestContext& context,
                                     const v1::EraseCustomerRequest& request);
  absl::StatusOr<v1::ExportCustomerDataResponse> Export(
      const crm::common::RequestContext& context,
      const v1::ExportCustomerDataRequest& request);
  // GetCustomerStatistics (customer_statistics.h) as of the clock's now: two
  // aggregate reads in one unit of work bounded by the call's deadline.
  // INVALID_ARGUMENT (FIELD_INVALID) naming `name` unless it is exactly
  // `customerStatistics`, `months` when negative.
  absl::StatusOr<v1::CustomerStatistics> GetStatistics(
      const crm::common::RequestContext& context,
      const v1::GetCustomerStatisticsRequest& request);

 private:
  CustomerManager(CustomerManagerDependencies dependencies,
                  CustomerPiiCodec codec, CustomerManagerOptions options);

  // The customer stored in `record` with its purchase summary.
  absl::StatusOr<v1::Customer> Present(crm::common::Transaction& tx,
                                       const CustomerRecord& record,
                                       std::optional<DataKey>* key);
  // The customer stored in `record` with the given purchase `summaries`
  // (those of record.id, already read).
  absl::StatusOr<v1::Customer> PresentWithSummaries(
      const CustomerRecord& record,
      const std::vector<PurchaseSummaryRecord>& summaries,
      std::optional<DataKey>* key);
  // A row of ResolveBatch created in one batch (customer_manager.cc).
  struct NewCustomerRow;
  // The standardised customer of a resolving request (required fields,
  // output-only fields ignored, request_id checked).
  absl::StatusOr<v1::Customer> StandardizeIncoming(
      const v1::ResolveCustomerRequest& request) const;
  // The resolving write of standardised `incoming` in a unit of work of its
  // own (retried on lost races); the response's customer holds its name.
  absl::StatusOr<v1::ResolveCustomerResponse> WriteResolved(
      const crm::common::RequestContext& context, const v1::Customer& incoming);
  // Creates in `tx` the customers of `rows` none of whose identifiers has an
  // owner (filling their records); appends the index of every other row to
  // `matched`. ABORTED when an identifier was claimed concurrently.
  absl::Status CreateAll(crm::common::Transaction& tx,
                         std::vector<NewCustomerRow>& rows,
                         std::vector<size_t>* matched);
  // The resolving write, in the caller's transaction.
  absl::StatusOr<v1::ResolveCustomerResponse> ResolveAndWrite(
      crm::common::Transaction& tx, const v1::Customer& incoming);
  absl::StatusOr<v1::Customer> MergeInTransaction(
      crm::common::Transaction& tx, const std::string& survivor_id,
      const std::string& duplicate_id, const std::set<std::string>& pinned);
  // The feed event of a change to `customer`.
  absl::StatusOr<crm::common::FeedEventRecord> FeedEvent(
      v1::ChangeEvent::Type type, const v1::Customer& customer,
      const v1::MergeDetails* merge, absl::Time now) const;
  // Appends the feed event of a change to `customer` (last in `tx`).
  absl::Status AppendEvent(crm::common::Transaction& tx,
                           v1::ChangeEvent::Type type,
                           const v1::Customer& customer,
                           const v1::MergeDetails* merge, absl::Time now);
  // The customer named by `reference` as it is now (after a commit).
  absl::StatusOr<v1::Customer> ReadBack(
      const crm::common::RequestContext& context,
      absl::StatusOr<v1::Customer> reference);
  absl::Time Now() const;

  // One Get call's read: the id asked for and, once read, the customer.
  struct CustomerToGet {
    std::string id;
    v1::Customer customer;
  };
  // Reads the customers of concurrent Get calls together: their records in
  // one statement, their purchase summaries in another. A set naming an
  // absent or merged customer fails, so each of its calls reads alone.
  class GetTogether final
      : public crm::common::RequestCombinerOf<CustomerToGet> {
   public:
    explicit GetTogether(CustomerManager& manager) : manager_(manager) {}
    absl::Status RunTogether(crm::common::Transaction& tx,
                             const std::vector<CustomerToGet*>& items) override;

   private:
    CustomerManager& manager_;
  };

  CustomerManagerDependencies deps_;
  const CustomerPiiCodec codec_;
  const CustomerManagerOptions options_;
  const IdentityResolver resolver_;
  GetTogether get_together_{*this};
};

}  // namespace crm::customer_profile
