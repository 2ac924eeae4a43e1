// CustomerRepository on the service's MySQL/MariaDB database (table
// `customers`, migrations/0001_create_customers.sql). Every statement is a
// prepared statement; writes run in transactions with retries (transaction.h)
// and record their request id in the same transaction (idempotency_store.h).
//
//   MySqlCustomerRepository repository(pool, SystemClock::Instance(),
//                                      RandomIdGenerator::Instance());
#pragma once

#include "services/common/clock.h"
#include "services/common/id_generator.h"
#include "services/common/mysql_pool.h"
#include "services/customer_profile/customer_repository.h"

namespace crm::customer_profile {

class MySqlCustomerRepository final : public CustomerRepository {
 public:
  // `pool`, `clock` and `ids` must outlive the repository.
  MySqlCustomerRepository(crm::common::MySqlPool& pool,
                          const crm::common::Clock& clock,
                          const crm::common::IdGenerator& ids)
      : pool_(pool), clock_(clock), ids_(ids) {}

  absl::StatusOr<v1::Customer> Create(
      const v1::Customer& customer,
      const v1::CreateCustomerRequest& request) override;
  absl::StatusOr<v1::Customer> Get(absl::string_view id) override;
  absl::StatusOr<crm::common::Page<v1::Customer>> List(
      const crm::common::PageRequest& page) override;

 private:
  crm::common::MySqlPool& pool_;
  const crm::common::Clock& clock_;
  const crm::common::IdGenerator& ids_;
};

}  // namespace crm::customer_profile
