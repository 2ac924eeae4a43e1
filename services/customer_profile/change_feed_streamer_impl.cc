#include "services/customer_profile/change_feed_streamer_impl.h"

#include <algorithm>
#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "crm/customerprofile/v1/change_event.pb.h"
#include "services/common/error_details.h"
#include "services/common/status_macros.h"
#include "services/common/timestamps.h"
#include "services/common/transaction.h"
#include "services/customer_profile/customer_profile_feed.h"

namespace crm::customer_profile {
namespace {

// The stream's end for `active` (the result of RequestContext::CheckActive):
// a cancelled caller is gone and gets OK; a passed deadline is reported.
absl::Status EndOfStream(const absl::Status& active) {
  if (absl::IsCancelled(active)) return absl::OkStatus();
  return active;
}

}  // namespace

absl::Status ChangeFeedStreamerImpl::Watch(
    const crm::common::RequestContext& context,
    const v1::WatchChangesRequest& request,
    const std::function<bool(const v1::ChangeEvent&)>& write) {
  if (request.after_sequence() < 0) {
    return crm::common::InvalidFieldError("after_sequence",
                                          "must not be negative");
  }
  std::vector<int> types;
  for (int type : request.types()) {
    if (type == v1::ChangeEvent::TYPE_UNSPECIFIED) {
      types.clear();  // UNSPECIFIED in a filter means every type.
      break;
    }
    if (!v1::ChangeEvent::Type_IsValid(type)) {
      return crm::common::InvalidFieldError("types",
                                            "unknown change event type");
    }
    types.push_back(type);
  }
  crm::common::TransactionOptions read_options;
  read_options.deadline = context.deadline();
  read_options.clock = &clock_;
  int64_t cursor = request.after_sequence();
  while (true) {
    if (absl::Status active = context.CheckActive(clock_.Now()); !active.ok()) {
      return EndOfStream(active);
    }
    // Read the generation before querying: a commit notified after this point
    // wakes the wait below even if the query missed its event.
    const uint64_t generation = notifier_.generation();
    // The numbered end of the feed, read first: every event up to it is
    // visible to the query that follows (the sequencer commits the numbers
    // and the counter together, in contiguous blocks).
    int64_t committed_end = 0;
    std::vector<crm::common::FeedEventRecord> batch;
    absl::Status read = crm::common::WithConnection(
        pool_,
        [&](sql::Connection& c) -> absl::Status {
          CRM_ASSIGN_OR_RETURN(committed_end,
                               crm::common::ChangeFeedOutbox::LastSequence(
                                   c, kCustomerProfileFeed));
          CRM_ASSIGN_OR_RETURN(batch, crm::common::ChangeFeedOutbox::ReadAfter(
                                          c, kCustomerProfileFeed, cursor,
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
      return crm::common::ErrorWithReason(
          absl::UnavailableError("change feed read failed"),
          crm::type::v1::DATABASE_UNAVAILABLE);
    }
    for (const crm::common::FeedEventRecord& record : batch) {
      v1::ChangeEvent event;
      if (!event.ParseFromString(record.payload)) {
        return absl::InternalError(
            absl::StrCat("change feed event ", record.sequence, " is corrupt"));
      }
      event.set_sequence(record.sequence);
      event.set_type(static_cast<v1::ChangeEvent::Type>(record.type));
      *event.mutable_event_time() =
          crm::common::ToProtoTimestamp(record.event_time);
      if (absl::Status active = context.CheckActive(clock_.Now());
          !active.ok()) {
        return EndOfStream(active);
      }
      if (!write(event)) return absl::OkStatus();
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

}  // namespace crm::customer_profile
