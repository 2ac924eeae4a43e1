// A bounded pool of MySQL Connector/C++ 1.1 connections.
//
//   CRM_ASSIGN_OR_RETURN(auto pool, MySqlPool::Create(options));
//   CRM_ASSIGN_OR_RETURN(PooledConnection conn, pool->Acquire());
//   std::unique_ptr<sql::PreparedStatement> st(conn->prepareStatement(...));
//
// Connections are opened lazily and reopened after the server restarts.
// While the server is down, Acquire() returns UNAVAILABLE (never throws,
// never crashes). Connector/C++ exceptions must not escape code that uses a
// connection: map them with MySqlErrorToStatus() (mysql_errors.h) or let
// RunInTransaction() (transaction.h) do it.
//
// Every connection the pool opens carries a ConnectionSession: its
// prepared-statement cache (prepared_statement_cache.h) and what the pool
// knows of its session variables. The session is destroyed, closing its
// statements, right before its connection is closed: when the connection is
// marked broken, found dead (server restart) or the pool closes.
//
// Connections use utf8mb4, session time zone UTC (+00:00), autocommit on, and
// no automatic reconnect. An idle connection unused for over a second is
// pinged before it is handed out; idleness is measured on the Clock given to
// Create() (tests pass a FakeClock), while waiting for a free connection
// (acquire_timeout) always takes real time. Every borrowed connection must
// be returned before the pool is destroyed.
#pragma once

#include <cppconn/connection.h>

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "services/common/clock.h"
#include "services/common/prepared_statement_cache.h"

namespace crm::common {

struct MySqlOptions {
  std::string host = "127.0.0.1";
  int port = 3306;
  std::string user;
  std::string password;  // Secret: never logged.
  std::string database;
  int pool_size = 8;  // Upper bound on open connections.
  // How long Acquire() waits for a free connection before UNAVAILABLE.
  absl::Duration acquire_timeout = absl::Seconds(2);
  absl::Duration connect_timeout = absl::Seconds(2);
  // Socket read/write timeout for statements.
  absl::Duration io_timeout = absl::Seconds(30);
};

class MySqlPool;

// State that lives exactly as long as one open pooled connection.
struct ConnectionSession {
  explicit ConnectionSession(sql::Connection& connection)
      : statements(connection) {}
  PreparedStatementCache statements;
  // The session's per-statement time bound as last set on this connection
  // (zero = unbounded); nullopt while unknown (a new connection, or a SET
  // that failed). Read and written by transaction.cc.
  std::optional<absl::Duration> statement_time;
};

// A connection borrowed from the pool; returned to it when destroyed.
// Movable, not copyable. Call MarkBroken() after a connection-level error so
// the connection is closed instead of reused.
class PooledConnection {
 public:
  PooledConnection(PooledConnection&& other) noexcept;
  PooledConnection& operator=(PooledConnection&& other) noexcept;
  PooledConnection(const PooledConnection&) = delete;
  PooledConnection& operator=(const PooledConnection&) = delete;
  ~PooledConnection();

  sql::Connection* operator->() const { return connection_.get(); }
  sql::Connection& operator*() const { return *connection_; }
  sql::Connection* get() const { return connection_.get(); }
  // The connection's session state (statement cache, session variables).
  ConnectionSession& session() const { return *session_; }
  void MarkBroken() { broken_ = true; }
  bool broken() const { return broken_; }

 private:
  friend class MySqlPool;
  PooledConnection(MySqlPool* pool, std::unique_ptr<sql::Connection> connection,
                   std::unique_ptr<ConnectionSession> session);

  MySqlPool* pool_ = nullptr;
  std::unique_ptr<sql::Connection> connection_;
  std::unique_ptr<ConnectionSession> session_;
  bool broken_ = false;
};

class MySqlPool {
 public:
  // Validates options (INVALID_ARGUMENT naming the field) and returns a pool.
  // Does not connect: the first Acquire() does. `clock` times how long
  // connections have been idle and must outlive the pool.
  static absl::StatusOr<std::unique_ptr<MySqlPool>> Create(
      MySqlOptions options, const Clock& clock = SystemClock::Instance());

  MySqlPool(const MySqlPool&) = delete;
  MySqlPool& operator=(const MySqlPool&) = delete;
  ~MySqlPool();

  // Borrows a connection, opening one if none is idle and the bound allows.
  // An idle connection that no longer answers is replaced transparently.
  // UNAVAILABLE if the server cannot be reached or no connection frees up
  // within acquire_timeout; INTERNAL on bad credentials (misconfiguration).
  absl::StatusOr<PooledConnection> Acquire();

  // Runs `SELECT 1` on a connection reserved for health checks (outside the
  // bound, with a short I/O timeout), so a pool exhausted by busy requests
  // still reports a healthy database. OK while the database answers.
  absl::Status Ping();

  // Closes idle connections and makes later Acquire() calls fail with
  // UNAVAILABLE. Borrowed connections close when returned.
  void Close();

  int in_use() const;    // Connections currently borrowed.
  int open() const;      // Connections open (idle + borrowed).
  int capacity() const;  // options.pool_size.
  const MySqlOptions& options() const { return options_; }

 private:
  friend class PooledConnection;
  MySqlPool(MySqlOptions options, const Clock& clock);
  void Release(std::unique_ptr<sql::Connection> connection,
               std::unique_ptr<ConnectionSession> session, bool broken);
  absl::StatusOr<std::unique_ptr<sql::Connection>> Connect(
      absl::Duration io_timeout);

  struct IdleConnection {
    std::unique_ptr<sql::Connection> connection;
    std::unique_ptr<ConnectionSession> session;
    absl::Time idle_since;
  };

  const MySqlOptions options_;
  const Clock& clock_;
  mutable absl::Mutex mu_;
  // Most recently returned last.
  std::vector<IdleConnection> idle_ ABSL_GUARDED_BY(mu_);
  int in_use_ ABSL_GUARDED_BY(mu_) = 0;
  int connecting_ ABSL_GUARDED_BY(mu_) = 0;
  bool closed_ ABSL_GUARDED_BY(mu_) = false;

  // Serialises health checks; the connection is opened on first Ping().
  absl::Mutex health_mu_ ABSL_ACQUIRED_BEFORE(mu_);
  std::unique_ptr<sql::Connection> health_connection_
      ABSL_GUARDED_BY(health_mu_);
};

}  // namespace crm::common
