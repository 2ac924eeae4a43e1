#include "services/common/prepared_statement_cache.h"

#include <exception>
#include <utility>

#include "absl/synchronization/mutex.h"
#include "services/common/mysql_unit_of_work.h"

namespace crm::common {
namespace {

// Which cache belongs to which open connection.
struct Registry {
  absl::Mutex mu;
  absl::flat_hash_map<const sql::Connection*, PreparedStatementCache*> caches
      ABSL_GUARDED_BY(mu);
};

Registry& CacheRegistry() {
  static Registry* const registry = new Registry;  // Never destroyed.
  return *registry;
}

// Closes `statement`, ignoring errors (its connection may be gone).
void CloseQuietly(std::unique_ptr<sql::PreparedStatement> statement) {
  try {
    statement->close();
  } catch (const std::exception&) {
  }
  try {
    statement.reset();
  } catch (...) {
  }
}

}  // namespace

PreparedStatementCache::PreparedStatementCache(sql::Connection& connection,
                                               size_t capacity)
    : connection_(connection), capacity_(capacity < 1 ? 1 : capacity) {
  Registry& registry = CacheRegistry();
  absl::MutexLock lock(&registry.mu);
  registry.caches[&connection_] = this;
}

PreparedStatementCache::~PreparedStatementCache() {
  {
    Registry& registry = CacheRegistry();
    absl::MutexLock lock(&registry.mu);
    auto it = registry.caches.find(&connection_);
    if (it != registry.caches.end() && it->second == this) {
      registry.caches.erase(it);
    }
  }
  Clear();
}

sql::PreparedStatement& PreparedStatementCache::Get(absl::string_view sql) {
  if (auto found = index_.find(sql); found != index_.end()) {
    entries_.splice(entries_.begin(), entries_, found->second);
    sql::PreparedStatement& statement = *entries_.front().statement;
    statement.clearParameters();
    return statement;
  }
  std::unique_ptr<sql::PreparedStatement> statement(
      connection_.prepareStatement(std::string(sql)));
  ++prepared_count_;
  if (entries_.size() >= capacity_) {
    Entry& oldest = entries_.back();
    index_.erase(oldest.sql);
    CloseQuietly(std::move(oldest.statement));
    entries_.pop_back();
  }
  entries_.push_front(Entry{std::string(sql), std::move(statement)});
  index_[entries_.front().sql] = entries_.begin();
  return *entries_.front().statement;
}

void PreparedStatementCache::Clear() {
  index_.clear();
  for (Entry& entry : entries_) CloseQuietly(std::move(entry.statement));
  entries_.clear();
}

PreparedStatementCache* StatementCacheOf(const sql::Connection& connection) {
  Registry& registry = CacheRegistry();
  absl::ReaderMutexLock lock(&registry.mu);
  auto it = registry.caches.find(&connection);
  return it == registry.caches.end() ? nullptr : it->second;
}

CachedStatement Prepared(sql::Connection& connection, absl::string_view sql) {
  if (PreparedStatementCache* cache = StatementCacheOf(connection)) {
    return CachedStatement(cache->Get(sql));
  }
  return CachedStatement(std::unique_ptr<sql::PreparedStatement>(
      connection.prepareStatement(std::string(sql))));
}

CachedStatement Prepared(Transaction& tx, absl::string_view sql) {
  return Prepared(MySqlConnectionOf(tx), sql);
}

}  // namespace crm::common
