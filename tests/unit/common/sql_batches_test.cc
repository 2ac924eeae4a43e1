#include "services/common/sql_batches.h"

#include <gtest/gtest.h>

namespace crm::common {
namespace {

std::vector<size_t> Sizes(const std::vector<SqlChunk>& chunks) {
  std::vector<size_t> sizes;
  size_t next = 0;
  for (const SqlChunk& chunk : chunks) {
    EXPECT_EQ(chunk.begin, next) << "chunks must be contiguous";
    next += chunk.size;
    sizes.push_back(chunk.size);
  }
  return sizes;
}

TEST(SqlChunksTest, SplitsIntoPowersOfTwoLargestFirst) {
  EXPECT_EQ(Sizes(SqlChunks(0, 64)), std::vector<size_t>{});
  EXPECT_EQ(Sizes(SqlChunks(1, 64)), std::vector<size_t>{1});
  EXPECT_EQ(Sizes(SqlChunks(100, 64)), (std::vector<size_t>{64, 32, 4}));
  EXPECT_EQ(Sizes(SqlChunks(200, 64)), (std::vector<size_t>{64, 64, 64, 8}));
  // The largest chunk is rounded down to a power of two, at least 1.
  EXPECT_EQ(Sizes(SqlChunks(7, 3)), (std::vector<size_t>{2, 2, 2, 1}));
  EXPECT_EQ(Sizes(SqlChunks(3, 0)), (std::vector<size_t>{1, 1, 1}));
}

TEST(SqlPaddedCountTest, RoundsUpToAPowerOfTwo) {
  EXPECT_EQ(SqlPaddedCount(0), 0u);
  EXPECT_EQ(SqlPaddedCount(1), 1u);
  EXPECT_EQ(SqlPaddedCount(3), 4u);
  EXPECT_EQ(SqlPaddedCount(64), 64u);
  EXPECT_EQ(SqlPaddedCount(65), 128u);
}

TEST(SqlPlaceholdersTest, RendersListsAndRows) {
  EXPECT_EQ(SqlPlaceholders(0), "");
  EXPECT_EQ(SqlPlaceholders(3), "?, ?, ?");
  EXPECT_EQ(SqlRowPlaceholders(2, 2), "(?, ?), (?, ?)");
  EXPECT_EQ(SqlRowPlaceholders(1, 3), "(?, ?, ?)");
}

}  // namespace
}  // namespace crm::common
