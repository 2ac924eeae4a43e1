#include "services/customer_profile/customer_manager_impl.h"

#include <algorithm>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_replace.h"
#include "absl/strings/str_split.h"
#include "crm/customerprofile/v1/change_event.pb.h"
#include "services/common/etag.h"
#include "services/common/idempotency_store.h"
#include "services/common/keyset_page.h"
#include "services/common/page_token.h"
#include "services/common/status_macros.h"
#include "services/common/timestamps.h"
#include "services/common/transaction.h"
#include "services/customer_profile/core/standardizer.h"
#include "services/customer_profile/customer_validation.h"
#include "services/customer_profile/mysql_customer_repository.h"
#if CRM_CUSTOMER_PROFILE_HAS_ORDERS
#include "services/customer_profile/mysql_order_repository.h"
#endif

namespace crm::customer_profile {
namespace {

using ::crm::common::FeedNotifier;
using ::crm::common::FromProtoTimestamp;
using ::crm::common::ToProtoTimestamp;

// The change feed this service serves (the same name as
// mysql_order_repository.h's kCustomerProfileFeed).
constexpr absl::string_view kFeed = "customer_profile";
// Attempts of a resolving write whose identifier claim lost a race.
constexpr int kResolutionAttempts = 8;
constexpr int kMaxMergeHops = 16;
constexpr char kDuplicatesQuery[] = "duplicate_candidates";

absl::Status RaceStatus() {
  return absl::AbortedError("identity resolution raced with another write");
}

// Splits a standardised customer into its personal part (encrypted at rest)
// and the rest.
v1::Customer PersonalPart(const v1::Customer& customer) {
  v1::Customer pii;
  pii.set_given_name(customer.given_name());
  pii.set_family_name(customer.family_name());
  pii.set_display_name(customer.display_name());
  pii.set_email(customer.email());
  pii.set_phone(customer.phone());
  pii.set_birth_date(customer.birth_date());
  const v1::PostalAddress& address = customer.address();
  if (!address.region().empty() || !address.city().empty() ||
      !address.postal_code().empty() || !address.address_line().empty()) {
    v1::PostalAddress* out = pii.mutable_address();
    out->set_region(address.region());
    out->set_city(address.city());
    out->set_postal_code(address.postal_code());
    out->set_address_line(address.address_line());
  }
  *pii.mutable_external_identities() = customer.external_identities();
  return pii;
}

v1::Customer ProfilePart(const v1::Customer& customer) {
  v1::Customer profile;
  profile.set_locale(customer.locale());
  profile.set_gender(customer.gender());
  if (!customer.address().country_code().empty()) {
    profile.mutable_address()->set_country_code(
        customer.address().country_code());
  }
  *profile.mutable_tags() = customer.tags();
  *profile.mutable_attributes() = customer.attributes();
  *profile.mutable_consents() = customer.consents();
  profile.set_source_channel(customer.source_channel());
  return profile;
}

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

std::vector<std::string> SortedUnion(
    const google::protobuf::RepeatedPtrField<std::string>& a,
    const google::protobuf::RepeatedPtrField<std::string>& b) {
  std::set<std::string> all(a.begin(), a.end());
  all.insert(b.begin(), b.end());
  return std::vector<std::string>(all.begin(), all.end());
}

// Folds `other` into `base`: scalars by precedence (`other_newer`: other's
// non-empty values win; otherwise they only fill empty ones), pinned paths
// untouched; tags and identities united; attributes united (newer wins per
// key); consents per purpose by the later answer. Returns the scalar paths
// taken from `other`. INVALID_ARGUMENT if the union exceeds a limit.
absl::StatusOr<std::vector<std::string>> FoldInto(
    const v1::Customer& other, bool other_newer,
    const std::set<std::string>& pinned, v1::Customer* base) {
  std::vector<std::string> taken;
  for (const std::string& path : ScalarPaths()) {
    if (pinned.count(path) > 0) continue;
    const std::string mine = ScalarValue(*base, path);
    const std::string theirs = ScalarValue(other, path);
    if (theirs.empty() || theirs == mine) continue;
    if (mine.empty() || other_newer) {
      CopyFields(other, {path}, base);
      taken.push_back(path);
    }
  }
  if (pinned.count("tags") == 0) {
    std::vector<std::string> tags = SortedUnion(base->tags(), other.tags());
    if (tags.size() > kMaxTags) {
      return absl::InvalidArgumentError(
          absl::StrCat("customer.tags: the result would have more than ",
                       kMaxTags, " tags"));
    }
    base->clear_tags();
    for (std::string& tag : tags) base->add_tags(std::move(tag));
  }
  if (pinned.count("attributes") == 0) {
    for (const auto& [key, value] : other.attributes()) {
      if (other_newer || base->attributes().count(key) == 0) {
        (*base->mutable_attributes())[key] = value;
      }
    }
    if (base->attributes_size() > static_cast<int>(kMaxAttributes)) {
      return absl::InvalidArgumentError(
          absl::StrCat("customer.attributes: the result would have more than ",
                       kMaxAttributes, " entries"));
    }
  }
  if (pinned.count("consents") == 0) {
    std::map<int, v1::Consent> by_purpose;
    for (const v1::Consent& consent : base->consents()) {
      by_purpose[consent.purpose()] = consent;
    }
    for (const v1::Consent& consent : other.consents()) {
      auto it = by_purpose.find(consent.purpose());
      if (it == by_purpose.end() ||
          FromProtoTimestamp(consent.update_time()) >=
              FromProtoTimestamp(it->second.update_time())) {
        by_purpose[consent.purpose()] = consent;
      }
    }
    base->clear_consents();
    for (auto& [purpose, consent] : by_purpose) *base->add_consents() = consent;
  }
  // Identities are never pinned away: a merge must not lose one.
  std::set<std::pair<std::string, std::string>> seen;
  for (const v1::ExternalIdentity& identity : base->external_identities()) {
    seen.emplace(identity.channel(), identity.id());
  }
  for (const v1::ExternalIdentity& identity : other.external_identities()) {
    if (seen.emplace(identity.channel(), identity.id()).second) {
      *base->add_external_identities() = identity;
    }
  }
  return taken;
}

}  // namespace

absl::StatusOr<std::vector<IdentifierKind>> ParseResolutionOrder(
    absl::string_view text) {
  std::vector<IdentifierKind> order;
  for (absl::string_view part : absl::StrSplit(text, ',')) {
    part = absl::StripAsciiWhitespace(part);
    IdentifierKind kind;
    if (part == "external_identity") {
      kind = IdentifierKind::kExternal;
    } else if (part == "email") {
      kind = IdentifierKind::kEmail;
    } else if (part == "phone") {
      kind = IdentifierKind::kPhone;
    } else {
      return absl::InvalidArgumentError(
          "resolution_order: entries must be external_identity, email or "
          "phone");
    }
    if (std::find(order.begin(), order.end(), kind) != order.end()) {
      return absl::InvalidArgumentError(
          "resolution_order: an entry is repeated");
    }
    order.push_back(kind);
  }
  if (order.empty()) {
    return absl::InvalidArgumentError("resolution_order: must not be empty");
  }
  return order;
}

class CustomerManagerImpl::Impl {
 public:
  Impl(crm::common::MySqlPool& pool, const crm::common::Clock& clock,
       const crm::common::IdGenerator& ids, FeedNotifier& notifier,
       KeyRing key_ring, CustomerManagerOptions options,
       BlindIndexKey email_key, BlindIndexKey phone_key,
       BlindIndexKey external_key, BlindIndexKey name_key,
       BlindIndexKey query_key)
      : pool_(pool),
        clock_(clock),
        ids_(ids),
        notifier_(notifier),
        ring_(std::move(key_ring)),
        options_(std::move(options)),
        email_key_(std::move(email_key)),
        phone_key_(std::move(phone_key)),
        external_key_(std::move(external_key)),
        name_key_(std::move(name_key)),
        query_key_(std::move(query_key)) {}

