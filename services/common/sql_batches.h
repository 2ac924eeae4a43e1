// Multi-row statements with a bounded set of shapes: a batch of N rows is
// sent as chunks whose sizes are powers of two (at most `max_chunk`), so a
// connection's prepared-statement cache (prepared_statement_cache.h) holds
// at most log2(max_chunk) + 1 shapes of each statement however N varies.
//
//   for (const SqlChunk& chunk : SqlChunks(rows.size(), 64)) {
//     CachedStatement insert = Prepared(tx, absl::StrCat(
//         "INSERT INTO t (a, b) VALUES ", SqlRowPlaceholders(chunk.size, 2)));
//     ... bind rows[chunk.begin .. chunk.begin + chunk.size) ...
//   }
#pragma once

#include <cstddef>
#include <string>
#include <vector>

namespace crm::common {

// Rows [begin, begin + size) of a batch.
struct SqlChunk {
  size_t begin = 0;
  size_t size = 0;
};

// Splits `total` rows into chunks of power-of-two sizes, largest first, none
// above `max_chunk` (itself rounded down to a power of two, at least 1).
std::vector<SqlChunk> SqlChunks(size_t total, size_t max_chunk);

// The smallest power of two >= `count` (0 for 0): the length to pad an IN
// list to by repeating its last value (which changes nothing an IN matches),
// so one statement serves any count with few shapes.
size_t SqlPaddedCount(size_t count);

// "(?, ?), (?, ?)" for rows = 2, columns = 2: the VALUES list of a
// multi-row INSERT, or the list of a row-constructor IN.
std::string SqlRowPlaceholders(size_t rows, size_t columns);

// "?, ?, ?" for count = 3: the list of a single-column IN.
std::string SqlPlaceholders(size_t count);

}  // namespace crm::common
