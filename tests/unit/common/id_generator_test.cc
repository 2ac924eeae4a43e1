#include "services/common/id_generator.h"

#include <string>
#include <thread>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "absl/container/flat_hash_set.h"

namespace crm::common {
namespace {

using ::testing::MatchesRegex;

TEST(RandomIdGenerator, TwentyLowercaseAlphanumerics) {
  const IdGenerator& ids = RandomIdGenerator::Instance();
  for (int i = 0; i < 1000; ++i) {
    EXPECT_THAT(ids.NewId(), MatchesRegex("[a-z0-9]{20}"));
  }
}

TEST(RandomIdGenerator, TenThousandAreUnique) {
  absl::flat_hash_set<std::string> seen;
  for (int i = 0; i < 10000; ++i) {
    ASSERT_TRUE(seen.insert(RandomIdGenerator::Instance().NewId()).second);
  }
}

TEST(RandomIdGenerator, UsesTheWholeAlphabet) {
  absl::flat_hash_set<char> chars;
  for (int i = 0; i < 200; ++i) {
    for (char c : RandomIdGenerator::Instance().NewId()) chars.insert(c);
  }
  EXPECT_EQ(chars.size(), 36u);
}

TEST(SequentialIdGenerator, CountsFromOneWithPrefix) {
  SequentialIdGenerator ids("cust");
  EXPECT_EQ(ids.NewId(), "cust0000000001");
  EXPECT_EQ(ids.NewId(), "cust0000000002");
  SequentialIdGenerator bare("");
  EXPECT_EQ(bare.NewId(), "0000000001");
}

TEST(SequentialIdGenerator, TenThousandUniqueAcrossThreads) {
  SequentialIdGenerator ids("t");
  std::vector<std::vector<std::string>> produced(4);
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&ids, &produced, t] {
      for (int i = 0; i < 2500; ++i) produced[t].push_back(ids.NewId());
    });
  }
  for (std::thread& thread : threads) thread.join();
  absl::flat_hash_set<std::string> seen;
  for (const auto& list : produced) {
    for (const std::string& id : list) {
      EXPECT_THAT(id, MatchesRegex("t[0-9]{10}"));
      EXPECT_TRUE(seen.insert(id).second) << id;
    }
  }
  EXPECT_EQ(seen.size(), 10000u);
  EXPECT_EQ(ids.NewId(), "t0000010001");
}

}  // namespace
}  // namespace crm::common