  absl::Time Now() const { return crm::common::TruncateToMicros(clock_.Now()); }

  StandardizeOptions Standardization(bool strict_phone) const {
    return StandardizeOptions{
        .phone_default_region = options_.phone_default_region,
        .strict_phone = strict_phone,
        .now = clock_.Now()};
  }

  // ---------------------------------------------------------------- codec

  absl::StatusOr<std::string> ExternalHash(
      const v1::ExternalIdentity& identity) const {
    return BlindIndex(external_key_, ExternalIdentityKey(identity));
  }

  // Fills the stored columns of `record` from `customer` (standardised).
  absl::Status Encode(const v1::Customer& customer, const DataKey& key,
                      CustomerRecord* record) const {
    CRM_ASSIGN_OR_RETURN(
        record->pii,
        EncryptField(key, PersonalPart(customer).SerializeAsString(),
                     FieldAssociatedData(record->id, "pii")));
    record->profile = ProfilePart(customer).SerializeAsString();
    record->email_bidx.clear();
    record->phone_bidx.clear();
    record->name_birth_bidx.clear();
    if (!customer.email().empty()) {
      CRM_ASSIGN_OR_RETURN(record->email_bidx,
                           BlindIndex(email_key_, customer.email()));
    }
    if (!customer.phone().empty()) {
      CRM_ASSIGN_OR_RETURN(record->phone_bidx,
                           BlindIndex(phone_key_, customer.phone()));
    }
    if (!customer.display_name().empty() && !customer.birth_date().empty()) {
      CRM_ASSIGN_OR_RETURN(
          record->name_birth_bidx,
          BlindIndex(name_key_, absl::StrCat(absl::AsciiStrToLower(
                                                 customer.display_name()),
                                             "\n", customer.birth_date())));
    }
    record->country_code = customer.address().country_code();
    return absl::OkStatus();
  }

  // The customer in `record`, decrypted; `key` receives the data key when
  // not null and the record has one.
  absl::StatusOr<v1::Customer> Decode(sql::Connection& connection,
                                      const CustomerRecord& record,
                                      std::optional<DataKey>* key) const {
    v1::Customer customer;
    if (!customer.ParseFromString(record.profile)) {
      return absl::InternalError("stored customer profile is corrupt");
    }
    if (record.wrapped_key.has_value()) {
      CRM_ASSIGN_OR_RETURN(DataKey data_key,
                           ring_.UnwrapDataKey(*record.wrapped_key));
      CRM_ASSIGN_OR_RETURN(std::string plain,
                           DecryptField(data_key, record.pii,
                                        FieldAssociatedData(record.id, "pii")));
      v1::Customer pii;
      if (!pii.ParseFromString(plain)) {
        return absl::InternalError("stored personal data is corrupt");
      }
      const std::string country = customer.address().country_code();
      customer.MergeFrom(pii);
      if (!country.empty()) {
        customer.mutable_address()->set_country_code(country);
      }
      if (key != nullptr) key->emplace(std::move(data_key));
    }
    customer.set_name(CustomerName(record.id));
    customer.set_state(record.state);
    if (!record.merged_into.empty()) {
      customer.set_merged_into(CustomerName(record.merged_into));
    }
    *customer.mutable_create_time() = ToProtoTimestamp(record.create_time);
    *customer.mutable_update_time() = ToProtoTimestamp(record.update_time);
    customer.set_etag(crm::common::EncodeEtag(record.version));
#if CRM_CUSTOMER_PROFILE_HAS_ORDERS
    CRM_ASSIGN_OR_RETURN(*customer.mutable_purchase_summary(),
                         LoadPurchaseSummary(connection, record.id));
#else
    (void)connection;
#endif
    return customer;
  }

