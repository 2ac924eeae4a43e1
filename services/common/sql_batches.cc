#include "services/common/sql_batches.h"

#include "absl/strings/str_cat.h"

namespace crm::common {

std::vector<SqlChunk> SqlChunks(size_t total, size_t max_chunk) {
  size_t largest = 1;
  while (largest * 2 <= max_chunk) largest *= 2;
  std::vector<SqlChunk> chunks;
  size_t begin = 0;
  for (size_t size = largest; size > 0 && begin < total; size /= 2) {
    while (total - begin >= size) {
      chunks.push_back({begin, size});
      begin += size;
    }
  }
  return chunks;
}

std::vector<SqlPaddedChunk> SqlPaddedChunks(size_t total, size_t max_chunk) {
  size_t largest = 1;
  while (largest * 2 <= max_chunk) largest *= 2;
  std::vector<SqlPaddedChunk> chunks;
  for (size_t begin = 0; begin < total; begin += largest) {
    const size_t size = total - begin < largest ? total - begin : largest;
    chunks.push_back({begin, size, SqlPaddedCount(size)});
  }
  return chunks;
}

size_t SqlPaddedCount(size_t count) {
  if (count == 0) return 0;
  size_t padded = 1;
  while (padded < count) padded *= 2;
  return padded;
}

std::string SqlPlaceholders(size_t count) {
  std::string out;
  for (size_t i = 0; i < count; ++i)
    absl::StrAppend(&out, i == 0 ? "?" : ", ?");
  return out;
}

std::string SqlRowPlaceholders(size_t rows, size_t columns) {
  const std::string row = absl::StrCat("(", SqlPlaceholders(columns), ")");
  std::string out;
  for (size_t i = 0; i < rows; ++i)
    absl::StrAppend(&out, i == 0 ? "" : ", ", row);
  return out;
}

}  // namespace crm::common
