// AccountRepository on the service's MySQL/MariaDB database (tables
// `accounts` and `ledger_entries`,
// migrations/0001_create_accounts_and_ledger.sql). Every statement is a
// prepared statement; writes run in transactions with retries (transaction.h)
// and record their request id in the same transaction (idempotency_store.h).
//
//   MySqlAccountRepository repository(pool, SystemClock::Instance(),
//                                     RandomIdGenerator::Instance());
#pragma once

#include "services/common/clock.h"
#include "services/common/id_generator.h"
#include "services/common/mysql_pool.h"
#include "services/loyalty/account_repository.h"

namespace crm::loyalty {

class MySqlAccountRepository final : public AccountRepository {
 public:
  // `pool`, `clock` and `ids` must outlive the repository.
  MySqlAccountRepository(crm::common::MySqlPool& pool,
                         const crm::common::Clock& clock,
                         const crm::common::IdGenerator& ids)
      : pool_(pool), clock_(clock), ids_(ids) {}

  absl::StatusOr<v1::Account> Get(absl::string_view customer_id) override;
  absl::StatusOr<v1::AdjustPointsResponse> Adjust(
      const Adjustment& adjustment,
      const v1::AdjustPointsRequest& request) override;

 private:
  crm::common::MySqlPool& pool_;
  const crm::common::Clock& clock_;
  const crm::common::IdGenerator& ids_;
};

}  // namespace crm::loyalty
