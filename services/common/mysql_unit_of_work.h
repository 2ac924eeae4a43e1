// UnitOfWork (unit_of_work.h) over a MySqlPool: each Run() is one MySQL
// transaction on a pooled connection, retried as RunInTransaction()
// (transaction.h) does, and starts only while the request is neither
// cancelled nor past its deadline (Read() checks the deadline only); the
// request's deadline reaches the server as the session's
// max_statement_time (MariaDB), so a statement that would outlive the
// request is killed by the server and the transaction rolled back.
//
//   MySqlUnitOfWork unit_of_work(*pool);
//   AccountManager manager(unit_of_work, mysql_accounts, clock, ids);
//
// In a MySQL repository method, statements come from the connection's
// prepared-statement cache (prepared_statement_cache.h: bind every parameter
// on every use; never keep a statement beyond the unit of work):
//   CachedStatement st = Prepared(tx, "SELECT ... WHERE id = ?");
//   st->setString(1, id);
// MySqlConnectionOf(tx) gives the connection itself for anything else.
#pragma once

#include <cppconn/connection.h>

#include "services/common/clock.h"
#include "services/common/mysql_pool.h"
#include "services/common/prepared_statement_cache.h"
#include "services/common/transaction.h"
#include "services/common/unit_of_work.h"

namespace crm::common {

// The Transaction handed out by MySqlUnitOfWork (and by tests that drive a
// MySQL repository on a connection of their own).
class MySqlTransaction final : public Transaction {
 public:
  MySqlTransaction(sql::Connection& connection, const RequestContext& context)
      : connection_(connection), context_(context) {}
  sql::Connection& connection() const { return connection_; }
  const RequestContext& context() const override { return context_; }

 private:
  sql::Connection& connection_;
  const RequestContext& context_;
};

// The connection of a transaction made by MySqlUnitOfWork. Passing any other
// Transaction is a programming error and aborts the process.
sql::Connection& MySqlConnectionOf(Transaction& transaction);

class MySqlUnitOfWork final : public UnitOfWork {
 public:
  // `pool` and `clock` must outlive this object.
  explicit MySqlUnitOfWork(MySqlPool& pool, TransactionOptions options = {},
                           const Clock& clock = SystemClock::Instance());

  absl::Status Run(
      const RequestContext& context,
      const std::function<absl::Status(Transaction&)>& body) override;
  absl::Status Read(
      const RequestContext& context,
      const std::function<absl::Status(Transaction&)>& body) override;
  using UnitOfWork::Read;
  using UnitOfWork::Run;

  MySqlPool& pool() { return pool_; }

 private:
  MySqlPool& pool_;
  const TransactionOptions options_;
  const Clock& clock_;
};

}  // namespace crm::common
