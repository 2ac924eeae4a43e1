// CustomerManager over in-memory fakes (no database): resolution order and
// outcome, update with etag and mask rules, merge precedence and effects,
// erasure, idempotency, and the reasons of its errors.
#include "services/customer_profile/customer_manager.h"

#include <memory>
#include <string>
#include <utility>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "absl/strings/escaping.h"
#include "services/common/clock.h"
#include "services/common/error_details.h"
#include "services/common/id_generator.h"
#include "services/common/timestamps.h"
#include "tests/testing/fakes/customer_profile/fake_order_repository.h"
#include "tests/testing/fakes/customer_profile/in_memory_customer_repository.h"
#include "tests/testing/fakes/fake_unit_of_work.h"
#include "tests/testing/fakes/in_memory_idempotency_repository.h"
#include "tests/testing/fakes/recording_change_feed_writer.h"
#include "tests/testing/status_matchers.h"

namespace crm::customer_profile {
namespace {

using ::crm::common::ErrorMetadataOf;
using ::crm::common::ReasonOf;
using ::crm::common::RequestContext;
using ::crm::testing::StatusIs;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::Not;
namespace reason = ::crm::type::v1;

class CustomerManagerTest : public ::testing::Test {
 protected:
  CustomerManagerTest()
      : clock_(absl::FromUnixSeconds(1767225600)),  // 2026-01-01.
        ids_("c"),
        unit_of_work_(clock_),
        customers_(&unit_of_work_),
        orders_(&unit_of_work_),
        keys_(&unit_of_work_),
        feed_(&unit_of_work_) {}

  void SetUp() override { manager_ = NewManager(DefaultResolutionOrder()); }

  std::unique_ptr<CustomerManager> NewManager(
      std::vector<IdentifierKind> order) {
    absl::StatusOr<KeyRing> ring =
        KeyRing::Parse("k1:" + absl::BytesToHexString(std::string(32, '\x11')));
    EXPECT_TRUE(ring.ok());
    absl::StatusOr<CustomerPiiCodec> codec =
        CustomerPiiCodec::Create(*std::move(ring));
    EXPECT_TRUE(codec.ok());
    CustomerManagerOptions options;
    options.resolution_order = std::move(order);
    absl::StatusOr<std::unique_ptr<CustomerManager>> manager =
        CustomerManager::Create({.unit_of_work = unit_of_work_,
                                 .customers = customers_,
                                 .orders = orders_,
                                 .idempotency = keys_,
                                 .feed = feed_,
                                 .clock = clock_,
                                 .ids = ids_},
                                *std::move(codec), std::move(options));
    EXPECT_TRUE(manager.ok());
    return *std::move(manager);
  }

  absl::StatusOr<v1::ResolveCustomerResponse> Resolve(
      const v1::Customer& customer, const std::string& request_id = "") {
    v1::ResolveCustomerRequest request;
    *request.mutable_customer() = customer;
    request.set_request_id(request_id);
    clock_.Advance(absl::Seconds(1));
    return manager_->Resolve(context_, request);
  }

  // Creates a customer; fails the test unless it is new.
  v1::Customer CreateNew(const v1::Customer& customer) {
    absl::StatusOr<v1::ResolveCustomerResponse> resolved = Resolve(customer);
    EXPECT_TRUE(resolved.ok()) << resolved.status();
    EXPECT_EQ(resolved->outcome(), v1::ResolveCustomerResponse::CREATED);
    return resolved->customer();
  }

  absl::StatusOr<v1::Customer> Get(const std::string& name) {
    v1::GetCustomerRequest request;
    request.set_name(name);
    return manager_->Get(context_, request);
  }

  absl::StatusOr<v1::Customer> Merge(const std::string& survivor,
                                     const std::string& duplicate,
                                     std::vector<std::string> pinned = {}) {
    v1::MergeCustomersRequest request;
    request.set_survivor(survivor);
    request.set_duplicate(duplicate);
    for (std::string& path : pinned) request.add_pinned_fields(path);
    clock_.Advance(absl::Seconds(1));
    return manager_->Merge(context_, request);
  }

  absl::StatusOr<v1::Customer> Erase(const std::string& name) {
    v1::EraseCustomerRequest request;
    request.set_name(name);
    clock_.Advance(absl::Seconds(1));
    return manager_->Erase(context_, request);
  }

