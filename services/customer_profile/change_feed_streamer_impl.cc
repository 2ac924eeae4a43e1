#include "services/customer_profile/change_feed_streamer_impl.h"

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "crm/customerprofile/v1/change_event.pb.h"
#include "services/common/status_macros.h"
#include "services/common/timestamps.h"
#include "services/common/transaction.h"
#include "services/customer_profile/mysql_order_repository.h"

namespace crm::customer_profile {

absl::Status ChangeFeedStreamerImpl::Watch(
    const v1::WatchChangesRequest& request,
    const std::function<bool(const v1::ChangeEvent&)>& write,
    const std::function<bool()>& cancelled) {
  if (request.after_sequence() < 0) {
    return absl::InvalidArgumentError("after_sequence: must not be negative");
  }
  std::vector<int> types;
  for (int type : request.types()) {
    if (type == v1::ChangeEvent::TYPE_UNSPECIFIED) {
      types.clear();  // UNSPECIFIED in a filter means every type.
      break;
    }
    if (!v1::ChangeEvent::Type_IsValid(type)) {
      return absl::InvalidArgumentError("types: unknown change event type");
    }
    types.push_back(type);
  }
  int64_t cursor = request.after_sequence();
  while (!cancelled()) {
    // Read the generation before querying: a commit notified after this point
    // wakes the wait below even if the query missed its event.
    const uint64_t generation = notifier_.generation();
    // The numbered end of the feed, read first: every event up to it is
    // visible to the query that follows (the sequencer commits the numbers
    // and the counter together, in contiguous blocks).
    int64_t committed_end = 0;
    absl::StatusOr<std::vector<crm::common::FeedEventRecord>> batch =
        crm::common::WithConnection<std::vector<crm::common::FeedEventRecord>>(
            pool_,
            [&](sql::Connection& c)
                -> absl::StatusOr<std::vector<crm::common::FeedEventRecord>> {
              CRM_ASSIGN_OR_RETURN(committed_end,
                                   crm::common::ChangeFeedOutbox::LastSequence(
                                       c, kCustomerProfileFeed));
              return crm::common::ChangeFeedOutbox::ReadAfter(
                  c, kCustomerProfileFeed, cursor, options_.batch_size, types);
            });
    if (!batch.ok()) {
      if (batch.status().code() == absl::StatusCode::kUnavailable) {
        return batch.status();
      }
      return absl::UnavailableError(
          absl::StrCat("change feed read failed: ", batch.status().message()));
    }
    for (const crm::common::FeedEventRecord& record : *batch) {
      v1::ChangeEvent event;
      if (!event.ParseFromString(record.payload)) {
        return absl::InternalError(
            absl::StrCat("change feed event ", record.sequence, " is corrupt"));
      }
      event.set_sequence(record.sequence);
      event.set_type(static_cast<v1::ChangeEvent::Type>(record.type));
      *event.mutable_event_time() =
          crm::common::ToProtoTimestamp(record.event_time);
      if (cancelled() || !write(event)) return absl::OkStatus();
      cursor = record.sequence;
    }
    if (static_cast<int>(batch->size()) == options_.batch_size) continue;
    // Caught up: no matching event up to the committed end, so a type
    // filter need not rescan the events it skipped.
    if (committed_end > cursor) cursor = committed_end;
    notifier_.WaitForChange(generation, options_.poll_interval);
  }
  return absl::OkStatus();
}

}  // namespace crm::customer_profile