  // Idempotency records (idempotency_keys) store responses in plaintext, so
  // mutations store only a reference (the customer's name) and every
  // response, first or repeated, is the customer as read after commit
  // (following merges): never personal data at rest outside `pii`.
  static v1::Customer Reference(const v1::Customer& customer) {
    v1::Customer reference;
    reference.set_name(customer.name());
    return reference;
  }
  static v1::Customer CustomerNameOnly(absl::string_view id) {
    v1::Customer customer;
    customer.set_name(CustomerName(id));
    return customer;
  }
  static absl::StatusOr<v1::Customer> ReferenceOf(
      absl::StatusOr<v1::Customer> customer) {
    if (!customer.ok()) return customer;
    return Reference(*customer);
  }
  absl::StatusOr<v1::Customer> ReadBack(
      absl::StatusOr<v1::Customer> reference) {
    if (!reference.ok()) return reference;
    v1::GetCustomerRequest request;
    request.set_name(reference->name());
    return Get(request);
  }

  // Appends a feed event in the caller's transaction. Callers call it last,
  // after every row lock of the transaction (change_feed_outbox.h).
  absl::Status AppendEvent(sql::Connection& connection,
                           v1::ChangeEvent::Type type,
                           const v1::Customer& customer,
                           const v1::MergeDetails* merge, absl::Time now) {
    v1::ChangeEvent event;
    event.set_type(type);
    event.set_customer_name(customer.name());
    *event.mutable_event_time() = ToProtoTimestamp(now);
    *event.mutable_customer() = FeedCopy(customer);
    if (merge != nullptr) *event.mutable_merge() = *merge;
    return crm::common::ChangeFeedOutbox::Append(
        connection, kFeed,
        {.type = static_cast<int>(type),
         .key = std::string(customer.name().substr(CustomerName("").size())),
         .payload = event.SerializeAsString(),
         .event_time = now},
        now);
  }

  // Loads `id` for update, following merges to the survivor (locking each).
  absl::StatusOr<CustomerRecord> LoadFollowing(sql::Connection& connection,
                                               std::string id) {
    for (int hop = 0; hop < kMaxMergeHops; ++hop) {
      CRM_ASSIGN_OR_RETURN(
          std::optional<CustomerRecord> record,
          MySqlCustomerRepository::Load(connection, id, RowLock::kUpdate));
      if (!record.has_value()) {
        return absl::NotFoundError(
            absl::StrCat(CustomerName(id), " was not found"));
      }
      if (record->state != v1::Customer::MERGED) return *std::move(record);
      id = record->merged_into;
    }
    return absl::InternalError("merge chain too long");
  }

  // Claims the customer's identifiers for `id`. External identities owned by
  // another customer: ALREADY_EXISTS (`new_customer`: a lost race, retried).
  // Emails and phones owned by another customer: left unclaimed, or for a
  // new customer a lost race.
  absl::Status ClaimIdentifiers(sql::Connection& connection,
                                absl::string_view id,
                                const v1::Customer& customer, bool new_customer,
                                bool claim_email, bool claim_phone) {
    for (int i = 0; i < customer.external_identities_size(); ++i) {
      CRM_ASSIGN_OR_RETURN(std::string hash,
                           ExternalHash(customer.external_identities(i)));
      CRM_ASSIGN_OR_RETURN(
          std::string owner,
          MySqlCustomerRepository::ClaimIdentifier(
              connection, IdentifierKind::kExternal, hash, id));
      if (owner != id) {
        if (new_customer) return RaceStatus();
        return absl::AlreadyExistsError(absl::StrCat(
            "customer.external_identities[", i,
            "]: belongs to another customer, ", CustomerName(owner),
            "; merge the two customers instead"));
      }
    }
    auto claim = [&](IdentifierKind kind, const BlindIndexKey& key,
                     const std::string& value) -> absl::Status {
      if (value.empty()) return absl::OkStatus();
      CRM_ASSIGN_OR_RETURN(std::string hash, BlindIndex(key, value));
      CRM_ASSIGN_OR_RETURN(
          std::string owner,
          MySqlCustomerRepository::ClaimIdentifier(connection, kind, hash, id));
      if (owner != id && new_customer) return RaceStatus();
      return absl::OkStatus();
    };
    if (claim_email) {
      CRM_RETURN_IF_ERROR(
          claim(IdentifierKind::kEmail, email_key_, customer.email()));
    }
    if (claim_phone) {
      CRM_RETURN_IF_ERROR(
          claim(IdentifierKind::kPhone, phone_key_, customer.phone()));
    }
    return absl::OkStatus();
  }

  // The owner of the first known identifier of `customer`, in the
  // configured order.
  absl::StatusOr<std::optional<std::string>> Resolve(
      sql::Connection& connection, const v1::Customer& customer) {
    for (IdentifierKind kind : options_.resolution_order) {
      std::vector<std::string> hashes;
      if (kind == IdentifierKind::kExternal) {
        for (const v1::ExternalIdentity& identity :
             customer.external_identities()) {
          CRM_ASSIGN_OR_RETURN(std::string hash, ExternalHash(identity));
          hashes.push_back(std::move(hash));
        }
      } else if (kind == IdentifierKind::kEmail && !customer.email().empty()) {
        CRM_ASSIGN_OR_RETURN(std::string hash,
                             BlindIndex(email_key_, customer.email()));
        hashes.push_back(std::move(hash));
      } else if (kind == IdentifierKind::kPhone && !customer.phone().empty()) {
        CRM_ASSIGN_OR_RETURN(std::string hash,
                             BlindIndex(phone_key_, customer.phone()));
        hashes.push_back(std::move(hash));
      }
      for (const std::string& hash : hashes) {
        CRM_ASSIGN_OR_RETURN(std::optional<std::string> owner,
                             MySqlCustomerRepository::FindIdentifierOwner(
                                 connection, kind, hash, false));
        if (owner.has_value()) return owner;
      }
    }
    return std::optional<std::string>();
  }

