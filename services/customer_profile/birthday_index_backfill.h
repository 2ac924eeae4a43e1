// Fills the birthday blind index (CustomerRecord::birthday_bidx, migration
// 0005) of the customers stored before it existed: crm-customer-profile runs
// it once on a background thread at start-up.
//
//   BirthdayIndexBackfill backfill(unit_of_work, rows, codec);
//   CRM_ASSIGN_OR_RETURN(BirthdayBackfillRun run, backfill.Run(context));
//
// Each batch is one transaction: up to `batch_size` rows whose index is not
// computed (NULL), in id order after the previous batch, locked; each row's
// birth date is decrypted and the index of its "MM-DD" stored ("" for no
// birth date or no data key). Only that column is written: the customer's
// version, update time and feed are untouched (the index is derived data).
// Idempotent: a computed row is never selected again, and the stored value
// only depends on the birth date, so a second replica or a run after a
// crash stores the same thing or nothing. Customers written after the
// migration get the index from CustomerPiiCodec::Encode with their write;
// when no row is left, a run costs one index read.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "services/common/request_context.h"
#include "services/common/unit_of_work.h"
#include "services/customer_profile/customer_pii_codec.h"
#include "services/customer_profile/customer_repository.h"

namespace crm::customer_profile {

// The rows without a birthday index (MySqlBirthdayBackfillRepository).
class BirthdayBackfillRepository {
 public:
  BirthdayBackfillRepository(const BirthdayBackfillRepository&) = delete;
  BirthdayBackfillRepository& operator=(const BirthdayBackfillRepository&) =
      delete;
  virtual ~BirthdayBackfillRepository() = default;

  // Up to `limit` records whose birthday index is not computed, with id
  // above `after`, in id order, locked until `tx` ends. Only id, state,
  // wrapped_key, pii and profile are read.
  virtual absl::StatusOr<std::vector<CustomerRecord>> LockUncomputed(
      crm::common::Transaction& tx, absl::string_view after, int limit) = 0;

  // Stores `birthday_bidx` for `id` if its index is still not computed;
  // writes no other column.
  virtual absl::Status SetBirthdayIndex(crm::common::Transaction& tx,
                                        absl::string_view id,
                                        absl::string_view birthday_bidx) = 0;

 protected:
  BirthdayBackfillRepository() = default;
};

struct BirthdayBackfillRun {
  int64_t filled = 0;      // Rows given their index ("" included).
  int64_t unreadable = 0;  // Rows whose data did not decrypt: left NULL.
};

class BirthdayIndexBackfill {
 public:
  // Every reference must outlive the backfill.
  BirthdayIndexBackfill(crm::common::UnitOfWork& unit_of_work,
                        BirthdayBackfillRepository& rows,
                        const CustomerPiiCodec& codec, int batch_size = 200)
      : unit_of_work_(unit_of_work),
        rows_(rows),
        codec_(codec),
        batch_size_(batch_size) {}

  // Fills every row not computed when it reaches it, a batch per
  // transaction, until none is left or `context` is cancelled (CANCELLED)
  // or a transaction fails (its error; the rows of earlier batches stay
  // filled).
  absl::StatusOr<BirthdayBackfillRun> Run(
      const crm::common::RequestContext& context);

 private:
  crm::common::UnitOfWork& unit_of_work_;
  BirthdayBackfillRepository& rows_;
  const CustomerPiiCodec& codec_;
  const int batch_size_;
};

}  // namespace crm::customer_profile
