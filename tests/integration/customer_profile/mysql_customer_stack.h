// CustomerManager wired to MariaDB as crm-customer-profile's main.cc wires
// it (MySqlUnitOfWork, the MySQL repositories, idempotency keys and feed
// writer), for integration tests.
//
//   CRM_ASSERT_OK_AND_ASSIGN(std::unique_ptr<MySqlCustomerStack> stack,
//                            MySqlCustomerStack::Create(*pool_, notifier_));
//   stack->manager->Get(RequestContext(), request);
#pragma once

#include <memory>
#include <string>
#include <utility>

#include "absl/status/statusor.h"
#include "services/common/change_feed_writer.h"
#include "services/common/clock.h"
#include "services/common/group_commit_unit_of_work.h"
#include "services/common/id_generator.h"
#include "services/common/idempotency.h"
#include "services/common/mysql_unit_of_work.h"
#include "services/common/status_macros.h"
#include "services/customer_profile/core/pii_cipher.h"
#include "services/customer_profile/customer_manager.h"
#include "services/customer_profile/customer_merge_chain.h"
#include "services/customer_profile/customer_pii_codec.h"
#include "services/customer_profile/customer_profile_feed.h"
#include "services/customer_profile/mysql_customer_repository.h"
#include "services/customer_profile/mysql_order_repository.h"

namespace crm::customer_profile {

// 32 bytes, base64: a test-only master key.
inline constexpr char kTestMasterKeys[] =
    "k1:AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=";

struct MySqlCustomerStack {
  // `pool`, `notifier` (woken after every commit that appended feed
  // events) and `clock` (the manager's) must outlive the stack.
  static absl::StatusOr<std::unique_ptr<MySqlCustomerStack>> Create(
      crm::common::MySqlPool& pool, crm::common::FeedNotifier& notifier,
      CustomerManagerOptions options = {},
      const crm::common::Clock& clock = crm::common::SystemClock::Instance()) {
    auto stack = std::unique_ptr<MySqlCustomerStack>(
        new MySqlCustomerStack(pool, notifier));
    CRM_ASSIGN_OR_RETURN(KeyRing ring, KeyRing::Parse(kTestMasterKeys));
    CRM_ASSIGN_OR_RETURN(CustomerPiiCodec codec,
                         CustomerPiiCodec::Create(std::move(ring)));
    CRM_ASSIGN_OR_RETURN(stack->manager,
                         CustomerManager::Create(
                             {.unit_of_work = stack->unit_of_work,
                              .customers = stack->customers,
                              .orders = stack->orders,
                              .idempotency = stack->keys,
                              .feed = stack->feed,
                              .clock = clock,
                              .ids = crm::common::RandomIdGenerator::Instance(),
                              .reads = &stack->reads},
                             std::move(codec), std::move(options)));
    return stack;
  }

  crm::common::MySqlUnitOfWork unit_of_work;
  // GetCustomer's reads, coalesced as main.cc wires them; one batch at a
  // time, so a test holding that batch makes later Gets queue up.
  crm::common::GroupCommitUnitOfWork reads{unit_of_work,
                                           {.max_batch_size = 32,
                                            .max_wait = absl::Seconds(1),
                                            .max_concurrent_batches = 1}};
  MySqlCustomerRepository customers;
  MySqlOrderRepository orders;
  crm::common::MySqlIdempotencyRepository keys;
  crm::common::MySqlChangeFeedWriter feed;
  // The order side's view of customers (for OrderManagerImpl).
  CustomerMergeChainResolver active_customers{customers};
  std::unique_ptr<CustomerManager> manager;

 private:
  MySqlCustomerStack(crm::common::MySqlPool& pool,
                     crm::common::FeedNotifier& notifier)
      : unit_of_work(pool),
        feed(std::string(kCustomerProfileFeed),
             crm::common::SystemClock::Instance(), &notifier) {}
};

}  // namespace crm::customer_profile