  // The resolving write of Create and Ingest, in the caller's transaction.
  absl::StatusOr<IngestOutcome> ResolveAndWrite(sql::Connection& connection,
                                                const v1::Customer& incoming) {
    const absl::Time now = Now();
    CRM_ASSIGN_OR_RETURN(std::optional<std::string> target,
                         Resolve(connection, incoming));
    IngestOutcome outcome;
    if (target.has_value()) {
      CRM_ASSIGN_OR_RETURN(
          std::optional<CustomerRecord> record,
          MySqlCustomerRepository::Load(connection, *target, RowLock::kUpdate));
      if (!record.has_value() || record->state != v1::Customer::ACTIVE) {
        return RaceStatus();
      }
      std::optional<DataKey> key;
      CRM_ASSIGN_OR_RETURN(v1::Customer customer,
                           Decode(connection, *record, &key));
      if (!key.has_value()) return absl::InternalError("customer has no key");
      CRM_RETURN_IF_ERROR(FoldInto(incoming, true, {}, &customer).status());
      CRM_RETURN_IF_ERROR(ClaimIdentifiers(connection, record->id, customer,
                                           false, true, true));
      CRM_RETURN_IF_ERROR(Encode(customer, *key, &*record));
      record->update_time = now;
      record->version += 1;
      CRM_RETURN_IF_ERROR(MySqlCustomerRepository::Update(connection, *record));
      CRM_RETURN_IF_ERROR(MySqlCustomerRepository::ReplaceTags(
          connection, record->id,
          std::vector<std::string>(customer.tags().begin(),
                                   customer.tags().end())));
      CRM_ASSIGN_OR_RETURN(outcome.customer,
                           Decode(connection, *record, nullptr));
      outcome.created = false;
      CRM_RETURN_IF_ERROR(AppendEvent(connection,
                                      v1::ChangeEvent::CUSTOMER_UPDATED,
                                      outcome.customer, nullptr, now));
      return outcome;
    }
    CustomerRecord record;
    record.id = ids_.NewId();
    record.state = v1::Customer::ACTIVE;
    record.create_time = now;
    record.update_time = now;
    record.version = 1;
    CRM_ASSIGN_OR_RETURN(DataKey key, NewDataKey());
    CRM_ASSIGN_OR_RETURN(std::string wrapped, ring_.WrapDataKey(key));
    record.wrapped_key = std::move(wrapped);
    CRM_RETURN_IF_ERROR(
        ClaimIdentifiers(connection, record.id, incoming, true, true, true));
    CRM_RETURN_IF_ERROR(Encode(incoming, key, &record));
    CRM_RETURN_IF_ERROR(MySqlCustomerRepository::Insert(connection, record));
    CRM_RETURN_IF_ERROR(MySqlCustomerRepository::ReplaceTags(
        connection, record.id,
        std::vector<std::string>(incoming.tags().begin(),
                                 incoming.tags().end())));
    CRM_ASSIGN_OR_RETURN(outcome.customer, Decode(connection, record, nullptr));
    outcome.created = true;
    CRM_RETURN_IF_ERROR(AppendEvent(connection,
                                    v1::ChangeEvent::CUSTOMER_CREATED,
                                    outcome.customer, nullptr, now));
    return outcome;
  }

  // Runs `attempt` again while it fails with ABORTED (a lost identifier
  // race, or deadlocks beyond RunInTransaction's own retries).
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
    if (result.ok()) notifier_.Notify();
    return result;
  }

  absl::StatusOr<v1::Customer> Create(
      const v1::CreateCustomerRequest& request) {
    CRM_RETURN_IF_ERROR(crm::common::ValidateRequestId(request.request_id()));
    CRM_ASSIGN_OR_RETURN(
        v1::Customer incoming,
        StandardizeCustomer(request.customer(),
                            Standardization(request.strict_phone())));
    return ReadBack(RetryResolution<v1::Customer>([&]() {
      return crm::common::RunIdempotent<v1::Customer>(
          pool_, clock_, "CreateCustomer", request.request_id(), request,
          [&](sql::Connection& connection) -> absl::StatusOr<v1::Customer> {
            CRM_ASSIGN_OR_RETURN(IngestOutcome outcome,
                                 ResolveAndWrite(connection, incoming));
            return Reference(outcome.customer);
          });
    }));
  }

  absl::StatusOr<IngestOutcome> Ingest(const v1::Customer& customer,
                                       bool strict_phone) {
    CRM_ASSIGN_OR_RETURN(
        v1::Customer incoming,
        StandardizeCustomer(customer, Standardization(strict_phone)));
    return RetryResolution<IngestOutcome>([&]() {
      return crm::common::RunInTransaction<IngestOutcome>(
          pool_, [&](sql::Connection& connection) {
            return ResolveAndWrite(connection, incoming);
          });
    });
  }

  absl::StatusOr<v1::Customer> Get(const v1::GetCustomerRequest& request) {
    CRM_ASSIGN_OR_RETURN(std::string id, ParseCustomerName(request.name()));
    return crm::common::WithConnection<v1::Customer>(
        pool_,
        [&](sql::Connection& connection) -> absl::StatusOr<v1::Customer> {
          std::string current = id;
          for (int hop = 0; hop < kMaxMergeHops; ++hop) {
            CRM_ASSIGN_OR_RETURN(std::optional<CustomerRecord> record,
                                 MySqlCustomerRepository::Load(
                                     connection, current, RowLock::kNone));
            if (!record.has_value()) {
              return absl::NotFoundError(
                  absl::StrCat(CustomerName(current), " was not found"));
            }
            if (record->state != v1::Customer::MERGED) {
              return Decode(connection, *record, nullptr);
            }
            current = record->merged_into;
          }
          return absl::InternalError("merge chain too long");
        });
  }

