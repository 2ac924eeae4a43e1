#include "services/common/outbox_feed_streamer.h"

#include <algorithm>

#include "services/common/status_macros.h"
#include "services/common/transaction.h"

namespace crm::common {
namespace {

// The stream's end for `active` (the result of RequestContext::CheckActive):
// a cancelled caller is gone and gets OK; a passed deadline is reported.
absl::Status EndOfStream(const absl::Status& active) {
  if (absl::IsCancelled(active)) return absl::OkStatus();
  return active;
}

}  // namespace

absl::Status OutboxFeedStreamer::Stream(
    const RequestContext& context, int64_t after_sequence,
    const std::vector<int>& types,
    const std::function<absl::StatusOr<bool>(const FeedEventRecord&)>& write)
    const {
  TransactionOptions read_options;
  read_options.deadline = context.deadline();
  read_options.clock = &clock_;
  int64_t cursor = after_sequence;
  while (true) {
    if (absl::Status active = context.CheckActive(clock_.Now()); !active.ok()) {
      return EndOfStream(active);
    }
    // Read the generation before querying: a numbering notified after this
    // point wakes the wait below even if the query missed its events.
    const uint64_t generation = notifier_.generation();
    // The numbered end of the feed, read first: every event up to it is
    // visible to the query that follows (the sequencer commits the numbers
    // and the counter together, in contiguous blocks).
    int64_t committed_end = 0;
    std::vector<FeedEventRecord> batch;
    absl::Status read = WithConnection(
        pool_,
        [&](sql::Connection& c) -> absl::Status {
          CRM_ASSIGN_OR_RETURN(committed_end,
                               ChangeFeedOutbox::LastSequence(c, feed_));
          CRM_ASSIGN_OR_RETURN(
              batch, ChangeFeedOutbox::ReadAfter(c, feed_, cursor,
                                                 options_.batch_size, types));
          return absl::OkStatus();
        },
        read_options);
    if (!read.ok()) {
      if (absl::Status active = context.CheckActive(clock_.Now());
          !active.ok()) {
        return EndOfStream(active);
      }
      if (absl::IsUnavailable(read) || absl::IsDeadlineExceeded(read)) {
        return read;
      }
      return ErrorWithReason(absl::UnavailableError("change feed read failed"),
                             crm::type::v1::DATABASE_UNAVAILABLE);
    }
    for (const FeedEventRecord& record : batch) {
      if (absl::Status active = context.CheckActive(clock_.Now());
          !active.ok()) {
        return EndOfStream(active);
      }
      CRM_ASSIGN_OR_RETURN(bool client_present, write(record));
      if (!client_present) return absl::OkStatus();
      cursor = record.sequence;
    }
    if (static_cast<int>(batch.size()) == options_.batch_size) continue;
    // Caught up: no matching event up to the committed end, so a type
    // filter need not rescan the events it skipped.
    if (committed_end > cursor) cursor = committed_end;
    notifier_.WaitForChange(
        generation,
        std::min(options_.poll_interval, context.Remaining(clock_.Now())));
  }
}

}  // namespace crm::common
