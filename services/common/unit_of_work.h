// The storage seam every service uses: managers run their work in a unit of
// work (one database transaction) and hand its Transaction to repository
// methods. Managers never see SQL or a connection, so they are unit-tested
// over fake repositories and a fake unit of work (tests/testing/fakes/).
//
//   absl::StatusOr<Account> AccountManager::Adjust(const RequestContext& ctx,
//                                                  ...) {
//     return unit_of_work_.Run<Account>(ctx, [&](Transaction& tx)
//         -> absl::StatusOr<Account> {
//       CRM_ASSIGN_OR_RETURN(Account account, accounts_.GetForUpdate(tx, id));
//       ...domain rules...
//       CRM_RETURN_IF_ERROR(accounts_.Save(tx, account));
//       return account;
//     });
//   }
//
// Repository interfaces take `Transaction&` as their first parameter; their
// MySQL implementations reach the connection with MySqlConnectionOf(tx)
// (mysql_unit_of_work.h). The production implementation is MySqlUnitOfWork.
#pragma once

#include <functional>
#include <optional>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "services/common/request_context.h"

namespace crm::common {

// An open transaction of a unit of work. Repositories receive it; only the
// implementation that created it knows what is inside.
class Transaction {
 public:
  Transaction(const Transaction&) = delete;
  Transaction& operator=(const Transaction&) = delete;
  virtual ~Transaction() = default;

  // The request the transaction serves (its deadline bounds statements).
  virtual const RequestContext& context() const = 0;

 protected:
  Transaction() = default;
};

// The set-based form of a kind of request (a write or a read): a unit of work
// that batches concurrent requests (group_commit_unit_of_work.h) may run the
// items of several requests given to UnitOfWork::RunCombinable (or
// ReadCombinable) with the same combiner in ONE RunTogether() call
// (multi-row statements) instead of running each request's body. Derive
// from RequestCombinerOf<Item>.
class RequestCombiner {
 public:
  RequestCombiner(const RequestCombiner&) = delete;
  RequestCombiner& operator=(const RequestCombiner&) = delete;
  virtual ~RequestCombiner() = default;

  // Type-erased RunTogether() of RequestCombinerOf.
  virtual absl::Status RunErased(Transaction& tx,
                                 const std::vector<void*>& items) = 0;

 protected:
  RequestCombiner() = default;
};

template <typename Item>
class RequestCombinerOf : public RequestCombiner {
 public:
  // Does in `tx` what the bodies of `items`' requests (two or more) would do
  // one after another, and leaves each request's outcome in its item. Any
  // error fails all of them: the transaction is rolled back and each request
  // then runs alone, through its body. So return an error (any) also when
  // the set-based form does not fit these items (a repeat, a rare path);
  // their bodies give the exact per-request outcome.
  virtual absl::Status RunTogether(Transaction& tx,
                                   const std::vector<Item*>& items) = 0;

  absl::Status RunErased(Transaction& tx,
                         const std::vector<void*>& items) final {
    std::vector<Item*> typed;
    typed.reserve(items.size());
    for (void* item : items) typed.push_back(static_cast<Item*>(item));
    return RunTogether(tx, typed);
  }
};

class UnitOfWork {
 public:
  UnitOfWork(const UnitOfWork&) = delete;
  UnitOfWork& operator=(const UnitOfWork&) = delete;
  virtual ~UnitOfWork() = default;

  // Runs `body` in one read-write transaction and commits it if `body`
  // returns OK; rolls back and returns the body's status otherwise.
  // Transient conflicts (deadlocks, lock-wait timeouts) re-run the whole
  // body, so bodies must be safe to run more than once; when retries are
  // exhausted the result is ABORTED with reason CONCURRENCY_CONFLICT.
  // Deadlines: DEADLINE_EXCEEDED (REQUEST_DEADLINE_EXCEEDED) without
  // starting when `context`'s deadline has passed; each statement is bounded
  // by the time left, and a body that outlives the deadline is rolled back
  // and DEADLINE_EXCEEDED, never committed. UNAVAILABLE (DATABASE_UNAVAILABLE)
  // when the database cannot be reached.
  virtual absl::Status Run(
      const RequestContext& context,
      const std::function<absl::Status(Transaction&)>& body) = 0;

  // Runs read-only `body` outside an explicit transaction (each statement
  // sees committed data); no retries. Same deadline rules as Run().
  virtual absl::Status Read(
      const RequestContext& context,
      const std::function<absl::Status(Transaction&)>& body) = 0;

  // Runs `body` like Run(). A unit of work that batches concurrent requests
  // may instead hand `item` to `combiner` together with the items of other
  // requests that gave the same combiner (RequestCombinerOf::RunTogether), in
  // one shared transaction. Either way the request's outcome is left in
  // `item` (by `body` or by the combiner) when this returns OK; `body` and
  // `item` must outlive the call.
  template <typename Item>
  absl::Status RunCombinable(
      const RequestContext& context,
      const std::function<absl::Status(Transaction&)>& body,
      RequestCombinerOf<Item>& combiner, Item& item) {
    return RunCombinableErased(context, body, combiner, &item);
  }

  // Runs read-only `body` like Read(). A unit of work that coalesces
  // concurrent reads may instead hand `item` to `combiner` with the items of
  // other ReadCombinable() calls that gave the same combiner, in one shared
  // Read(); as for RunCombinable(), the outcome is left in `item`.
  template <typename Item>
  absl::Status ReadCombinable(
      const RequestContext& context,
      const std::function<absl::Status(Transaction&)>& body,
      RequestCombinerOf<Item>& combiner, Item& item) {
    return ReadCombinableErased(context, body, combiner, &item);
  }

  // Value-returning forms of the above.
  template <typename T>
  absl::StatusOr<T> Run(
      const RequestContext& context,
      const std::function<absl::StatusOr<T>(Transaction&)>& body) {
    return Collect<T>(context, body, /*read_only=*/false);
  }
  template <typename T>
  absl::StatusOr<T> Read(
      const RequestContext& context,
      const std::function<absl::StatusOr<T>(Transaction&)>& body) {
    return Collect<T>(context, body, /*read_only=*/true);
  }

 protected:
  UnitOfWork() = default;

  // RunCombinable() with its item type erased; this runs `body` with Run().
  virtual absl::Status RunCombinableErased(
      const RequestContext& context,
      const std::function<absl::Status(Transaction&)>& body,
      RequestCombiner& combiner, void* item) {
    (void)combiner;
    (void)item;
    return Run(context, body);
  }
  // ReadCombinable() with its item type erased; this runs `body` with
  // Read().
  virtual absl::Status ReadCombinableErased(
      const RequestContext& context,
      const std::function<absl::Status(Transaction&)>& body,
      RequestCombiner& combiner, void* item) {
    (void)combiner;
    (void)item;
    return Read(context, body);
  }

 private:
  template <typename T>
  absl::StatusOr<T> Collect(
      const RequestContext& context,
      const std::function<absl::StatusOr<T>(Transaction&)>& body,
      bool read_only) {
    std::optional<T> result;
    std::function<absl::Status(Transaction&)> wrapped =
        [&](Transaction& tx) -> absl::Status {
      absl::StatusOr<T> value = body(tx);
      if (!value.ok()) return value.status();
      result = std::move(value).value();
      return absl::OkStatus();
    };
    absl::Status status =
        read_only ? Read(context, wrapped) : Run(context, wrapped);
    if (!status.ok()) return status;
    return std::move(*result);
  }
};

}  // namespace crm::common