  absl::StatusOr<v1::ListCustomersResponse> List(
      const v1::ListCustomersRequest& request) {
    CRM_ASSIGN_OR_RETURN(CustomerOrder order,
                         ParseCustomerOrder(request.order_by()));
    CRM_ASSIGN_OR_RETURN(
        ParsedFilter parsed,
        ParseCustomerFilter(request.filter(), options_.phone_default_region));
    // Fingerprint of what shapes the result; hashed so a token never
    // carries filter values (they may be PII).
    CRM_ASSIGN_OR_RETURN(
        std::string query_hash,
        BlindIndex(query_key_,
                   absl::StrCat(request.filter(), "\n", request.order_by())));
    const std::string query = absl::StrCat("customers:", query_hash);
    CRM_ASSIGN_OR_RETURN(crm::common::PageRequest page,
                         crm::common::ParsePageRequest(
                             request.page_size(), request.page_token(), query));
    CustomerFilter filter;
    if (parsed.email.has_value()) {
      CRM_ASSIGN_OR_RETURN(filter.email_bidx,
                           BlindIndex(email_key_, *parsed.email));
    }
    if (parsed.phone.has_value()) {
      CRM_ASSIGN_OR_RETURN(filter.phone_bidx,
                           BlindIndex(phone_key_, *parsed.phone));
    }
    if (parsed.external_identity.has_value()) {
      CRM_ASSIGN_OR_RETURN(
          filter.external_hash,
          BlindIndex(external_key_, *parsed.external_identity));
    }
    filter.tags = parsed.tags;
    filter.country_code = parsed.country_code;
    filter.states = parsed.states;
    filter.times = parsed.times;
    return crm::common::WithConnection<v1::ListCustomersResponse>(
        pool_,
        [&](sql::Connection& connection)
            -> absl::StatusOr<v1::ListCustomersResponse> {
          CRM_ASSIGN_OR_RETURN(
              crm::common::Page<CustomerRecord> result,
              MySqlCustomerRepository::List(connection, filter, order, page));
          v1::ListCustomersResponse response;
          for (const CustomerRecord& record : result.items) {
            CRM_ASSIGN_OR_RETURN(*response.add_customers(),
                                 Decode(connection, record, nullptr));
          }
          response.set_next_page_token(
              crm::common::NextPageToken(result.next, query));
          return response;
        });
  }

