#include "services/common/mysql_unit_of_work.h"

#include <cstdlib>
#include <utility>

#include "services/common/lame_duck.h"
#include "services/common/status_macros.h"

namespace crm::common {
namespace {

TransactionOptions ForRequest(TransactionOptions options,
                              const RequestContext& context,
                              const Clock& clock) {
  options.deadline = context.deadline();
  options.clock = &clock;
  return options;
}

}  // namespace

sql::Connection& MySqlConnectionOf(Transaction& transaction) {
  auto* mysql = dynamic_cast<MySqlTransaction*>(&transaction);
  if (mysql == nullptr) {
    // A MySQL repository was handed another implementation's transaction:
    // a wiring error that no request can recover from.
    std::abort();
  }
  return mysql->connection();
}

MySqlUnitOfWork::MySqlUnitOfWork(MySqlPool& pool, TransactionOptions options,
                                 const Clock& clock)
    : pool_(pool), options_(std::move(options)), clock_(clock) {}

absl::Status MySqlUnitOfWork::Run(
    const RequestContext& context,
    const std::function<absl::Status(Transaction&)>& body) {
  CRM_RETURN_IF_ERROR(RefuseWhenLameDuck(context.has_caller()));
  if (absl::Status active = context.CheckActive(clock_.Now()); !active.ok()) {
    return active;
  }
  return RunInTransaction(
      pool_,
      [&](sql::Connection& connection) -> absl::Status {
        MySqlTransaction transaction(connection, context);
        return body(transaction);
      },
      ForRequest(options_, context, clock_));
}

absl::Status MySqlUnitOfWork::Read(
    const RequestContext& context,
    const std::function<absl::Status(Transaction&)>& body) {
  // A read checks only the deadline before it starts: it changes nothing a
  // caller that has gone could mind, and asking gRPC whether a call was
  // cancelled polls the call's completion queue, which cost about a tenth
  // of a GetCustomer's CPU in the service.
  CRM_RETURN_IF_ERROR(RefuseWhenLameDuck(context.has_caller()));
  if (context.has_deadline()) {
    if (absl::Status active = RequestContext::WithDeadline(context.deadline())
                                  .CheckActive(clock_.Now());
        !active.ok()) {
      return active;
    }
  }
  return WithConnection(
      pool_,
      [&](sql::Connection& connection) -> absl::Status {
        MySqlTransaction transaction(connection, context);
        return body(transaction);
      },
      ForRequest(options_, context, clock_));
}

}  // namespace crm::common
