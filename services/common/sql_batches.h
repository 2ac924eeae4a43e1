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

// Rows [begin, begin + size) of a batch sent as `padded` (>= size) rows: the
// rows past `size` repeat the chunk's last row.
struct SqlPaddedChunk {
  size_t begin = 0;
  size_t size = 0;
  size_t padded = 0;
  // The batch row to bind as the chunk's k-th row, k < padded.
  size_t Row(size_t k) const { return begin + (k < size ? k : size - 1); }
};

// For statements a repeated row leaves as they are — an upsert whose update
// sets columns to VALUES(...), INSERT IGNORE, a DELETE or SELECT by key —
// not for plain INSERTs or additive upserts: `total` rows in chunks of
// `max_chunk` (rounded down to a power of two, at least 1), the last padded
// up to a power of two, so a batch of up to `max_chunk` rows is one
// statement (SqlChunks would send one per set bit of its size) and each
// statement still has at most log2(max_chunk) + 1 shapes.
std::vector<SqlPaddedChunk> SqlPaddedChunks(size_t total, size_t max_chunk);

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