  absl::StatusOr<v1::Customer> Update(
      const v1::UpdateCustomerRequest& request) {
    CRM_RETURN_IF_ERROR(crm::common::ValidateRequestId(request.request_id()));
    CRM_ASSIGN_OR_RETURN(
        std::string id,
        ParseCustomerName(request.customer().name(), "customer.name"));
    CRM_ASSIGN_OR_RETURN(std::vector<std::string> paths,
                         ValidateUpdateMask(request.update_mask()));
    std::optional<int64_t> expected_version;
    if (!request.customer().etag().empty()) {
      absl::StatusOr<int64_t> version =
          crm::common::DecodeEtag(request.customer().etag());
      if (!version.ok()) {
        return absl::InvalidArgumentError("customer.etag: not a valid etag");
      }
      expected_version = *version;
    }
    auto in_mask = [&paths](absl::string_view path) {
      return std::find(paths.begin(), paths.end(), path) != paths.end();
    };
    absl::StatusOr<v1::Customer> result =
        crm::common::RunIdempotent<v1::Customer>(
            pool_, clock_, "UpdateCustomer", request.request_id(), request,
            [&](sql::Connection& connection) -> absl::StatusOr<v1::Customer> {
              const absl::Time now = Now();
              CRM_ASSIGN_OR_RETURN(std::optional<CustomerRecord> record,
                                   MySqlCustomerRepository::Load(
                                       connection, id, RowLock::kUpdate));
              if (!record.has_value()) {
                return absl::NotFoundError(
                    absl::StrCat(CustomerName(id), " was not found"));
              }
              if (record->state == v1::Customer::MERGED) {
                return absl::FailedPreconditionError(
                    absl::StrCat(CustomerName(id), " was merged into ",
                                 CustomerName(record->merged_into),
                                 "; update that customer"));
              }
              if (record->state == v1::Customer::ERASED) {
                return absl::FailedPreconditionError(
                    absl::StrCat(CustomerName(id), " was erased"));
              }
              if (expected_version.has_value() &&
                  *expected_version != record->version) {
                return absl::AbortedError(absl::StrCat(
                    "customer.etag: ", CustomerName(id),
                    " was changed since it was read; read it again"));
              }
              std::optional<DataKey> key;
              CRM_ASSIGN_OR_RETURN(v1::Customer current,
                                   Decode(connection, *record, &key));
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
                  StandardizeCustomer(candidate,
                                      Standardization(request.strict_phone() &&
                                                      in_mask("phone"))));
              // Identifiers: external identities follow the list exactly; email
              // and phone claims follow the new values when they changed.
              std::vector<std::string> keep;
              for (const v1::ExternalIdentity& identity :
                   updated.external_identities()) {
                CRM_ASSIGN_OR_RETURN(std::string hash, ExternalHash(identity));
                keep.push_back(std::move(hash));
              }
              CRM_RETURN_IF_ERROR(MySqlCustomerRepository::ReleaseIdentifiers(
                  connection, id, IdentifierKind::kExternal, keep));
              const bool email_changed = updated.email() != current.email();
              const bool phone_changed = updated.phone() != current.phone();
              if (email_changed) {
                std::vector<std::string> keep_email;
                if (!updated.email().empty()) {
                  CRM_ASSIGN_OR_RETURN(std::string hash,
                                       BlindIndex(email_key_, updated.email()));
                  keep_email.push_back(std::move(hash));
                }
                CRM_RETURN_IF_ERROR(MySqlCustomerRepository::ReleaseIdentifiers(
                    connection, id, IdentifierKind::kEmail, keep_email));
              }
              if (phone_changed) {
                std::vector<std::string> keep_phone;
                if (!updated.phone().empty()) {
                  CRM_ASSIGN_OR_RETURN(std::string hash,
                                       BlindIndex(phone_key_, updated.phone()));
                  keep_phone.push_back(std::move(hash));
                }
                CRM_RETURN_IF_ERROR(MySqlCustomerRepository::ReleaseIdentifiers(
                    connection, id, IdentifierKind::kPhone, keep_phone));
              }
              CRM_RETURN_IF_ERROR(ClaimIdentifiers(connection, id, updated,
                                                   false, email_changed,
                                                   phone_changed));
              CRM_RETURN_IF_ERROR(Encode(updated, *key, &*record));
              record->update_time = now;
              record->version += 1;
              CRM_RETURN_IF_ERROR(
                  MySqlCustomerRepository::Update(connection, *record));
              CRM_RETURN_IF_ERROR(MySqlCustomerRepository::ReplaceTags(
                  connection, id,
                  std::vector<std::string>(updated.tags().begin(),
                                           updated.tags().end())));
              CRM_ASSIGN_OR_RETURN(v1::Customer stored,
                                   Decode(connection, *record, nullptr));
              CRM_RETURN_IF_ERROR(AppendEvent(connection,
                                              v1::ChangeEvent::CUSTOMER_UPDATED,
                                              stored, nullptr, now));
              return Reference(stored);
            });
    if (result.ok()) notifier_.Notify();
    return ReadBack(std::move(result));
  }

  absl::StatusOr<v1::FindDuplicateCandidatesResponse> FindDuplicateCandidates(
      const v1::FindDuplicateCandidatesRequest& request) {
    CRM_ASSIGN_OR_RETURN(int page_size,
                         crm::common::NormalizePageSize(request.page_size()));
    std::optional<std::pair<std::string, std::string>> after;
    if (!request.page_token().empty()) {
      CRM_ASSIGN_OR_RETURN(
          crm::common::PageCursor cursor,
          crm::common::DecodePageToken(request.page_token(), kDuplicatesQuery));
      after.emplace(cursor.sort_key, cursor.id);
    }
    return crm::common::WithConnection<v1::FindDuplicateCandidatesResponse>(
        pool_,
        [&](sql::Connection& connection)
            -> absl::StatusOr<v1::FindDuplicateCandidatesResponse> {
          CRM_ASSIGN_OR_RETURN(std::vector<DuplicatePair> pairs,
                               MySqlCustomerRepository::FindDuplicatePairs(
                                   connection, after, page_size + 1));
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
            response.set_next_page_token(
                crm::common::EncodePageToken({.sort_key = pairs.back().older_id,
                                              .id = pairs.back().newer_id},
                                             kDuplicatesQuery));
          }
          return response;
        });
  }

  absl::StatusOr<v1::Customer> Merge(const v1::MergeCustomersRequest& request) {
    CRM_RETURN_IF_ERROR(crm::common::ValidateRequestId(request.request_id()));
    CRM_ASSIGN_OR_RETURN(std::string survivor_id,
                         ParseCustomerName(request.survivor(), "survivor"));
    CRM_ASSIGN_OR_RETURN(std::string duplicate_id,
                         ParseCustomerName(request.duplicate(), "duplicate"));
    if (survivor_id == duplicate_id) {
      return absl::InvalidArgumentError(
          "duplicate: must name another customer than survivor");
    }
    std::set<std::string> pinned;
    if (request.pinned_fields_size() > 0) {
      google::protobuf::FieldMask mask;
      *mask.mutable_paths() = request.pinned_fields();
      absl::StatusOr<std::vector<std::string>> paths = ValidateUpdateMask(mask);
      if (!paths.ok()) {
        return absl::InvalidArgumentError(absl::StrReplaceAll(
            paths.status().message(), {{"update_mask", "pinned_fields"}}));
      }
      pinned.insert(paths->begin(), paths->end());
    }
    absl::StatusOr<v1::Customer> result =
        crm::common::RunIdempotent<v1::Customer>(
            pool_, clock_, "MergeCustomers", request.request_id(), request,
            [&](sql::Connection& connection) -> absl::StatusOr<v1::Customer> {
              return ReferenceOf(MergeInTransaction(connection, survivor_id,
                                                    duplicate_id, pinned));
            });
    if (result.ok()) notifier_.Notify();
    return ReadBack(std::move(result));
  }

  absl::StatusOr<v1::Customer> MergeInTransaction(
      sql::Connection& connection, const std::string& survivor_arg,
      const std::string& duplicate_id, const std::set<std::string>& pinned) {
    const absl::Time now = Now();
    // Lock both rows in id order (no deadlock between opposite merges).
    const std::string& first = std::min(survivor_arg, duplicate_id);
    const std::string& second = std::max(survivor_arg, duplicate_id);
    CRM_RETURN_IF_ERROR(
        MySqlCustomerRepository::Load(connection, first, RowLock::kUpdate)
            .status());
    CRM_RETURN_IF_ERROR(
        MySqlCustomerRepository::Load(connection, second, RowLock::kUpdate)
            .status());
    CRM_ASSIGN_OR_RETURN(CustomerRecord survivor,
                         LoadFollowing(connection, survivor_arg));
    if (survivor.state == v1::Customer::ERASED) {
      return absl::FailedPreconditionError(
          absl::StrCat("survivor: ", CustomerName(survivor.id), " was erased"));
    }
    CRM_ASSIGN_OR_RETURN(std::optional<CustomerRecord> duplicate,
                         MySqlCustomerRepository::Load(connection, duplicate_id,
                                                       RowLock::kUpdate));
    if (!duplicate.has_value()) {
      return absl::NotFoundError(absl::StrCat(
          "duplicate: ", CustomerName(duplicate_id), " was not found"));
    }
    if (duplicate->state == v1::Customer::MERGED) {
      CRM_ASSIGN_OR_RETURN(CustomerRecord end,
                           LoadFollowing(connection, duplicate->id));
      if (end.id == survivor.id) {  // Already merged: idempotent.
        return Decode(connection, survivor, nullptr);
      }
      return absl::FailedPreconditionError(
          absl::StrCat("duplicate: ", CustomerName(duplicate_id),
                       " was already merged into ", CustomerName(end.id)));
    }
    if (duplicate->state == v1::Customer::ERASED) {
      return absl::FailedPreconditionError(absl::StrCat(
          "duplicate: ", CustomerName(duplicate_id), " was erased"));
    }
    if (survivor.id == duplicate->id) {
      return absl::FailedPreconditionError(absl::StrCat(
          "survivor: ", CustomerName(survivor_arg), " was merged into ",
          CustomerName(duplicate_id), "; cannot merge a customer into itself"));
    }
    std::optional<DataKey> key;
    CRM_ASSIGN_OR_RETURN(v1::Customer merged,
                         Decode(connection, survivor, &key));
    CRM_ASSIGN_OR_RETURN(v1::Customer other,
                         Decode(connection, *duplicate, nullptr));
    if (!key.has_value()) return absl::InternalError("no data key");
    const bool duplicate_newer = duplicate->update_time > survivor.update_time;
    CRM_ASSIGN_OR_RETURN(std::vector<std::string> taken,
                         FoldInto(other, duplicate_newer, pinned, &merged));
    // Everything the duplicate owned now belongs to the survivor.
    CRM_RETURN_IF_ERROR(MySqlCustomerRepository::MoveIdentifiers(
        connection, duplicate->id, survivor.id));
    CRM_RETURN_IF_ERROR(
        ClaimIdentifiers(connection, survivor.id, merged, false, true, true));
#if CRM_CUSTOMER_PROFILE_HAS_ORDERS
    CRM_RETURN_IF_ERROR(
        ReassignOrdersAndEvents(connection, duplicate->id, survivor.id));
#else
    // MERGE-ORDERS CALL SITE: ReassignOrdersAndEvents(connection,
    // duplicate->id, survivor.id) from mysql_order_repository.h, enabled by
    // CRM_CUSTOMER_PROFILE_HAS_ORDERS once mysql_order_repository.cc exists.
#endif
    CRM_RETURN_IF_ERROR(MySqlCustomerRepository::RepointMerged(
        connection, duplicate->id, survivor.id));
    CRM_RETURN_IF_ERROR(Encode(merged, *key, &survivor));
    survivor.update_time = now;
    survivor.version += 1;
    CRM_RETURN_IF_ERROR(MySqlCustomerRepository::Update(connection, survivor));
    CRM_RETURN_IF_ERROR(MySqlCustomerRepository::ReplaceTags(
        connection, survivor.id,
        std::vector<std::string>(merged.tags().begin(), merged.tags().end())));
    // The duplicate becomes a tombstone pointing at the survivor; what it
    // held lives on in the survivor, so its own copy is shredded.
    duplicate->state = v1::Customer::MERGED;
    duplicate->merged_into = survivor.id;
    duplicate->wrapped_key.reset();
    duplicate->pii.clear();
    duplicate->profile.clear();
    duplicate->email_bidx.clear();
    duplicate->phone_bidx.clear();
    duplicate->name_birth_bidx.clear();
    duplicate->country_code.clear();
    duplicate->update_time = now;
    duplicate->version += 1;
    CRM_RETURN_IF_ERROR(
        MySqlCustomerRepository::Update(connection, *duplicate));
    CRM_RETURN_IF_ERROR(
        MySqlCustomerRepository::ReplaceTags(connection, duplicate->id, {}));
    CRM_RETURN_IF_ERROR(MySqlCustomerRepository::InsertMergeAudit(
        connection, survivor.id, duplicate->id, now,
        absl::StrJoin(taken, ",")));
    CRM_ASSIGN_OR_RETURN(v1::Customer stored,
                         Decode(connection, survivor, nullptr));
    v1::MergeDetails details;
    details.set_survivor(CustomerName(survivor.id));
    details.set_duplicate(CustomerName(duplicate->id));
    CRM_RETURN_IF_ERROR(AppendEvent(
        connection, v1::ChangeEvent::CUSTOMER_MERGED, stored, &details, now));
    return stored;
  }

  absl::StatusOr<v1::Customer> Erase(const v1::EraseCustomerRequest& request) {
    CRM_RETURN_IF_ERROR(crm::common::ValidateRequestId(request.request_id()));
    CRM_ASSIGN_OR_RETURN(std::string id, ParseCustomerName(request.name()));
    absl::StatusOr<v1::Customer> result =
        crm::common::RunIdempotent<v1::Customer>(
            pool_, clock_, "EraseCustomer", request.request_id(), request,
            [&](sql::Connection& connection) -> absl::StatusOr<v1::Customer> {
              const absl::Time now = Now();
              CRM_ASSIGN_OR_RETURN(CustomerRecord record,
                                   LoadFollowing(connection, id));
              if (record.state == v1::Customer::ERASED) {
                return Reference(CustomerNameOnly(record.id));
              }
              record.state = v1::Customer::ERASED;
              record.wrapped_key.reset();  // Crypto-shredding.
              record.pii.clear();
              record.profile.clear();
              record.email_bidx.clear();
              record.phone_bidx.clear();
              record.name_birth_bidx.clear();
              record.country_code.clear();
              record.update_time = now;
              record.version += 1;
              CRM_RETURN_IF_ERROR(
                  MySqlCustomerRepository::Update(connection, record));
              CRM_RETURN_IF_ERROR(
                  MySqlCustomerRepository::ReleaseAllIdentifiers(connection,
                                                                 record.id));
              CRM_RETURN_IF_ERROR(MySqlCustomerRepository::ReplaceTags(
                  connection, record.id, {}));
#if CRM_CUSTOMER_PROFILE_HAS_ORDERS
              CRM_RETURN_IF_ERROR(
                  DeleteEventsForCustomer(connection, record.id));
#endif
              CRM_ASSIGN_OR_RETURN(v1::Customer tombstone,
                                   Decode(connection, record, nullptr));
              CRM_RETURN_IF_ERROR(AppendEvent(connection,
                                              v1::ChangeEvent::CUSTOMER_ERASED,
                                              tombstone, nullptr, now));
              return Reference(tombstone);
            });
    if (result.ok()) notifier_.Notify();
    return ReadBack(std::move(result));
  }

  absl::StatusOr<v1::ExportCustomerDataResponse> Export(
      const v1::ExportCustomerDataRequest& request) {
    CRM_ASSIGN_OR_RETURN(std::string id, ParseCustomerName(request.name()));
    return crm::common::RunInTransaction<v1::ExportCustomerDataResponse>(
        pool_,
        [&](sql::Connection& connection)
            -> absl::StatusOr<v1::ExportCustomerDataResponse> {
          v1::ExportCustomerDataResponse response;
          std::string current = id;
          std::optional<CustomerRecord> record;
          for (int hop = 0; hop < kMaxMergeHops; ++hop) {
            CRM_ASSIGN_OR_RETURN(
                record, MySqlCustomerRepository::Load(connection, current,
                                                      RowLock::kShare));
            if (!record.has_value()) {
              return absl::NotFoundError(
                  absl::StrCat(CustomerName(current), " was not found"));
            }
            if (record->state != v1::Customer::MERGED) break;
            current = record->merged_into;
          }
          CRM_ASSIGN_OR_RETURN(*response.mutable_customer(),
                               Decode(connection, *record, nullptr));
#if CRM_CUSTOMER_PROFILE_HAS_ORDERS
          CRM_RETURN_IF_ERROR(
              ExportOrdersAndEvents(connection, record->id, &response));
#endif
          CRM_ASSIGN_OR_RETURN(
              std::vector<std::string> merged,
              MySqlCustomerRepository::MergedInto(connection, record->id));
          for (const std::string& merged_id : merged) {
            response.add_merged_customers(CustomerName(merged_id));
          }
          *response.mutable_export_time() = ToProtoTimestamp(Now());
          return response;
        });
  }

 private:
  crm::common::MySqlPool& pool_;
  const crm::common::Clock& clock_;
  const crm::common::IdGenerator& ids_;
  FeedNotifier& notifier_;
  const KeyRing ring_;
  const CustomerManagerOptions options_;
  const BlindIndexKey email_key_;
  const BlindIndexKey phone_key_;
  const BlindIndexKey external_key_;
  const BlindIndexKey name_key_;
  // Keys the page-token query fingerprint (so tokens carry no filter text).
  const BlindIndexKey query_key_;
};

