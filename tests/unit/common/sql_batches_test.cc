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

TEST(SqlPaddedChunksTest, OneStatementPerMaxChunkTheLastPadded) {
  EXPECT_TRUE(SqlPaddedChunks(0, 64).empty());
  std::vector<SqlPaddedChunk> chunks = SqlPaddedChunks(100, 64);
  ASSERT_EQ(chunks.size(), 2u);
  EXPECT_EQ(chunks[0].begin, 0u);
  EXPECT_EQ(chunks[0].size, 64u);
  EXPECT_EQ(chunks[0].padded, 64u);
  EXPECT_EQ(chunks[1].begin, 64u);
  EXPECT_EQ(chunks[1].size, 36u);
  EXPECT_EQ(chunks[1].padded, 64u);
  // Rows past the chunk's own repeat its last row.
  EXPECT_EQ(chunks[1].Row(0), 64u);
  EXPECT_EQ(chunks[1].Row(35), 99u);
  EXPECT_EQ(chunks[1].Row(36), 99u);
  EXPECT_EQ(chunks[1].Row(63), 99u);
  chunks = SqlPaddedChunks(23, 128);
  ASSERT_EQ(chunks.size(), 1u);
  EXPECT_EQ(chunks[0].size, 23u);
  EXPECT_EQ(chunks[0].padded, 32u);
  // The largest chunk is rounded down to a power of two, at least 1.
  chunks = SqlPaddedChunks(7, 3);
  ASSERT_EQ(chunks.size(), 4u);
  EXPECT_EQ(chunks[3].begin, 6u);
  EXPECT_EQ(chunks[3].size, 1u);
  EXPECT_EQ(chunks[3].padded, 1u);
  EXPECT_EQ(SqlPaddedChunks(3, 0).size(), 3u);
}

TEST(SqlPlaceholdersTest, RendersListsAndRows) {
  EXPECT_EQ(SqlPlaceholders(0), "");
  EXPECT_EQ(SqlPlaceholders(3), "?, ?, ?");
  EXPECT_EQ(SqlRowPlaceholders(2, 2), "(?, ?), (?, ?)");
  EXPECT_EQ(SqlRowPlaceholders(1, 3), "(?, ?, ?)");
}

}  // namespace
}  // namespace crm::common
