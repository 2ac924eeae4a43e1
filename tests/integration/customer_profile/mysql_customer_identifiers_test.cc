// The identifier claims and look-ups of MySqlCustomerRepository on a fresh
// MariaDB database: a batch look-up answers every identifier in the order
// asked, whatever the mix of kinds, when one kind has more hashes than one
// statement takes and when a kind is absent; claims count only the
// identifiers they took.
#include <optional>
#include <string>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "services/common/mysql_pool.h"
#include "services/common/request_context.h"
#include "services/customer_profile/migrations.h"
#include "tests/integration/customer_profile/mysql_customer_stack.h"
#include "tests/testing/status_matchers.h"
#include "tests/testing/test_database.h"

namespace crm::customer_profile {
namespace {

using ::crm::common::RequestContext;
using ::crm::common::Transaction;
using ::crm::testing::IsOk;
using ::crm::testing::IsOkAndHolds;

// A 64-character hash, distinct per (kind letter, n).
std::string Hash(char kind, int n) {
  return absl::StrFormat("%c%063d", kind, n);
}

class CustomerIdentifiersTest : public ::testing::Test {
 protected:
  void SetUp() override {
    CRM_ASSERT_OK_AND_ASSIGN(database_,
                             crm::testing::TestDatabase::Create("cp_ids"));
    CRM_ASSERT_OK_AND_ASSIGN(pool_, database_->NewMigratedPool(Migrations()));
    CRM_ASSERT_OK_AND_ASSIGN(stack_,
                             MySqlCustomerStack::Create(*pool_, notifier_));
  }

  absl::StatusOr<int64_t> Claim(const std::vector<IdentifierClaim>& claims) {
    return stack_->unit_of_work.Run<int64_t>(
        RequestContext(), [&](Transaction& tx) {
          return stack_->customers.ClaimNewIdentifiers(tx, claims);
        });
  }

  absl::StatusOr<std::vector<std::optional<std::string>>> Owners(
      const std::vector<IdentifierClaim>& lookups) {
    return stack_->unit_of_work.Read<std::vector<std::optional<std::string>>>(
        RequestContext(), [&](Transaction& tx) {
          return stack_->customers.FindIdentifierOwners(tx, lookups);
        });
  }

  std::unique_ptr<crm::testing::TestDatabase> database_;
  std::unique_ptr<crm::common::MySqlPool> pool_;
  crm::common::FeedNotifier notifier_;
  std::unique_ptr<MySqlCustomerStack> stack_;
};

TEST_F(CustomerIdentifiersTest, LookUpAnswersEveryIdentifierInOrder) {
  // 300 emails (more than one statement's 128 per kind), 5 phones, no
  // external identities; customer "e<n>" owns email n, "p<n>" phone n.
  std::vector<IdentifierClaim> claims;
  for (int n = 0; n < 300; ++n) {
    claims.push_back({.kind = IdentifierKind::kEmail,
                      .value_hash = Hash('e', n),
                      .customer_id = absl::StrCat("e", n)});
  }
  for (int n = 0; n < 5; ++n) {
    claims.push_back({.kind = IdentifierKind::kPhone,
                      .value_hash = Hash('p', n),
                      .customer_id = absl::StrCat("p", n)});
  }
  ASSERT_THAT(Claim(claims), IsOkAndHolds(305));
  // The same hash under another kind is another identifier.
  std::vector<IdentifierClaim> lookups;
  std::vector<std::optional<std::string>> expected;
  for (int n = 0; n < 310; ++n) {
    lookups.push_back({.kind = IdentifierKind::kEmail,
                       .value_hash = Hash('e', n),
                       .customer_id = {}});
    expected.push_back(n < 300
                           ? std::optional<std::string>(absl::StrCat("e", n))
                           : std::nullopt);
    if (n % 50 == 0) {
      lookups.push_back({.kind = IdentifierKind::kPhone,
                         .value_hash = Hash('p', n / 50),
                         .customer_id = {}});
      expected.push_back(
          n / 50 < 5 ? std::optional<std::string>(absl::StrCat("p", n / 50))
                     : std::nullopt);
      lookups.push_back({.kind = IdentifierKind::kExternal,
                         .value_hash = Hash('e', n),
                         .customer_id = {}});
      expected.push_back(std::nullopt);
    }
  }
  absl::StatusOr<std::vector<std::optional<std::string>>> owners =
      Owners(lookups);
  ASSERT_THAT(owners.status(), IsOk());
  EXPECT_EQ(*owners, expected);

  // One kind alone, and nothing asked.
  EXPECT_THAT(Owners({{.kind = IdentifierKind::kPhone,
                       .value_hash = Hash('p', 3),
                       .customer_id = {}}}),
              IsOkAndHolds(std::vector<std::optional<std::string>>{"p3"}));
  EXPECT_THAT(Owners({}),
              IsOkAndHolds(std::vector<std::optional<std::string>>{}));
}

TEST_F(CustomerIdentifiersTest, ClaimsCountOnlyTheIdentifiersTaken) {
  ASSERT_THAT(Claim({{.kind = IdentifierKind::kEmail,
                      .value_hash = Hash('e', 1),
                      .customer_id = "first"}}),
              IsOkAndHolds(1));
  // One new, one already taken: the taken one keeps its owner.
  EXPECT_THAT(Claim({{.kind = IdentifierKind::kEmail,
                      .value_hash = Hash('e', 1),
                      .customer_id = "second"},
                     {.kind = IdentifierKind::kEmail,
                      .value_hash = Hash('e', 2),
                      .customer_id = "second"}}),
              IsOkAndHolds(1));
  EXPECT_THAT(
      Owners({{.kind = IdentifierKind::kEmail,
               .value_hash = Hash('e', 1),
               .customer_id = {}},
              {.kind = IdentifierKind::kEmail,
               .value_hash = Hash('e', 2),
               .customer_id = {}}}),
      IsOkAndHolds(std::vector<std::optional<std::string>>{"first", "second"}));
}

}  // namespace
}  // namespace crm::customer_profile