absl::StatusOr<std::unique_ptr<CustomerManagerImpl>>
CustomerManagerImpl::Create(crm::common::MySqlPool& pool,
                            const crm::common::Clock& clock,
                            const crm::common::IdGenerator& ids,
                            FeedNotifier& notifier, KeyRing key_ring,
                            CustomerManagerOptions options) {
  CRM_RETURN_IF_ERROR(ValidatePhoneRegion(options.phone_default_region,
                                          "phone_default_region"));
  if (options.resolution_order.empty()) {
    return absl::InvalidArgumentError("resolution_order: must not be empty");
  }
  CRM_ASSIGN_OR_RETURN(BlindIndexKey email_key,
                       key_ring.DeriveBlindIndexKey("email"));
  CRM_ASSIGN_OR_RETURN(BlindIndexKey phone_key,
                       key_ring.DeriveBlindIndexKey("phone"));
  CRM_ASSIGN_OR_RETURN(BlindIndexKey external_key,
                       key_ring.DeriveBlindIndexKey("external_identity"));
  CRM_ASSIGN_OR_RETURN(BlindIndexKey name_key,
                       key_ring.DeriveBlindIndexKey("name_birth_date"));
  CRM_ASSIGN_OR_RETURN(BlindIndexKey query_key,
                       key_ring.DeriveBlindIndexKey("list_query"));
  auto impl = std::make_unique<Impl>(
      pool, clock, ids, notifier, std::move(key_ring), std::move(options),
      std::move(email_key), std::move(phone_key), std::move(external_key),
      std::move(name_key), std::move(query_key));
  return std::unique_ptr<CustomerManagerImpl>(
      new CustomerManagerImpl(std::move(impl)));
}

