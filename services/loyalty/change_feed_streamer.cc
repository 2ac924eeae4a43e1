#include "services/loyalty/change_feed_streamer.h"

#include <algorithm>
#include <cstdint>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "services/common/error_details.h"
#include "services/common/status_macros.h"
#include "services/common/timestamps.h"
#include "services/common/transaction.h"
#include "services/loyalty/tier_change_feed.h"

namespace crm::loyalty {
namespace {

// A cancelled caller is gone and gets OK; a passed deadline is reported.
absl::Status EndOfStream(const absl::Status& active) {
  if (absl::IsCancelled(active)) return absl::OkStatus();
  return active;
}

// The type filter of `request`: empty for every type.
absl::StatusOr<std::vector<int>> TypesOf(
    const v1::WatchChangesRequest& request) {
  std::vector<int> types;
  for (int type : request.types()) {
    if (type == v1::ChangeEvent::TYPE_UNSPECIFIED) return std::vector<int>{};
    if (!v1::ChangeEvent::Type_IsValid(type)) {
      return crm::common::InvalidFieldError("types",
                                            "unknown change event type");
    }
    types.push_back(type);
  }
  return types;
}

}  // namespace

absl::Status ChangeFeedStreamer::Watch(
    const crm::common::RequestContext& context,
    const v1::WatchChangesRequest& request,
    const std::function<bool(const v1::ChangeEvent&)>& write) {
  if (request.after_sequence() < 0) {
    return crm::common::InvalidFieldError("after_sequence",
                                          "must not be negative");
  }
  CRM_ASSIGN_OR_RETURN(std::vector<int> types, TypesOf(request));
  crm::common::TransactionOptions read_options;
  read_options.deadline = context.deadline();
  read_options.clock = &clock_;
  int64_t cursor = request.after_sequence();
  while (true) {
    if (absl::Status active = context.CheckActive(clock_.Now()); !active.ok()) {
      return EndOfStream(active);
    }
    // Read before querying: a numbering notified after this point wakes the
    // wait below even if the query missed its events.
    const uint64_t generation = notifier_.generation();
    int64_t committed_end = 0;
    std::vector<crm::common::FeedEventRecord> batch;
    absl::Status read = crm::common::WithConnection(
        pool_,
        [&](sql::Connection& c) -> absl::Status {
          CRM_ASSIGN_OR_RETURN(
              committed_end,
              crm::common::ChangeFeedOutbox::LastSequence(c, kLoyaltyFeed));
          CRM_ASSIGN_OR_RETURN(
              batch, crm::common::ChangeFeedOutbox::ReadAfter(
                         c, kLoyaltyFeed, cursor, options_.batch_size, types));
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
    // Caught up to the committed end: a type filter need not rescan it.
    if (committed_end > cursor) cursor = committed_end;
    notifier_.WaitForChange(
        generation,
        std::min(options_.poll_interval, context.Remaining(clock_.Now())));
  }
}

}  // namespace crm::loyalty