  static v1::Customer WithEmail(const std::string& email) {
    v1::Customer customer;
    customer.set_given_name("Ann");
    customer.set_email(email);
    return customer;
  }

  static std::string IdOf(const v1::Customer& customer) {
    return customer.name().substr(std::string("customers/").size());
  }

  std::vector<v1::ChangeEvent::Type> FeedTypes() const {
    std::vector<v1::ChangeEvent::Type> types;
    for (const auto& event : feed_.events()) {
      types.push_back(static_cast<v1::ChangeEvent::Type>(event.type));
    }
    return types;
  }

  crm::common::FakeClock clock_;
  crm::common::SequentialIdGenerator ids_;
  crm::testing::FakeUnitOfWork unit_of_work_;
  crm::testing::InMemoryCustomerRepository customers_;
  crm::testing::FakeOrderRepository orders_;
  crm::testing::InMemoryIdempotencyRepository keys_;
  crm::testing::RecordingChangeFeedWriter feed_;
  RequestContext context_;
  std::unique_ptr<CustomerManager> manager_;
};

TEST_F(CustomerManagerTest, CreatesStandardisedEncryptedCustomer) {
  v1::Customer input = WithEmail("  Ann@Example.COM ");
  input.set_phone("13800138000");
  const v1::Customer created = CreateNew(input);
  EXPECT_EQ(created.email(), "ann@example.com");
  EXPECT_EQ(created.phone(), "+8613800138000");
  EXPECT_EQ(created.state(), v1::Customer::ACTIVE);
  std::optional<CustomerRecord> record = customers_.Record(IdOf(created));
  ASSERT_TRUE(record.has_value());
  EXPECT_THAT(record->pii, Not(HasSubstr("ann@example.com")));
  EXPECT_THAT(record->profile, Not(HasSubstr("ann@example.com")));
  EXPECT_FALSE(record->email_bidx.empty());
  EXPECT_THAT(FeedTypes(), ElementsAre(v1::ChangeEvent::CUSTOMER_CREATED));
  CRM_ASSERT_OK_AND_ASSIGN(v1::Customer read, Get(created.name()));
  EXPECT_EQ(read.email(), "ann@example.com");
}

TEST_F(CustomerManagerTest, CreateRejectsAnUnsetRequiredFieldNamingIt) {
  v1::CreateCustomerRequest request;
  *request.mutable_customer() = WithEmail("ann@example.com");
  request.mutable_customer()->add_consents()->set_status(v1::Consent::GRANTED);
  absl::StatusOr<v1::Customer> created = manager_->Create(context_, request);
  EXPECT_THAT(created, StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_EQ(ReasonOf(created.status()), reason::FIELD_REQUIRED);
  EXPECT_EQ(ErrorMetadataOf(created.status())["field"],
            "customer.consents[0].purpose");
  v1::CreateCustomerRequest without_customer;
  absl::StatusOr<v1::Customer> empty =
      manager_->Create(context_, without_customer);
  EXPECT_EQ(ReasonOf(empty.status()), reason::FIELD_REQUIRED);
  EXPECT_EQ(ErrorMetadataOf(empty.status())["field"], "customer");
  EXPECT_TRUE(feed_.events().empty());
}

TEST_F(CustomerManagerTest, CreateIgnoresOutputOnlyValues) {
  v1::CreateCustomerRequest request;
  request.set_request_id("8d3b2a4e-0f4c-4a55-9d7e-2b1f6c3a9e10");
  *request.mutable_customer() = WithEmail("ann@example.com");
  request.mutable_customer()->set_state(v1::Customer::ERASED);
  request.mutable_customer()->mutable_create_time()->set_seconds(86400);
  request.mutable_customer()->set_merged_into("customers/other");
  request.mutable_customer()->mutable_purchase_summary()->set_order_count(7);
  CRM_ASSERT_OK_AND_ASSIGN(v1::Customer created,
                           manager_->Create(context_, request));
  EXPECT_EQ(created.state(), v1::Customer::ACTIVE);
  EXPECT_EQ(created.create_time().seconds(), absl::ToUnixSeconds(clock_.Now()));
  EXPECT_EQ(created.merged_into(), "");
  EXPECT_EQ(created.purchase_summary().order_count(), 0);
  // Output-only values are not part of the request's fingerprint either.
  request.mutable_customer()->set_state(v1::Customer::MERGED);
  request.mutable_customer()->mutable_create_time()->set_seconds(172800);
  CRM_ASSERT_OK_AND_ASSIGN(v1::Customer repeated,
                           manager_->Create(context_, request));
  EXPECT_EQ(repeated.name(), created.name());
  EXPECT_THAT(FeedTypes(), ElementsAre(v1::ChangeEvent::CUSTOMER_CREATED));
}

TEST_F(CustomerManagerTest, ResolveReportsTheMatchAndFoldsTheRecord) {
  const v1::Customer first = CreateNew(WithEmail("ann@example.com"));
  v1::Customer again = WithEmail("ANN@example.com");
  again.set_family_name("Li");
  again.add_tags("vip");
  CRM_ASSERT_OK_AND_ASSIGN(v1::ResolveCustomerResponse resolved,
                           Resolve(again));
  EXPECT_EQ(resolved.outcome(), v1::ResolveCustomerResponse::MATCHED);
  EXPECT_EQ(resolved.matched_by(), v1::ResolveCustomerResponse::EMAIL);
  EXPECT_EQ(resolved.customer().name(), first.name());
  EXPECT_EQ(resolved.customer().family_name(), "Li");
  EXPECT_THAT(resolved.customer().tags(), ElementsAre("vip"));
  EXPECT_EQ(customers_.size(), 1u);
}

TEST_F(CustomerManagerTest, ResolutionFollowsTheConfiguredOrder) {
  const v1::Customer by_email = CreateNew(WithEmail("ann@example.com"));
  v1::Customer phone_only;
  phone_only.set_phone("+8613800138000");
  const v1::Customer by_phone = CreateNew(phone_only);
  v1::Customer both = WithEmail("ann@example.com");
  both.set_phone("+8613800138000");

  CRM_ASSERT_OK_AND_ASSIGN(v1::ResolveCustomerResponse email_first,
                           Resolve(both));
  EXPECT_EQ(email_first.customer().name(), by_email.name());
  EXPECT_EQ(email_first.matched_by(), v1::ResolveCustomerResponse::EMAIL);

  manager_ = NewManager({IdentifierKind::kPhone, IdentifierKind::kEmail});
  CRM_ASSERT_OK_AND_ASSIGN(v1::ResolveCustomerResponse phone_first,
                           Resolve(both));
  EXPECT_EQ(phone_first.customer().name(), by_phone.name());
  EXPECT_EQ(phone_first.matched_by(), v1::ResolveCustomerResponse::PHONE);
}

TEST_F(CustomerManagerTest, ExternalIdentityResolvesBeforeEmail) {
  v1::Customer carded;
  v1::ExternalIdentity* card = carded.add_external_identities();
  card->set_channel("member_card");
  card->set_id("m-1");
  const v1::Customer owner = CreateNew(carded);
  CreateNew(WithEmail("bo@example.com"));
  v1::Customer incoming = WithEmail("bo@example.com");
  *incoming.add_external_identities() = *card;
  CRM_ASSERT_OK_AND_ASSIGN(v1::ResolveCustomerResponse resolved,
                           Resolve(incoming));
  EXPECT_EQ(resolved.customer().name(), owner.name());
  EXPECT_EQ(resolved.matched_by(),
            v1::ResolveCustomerResponse::EXTERNAL_IDENTITY);
}

TEST_F(CustomerManagerTest, IdentityOfAnotherCustomerIsAlreadyExists) {
  v1::Customer carded;
  v1::ExternalIdentity* card = carded.add_external_identities();
  card->set_channel("member_card");
  card->set_id("m-1");
  const v1::Customer owner = CreateNew(carded);
  CreateNew(WithEmail("bo@example.com"));
  manager_ = NewManager({IdentifierKind::kEmail, IdentifierKind::kExternal});
  v1::Customer incoming = WithEmail("bo@example.com");
  *incoming.add_external_identities() = *card;
  const size_t events = feed_.events().size();
  absl::StatusOr<v1::ResolveCustomerResponse> resolved = Resolve(incoming);
  EXPECT_THAT(resolved, StatusIs(absl::StatusCode::kAlreadyExists));
  EXPECT_EQ(ReasonOf(resolved.status()), reason::RESOURCE_ALREADY_EXISTS);
  EXPECT_EQ(ErrorMetadataOf(resolved.status())["resource"], owner.name());
  EXPECT_EQ(feed_.events().size(), events);  // Rolled back.
}

TEST_F(CustomerManagerTest, RepeatedRequestIdReturnsTheFirstOutcome) {
  CRM_ASSERT_OK_AND_ASSIGN(v1::ResolveCustomerResponse first,
                           Resolve(WithEmail("ann@example.com"), "req-1"));
  CRM_ASSERT_OK_AND_ASSIGN(v1::ResolveCustomerResponse repeat,
                           Resolve(WithEmail("ann@example.com"), "req-1"));
  EXPECT_EQ(repeat.outcome(), v1::ResolveCustomerResponse::CREATED);
  EXPECT_EQ(repeat.customer().name(), first.customer().name());
  EXPECT_EQ(repeat.customer().email(), "ann@example.com");
  EXPECT_EQ(feed_.events().size(), 1u);
  absl::StatusOr<v1::ResolveCustomerResponse> reused =
      Resolve(WithEmail("other@example.com"), "req-1");
  EXPECT_EQ(ReasonOf(reused.status()), reason::REQUEST_ID_REUSED);
}

TEST_F(CustomerManagerTest, CreateCustomerStillResolves) {
  const v1::Customer first = CreateNew(WithEmail("ann@example.com"));
  v1::CreateCustomerRequest request;
  *request.mutable_customer() = WithEmail("ann@example.com");
  CRM_ASSERT_OK_AND_ASSIGN(v1::Customer again,
                           manager_->Create(context_, request));
  EXPECT_EQ(again.name(), first.name());
}

// ------------------------------------------------------ batch resolution

std::vector<v1::ResolveCustomerRequest> Requests(
    const std::vector<v1::Customer>& customers) {
  std::vector<v1::ResolveCustomerRequest> requests;
  for (const v1::Customer& customer : customers) {
    v1::ResolveCustomerRequest request;
    *request.mutable_customer() = customer;
    requests.push_back(std::move(request));
  }
  return requests;
}

TEST_F(CustomerManagerTest, ResolveBatchGivesEveryRowItsOwnOutcome) {
  const v1::Customer existing = CreateNew(WithEmail("old@example.com"));
  const size_t events_before = feed_.events().size();
  v1::Customer with_phone = WithEmail("bo@example.com");
  with_phone.set_phone("13800138000");
  std::vector<absl::StatusOr<v1::ResolveCustomerResponse>> results =
      manager_->ResolveBatch(
          context_,
          Requests({WithEmail("ann@example.com"), WithEmail("not-an-email"),
                    WithEmail("old@example.com"), with_phone,
                    // Repeats row 0's email within the batch.
                    WithEmail("Ann@Example.com")}));
  ASSERT_EQ(results.size(), 5u);
  CRM_ASSERT_OK_AND_ASSIGN(v1::ResolveCustomerResponse ann, results[0]);
  EXPECT_EQ(ann.outcome(), v1::ResolveCustomerResponse::CREATED);
  EXPECT_THAT(results[1], StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_EQ(ReasonOf(results[1].status()), reason::FIELD_INVALID);
  CRM_ASSERT_OK_AND_ASSIGN(v1::ResolveCustomerResponse old, results[2]);
  EXPECT_EQ(old.outcome(), v1::ResolveCustomerResponse::MATCHED);
  EXPECT_EQ(old.matched_by(), v1::ResolveCustomerResponse::EMAIL);
  EXPECT_EQ(old.customer().name(), existing.name());
  CRM_ASSERT_OK_AND_ASSIGN(v1::ResolveCustomerResponse bo, results[3]);
  EXPECT_EQ(bo.outcome(), v1::ResolveCustomerResponse::CREATED);
  // The repeat is written after row 0, as a sequential import would.
  CRM_ASSERT_OK_AND_ASSIGN(v1::ResolveCustomerResponse again, results[4]);
  EXPECT_EQ(again.outcome(), v1::ResolveCustomerResponse::MATCHED);
  EXPECT_EQ(again.customer().name(), ann.customer().name());
  // Responses carry the name only.
  EXPECT_EQ(ann.customer().email(), "");

  // Stored as a single Resolve would store them.
  CRM_ASSERT_OK_AND_ASSIGN(v1::Customer read, Get(bo.customer().name()));
  EXPECT_EQ(read.email(), "bo@example.com");
  EXPECT_EQ(read.phone(), "+8613800138000");
  EXPECT_EQ(read.given_name(), "Ann");
  std::optional<CustomerRecord> record = customers_.Record(IdOf(bo.customer()));
  ASSERT_TRUE(record.has_value());
  EXPECT_THAT(record->pii, Not(HasSubstr("bo@example.com")));
  EXPECT_FALSE(record->phone_bidx.empty());
  // Its email and phone are claimed for it.
  EXPECT_EQ(customers_.IdentifiersOf(IdOf(bo.customer())).size(), 2u);
  std::vector<v1::ChangeEvent::Type> types = FeedTypes();
  types.erase(types.begin(), types.begin() + events_before);
  EXPECT_THAT(types, ElementsAre(v1::ChangeEvent::CUSTOMER_CREATED,
                                 v1::ChangeEvent::CUSTOMER_CREATED,
                                 v1::ChangeEvent::CUSTOMER_UPDATED,
                                 v1::ChangeEvent::CUSTOMER_UPDATED));
}

TEST_F(CustomerManagerTest, ResolveBatchCreatesTheNewRowsInOneTransaction) {
  const v1::Customer first = CreateNew(WithEmail("first@example.com"));
  const v1::Customer second = CreateNew(WithEmail("second@example.com"));
  // Row 0 matches on its first identifier and brings a new second one; the
  // look-up's answer for every identifier of every row must be read, or the
  // rows after it are judged by their neighbours' answers (row 2 as new,
  // which fails the batch's claims and sends every row one at a time).
  v1::Customer known_email_new_phone = WithEmail("first@example.com");
  known_email_new_phone.set_phone("13800138000");
  const int runs_before = unit_of_work_.runs();
  std::vector<absl::StatusOr<v1::ResolveCustomerResponse>> results =
      manager_->ResolveBatch(
          context_, Requests({known_email_new_phone, WithEmail("a@example.com"),
                              WithEmail("second@example.com"),
                              WithEmail("b@example.com")}));
  ASSERT_EQ(results.size(), 4u);
  const std::vector<
      std::pair<v1::ResolveCustomerResponse::Outcome, std::string>>
      expected = {{v1::ResolveCustomerResponse::MATCHED, first.name()},
                  {v1::ResolveCustomerResponse::CREATED, ""},
                  {v1::ResolveCustomerResponse::MATCHED, second.name()},
                  {v1::ResolveCustomerResponse::CREATED, ""}};
  for (size_t i = 0; i < expected.size(); ++i) {
    ASSERT_TRUE(results[i].ok()) << i << ": " << results[i].status();
    EXPECT_EQ(results[i]->outcome(), expected[i].first) << i;
    if (!expected[i].second.empty()) {
      EXPECT_EQ(results[i]->customer().name(), expected[i].second) << i;
    }
  }
  // One transaction creates rows 1 and 3; the two matched rows follow, one
  // each.
  EXPECT_EQ(unit_of_work_.runs() - runs_before, 3);
}

TEST_F(CustomerManagerTest, ABatchFailingForOneRowIsRedoneRowByRow) {
  // The id the batch's second row would get is taken, so the batch's
  // multi-row insert fails; every row is then written alone.
  CustomerRecord squatter;
  squatter.id = "c0000000002";
  squatter.profile = v1::Customer().SerializeAsString();
  ASSERT_TRUE(unit_of_work_
                  .Run(context_,
                       [&](crm::common::Transaction& tx) {
                         return customers_.Insert(tx, squatter);
                       })
                  .ok());
  std::vector<absl::StatusOr<v1::ResolveCustomerResponse>> results =
      manager_->ResolveBatch(context_, Requests({WithEmail("a@example.com"),
                                                 WithEmail("b@example.com"),
                                                 WithEmail("c@example.com")}));
  ASSERT_EQ(results.size(), 3u);
  for (const auto& result : results) {
    ASSERT_TRUE(result.ok()) << result.status();
    EXPECT_EQ(result->outcome(), v1::ResolveCustomerResponse::CREATED);
    EXPECT_NE(result->customer().name(), "customers/c0000000002");
  }
  EXPECT_EQ(customers_.size(), 4u);
  EXPECT_EQ(feed_.events().size(), 3u);
}

TEST_F(CustomerManagerTest, ResolveBatchOfAnExpiredRequestWritesNothing) {
  const RequestContext expired = RequestContext::WithDeadline(clock_.Now());
  std::vector<absl::StatusOr<v1::ResolveCustomerResponse>> results =
      manager_->ResolveBatch(expired, Requests({WithEmail("a@example.com"),
                                                WithEmail("b@example.com")}));
  ASSERT_EQ(results.size(), 2u);
  for (const auto& result : results) {
    EXPECT_THAT(result, StatusIs(absl::StatusCode::kDeadlineExceeded));
  }
  EXPECT_EQ(customers_.size(), 0u);
}

TEST_F(CustomerManagerTest, UpdateChecksTheEtag) {
  const v1::Customer created = CreateNew(WithEmail("ann@example.com"));
  v1::UpdateCustomerRequest request;
  *request.mutable_customer() = created;
  request.mutable_customer()->set_family_name("Li");
  request.mutable_update_mask()->add_paths("family_name");
  CRM_ASSERT_OK_AND_ASSIGN(v1::Customer updated,
                           manager_->Update(context_, request));
  EXPECT_EQ(updated.family_name(), "Li");
  EXPECT_NE(updated.etag(), created.etag());
  // The same (now stale) etag again.
  absl::StatusOr<v1::Customer> stale = manager_->Update(context_, request);
  EXPECT_THAT(stale, StatusIs(absl::StatusCode::kAborted));
  EXPECT_EQ(ReasonOf(stale.status()), reason::ETAG_MISMATCH);
}

TEST_F(CustomerManagerTest, UpdateWithoutMaskChangesTheFieldsInTheBody) {
  v1::Customer input = WithEmail("ann@example.com");
  input.set_family_name("Li");
  const v1::Customer created = CreateNew(input);
  v1::UpdateCustomerRequest request;
  request.mutable_customer()->set_name(created.name());
  request.mutable_customer()->set_locale("zh-CN");
  request.mutable_customer()->set_state(v1::Customer::ERASED);  // Ignored.
  CRM_ASSERT_OK_AND_ASSIGN(v1::Customer updated,
                           manager_->Update(context_, request));
  EXPECT_EQ(updated.locale(), "zh-CN");
  EXPECT_EQ(updated.family_name(), "Li");  // Not in the body: kept.
  EXPECT_EQ(updated.email(), "ann@example.com");
  EXPECT_EQ(updated.state(), v1::Customer::ACTIVE);
}

TEST_F(CustomerManagerTest, UpdateIgnoresOutputOnlyMaskPaths) {
  const v1::Customer created = CreateNew(WithEmail("ann@example.com"));
  v1::UpdateCustomerRequest request;
  request.mutable_customer()->set_name(created.name());
  request.mutable_customer()->set_given_name("Anna");
  request.mutable_update_mask()->add_paths("given_name");
  request.mutable_update_mask()->add_paths("create_time");
  request.mutable_update_mask()->add_paths("etag");
  CRM_ASSERT_OK_AND_ASSIGN(v1::Customer updated,
                           manager_->Update(context_, request));
  EXPECT_EQ(updated.given_name(), "Anna");
  EXPECT_EQ(updated.create_time().seconds(), created.create_time().seconds());
}

TEST_F(CustomerManagerTest, MissingCustomerIsNotFoundWithItsName) {
  absl::StatusOr<v1::Customer> missing = Get("customers/nobody");
  EXPECT_THAT(missing, StatusIs(absl::StatusCode::kNotFound));
  EXPECT_EQ(ReasonOf(missing.status()), reason::RESOURCE_NOT_FOUND);
  EXPECT_EQ(ErrorMetadataOf(missing.status())["resource"], "customers/nobody");
  absl::StatusOr<v1::Customer> bad_name = Get("people/1");
  EXPECT_EQ(ReasonOf(bad_name.status()), reason::FIELD_INVALID);
}

TEST_F(CustomerManagerTest, MergeAppliesPrecedenceAndMovesEverything) {
  v1::Customer older = WithEmail("ann@example.com");
  older.set_family_name("Li");
  older.set_locale("zh-CN");
  older.add_tags("vip");
  const v1::Customer survivor = CreateNew(older);
  v1::Customer newer;
  newer.set_given_name("Anna");
  newer.set_locale("en-US");
  newer.set_phone("+8613800138000");
  newer.add_tags("app");
  v1::ExternalIdentity* card = newer.add_external_identities();
  card->set_channel("member_card");
  card->set_id("m-7");
  const v1::Customer duplicate = CreateNew(newer);

  CRM_ASSERT_OK_AND_ASSIGN(
      v1::Customer merged,
      Merge(survivor.name(), duplicate.name(), /*pinned=*/{"locale"}));
  EXPECT_EQ(merged.name(), survivor.name());
  EXPECT_EQ(merged.given_name(), "Anna");  // Newer non-empty wins.
  EXPECT_EQ(merged.family_name(), "Li");   // Empty never overwrites.
  EXPECT_EQ(merged.email(), "ann@example.com");
  EXPECT_EQ(merged.phone(), "+8613800138000");
  EXPECT_EQ(merged.locale(), "zh-CN");  // Pinned.
  EXPECT_THAT(merged.tags(), ElementsAre("app", "vip"));
  ASSERT_EQ(merged.external_identities_size(), 1);

  std::optional<CustomerRecord> tombstone = customers_.Record(IdOf(duplicate));
  ASSERT_TRUE(tombstone.has_value());
  EXPECT_EQ(tombstone->state, v1::Customer::MERGED);
  EXPECT_EQ(tombstone->merged_into, IdOf(survivor));
  EXPECT_FALSE(tombstone->wrapped_key.has_value());
  EXPECT_TRUE(tombstone->pii.empty());
  EXPECT_TRUE(customers_.IdentifiersOf(IdOf(duplicate)).empty());
  ASSERT_EQ(customers_.merge_audits().size(), 1u);
  EXPECT_THAT(customers_.merge_audits()[0].fields_taken, HasSubstr("phone"));
  EXPECT_EQ(FeedTypes().back(), v1::ChangeEvent::CUSTOMER_MERGED);

  // The duplicate's name now reads the survivor; the card resolves to it.
  CRM_ASSERT_OK_AND_ASSIGN(v1::Customer redirected, Get(duplicate.name()));
  EXPECT_EQ(redirected.name(), survivor.name());
  v1::Customer by_card;
  *by_card.add_external_identities() = *card;
  CRM_ASSERT_OK_AND_ASSIGN(v1::ResolveCustomerResponse resolved,
                           Resolve(by_card));
  EXPECT_EQ(resolved.customer().name(), survivor.name());

  // Repeating the merge returns the survivor without another event.
  const size_t events = feed_.events().size();
  CRM_ASSERT_OK_AND_ASSIGN(v1::Customer repeat,
                           Merge(survivor.name(), duplicate.name()));
  EXPECT_EQ(repeat.name(), survivor.name());
  EXPECT_EQ(feed_.events().size(), events);
}

TEST_F(CustomerManagerTest, MergeConflictsCarryReasons) {
  const v1::Customer a = CreateNew(WithEmail("a@example.com"));
  const v1::Customer b = CreateNew(WithEmail("b@example.com"));
  const v1::Customer c = CreateNew(WithEmail("c@example.com"));
  absl::StatusOr<v1::Customer> self = Merge(a.name(), a.name());
  EXPECT_EQ(ReasonOf(self.status()), reason::FIELD_INVALID);
  CRM_ASSERT_OK(Merge(a.name(), b.name()).status());
  // b now designates a: merging a into b is a merge with itself.
  absl::StatusOr<v1::Customer> chain = Merge(b.name(), a.name());
  EXPECT_THAT(chain, StatusIs(absl::StatusCode::kFailedPrecondition));
  EXPECT_EQ(ReasonOf(chain.status()), reason::RESOURCE_STATE_CONFLICT);
  CRM_ASSERT_OK(Erase(c.name()).status());
  absl::StatusOr<v1::Customer> erased = Merge(a.name(), c.name());
  EXPECT_THAT(erased, StatusIs(absl::StatusCode::kFailedPrecondition));
  EXPECT_EQ(ReasonOf(erased.status()), reason::CUSTOMER_ERASED);
}

TEST_F(CustomerManagerTest, EraseShredsAndFreesTheIdentifiers) {
  const v1::Customer created = CreateNew(WithEmail("ann@example.com"));
  CRM_ASSERT_OK_AND_ASSIGN(v1::Customer tombstone, Erase(created.name()));
  EXPECT_EQ(tombstone.state(), v1::Customer::ERASED);
  EXPECT_TRUE(tombstone.email().empty());
  std::optional<CustomerRecord> record = customers_.Record(IdOf(created));
  ASSERT_TRUE(record.has_value());
  EXPECT_FALSE(record->wrapped_key.has_value());
  EXPECT_TRUE(record->pii.empty());
  EXPECT_TRUE(record->email_bidx.empty());
  EXPECT_TRUE(customers_.IdentifiersOf(IdOf(created)).empty());
  EXPECT_EQ(FeedTypes().back(), v1::ChangeEvent::CUSTOMER_ERASED);

  // Erasing again is a no-op; writes to the tombstone are CUSTOMER_ERASED.
  CRM_ASSERT_OK(Erase(created.name()).status());
  v1::UpdateCustomerRequest update;
  update.mutable_customer()->set_name(created.name());
  update.mutable_customer()->set_given_name("Zed");
  absl::StatusOr<v1::Customer> write = manager_->Update(context_, update);
  EXPECT_THAT(write, StatusIs(absl::StatusCode::kFailedPrecondition));
  EXPECT_EQ(ReasonOf(write.status()), reason::CUSTOMER_ERASED);
  // The email is free again: a new customer.
  const v1::Customer reborn = CreateNew(WithEmail("ann@example.com"));
  EXPECT_NE(reborn.name(), created.name());
}

TEST_F(CustomerManagerTest, ListFiltersOnStoredValues) {
  v1::Customer vip = WithEmail("vip@example.com");
  vip.add_tags("vip");
  const v1::Customer a = CreateNew(vip);
  const v1::Customer b = CreateNew(WithEmail("plain@example.com"));
  const v1::Customer c = CreateNew(WithEmail("gone@example.com"));
  CRM_ASSERT_OK(Erase(c.name()).status());
  auto names = [&](const std::string& filter) {
    v1::ListCustomersRequest request;
    request.set_filter(filter);
    request.set_order_by("create_time");
    absl::StatusOr<v1::ListCustomersResponse> response =
        manager_->List(context_, request);
    EXPECT_TRUE(response.ok()) << filter << ": " << response.status();
    std::vector<std::string> result;
    if (response.ok()) {
      for (const v1::Customer& customer : response->customers()) {
        result.push_back(customer.name());
      }
    }
    return result;
  };
  EXPECT_THAT(names(""), ElementsAre(a.name(), b.name()));  // ACTIVE only.
  EXPECT_THAT(names("tags:\"vip\""), ElementsAre(a.name()));
  EXPECT_THAT(names("email = \"PLAIN@example.com\""), ElementsAre(b.name()));
  EXPECT_THAT(names("state = ERASED"), ElementsAre(c.name()));
  v1::ListCustomersRequest bad;
  bad.set_filter("email > \"a\"");
  EXPECT_EQ(ReasonOf(manager_->List(context_, bad).status()),
            reason::FILTER_INVALID);
}

TEST_F(CustomerManagerTest, ExpiredDeadlineStartsNothing) {
  context_ = RequestContext::WithDeadline(clock_.Now() - absl::Seconds(1));
  absl::StatusOr<v1::ResolveCustomerResponse> resolved =
      Resolve(WithEmail("ann@example.com"));
  EXPECT_THAT(resolved, StatusIs(absl::StatusCode::kDeadlineExceeded));
  EXPECT_EQ(customers_.size(), 0u);
  EXPECT_TRUE(feed_.events().empty());
}

TEST_F(CustomerManagerTest, ExportFollowsMergesAndListsMergedCustomers) {
  const v1::Customer survivor = CreateNew(WithEmail("a@example.com"));
  const v1::Customer duplicate = CreateNew(WithEmail("b@example.com"));
  CRM_ASSERT_OK(Merge(survivor.name(), duplicate.name()).status());
  v1::ExportCustomerDataRequest request;
  request.set_name(duplicate.name());
  CRM_ASSERT_OK_AND_ASSIGN(v1::ExportCustomerDataResponse exported,
                           manager_->Export(context_, request));
  EXPECT_EQ(exported.customer().name(), survivor.name());
  EXPECT_THAT(exported.merged_customers(), ElementsAre(duplicate.name()));
}

}  // namespace
}  // namespace crm::customer_profile