CustomerManagerImpl::CustomerManagerImpl(std::unique_ptr<Impl> impl)
    : impl_(std::move(impl)) {}
CustomerManagerImpl::~CustomerManagerImpl() = default;

absl::StatusOr<v1::Customer> CustomerManagerImpl::Create(
    const v1::CreateCustomerRequest& request) {
  return impl_->Create(request);
}
absl::StatusOr<IngestOutcome> CustomerManagerImpl::Ingest(
    const v1::Customer& customer, bool strict_phone) {
  return impl_->Ingest(customer, strict_phone);
}
absl::StatusOr<v1::Customer> CustomerManagerImpl::Get(
    const v1::GetCustomerRequest& request) {
  return impl_->Get(request);
}
absl::StatusOr<v1::ListCustomersResponse> CustomerManagerImpl::List(
    const v1::ListCustomersRequest& request) {
  return impl_->List(request);
}
absl::StatusOr<v1::Customer> CustomerManagerImpl::Update(
    const v1::UpdateCustomerRequest& request) {
  return impl_->Update(request);
}
absl::StatusOr<v1::FindDuplicateCandidatesResponse>
CustomerManagerImpl::FindDuplicateCandidates(
    const v1::FindDuplicateCandidatesRequest& request) {
  return impl_->FindDuplicateCandidates(request);
}
absl::StatusOr<v1::Customer> CustomerManagerImpl::Merge(
    const v1::MergeCustomersRequest& request) {
  return impl_->Merge(request);
}
absl::StatusOr<v1::Customer> CustomerManagerImpl::Erase(
    const v1::EraseCustomerRequest& request) {
  return impl_->Erase(request);
}
absl::StatusOr<v1::ExportCustomerDataResponse> CustomerManagerImpl::Export(
    const v1::ExportCustomerDataRequest& request) {
  return impl_->Export(request);
}

}  // namespace crm::customer_profile
