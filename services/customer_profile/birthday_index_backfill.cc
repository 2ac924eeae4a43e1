#include "services/customer_profile/birthday_index_backfill.h"

#include <string>
#include <utility>
#include <vector>

#include "services/common/status_macros.h"

namespace crm::customer_profile {

using ::crm::common::Transaction;

absl::StatusOr<BirthdayBackfillRun> BirthdayIndexBackfill::Run(
    const crm::common::RequestContext& context) {
  BirthdayBackfillRun run;
  std::string after;
  while (true) {
    if (context.IsCancelled()) {
      return absl::CancelledError("birthday index backfill stopped");
    }
    int64_t batch = 0;
    int64_t filled = 0;
    int64_t unreadable = 0;
    std::string last;
    CRM_RETURN_IF_ERROR(
        unit_of_work_.Run(context, [&](Transaction& tx) -> absl::Status {
          batch = filled = unreadable = 0;
          CRM_ASSIGN_OR_RETURN(std::vector<CustomerRecord> records,
                               rows_.LockUncomputed(tx, after, batch_size_));
          batch = static_cast<int64_t>(records.size());
          for (const CustomerRecord& record : records) {
            last = record.id;
            std::string index;
            if (record.wrapped_key.has_value()) {
              absl::StatusOr<v1::Customer> customer =
                  codec_.Decode(record, nullptr);
              if (!customer.ok()) {
                ++unreadable;
                continue;
              }
              if (std::optional<std::string> month_day =
                      BirthdayMonthDay(customer->birth_date())) {
                CRM_ASSIGN_OR_RETURN(index, codec_.BirthdayIndex(*month_day));
              }
            }
            CRM_RETURN_IF_ERROR(rows_.SetBirthdayIndex(tx, record.id, index));
            ++filled;
          }
          return absl::OkStatus();
        }));
    run.filled += filled;
    run.unreadable += unreadable;
    if (batch < batch_size_) return run;
    after = last;
  }
}

}  // namespace crm::customer_profile
