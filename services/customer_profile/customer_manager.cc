#include "services/customer_profile/customer_manager.h"

#include <algorithm>
#include <functional>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include <google/protobuf/util/field_mask_util.h>

#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/time/civil_time.h"
#include "services/common/error_details.h"
#include "services/common/etag.h"
#include "services/common/field_behavior.h"
#include "services/common/filter/filter_parser.h"
#include "services/common/keyset_page.h"
#include "services/common/page_token.h"
#include "services/common/status_macros.h"
#include "services/common/timestamps.h"
#include "services/customer_profile/core/standardizer.h"
#include "services/customer_profile/customer_filter.h"
#include "services/customer_profile/customer_filter_values.h"
#include "services/customer_profile/customer_merge_chain.h"
#include "services/customer_profile/customer_merge_policy.h"
#include "services/customer_profile/customer_statistics.h"
#include "services/customer_profile/customer_validation.h"
#include "services/customer_profile/order_resources.h"

namespace crm::customer_profile {
namespace {

using ::crm::common::RequestContext;
using ::crm::common::ToProtoTimestamp;
using ::crm::common::Transaction;

// Attempts of a resolving write whose identifier claim lost a race.
constexpr int kResolutionAttempts = 8;
constexpr char kDuplicatesQuery[] = "duplicate_candidates";

// The customer as the feed carries it: no personal data (nothing that is
// encrypted at rest).
v1::Customer FeedCopy(const v1::Customer& customer) {
  v1::Customer copy = ProfilePart(customer);
  copy.set_name(customer.name());
  copy.set_state(customer.state());
  *copy.mutable_create_time() = customer.create_time();
  *copy.mutable_update_time() = customer.update_time();
  copy.set_etag(customer.etag());
  copy.set_merged_into(customer.merged_into());
  *copy.mutable_purchase_summary() = customer.purchase_summary();
  return copy;
}

// What an idempotency record keeps of a customer: its name only.
v1::Customer Reference(absl::string_view name) {
  v1::Customer reference;
  reference.set_name(std::string(name));
  return reference;
}

v1::ResolveCustomerResponse::MatchedBy MatchedByOf(IdentifierKind kind) {
  switch (kind) {
    case IdentifierKind::kExternal:
      return v1::ResolveCustomerResponse::EXTERNAL_IDENTITY;
    case IdentifierKind::kEmail:
      return v1::ResolveCustomerResponse::EMAIL;
    case IdentifierKind::kPhone:
      return v1::ResolveCustomerResponse::PHONE;
  }
  return v1::ResolveCustomerResponse::MATCHED_BY_UNSPECIFIED;
}

// Destroys everything personal in `record` (crypto-shredding: without the
// wrapped key the ciphertext is unreadable, and it is removed too).
void Shred(CustomerRecord* record) {
  record->wrapped_key.reset();
  record->pii.clear();
  record->profile.clear();
  record->email_bidx.clear();
  record->phone_bidx.clear();
  record->name_birth_bidx.clear();
  record->birthday_bidx.emplace();  // Computed: none.
  record->country_code.clear();
  record->source_channel.clear();
  record->tags.clear();
}

// Runs `attempt` again while it fails with ABORTED (a lost identifier
// race, or conflicts beyond the unit of work's own retries).
template <typename T>
absl::StatusOr<T> RetryResolution(
    const std::function<absl::StatusOr<T>()>& attempt) {
  absl::StatusOr<T> result = absl::AbortedError("not attempted");
  for (int i = 0; i < kResolutionAttempts; ++i) {
    result = attempt();
    if (result.ok() || result.status().code() != absl::StatusCode::kAborted) {
      break;
    }
  }
  return result;
}

}  // namespace

absl::StatusOr<std::unique_ptr<CustomerManager>> CustomerManager::Create(
    CustomerManagerDependencies dependencies, CustomerPiiCodec codec,
    CustomerManagerOptions options) {
  CRM_RETURN_IF_ERROR(ValidatePhoneRegion(options.phone_default_region,
                                          "phone_default_region"));
  if (options.resolution_order.empty()) {
    return crm::common::RequiredFieldError("resolution_order");
  }
  return std::unique_ptr<CustomerManager>(
      new CustomerManager(dependencies, std::move(codec), std::move(options)));
}

CustomerManager::CustomerManager(CustomerManagerDependencies dependencies,
                                 CustomerPiiCodec codec,
                                 CustomerManagerOptions options)
    : deps_(dependencies),
      codec_(std::move(codec)),
      options_(std::move(options)),
      resolver_(deps_.customers, codec_, options_.resolution_order) {}

absl::Time CustomerManager::Now() const {
  return crm::common::TruncateToMicros(deps_.clock.Now());
}

absl::StatusOr<v1::Customer> CustomerManager::Present(
    Transaction& tx, const CustomerRecord& record,
    std::optional<DataKey>* key) {
  CRM_ASSIGN_OR_RETURN(std::vector<PurchaseSummaryRecord> summaries,
                       deps_.orders.ListPurchaseSummaries(tx, record.id));
  return PresentWithSummaries(record, summaries, key);
}

absl::StatusOr<v1::Customer> CustomerManager::PresentWithSummaries(
    const CustomerRecord& record,
    const std::vector<PurchaseSummaryRecord>& summaries,
    std::optional<DataKey>* key) {
  CRM_ASSIGN_OR_RETURN(v1::Customer customer, codec_.Decode(record, key));
  if (!summaries.empty()) {
    *customer.mutable_purchase_summary() = PurchaseSummaryOf(summaries);
  }
  return customer;
}

absl::StatusOr<crm::common::FeedEventRecord> CustomerManager::FeedEvent(
    v1::ChangeEvent::Type type, const v1::Customer& customer,
    const v1::MergeDetails* merge, absl::Time now) const {
  v1::ChangeEvent event;
  event.set_type(type);
  event.set_customer_name(customer.name());
  *event.mutable_event_time() = ToProtoTimestamp(now);
  *event.mutable_customer() = FeedCopy(customer);
  if (merge != nullptr) *event.mutable_merge() = *merge;
  CRM_ASSIGN_OR_RETURN(std::string id, ParseCustomerName(customer.name()));
  return crm::common::FeedEventRecord{.type = static_cast<int>(type),
                                      .key = std::move(id),
                                      .payload = event.SerializeAsString(),
                                      .event_time = now};
}

absl::Status CustomerManager::AppendEvent(Transaction& tx,
                                          v1::ChangeEvent::Type type,
                                          const v1::Customer& customer,
                                          const v1::MergeDetails* merge,
                                          absl::Time now) {
  CRM_ASSIGN_OR_RETURN(crm::common::FeedEventRecord record,
                       FeedEvent(type, customer, merge, now));
  return deps_.feed.Append(tx, record);
}

absl::StatusOr<v1::Customer> CustomerManager::ReadBack(
    const RequestContext& context, absl::StatusOr<v1::Customer> reference) {
  if (!reference.ok()) return reference;
  deps_.feed.NotifyCommitted();
  v1::GetCustomerRequest request;
  request.set_name(reference->name());
  return Get(context, request);
}

// ------------------------------------------------------------ resolution

absl::StatusOr<v1::ResolveCustomerResponse> CustomerManager::ResolveAndWrite(
    Transaction& tx, const v1::Customer& incoming) {
  const absl::Time now = Now();
  CRM_ASSIGN_OR_RETURN(std::optional<IdentityMatch> match,
                       resolver_.Resolve(tx, incoming));
  v1::ResolveCustomerResponse response;
  if (match.has_value()) {
    CRM_ASSIGN_OR_RETURN(
        std::optional<CustomerRecord> record,
        deps_.customers.Load(tx, match->customer_id, RowLock::kUpdate));
    if (!record.has_value() || record->state != v1::Customer::ACTIVE) {
      // Merged or erased since the lookup: resolve again.
      return crm::common::ErrorWithReason(
          absl::AbortedError("identity resolution raced with another write"),
          crm::type::v1::CONCURRENCY_CONFLICT);
    }
    std::optional<DataKey> key;
    CRM_ASSIGN_OR_RETURN(v1::Customer customer, codec_.Decode(*record, &key));
    if (!key.has_value()) return absl::InternalError("customer has no key");
    CRM_RETURN_IF_ERROR(
        FoldInto(incoming, /*other_newer=*/true, {}, &customer).status());
    CRM_RETURN_IF_ERROR(resolver_.Claim(tx, record->id, customer, {}));
    CRM_RETURN_IF_ERROR(codec_.Encode(customer, *key, &*record));
    record->update_time = now;
    record->version += 1;
    CRM_RETURN_IF_ERROR(deps_.customers.Update(tx, *record));
    CRM_ASSIGN_OR_RETURN(v1::Customer stored, Present(tx, *record, nullptr));
    CRM_RETURN_IF_ERROR(AppendEvent(tx, v1::ChangeEvent::CUSTOMER_UPDATED,
                                    stored, nullptr, now));
    *response.mutable_customer() = std::move(stored);
    response.set_outcome(v1::ResolveCustomerResponse::MATCHED);
    response.set_matched_by(MatchedByOf(match->matched_by));
    return response;
  }
  CustomerRecord record;
  record.id = deps_.ids.NewId();
  record.state = v1::Customer::ACTIVE;
  record.create_time = now;
  record.update_time = now;
  record.version = 1;
  CRM_ASSIGN_OR_RETURN(WrappedDataKey key, codec_.NewKey());
  record.wrapped_key = std::move(key.wrapped);
  CRM_RETURN_IF_ERROR(
      resolver_.Claim(tx, record.id, incoming, {.new_customer = true}));
  CRM_RETURN_IF_ERROR(codec_.Encode(incoming, key.key, &record));
  CRM_RETURN_IF_ERROR(deps_.customers.Insert(tx, record));
  CRM_ASSIGN_OR_RETURN(v1::Customer stored, Present(tx, record, nullptr));
  CRM_RETURN_IF_ERROR(
      AppendEvent(tx, v1::ChangeEvent::CUSTOMER_CREATED, stored, nullptr, now));
  *response.mutable_customer() = std::move(stored);
  response.set_outcome(v1::ResolveCustomerResponse::CREATED);
  return response;
}

absl::StatusOr<v1::ResolveCustomerResponse> CustomerManager::Resolve(
    const RequestContext& context, const v1::ResolveCustomerRequest& request) {
  CRM_RETURN_IF_ERROR(crm::common::CheckRequiredFields(request));
  // Output-only values a client sent are ignored, also by the idempotency
  // fingerprint.
  v1::ResolveCustomerRequest input = request;
  crm::common::ClearOutputOnlyFields(&input);
  CRM_RETURN_IF_ERROR(crm::common::ValidateRequestId(input.request_id()));
  CRM_ASSIGN_OR_RETURN(
      v1::Customer incoming,
      StandardizeCustomer(
          input.customer(),
          {.phone_default_region = options_.phone_default_region,
           .strict_phone = input.strict_phone(),
           .now = deps_.clock.Now()}));
  absl::StatusOr<v1::ResolveCustomerResponse> result =
      RetryResolution<v1::ResolveCustomerResponse>([&]() {
        return crm::common::RunIdempotent<v1::ResolveCustomerResponse>(
            deps_.unit_of_work, deps_.idempotency, deps_.clock, context,
            "ResolveCustomer", input.request_id(), input,
            [&](Transaction& tx)
                -> absl::StatusOr<v1::ResolveCustomerResponse> {
              CRM_ASSIGN_OR_RETURN(v1::ResolveCustomerResponse response,
                                   ResolveAndWrite(tx, incoming));
              *response.mutable_customer() =
                  Reference(response.customer().name());
              return response;
            });
      });
  if (!result.ok()) return result.status();
  CRM_ASSIGN_OR_RETURN(*result->mutable_customer(),
                       ReadBack(context, result->customer()));
  return result;
}

// ------------------------------------------------------ batch resolution

// A row of a batch that no known customer owned an identifier of when the
// batch was prepared.
struct CustomerManager::NewCustomerRow {
  size_t index = 0;  // In the batch's requests.
  v1::Customer incoming;
  std::vector<std::pair<IdentifierKind, std::string>> identifiers;
  CustomerRecord record;
};

namespace {

// Whether a failed batch transaction failed for the storage, not for one of
// its rows (then every row of the batch reports it; otherwise the rows are
// written one at a time to find their own outcomes).
bool IsStorageFailure(const absl::Status& status) {
  switch (status.code()) {
    case absl::StatusCode::kUnavailable:
    case absl::StatusCode::kDeadlineExceeded:
    case absl::StatusCode::kCancelled:
      return true;
    default:
      return false;
  }
}

v1::ResolveCustomerResponse NameOnly(v1::ResolveCustomerResponse response) {
  *response.mutable_customer() = Reference(response.customer().name());
  return response;
}

}  // namespace

absl::StatusOr<v1::Customer> CustomerManager::StandardizeIncoming(
    const v1::ResolveCustomerRequest& request) const {
  CRM_RETURN_IF_ERROR(crm::common::CheckRequiredFields(request));
  v1::ResolveCustomerRequest input = request;
  crm::common::ClearOutputOnlyFields(&input);
  CRM_RETURN_IF_ERROR(crm::common::ValidateRequestId(input.request_id()));
  return StandardizeCustomer(
      input.customer(), {.phone_default_region = options_.phone_default_region,
                         .strict_phone = input.strict_phone(),
                         .now = deps_.clock.Now()});
}

absl::StatusOr<v1::ResolveCustomerResponse> CustomerManager::WriteResolved(
    const RequestContext& context, const v1::Customer& incoming) {
  absl::StatusOr<v1::ResolveCustomerResponse> result =
      RetryResolution<v1::ResolveCustomerResponse>([&]() {
        return deps_.unit_of_work.Run<v1::ResolveCustomerResponse>(
            context,
            [&](Transaction& tx)
                -> absl::StatusOr<v1::ResolveCustomerResponse> {
              CRM_ASSIGN_OR_RETURN(v1::ResolveCustomerResponse response,
                                   ResolveAndWrite(tx, incoming));
              return NameOnly(std::move(response));
            });
      });
  if (result.ok()) deps_.feed.NotifyCommitted();
  return result;
}

absl::Status CustomerManager::CreateAll(Transaction& tx,
                                        std::vector<NewCustomerRow>& rows,
                                        std::vector<size_t>* matched) {
  const absl::Time now = Now();
  std::vector<IdentifierClaim> lookups;
  for (const NewCustomerRow& row : rows) {
    for (const auto& [kind, hash] : row.identifiers) {
      lookups.push_back({.kind = kind, .value_hash = hash, .customer_id = {}});
    }
  }
  CRM_ASSIGN_OR_RETURN(std::vector<std::optional<std::string>> owners,
                       deps_.customers.FindIdentifierOwners(tx, lookups));
  // Rows with a known identifier resolve to its owner: written one at a
  // time after this batch. The others are created here.
  std::vector<NewCustomerRow*> created;
  size_t next = 0;
  for (NewCustomerRow& row : rows) {
    // Every identifier's slot is read, owned or not: `owners` runs
    // parallel to the rows' identifiers.
    bool owned = false;
    for (size_t i = 0; i < row.identifiers.size(); ++i) {
      if (owners[next++].has_value()) owned = true;
    }
    if (owned) {
      matched->push_back(row.index);
    } else {
      created.push_back(&row);
    }
  }
  std::vector<IdentifierClaim> claims;
  std::vector<CustomerRecord> records;
  records.reserve(created.size());
  for (NewCustomerRow* row : created) {
    CustomerRecord& record = row->record;
    record = CustomerRecord();
    record.id = deps_.ids.NewId();
    record.state = v1::Customer::ACTIVE;
    record.create_time = now;
    record.update_time = now;
    record.version = 1;
    CRM_ASSIGN_OR_RETURN(WrappedDataKey key, codec_.NewKey());
    record.wrapped_key = std::move(key.wrapped);
    CRM_RETURN_IF_ERROR(codec_.Encode(row->incoming, key.key, &record));
    for (const auto& [kind, hash] : row->identifiers) {
      claims.push_back(
          {.kind = kind, .value_hash = hash, .customer_id = record.id});
    }
    records.push_back(record);
  }
  CRM_ASSIGN_OR_RETURN(int64_t claimed,
                       deps_.customers.ClaimNewIdentifiers(tx, claims));
  if (claimed != static_cast<int64_t>(claims.size())) {
    // A concurrent writer took an identifier since the look-up.
    return crm::common::ErrorWithReason(
        absl::AbortedError("identity resolution raced with another write"),
        crm::type::v1::CONCURRENCY_CONFLICT);
  }
  CRM_RETURN_IF_ERROR(deps_.customers.InsertMany(tx, records));
  std::vector<crm::common::FeedEventRecord> events;
  events.reserve(created.size());
  for (NewCustomerRow* row : created) {
    // The feed copy carries only the profile fields, which the incoming
    // record has as stored.
    v1::Customer stored = row->incoming;
    stored.set_name(CustomerName(row->record.id));
    stored.set_state(row->record.state);
    *stored.mutable_create_time() = ToProtoTimestamp(now);
    *stored.mutable_update_time() = ToProtoTimestamp(now);
    stored.set_etag(crm::common::EncodeEtag(row->record.version));
    CRM_ASSIGN_OR_RETURN(
        crm::common::FeedEventRecord event,
        FeedEvent(v1::ChangeEvent::CUSTOMER_CREATED, stored, nullptr, now));
    events.push_back(std::move(event));
  }
  return deps_.feed.AppendAll(tx, events);
}

std::vector<absl::StatusOr<v1::ResolveCustomerResponse>>
CustomerManager::ResolveBatch(
    const RequestContext& context,
    const std::vector<v1::ResolveCustomerRequest>& requests) {
  std::vector<absl::StatusOr<v1::ResolveCustomerResponse>> results(
      requests.size(), absl::UnknownError("row not resolved"));
  std::vector<v1::Customer> incoming(requests.size());
  // Rows written one at a time after the batch, in request order.
  std::vector<size_t> one_by_one;
  std::vector<NewCustomerRow> rows;
  // Every identifier of the rows so far: a row repeating one waits for the
  // earlier row's commit (one at a time), as sequential writes would.
  absl::flat_hash_set<std::pair<IdentifierKind, std::string>> seen;
  for (size_t i = 0; i < requests.size(); ++i) {
    absl::StatusOr<v1::Customer> standardized =
        StandardizeIncoming(requests[i]);
    if (!standardized.ok()) {
      results[i] = standardized.status();
      continue;
    }
    incoming[i] = *std::move(standardized);
    absl::StatusOr<std::vector<std::pair<IdentifierKind, std::string>>>
        identifiers = resolver_.Identifiers(incoming[i]);
    if (!identifiers.ok()) {
      results[i] = identifiers.status();
      continue;
    }
    bool repeats = false;
    for (const auto& identifier : *identifiers) {
      repeats = !seen.insert(identifier).second || repeats;
    }
    if (repeats || !requests[i].request_id().empty()) {
      one_by_one.push_back(i);
      continue;
    }
    rows.push_back(NewCustomerRow{.index = i,
                                  .incoming = incoming[i],
                                  .identifiers = *std::move(identifiers),
                                  .record = {}});
  }
  if (!rows.empty()) {
    std::vector<size_t> matched;
    absl::Status batch =
        deps_.unit_of_work.Run(context, [&](Transaction& tx) -> absl::Status {
          matched.clear();
          return CreateAll(tx, rows, &matched);
        });
    if (batch.ok()) {
      deps_.feed.NotifyCommitted();
      absl::flat_hash_set<size_t> later(matched.begin(), matched.end());
      for (const NewCustomerRow& row : rows) {
        if (later.contains(row.index)) continue;
        v1::ResolveCustomerResponse response;
        response.mutable_customer()->set_name(CustomerName(row.record.id));
        response.set_outcome(v1::ResolveCustomerResponse::CREATED);
        results[row.index] = std::move(response);
      }
      one_by_one.insert(one_by_one.end(), matched.begin(), matched.end());
    } else if (IsStorageFailure(batch)) {
      for (const NewCustomerRow& row : rows) results[row.index] = batch;
    } else {
      // A row's own problem (or a lost race) failed the batch: each row
      // finds its own outcome alone.
      for (const NewCustomerRow& row : rows) one_by_one.push_back(row.index);
    }
  }
  std::sort(one_by_one.begin(), one_by_one.end());
  for (size_t i : one_by_one) {
    if (!requests[i].request_id().empty()) {
      absl::StatusOr<v1::ResolveCustomerResponse> response =
          Resolve(context, requests[i]);
      results[i] =
          response.ok() ? NameOnly(*std::move(response)) : std::move(response);
      continue;
    }
    results[i] = WriteResolved(context, incoming[i]);
  }
  return results;
}

absl::StatusOr<v1::Customer> CustomerManager::Create(
    const RequestContext& context, const v1::CreateCustomerRequest& request) {
  CRM_RETURN_IF_ERROR(crm::common::CheckRequiredFields(request));
  // Output-only values a client sent are ignored, also by the idempotency
  // fingerprint.
  v1::CreateCustomerRequest input = request;
  crm::common::ClearOutputOnlyFields(&input);
  CRM_RETURN_IF_ERROR(crm::common::ValidateRequestId(input.request_id()));
  CRM_ASSIGN_OR_RETURN(
      v1::Customer incoming,
      StandardizeCustomer(
          input.customer(),
          {.phone_default_region = options_.phone_default_region,
           .strict_phone = input.strict_phone(),
           .now = deps_.clock.Now()}));
  return ReadBack(context, RetryResolution<v1::Customer>([&]() {
                    return crm::common::RunIdempotent<v1::Customer>(
                        deps_.unit_of_work, deps_.idempotency, deps_.clock,
                        context, "CreateCustomer", input.request_id(), input,
                        [&](Transaction& tx) -> absl::StatusOr<v1::Customer> {
                          CRM_ASSIGN_OR_RETURN(
                              v1::ResolveCustomerResponse response,
                              ResolveAndWrite(tx, incoming));
                          return Reference(response.customer().name());
                        });
                  }));
}

// ------------------------------------------------------------------ reads

absl::StatusOr<v1::Customer> CustomerManager::Get(
    const RequestContext& context, const v1::GetCustomerRequest& request) {
  CRM_RETURN_IF_ERROR(crm::common::CheckRequiredFields(request));
  CustomerToGet item;
  CRM_ASSIGN_OR_RETURN(item.id, ParseCustomerName(request.name()));
  crm::common::UnitOfWork& reads =
      deps_.reads != nullptr ? *deps_.reads : deps_.unit_of_work;
  CRM_RETURN_IF_ERROR(reads.ReadCombinable(
      context,
      [&](Transaction& tx) -> absl::Status {
        CRM_ASSIGN_OR_RETURN(
            CustomerRecord record,
            FollowMerges(tx, deps_.customers, item.id, RowLock::kNone));
        CRM_ASSIGN_OR_RETURN(item.customer, Present(tx, record, nullptr));
        return absl::OkStatus();
      },
      get_together_, item));
  return std::move(item.customer);
}

absl::Status CustomerManager::GetTogether::RunTogether(
    Transaction& tx, const std::vector<CustomerToGet*>& items) {
  std::vector<std::string> ids;
  ids.reserve(items.size());
  for (const CustomerToGet* item : items) ids.push_back(item->id);
  CRM_ASSIGN_OR_RETURN(std::vector<CustomerRecord> loaded,
                       manager_.deps_.customers.LoadMany(tx, ids));
  absl::flat_hash_map<std::string, const CustomerRecord*> records;
  for (const CustomerRecord& record : loaded) {
    if (record.state == v1::Customer::MERGED) {
      return absl::AbortedError("a merged customer is read alone");
    }
    records.emplace(record.id, &record);
  }
  for (const std::string& id : ids) {
    if (!records.contains(id)) {
      return absl::AbortedError("an absent customer is read alone");
    }
  }
  CRM_ASSIGN_OR_RETURN(
      auto summaries,
      manager_.deps_.orders.ListPurchaseSummariesOfCustomers(tx, ids));
  static const std::vector<PurchaseSummaryRecord> kNoSummaries;
  for (CustomerToGet* item : items) {
    const auto found = summaries.find(item->id);
    CRM_ASSIGN_OR_RETURN(
        item->customer,
        manager_.PresentWithSummaries(
            *records.at(item->id),
            found == summaries.end() ? kNoSummaries : found->second, nullptr));
  }
  return absl::OkStatus();
}

absl::StatusOr<v1::ListCustomersResponse> CustomerManager::List(
    const RequestContext& context, const v1::ListCustomersRequest& request) {
  CRM_RETURN_IF_ERROR(crm::common::CheckRequiredFields(request));
  CRM_ASSIGN_OR_RETURN(CustomerOrder order,
                       ParseCustomerOrder(request.order_by()));
  CRM_ASSIGN_OR_RETURN(crm::common::filter::Filter filter,
                       crm::common::filter::ParseFilter(
                           request.filter(), CustomerFilterSchema()));
  CRM_RETURN_IF_ERROR(PrepareCustomerFilterValues(
      filter, codec_, options_.phone_default_region));
  // Fingerprint of what shapes the result; keyed so a token never carries
  // filter values (they may be personal data).
  CRM_ASSIGN_OR_RETURN(std::string query_hash,
                       codec_.QueryFingerprint(absl::StrCat(
                           request.filter(), "\n", request.order_by())));
  const std::string query = absl::StrCat("customers:", query_hash);
  CRM_ASSIGN_OR_RETURN(crm::common::PageRequest page,
                       crm::common::ParsePageRequest(
                           request.page_size(), request.page_token(), query));
  CRM_ASSIGN_OR_RETURN(CustomerReadMask read_mask,
                       ParseCustomerReadMask(request.read_mask()));
  return deps_.unit_of_work.Read<v1::ListCustomersResponse>(
      context,
      [&](Transaction& tx) -> absl::StatusOr<v1::ListCustomersResponse> {
        CRM_ASSIGN_OR_RETURN(crm::common::Page<CustomerRecord> result,
                             deps_.customers.List(tx, filter, order, page));
        v1::ListCustomersResponse response;
        response.set_next_page_token(
            crm::common::NextPageToken(result.next, query));
        if (read_mask.name_only) {
          for (const CustomerRecord& record : result.items) {
            response.add_customers()->set_name(CustomerName(record.id));
          }
          return response;
        }
        // The page's purchase summaries in one read, not one per customer.
        std::vector<std::string> ids;
        ids.reserve(result.items.size());
        for (const CustomerRecord& record : result.items) {
          ids.push_back(record.id);
        }
        using SummariesByCustomer =
            std::map<std::string, std::vector<PurchaseSummaryRecord>>;
        CRM_ASSIGN_OR_RETURN(
            SummariesByCustomer summaries,
            deps_.orders.ListPurchaseSummariesOfCustomers(tx, ids));
        static const std::vector<PurchaseSummaryRecord> kNoSummaries;
        for (const CustomerRecord& record : result.items) {
          auto found = summaries.find(record.id);
          v1::Customer* customer = response.add_customers();
          CRM_ASSIGN_OR_RETURN(
              *customer,
              PresentWithSummaries(
                  record,
                  found == summaries.end() ? kNoSummaries : found->second,
                  nullptr));
          if (read_mask.mask.has_value()) {
            google::protobuf::util::FieldMaskUtil::TrimMessage(*read_mask.mask,
                                                               customer);
          }
        }
        return response;
      });
}

absl::StatusOr<v1::FindDuplicateCandidatesResponse>
CustomerManager::FindDuplicateCandidates(
    const RequestContext& context,
    const v1::FindDuplicateCandidatesRequest& request) {
  CRM_RETURN_IF_ERROR(crm::common::CheckRequiredFields(request));
  CRM_ASSIGN_OR_RETURN(int page_size,
                       crm::common::NormalizePageSize(request.page_size()));
  std::optional<std::pair<std::string, std::string>> after;
  if (!request.page_token().empty()) {
    CRM_ASSIGN_OR_RETURN(
        crm::common::PageCursor cursor,
        crm::common::DecodePageToken(request.page_token(), kDuplicatesQuery));
    after.emplace(cursor.sort_key, cursor.id);
  }
  return deps_.unit_of_work.Read<v1::FindDuplicateCandidatesResponse>(
      context,
      [&](Transaction& tx)
          -> absl::StatusOr<v1::FindDuplicateCandidatesResponse> {
        CRM_ASSIGN_OR_RETURN(
            std::vector<DuplicatePair> pairs,
            deps_.customers.FindDuplicatePairs(tx, after, page_size + 1));
        v1::FindDuplicateCandidatesResponse response;
        const bool more = pairs.size() > static_cast<size_t>(page_size);
        if (more) pairs.resize(page_size);
        for (const DuplicatePair& pair : pairs) {
          v1::DuplicateCandidate* candidate = response.add_candidates();
          candidate->set_customer(CustomerName(pair.older_id));
          candidate->set_other_customer(CustomerName(pair.newer_id));
          if (pair.same_email) {
            candidate->add_reasons(v1::DuplicateCandidate::SAME_EMAIL);
          }
          if (pair.same_phone) {
            candidate->add_reasons(v1::DuplicateCandidate::SAME_PHONE);
          }
          if (pair.same_name_and_birth_date) {
            candidate->add_reasons(
                v1::DuplicateCandidate::SAME_NAME_AND_BIRTH_DATE);
          }
        }
        if (more) {
          response.set_next_page_token(crm::common::EncodePageToken(
              {.sort_key = pairs.back().older_id, .id = pairs.back().newer_id},
              kDuplicatesQuery));
        }
        return response;
      });
}

// ----------------------------------------------------------------- update

absl::StatusOr<v1::Customer> CustomerManager::Update(
    const RequestContext& context, const v1::UpdateCustomerRequest& request) {
  CRM_RETURN_IF_ERROR(crm::common::CheckRequiredFieldsForUpdate(
      request, "customer", request.update_mask()));
  CRM_RETURN_IF_ERROR(crm::common::ValidateRequestId(request.request_id()));
  CRM_ASSIGN_OR_RETURN(
      std::string id,
      ParseCustomerName(request.customer().name(), "customer.name"));
  // UpdatePaths drops output-only paths of the mask (they are ignored).
  CRM_ASSIGN_OR_RETURN(std::vector<std::string> paths,
                       UpdatePaths(request.update_mask(), request.customer()));
  if (request.update_mask().paths_size() == 0) {
    // No mask means "the fields that are set": their required subfields
    // (e.g. consents.purpose) are enforced as if the mask named them.
    google::protobuf::FieldMask set_fields;
    for (const std::string& path : paths) set_fields.add_paths(path);
    CRM_RETURN_IF_ERROR(crm::common::CheckRequiredFieldsForUpdate(
        request, "customer", set_fields));
  }
  std::optional<int64_t> expected_version;
  if (!request.customer().etag().empty()) {
    absl::StatusOr<int64_t> version =
        crm::common::DecodeEtag(request.customer().etag());
    if (!version.ok()) {
      return crm::common::InvalidFieldError("customer.etag",
                                            "not a valid etag");
    }
    expected_version = *version;
  }
  auto in_mask = [&paths](absl::string_view path) {
    return std::find(paths.begin(), paths.end(), path) != paths.end();
  };
  const std::string name = CustomerName(id);
  absl::StatusOr<v1::Customer> result =
      crm::common::RunIdempotent<v1::Customer>(
          deps_.unit_of_work, deps_.idempotency, deps_.clock, context,
          "UpdateCustomer", request.request_id(), request,
          [&](Transaction& tx) -> absl::StatusOr<v1::Customer> {
            const absl::Time now = Now();
            CRM_ASSIGN_OR_RETURN(
                std::optional<CustomerRecord> record,
                deps_.customers.Load(tx, id, RowLock::kUpdate));
            if (!record.has_value()) return crm::common::NotFoundError(name);
            if (record->state == v1::Customer::MERGED) {
              return crm::common::StateConflictError(
                  name, absl::StrCat(name, " was merged into ",
                                     CustomerName(record->merged_into),
                                     "; update that customer"));
            }
            if (record->state == v1::Customer::ERASED) {
              return CustomerErasedError(id);
            }
            if (expected_version.has_value() &&
                *expected_version != record->version) {
              return crm::common::EtagMismatchError(name);
            }
            if (paths.empty()) return Reference(name);  // Nothing to change.
            std::optional<DataKey> key;
            CRM_ASSIGN_OR_RETURN(v1::Customer current,
                                 codec_.Decode(*record, &key));
            if (!key.has_value()) return absl::InternalError("no data key");
            v1::Customer candidate = ProfilePart(current);
            candidate.MergeFrom(PersonalPart(current));
            candidate.mutable_address()->set_country_code(
                current.address().country_code());
            CopyFields(request.customer(), paths, &candidate);
            if (in_mask("display_name") &&
                request.customer().display_name().empty()) {
              candidate.clear_display_name();  // Defaulted from the names.
            }
            CRM_ASSIGN_OR_RETURN(
                v1::Customer updated,
                StandardizeCustomer(
                    candidate,
                    {.phone_default_region = options_.phone_default_region,
                     .strict_phone = request.strict_phone() && in_mask("phone"),
                     .now = deps_.clock.Now()}));
            // External identities follow the list exactly; email and phone
            // claims follow the new values when they changed.
            const bool email_changed = updated.email() != current.email();
            const bool phone_changed = updated.phone() != current.phone();
            CRM_RETURN_IF_ERROR(resolver_.ReleaseReplaced(
                tx, id, updated, email_changed, phone_changed));
            CRM_RETURN_IF_ERROR(resolver_.Claim(
                tx, id, updated,
                {.email = email_changed, .phone = phone_changed}));
            CRM_RETURN_IF_ERROR(codec_.Encode(updated, *key, &*record));
            record->update_time = now;
            record->version += 1;
            CRM_RETURN_IF_ERROR(deps_.customers.Update(tx, *record));
            CRM_ASSIGN_OR_RETURN(v1::Customer stored,
                                 Present(tx, *record, nullptr));
            CRM_RETURN_IF_ERROR(AppendEvent(
                tx, v1::ChangeEvent::CUSTOMER_UPDATED, stored, nullptr, now));
            return Reference(name);
          });
  return ReadBack(context, std::move(result));
}

// ------------------------------------------------------------------ merge

absl::StatusOr<v1::Customer> CustomerManager::Merge(
    const RequestContext& context, const v1::MergeCustomersRequest& request) {
  CRM_RETURN_IF_ERROR(crm::common::CheckRequiredFields(request));
  CRM_RETURN_IF_ERROR(crm::common::ValidateRequestId(request.request_id()));
  CRM_ASSIGN_OR_RETURN(std::string survivor_id,
                       ParseCustomerName(request.survivor(), "survivor"));
  CRM_ASSIGN_OR_RETURN(std::string duplicate_id,
                       ParseCustomerName(request.duplicate(), "duplicate"));
  if (survivor_id == duplicate_id) {
    return crm::common::InvalidFieldError(
        "duplicate", "must name another customer than survivor");
  }
  std::set<std::string> pinned;
  if (request.pinned_fields_size() > 0) {
    CRM_ASSIGN_OR_RETURN(std::vector<std::string> paths,
                         ValidatePinnedFields(request.pinned_fields()));
    pinned.insert(paths.begin(), paths.end());
  }
  absl::StatusOr<v1::Customer> result =
      crm::common::RunIdempotent<v1::Customer>(
          deps_.unit_of_work, deps_.idempotency, deps_.clock, context,
          "MergeCustomers", request.request_id(), request,
          [&](Transaction& tx) -> absl::StatusOr<v1::Customer> {
            CRM_ASSIGN_OR_RETURN(
                v1::Customer survivor,
                MergeInTransaction(tx, survivor_id, duplicate_id, pinned));
            return Reference(survivor.name());
          });
  return ReadBack(context, std::move(result));
}

absl::StatusOr<v1::Customer> CustomerManager::MergeInTransaction(
    Transaction& tx, const std::string& survivor_arg,
    const std::string& duplicate_id, const std::set<std::string>& pinned) {
  const absl::Time now = Now();
  // Lock both rows in id order (no deadlock between opposite merges).
  CRM_RETURN_IF_ERROR(
      deps_.customers
          .Load(tx, std::min(survivor_arg, duplicate_id), RowLock::kUpdate)
          .status());
  CRM_RETURN_IF_ERROR(
      deps_.customers
          .Load(tx, std::max(survivor_arg, duplicate_id), RowLock::kUpdate)
          .status());
  CRM_ASSIGN_OR_RETURN(
      CustomerRecord survivor,
      FollowMerges(tx, deps_.customers, survivor_arg, RowLock::kUpdate));
  if (survivor.state == v1::Customer::ERASED) {
    return CustomerErasedError(survivor.id);
  }
  const std::string duplicate_name = CustomerName(duplicate_id);
  CRM_ASSIGN_OR_RETURN(
      std::optional<CustomerRecord> duplicate,
      deps_.customers.Load(tx, duplicate_id, RowLock::kUpdate));
  if (!duplicate.has_value()) {
    return crm::common::NotFoundError(duplicate_name);
  }
  if (duplicate->state == v1::Customer::MERGED) {
    CRM_ASSIGN_OR_RETURN(
        CustomerRecord end,
        FollowMerges(tx, deps_.customers, duplicate->id, RowLock::kUpdate));
    if (end.id == survivor.id) {  // Already merged: idempotent.
      return codec_.Decode(survivor, nullptr);
    }
    return crm::common::StateConflictError(
        duplicate_name,
        absl::StrCat(duplicate_name, " was already merged into ",
                     CustomerName(end.id)));
  }
  if (duplicate->state == v1::Customer::ERASED) {
    return CustomerErasedError(duplicate_id);
  }
  if (survivor.id == duplicate->id) {
    const std::string survivor_name = CustomerName(survivor_arg);
    return crm::common::StateConflictError(
        survivor_name,
        absl::StrCat(survivor_name, " was merged into ", duplicate_name,
                     "; cannot merge a customer into itself"));
  }
  std::optional<DataKey> key;
  CRM_ASSIGN_OR_RETURN(v1::Customer merged, codec_.Decode(survivor, &key));
  CRM_ASSIGN_OR_RETURN(v1::Customer other, codec_.Decode(*duplicate, nullptr));
  if (!key.has_value()) return absl::InternalError("no data key");
  const bool duplicate_newer = duplicate->update_time > survivor.update_time;
  CRM_ASSIGN_OR_RETURN(std::vector<std::string> taken,
                       FoldInto(other, duplicate_newer, pinned, &merged));
  // Everything the duplicate owned now belongs to the survivor.
  CRM_RETURN_IF_ERROR(
      deps_.customers.MoveIdentifiers(tx, duplicate->id, survivor.id));
  CRM_RETURN_IF_ERROR(resolver_.Claim(tx, survivor.id, merged, {}));
  CRM_RETURN_IF_ERROR(
      deps_.orders.MoveCustomerActivity(tx, duplicate->id, survivor.id));
  CRM_RETURN_IF_ERROR(
      deps_.customers.RepointMerged(tx, duplicate->id, survivor.id));
  CRM_RETURN_IF_ERROR(codec_.Encode(merged, *key, &survivor));
  survivor.update_time = now;
  survivor.version += 1;
  CRM_RETURN_IF_ERROR(deps_.customers.Update(tx, survivor));
  // The duplicate becomes a tombstone pointing at the survivor; what it held
  // lives on in the survivor, so its own copy is shredded.
  duplicate->state = v1::Customer::MERGED;
  duplicate->merged_into = survivor.id;
  Shred(&*duplicate);
  duplicate->update_time = now;
  duplicate->version += 1;
  CRM_RETURN_IF_ERROR(deps_.customers.Update(tx, *duplicate));
  CRM_RETURN_IF_ERROR(deps_.customers.InsertMergeAudit(
      tx, survivor.id, duplicate->id, now, absl::StrJoin(taken, ",")));
  CRM_ASSIGN_OR_RETURN(v1::Customer stored, Present(tx, survivor, nullptr));
  v1::MergeDetails details;
  details.set_survivor(CustomerName(survivor.id));
  details.set_duplicate(duplicate_name);
  CRM_RETURN_IF_ERROR(
      AppendEvent(tx, v1::ChangeEvent::CUSTOMER_MERGED, stored, &details, now));
  return stored;
}

// ---------------------------------------------------------- erase, export

absl::StatusOr<v1::Customer> CustomerManager::Erase(
    const RequestContext& context, const v1::EraseCustomerRequest& request) {
  CRM_RETURN_IF_ERROR(crm::common::CheckRequiredFields(request));
  CRM_RETURN_IF_ERROR(crm::common::ValidateRequestId(request.request_id()));
  CRM_ASSIGN_OR_RETURN(std::string id, ParseCustomerName(request.name()));
  absl::StatusOr<v1::Customer> result =
      crm::common::RunIdempotent<v1::Customer>(
          deps_.unit_of_work, deps_.idempotency, deps_.clock, context,
          "EraseCustomer", request.request_id(), request,
          [&](Transaction& tx) -> absl::StatusOr<v1::Customer> {
            const absl::Time now = Now();
            CRM_ASSIGN_OR_RETURN(
                CustomerRecord record,
                FollowMerges(tx, deps_.customers, id, RowLock::kUpdate));
            if (record.state == v1::Customer::ERASED) {
              return Reference(CustomerName(record.id));
            }
            record.state = v1::Customer::ERASED;
            Shred(&record);
            record.update_time = now;
            record.version += 1;
            CRM_RETURN_IF_ERROR(deps_.customers.Update(tx, record));
            CRM_RETURN_IF_ERROR(
                deps_.customers.ReleaseAllIdentifiers(tx, record.id));
            CRM_RETURN_IF_ERROR(
                deps_.orders.DeleteEventsOfCustomer(tx, record.id));
            CRM_ASSIGN_OR_RETURN(v1::Customer tombstone,
                                 Present(tx, record, nullptr));
            CRM_RETURN_IF_ERROR(AppendEvent(
                tx, v1::ChangeEvent::CUSTOMER_ERASED, tombstone, nullptr, now));
            return Reference(tombstone.name());
          });
  return ReadBack(context, std::move(result));
}

absl::StatusOr<v1::ExportCustomerDataResponse> CustomerManager::Export(
    const RequestContext& context,
    const v1::ExportCustomerDataRequest& request) {
  CRM_RETURN_IF_ERROR(crm::common::CheckRequiredFields(request));
  CRM_ASSIGN_OR_RETURN(std::string id, ParseCustomerName(request.name()));
  return deps_.unit_of_work.Run<v1::ExportCustomerDataResponse>(
      context,
      [&](Transaction& tx) -> absl::StatusOr<v1::ExportCustomerDataResponse> {
        v1::ExportCustomerDataResponse response;
        CRM_ASSIGN_OR_RETURN(
            CustomerRecord record,
            FollowMerges(tx, deps_.customers, id, RowLock::kShare));
        CRM_ASSIGN_OR_RETURN(*response.mutable_customer(),
                             Present(tx, record, nullptr));
        CRM_ASSIGN_OR_RETURN(CustomerActivity activity,
                             deps_.orders.LoadCustomerActivity(tx, record.id));
        for (const OrderRecord& order : activity.orders) {
          *response.add_orders() = OrderToProto(order);
        }
        for (const InteractionEventRecord& event : activity.events) {
          *response.add_events() = InteractionEventToProto(event);
        }
        CRM_ASSIGN_OR_RETURN(std::vector<std::string> merged,
                             deps_.customers.MergedInto(tx, record.id));
        for (const std::string& merged_id : merged) {
          response.add_merged_customers(CustomerName(merged_id));
        }
        *response.mutable_export_time() = ToProtoTimestamp(Now());
        return response;
      });
}

absl::StatusOr<v1::CustomerStatistics> CustomerManager::GetStatistics(
    const RequestContext& context,
    const v1::GetCustomerStatisticsRequest& request) {
  CRM_RETURN_IF_ERROR(crm::common::CheckRequiredFields(request));
  CRM_RETURN_IF_ERROR(CheckCustomerStatisticsName(request.name()));
  CRM_ASSIGN_OR_RETURN(int months, NormalizeStatisticsMonths(request.months()));
  const absl::Time now = Now();
  const absl::CivilMonth current = absl::ToCivilMonth(now, absl::UTCTimeZone());
  const absl::CivilMonth first = current - (months - 1);
  struct Aggregates {
    std::vector<ChannelCount> channels;
    std::vector<MonthCount> created;
  };
  CRM_ASSIGN_OR_RETURN(
      Aggregates aggregates,
      deps_.unit_of_work.Read<Aggregates>(
          context, [&](Transaction& tx) -> absl::StatusOr<Aggregates> {
            Aggregates read;
            CRM_ASSIGN_OR_RETURN(read.channels,
                                 deps_.customers.CountActiveByChannel(tx));
            CRM_ASSIGN_OR_RETURN(
                read.created,
                deps_.customers.CountActiveCreatedByMonth(
                    tx, absl::FromCivil(first, absl::UTCTimeZone())));
            return read;
          }));
  return BuildCustomerStatistics(aggregates.channels, aggregates.created, first,
                                 current, now);
}

}  // namespace crm::customer_profile
