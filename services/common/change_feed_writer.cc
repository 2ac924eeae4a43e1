#include "services/common/change_feed_writer.h"

#include "services/common/mysql_unit_of_work.h"

namespace crm::common {

absl::Status MySqlChangeFeedWriter::Append(Transaction& tx,
                                           const FeedEventRecord& event) {
  return ChangeFeedOutbox::Append(MySqlConnectionOf(tx), feed_, event,
                                  clock_.Now());
}

absl::Status MySqlChangeFeedWriter::AppendAll(
    Transaction& tx, const std::vector<FeedEventRecord>& events) {
  return ChangeFeedOutbox::AppendMany(MySqlConnectionOf(tx), feed_, events,
                                      clock_.Now());
}

void MySqlChangeFeedWriter::NotifyCommitted() {
  if (notifier_ != nullptr) notifier_->Notify();
}

}  // namespace crm::common
