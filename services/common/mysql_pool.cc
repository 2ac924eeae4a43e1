#include "services/common/mysql_pool.h"

#include <cppconn/driver.h>
#include <cppconn/exception.h>
#include <cppconn/resultset.h>
#include <cppconn/statement.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <mutex>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "services/common/mysql_errors.h"

namespace crm::common {
namespace {

// An idle connection older than this is pinged before it is handed out.
constexpr absl::Duration kValidateIdleAfter = absl::Seconds(1);
// How long ~MySqlPool() waits for borrowed connections to come back.
constexpr absl::Duration kDestructionGrace = absl::Seconds(30);
// Health checks must answer quickly even when the network stalls.
constexpr absl::Duration kHealthCheckIoTimeout = absl::Seconds(2);

// Calls threadInit() on construction and threadEnd() when the thread exits.
class DriverThreadGuard {
 public:
  explicit DriverThreadGuard(sql::Driver* driver) : driver_(driver) {
    driver_->threadInit();
  }
  ~DriverThreadGuard() { driver_->threadEnd(); }
  DriverThreadGuard(const DriverThreadGuard&) = delete;
  DriverThreadGuard& operator=(const DriverThreadGuard&) = delete;

 private:
  sql::Driver* driver_;
};

// The Connector/C++ driver, initialised once per process and once per calling
// thread. nullptr if the library could not provide one.
sql::Driver* Driver() {
  static std::once_flag once;
  static sql::Driver* driver = nullptr;
  std::call_once(once, [] {
    try {
      driver = get_driver_instance();
    } catch (const std::exception&) {
      driver = nullptr;
    }
  });
  if (driver == nullptr) return nullptr;
  thread_local DriverThreadGuard guard(driver);
  return driver;
}

int WholeSeconds(absl::Duration d) {
  const int64_t seconds = absl::ToInt64Seconds(absl::Ceil(d, absl::Seconds(1)));
  if (seconds < 1) return 1;
  if (seconds > 86400) return 86400;
  return static_cast<int>(seconds);
}

// Deletes a connection after its session (closing the session's prepared
// statements first), swallowing errors (the socket may already be gone).
void Discard(std::unique_ptr<sql::Connection> connection,
             std::unique_ptr<ConnectionSession> session = nullptr) {
  if (connection == nullptr) return;
  Driver();
  try {
    session.reset();
  } catch (...) {
  }
  try {
    connection->close();
  } catch (const std::exception&) {
  }
  try {
    connection.reset();
  } catch (...) {
  }
}

// True if the connection still answers.
bool StillAlive(sql::Connection& connection) {
  try {
    if (connection.isClosed()) return false;
    return connection.isValid();
  } catch (const std::exception&) {
    return false;
  }
}

}  // namespace

PooledConnection::PooledConnection(MySqlPool* pool,
                                   std::unique_ptr<sql::Connection> connection,
                                   std::unique_ptr<ConnectionSession> session)
    : pool_(pool),
      connection_(std::move(connection)),
      session_(std::move(session)) {}

PooledConnection::PooledConnection(PooledConnection&& other) noexcept
    : pool_(std::exchange(other.pool_, nullptr)),
      connection_(std::move(other.connection_)),
      session_(std::move(other.session_)),
      broken_(std::exchange(other.broken_, false)) {}

PooledConnection& PooledConnection::operator=(
    PooledConnection&& other) noexcept {
  if (this != &other) {
    if (pool_ != nullptr) {
      pool_->Release(std::move(connection_), std::move(session_), broken_);
    }
    pool_ = std::exchange(other.pool_, nullptr);
    connection_ = std::move(other.connection_);
    session_ = std::move(other.session_);
    broken_ = std::exchange(other.broken_, false);
  }
  return *this;
}

PooledConnection::~PooledConnection() {
  if (pool_ != nullptr) {
    pool_->Release(std::move(connection_), std::move(session_), broken_);
  }
}

absl::StatusOr<std::unique_ptr<MySqlPool>> MySqlPool::Create(
    MySqlOptions options, const Clock& clock) {
  if (options.host.empty()) {
    return absl::InvalidArgumentError("MySQL host must not be empty");
  }
  if (options.port <= 0 || options.port > 65535) {
    return absl::InvalidArgumentError("MySQL port must be in 1..65535");
  }
  if (options.user.empty()) {
    return absl::InvalidArgumentError("MySQL user must not be empty");
  }
  if (options.pool_size < 1) {
    return absl::InvalidArgumentError("MySQL pool_size must be at least 1");
  }
  if (options.acquire_timeout < absl::ZeroDuration()) {
    return absl::InvalidArgumentError(
        "MySQL acquire_timeout must not be negative");
  }
  if (options.connect_timeout <= absl::ZeroDuration()) {
    return absl::InvalidArgumentError("MySQL connect_timeout must be positive");
  }
  if (options.io_timeout <= absl::ZeroDuration()) {
    return absl::InvalidArgumentError("MySQL io_timeout must be positive");
  }
  if (Driver() == nullptr) {
    return absl::InternalError("MySQL Connector/C++ driver is not available");
  }
  return std::unique_ptr<MySqlPool>(new MySqlPool(std::move(options), clock));
}

MySqlPool::MySqlPool(MySqlOptions options, const Clock& clock)
    : options_(std::move(options)), clock_(clock) {}

MySqlPool::~MySqlPool() {
  Close();
  absl::MutexLock lock(&mu_);
  auto returned = [this]() ABSL_SHARED_LOCKS_REQUIRED(mu_) {
    return in_use_ == 0 && connecting_ == 0;
  };
  if (!mu_.AwaitWithTimeout(absl::Condition(&returned), kDestructionGrace)) {
    // A borrowed connection would later be returned to freed memory.
    std::fprintf(stderr,
                 "MySqlPool destroyed while %d connection(s) are borrowed\n",
                 in_use_);
    std::abort();
  }
}

absl::StatusOr<std::unique_ptr<sql::Connection>> MySqlPool::Connect(
    absl::Duration io_timeout) {
  sql::Driver* driver = Driver();
  if (driver == nullptr) {
    return absl::InternalError("MySQL Connector/C++ driver is not available");
  }
  sql::ConnectOptionsMap properties;
  properties["hostName"] = sql::ConnectPropertyVal(
      absl::StrCat("tcp://", options_.host, ":", options_.port));
  properties["userName"] = sql::ConnectPropertyVal(options_.user);
  properties["password"] = sql::ConnectPropertyVal(options_.password);
  if (!options_.database.empty()) {
    properties["schema"] = sql::ConnectPropertyVal(options_.database);
  }
  properties["OPT_CHARSET_NAME"] = sql::ConnectPropertyVal("utf8mb4");
  properties["OPT_CONNECT_TIMEOUT"] =
      sql::ConnectPropertyVal(WholeSeconds(options_.connect_timeout));
  properties["OPT_READ_TIMEOUT"] =
      sql::ConnectPropertyVal(WholeSeconds(io_timeout));
  properties["OPT_WRITE_TIMEOUT"] =
      sql::ConnectPropertyVal(WholeSeconds(io_timeout));
  properties["OPT_RECONNECT"] = sql::ConnectPropertyVal(false);

  std::unique_ptr<sql::Connection> connection;
  try {
    connection.reset(driver->connect(properties));
    if (connection == nullptr) {
      return absl::UnavailableError(
          "connecting to MySQL returned no connection");
    }
    std::unique_ptr<sql::Statement> statement(connection->createStatement());
    statement->execute("SET time_zone = '+00:00'");
  } catch (const sql::SQLException& e) {
    Discard(std::move(connection));
    absl::Status status =
        MySqlErrorToStatus(e, absl::StrCat("connecting to MySQL at ",
                                           options_.host, ":", options_.port));
    // Client-side errors (2000-2999: refused, unknown host, handshake, TLS)
    // and code-less driver errors mean the server cannot be reached now.
    const int code = e.getErrorCode();
    if (code == 0 || (code >= 2000 && code < 3000)) {
      return absl::UnavailableError(status.message());
    }
    return status;
  } catch (const std::exception& e) {
    Discard(std::move(connection));
    return absl::UnavailableError(
        absl::StrCat("connecting to MySQL at ", options_.host, ":",
                     options_.port, " failed: ", e.what()));
  }
  return connection;
}

absl::StatusOr<PooledConnection> MySqlPool::Acquire() {
  const absl::Time deadline = absl::Now() + options_.acquire_timeout;
  while (true) {
    std::unique_ptr<sql::Connection> candidate;
    std::unique_ptr<ConnectionSession> candidate_session;
    absl::Time idle_since;
    {
      absl::MutexLock lock(&mu_);
      auto can_proceed = [this]() ABSL_SHARED_LOCKS_REQUIRED(mu_) {
        return closed_ || !idle_.empty() ||
               in_use_ + connecting_ < options_.pool_size;
      };
      if (!mu_.AwaitWithDeadline(absl::Condition(&can_proceed), deadline)) {
        return absl::UnavailableError(
            absl::StrCat("no MySQL connection became free within ",
                         absl::FormatDuration(options_.acquire_timeout),
                         " (all ", options_.pool_size, " in use)"));
      }
      if (closed_) return absl::UnavailableError("MySQL pool is closed");
      if (!idle_.empty()) {
        candidate = std::move(idle_.back().connection);
        candidate_session = std::move(idle_.back().session);
        idle_since = idle_.back().idle_since;
        idle_.pop_back();
        ++in_use_;
      } else {
        ++connecting_;
      }
    }

    if (candidate != nullptr) {
      if (clock_.Now() - idle_since < kValidateIdleAfter ||
          StillAlive(*candidate)) {
        return PooledConnection(this, std::move(candidate),
                                std::move(candidate_session));
      }
      // Dead (server restarted or connection timed out): replace it.
      Discard(std::move(candidate), std::move(candidate_session));
      absl::MutexLock lock(&mu_);
      --in_use_;
      continue;
    }

    absl::StatusOr<std::unique_ptr<sql::Connection>> connection =
        Connect(options_.io_timeout);
    bool closed_meanwhile = false;
    {
      absl::MutexLock lock(&mu_);
      --connecting_;
      if (connection.ok()) {
        if (closed_) {
          closed_meanwhile = true;
        } else {
          ++in_use_;
        }
      }
    }
    if (!connection.ok()) return connection.status();
    if (closed_meanwhile) {
      Discard(std::move(connection).value());
      return absl::UnavailableError("MySQL pool is closed");
    }
    std::unique_ptr<sql::Connection> opened = std::move(connection).value();
    auto session = std::make_unique<ConnectionSession>(*opened);
    return PooledConnection(this, std::move(opened), std::move(session));
  }
}

void MySqlPool::Release(std::unique_ptr<sql::Connection> connection,
                        std::unique_ptr<ConnectionSession> session,
                        bool broken) {
  {
    absl::MutexLock lock(&mu_);
    --in_use_;
    if (connection != nullptr && session != nullptr && !broken && !closed_) {
      idle_.push_back(IdleConnection{std::move(connection), std::move(session),
                                     clock_.Now()});
      return;
    }
  }
  Discard(std::move(connection), std::move(session));
}

absl::Status MySqlPool::Ping() {
  absl::MutexLock health_lock(&health_mu_);
  {
    absl::MutexLock lock(&mu_);
    if (closed_) return absl::UnavailableError("MySQL pool is closed");
  }
  if (health_connection_ == nullptr) {
    absl::StatusOr<std::unique_ptr<sql::Connection>> connection =
        Connect(kHealthCheckIoTimeout);
    if (!connection.ok()) return connection.status();
    health_connection_ = std::move(connection).value();
  }
  try {
    std::unique_ptr<sql::Statement> statement(
        health_connection_->createStatement());
    std::unique_ptr<sql::ResultSet> result(statement->executeQuery("SELECT 1"));
    if (result != nullptr && result->next()) return absl::OkStatus();
    Discard(std::move(health_connection_));
    return absl::UnavailableError("MySQL ping returned no row");
  } catch (const sql::SQLException& e) {
    Discard(std::move(health_connection_));
    absl::Status status = MySqlErrorToStatus(e, "pinging MySQL");
    // Any failure of `SELECT 1` means the database is not answering.
    if (status.code() == absl::StatusCode::kInternal) {
      return absl::UnavailableError(status.message());
    }
    return status;
  } catch (const std::exception& e) {
    Discard(std::move(health_connection_));
    return absl::UnavailableError(absl::StrCat("pinging MySQL: ", e.what()));
  }
}

void MySqlPool::Close() {
  {
    absl::MutexLock health_lock(&health_mu_);
    Discard(std::move(health_connection_));
  }
  std::vector<IdleConnection> idle;
  {
    absl::MutexLock lock(&mu_);
    closed_ = true;
    idle.swap(idle_);
  }
  for (IdleConnection& entry : idle) {
    Discard(std::move(entry.connection), std::move(entry.session));
  }
}

int MySqlPool::in_use() const {
  absl::MutexLock lock(&mu_);
  return in_use_;
}

int MySqlPool::open() const {
  absl::MutexLock lock(&mu_);
  return in_use_ + static_cast<int>(idle_.size());
}

int MySqlPool::capacity() const { return options_.pool_size; }

}  // namespace crm::common
