// BirthdayBackfillRepository (birthday_index_backfill.h) on customer-profile's
// `customers` table (migration 0005): all SQL, nothing else, on the
// connection of the caller's transaction.
#pragma once

#include <string>
#include <vector>

#include "services/customer_profile/birthday_index_backfill.h"

namespace crm::customer_profile {

class MySqlBirthdayBackfillRepository final
    : public BirthdayBackfillRepository {
 public:
  MySqlBirthdayBackfillRepository() = default;

  absl::StatusOr<std::vector<CustomerRecord>> LockUncomputed(
      crm::common::Transaction& tx, absl::string_view after,
      int limit) override;
  absl::Status SetBirthdayIndex(crm::common::Transaction& tx,
                                absl::string_view id,
                                absl::string_view birthday_bidx) override;
};

}  // namespace crm::customer_profile
