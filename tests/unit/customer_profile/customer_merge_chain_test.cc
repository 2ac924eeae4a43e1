// CustomerMergeChainResolver over the in-memory customer repository:
// resolving many customers at once gives what resolving each gives.
#include "services/customer_profile/customer_merge_chain.h"

#include <string>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "services/common/error_details.h"
#include "tests/testing/fakes/customer_profile/in_memory_customer_repository.h"
#include "tests/testing/fakes/fake_unit_of_work.h"
#include "tests/testing/status_matchers.h"

namespace crm::customer_profile {
namespace {

using ::crm::testing::IsOk;
using ::crm::testing::StatusIs;
using ::testing::Pair;
using ::testing::UnorderedElementsAre;

class CustomerMergeChainTest : public ::testing::Test {
 protected:
  void SetUp() override {
    Add("ann", v1::Customer::ACTIVE, "");
    Add("old-ann", v1::Customer::MERGED, "ann");
    Add("older-ann", v1::Customer::MERGED, "old-ann");
    Add("gone", v1::Customer::ERASED, "");
    Add("merged-into-gone", v1::Customer::MERGED, "gone");
    Add("ben", v1::Customer::ACTIVE, "");
  }
  void Add(const std::string& id, v1::Customer::State state,
           const std::string& merged_into) {
    CustomerRecord record;
    record.id = id;
    record.state = state;
    record.merged_into = merged_into;
    ASSERT_THAT(customers_.Insert(tx_, record), IsOk());
  }

  crm::common::RequestContext context_;
  crm::testing::FakeTransaction tx_{context_};
  crm::testing::InMemoryCustomerRepository customers_{nullptr};
  CustomerMergeChainResolver resolver_{customers_};
};

TEST_F(CustomerMergeChainTest, ResolvesEveryIdAsResolvingEachAloneDoes) {
  const std::vector<std::string> ids = {"ben", "older-ann", "ann", "ben",
                                        "old-ann"};
  absl::StatusOr<absl::flat_hash_map<std::string, std::string>> owners =
      resolver_.ResolveActiveAll(tx_, ids);
  ASSERT_THAT(owners, IsOk());
  EXPECT_THAT(*owners, UnorderedElementsAre(
                           Pair("ben", "ben"), Pair("ann", "ann"),
                           Pair("old-ann", "ann"), Pair("older-ann", "ann")));
  for (const std::string& id : ids) {
    absl::StatusOr<std::string> alone = resolver_.ResolveActive(tx_, id);
    ASSERT_THAT(alone, IsOk());
    EXPECT_EQ(*alone, owners->at(id));
  }
}

TEST_F(CustomerMergeChainTest, FirstFailingIdFailsTheCall) {
  absl::StatusOr<absl::flat_hash_map<std::string, std::string>> unknown =
      resolver_.ResolveActiveAll(tx_, {"ann", "nobody", "gone"});
  EXPECT_THAT(unknown, StatusIs(absl::StatusCode::kNotFound));
  EXPECT_EQ(crm::common::ErrorMetadataOf(unknown.status())["resource"],
            "customers/nobody");

  absl::StatusOr<absl::flat_hash_map<std::string, std::string>> erased =
      resolver_.ResolveActiveAll(tx_, {"ben", "merged-into-gone"});
  EXPECT_THAT(erased, StatusIs(absl::StatusCode::kFailedPrecondition));
  EXPECT_EQ(crm::common::ReasonOf(erased.status()),
            crm::type::v1::CUSTOMER_ERASED);
}

TEST_F(CustomerMergeChainTest, NoIdsResolveToNothing) {
  absl::StatusOr<absl::flat_hash_map<std::string, std::string>> owners =
      resolver_.ResolveActiveAll(tx_, {});
  ASSERT_THAT(owners, IsOk());
  EXPECT_TRUE(owners->empty());
}

}  // namespace
}  // namespace crm::customer_profile
