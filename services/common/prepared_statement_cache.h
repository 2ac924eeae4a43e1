// Prepared statements kept per physical connection, so a statement is
// prepared once per connection instead of prepared, executed and closed on
// every call (three server round trips with Connector/C++ 1.1).
//
//   // In a MySQL repository method:
//   crm::common::CachedStatement select =
//       crm::common::Prepared(tx, "SELECT ... WHERE customer_id = ?");
//   select->setString(1, id);  // Every parameter, on every use.
//   std::unique_ptr<sql::ResultSet> rows(select->executeQuery());
//
// MySqlPool gives every connection it opens a PreparedStatementCache and
// destroys it (closing its statements) before the connection is closed,
// including when the connection is marked broken or found dead (server
// restart): a reconnected connection starts with an empty cache. Each cache
// holds at most `capacity` statements and closes the least recently used one
// beyond that.
//
// THE CONTRACT for code that uses Prepared():
// - A CachedStatement belongs to the unit of work (the borrowed connection)
//   it was obtained in: never keep it, or a result set of it, beyond that.
// - Every use binds every parameter again: parameters are cleared when the
//   statement is handed out.
// - Destroy a statement's result set before the same SQL is used again
//   (Prepared() with equal text returns the same statement object).
// - A connection, and so its cache, is used by one thread at a time (the pool
//   guarantees this for borrowed connections); the cache is not locked.
// Connections the pool did not open (tests, the health check) have no cache:
// Prepared() then prepares a statement owned by the returned handle, which
// closes it when destroyed, exactly the uncached behaviour.
#pragma once

#include <cppconn/connection.h>
#include <cppconn/prepared_statement.h>

#include <cstddef>
#include <list>
#include <memory>
#include <string>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/string_view.h"

namespace crm::common {

class Transaction;

// A prepared statement handed out by Prepared(): either one owned by a
// connection's cache or, without a cache, one owned by this handle.
class CachedStatement {
 public:
  CachedStatement(CachedStatement&&) = default;
  CachedStatement& operator=(CachedStatement&&) = default;
  CachedStatement(const CachedStatement&) = delete;
  CachedStatement& operator=(const CachedStatement&) = delete;
  ~CachedStatement() = default;

  sql::PreparedStatement* operator->() const { return statement_; }
  sql::PreparedStatement& operator*() const { return *statement_; }
  // Whether the statement came from a connection's cache.
  bool cached() const { return owned_ == nullptr; }

 private:
  friend class PreparedStatementCache;
  friend CachedStatement Prepared(sql::Connection&, absl::string_view);
  explicit CachedStatement(sql::PreparedStatement& cached)
      : statement_(&cached) {}
  explicit CachedStatement(std::unique_ptr<sql::PreparedStatement> owned)
      : statement_(owned.get()), owned_(std::move(owned)) {}

  sql::PreparedStatement* statement_;
  std::unique_ptr<sql::PreparedStatement> owned_;
};

// The statements of one connection, least recently used evicted first.
// Registers itself as the cache of `connection` for Prepared() for its
// lifetime; must be destroyed before the connection.
class PreparedStatementCache {
 public:
  static constexpr size_t kDefaultCapacity = 128;

  explicit PreparedStatementCache(sql::Connection& connection,
                                  size_t capacity = kDefaultCapacity);
  PreparedStatementCache(const PreparedStatementCache&) = delete;
  PreparedStatementCache& operator=(const PreparedStatementCache&) = delete;
  ~PreparedStatementCache();  // Closes every statement (errors ignored).

  // The statement for `sql`, prepared on first use, parameters cleared.
  // Throws sql::SQLException like Connection::prepareStatement().
  sql::PreparedStatement& Get(absl::string_view sql);

  // Closes and forgets every statement.
  void Clear();

  size_t size() const { return entries_.size(); }
  size_t capacity() const { return capacity_; }
  // Statements prepared by this cache since it was created (hits do not
  // count): what tests and benchmarks observe.
  size_t prepared_count() const { return prepared_count_; }

 private:
  struct Entry {
    std::string sql;
    std::unique_ptr<sql::PreparedStatement> statement;
  };

  sql::Connection& connection_;
  const size_t capacity_;
  size_t prepared_count_ = 0;
  // Most recently used first.
  std::list<Entry> entries_;
  absl::flat_hash_map<absl::string_view, std::list<Entry>::iterator> index_;
};

// The cache the pool attached to `connection`; nullptr when it has none.
PreparedStatementCache* StatementCacheOf(const sql::Connection& connection);

// A prepared statement for `sql` on `connection`: from its cache when it has
// one, else freshly prepared. Throws sql::SQLException like
// prepareStatement(). See the contract above.
CachedStatement Prepared(sql::Connection& connection, absl::string_view sql);

// The same on the connection of a MySQL unit of work (MySqlConnectionOf(tx)).
CachedStatement Prepared(Transaction& tx, absl::string_view sql);

}  // namespace crm::common
