// Storage of orders, refunds, interaction events and purchase summaries,
// behind an interface so OrderManagerImpl's validation does not depend on
// MySQL. The only implementation is MySqlOrderRepository
// (mysql_order_repository.h).
//
// Every write runs in one transaction that also resolves the customer
// (following merges, rejecting erased customers), keeps the purchase summary
// current and appends the change-feed event; the caller calls
// FeedNotifier::Notify() after a write that reports `feed_appended`.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "crm/customerprofile/v1/customer_profile_service.pb.h"
#include "services/common/keyset_page.h"

namespace crm::customer_profile {

namespace v1 = ::crm::customerprofile::v1;

// The result of a write: the order as stored, and whether this call changed
// anything (and so appended a feed event). A repeat reports false.
struct OrderWriteResult {
  v1::Order order;
  bool feed_appended = false;
};

// A refund as validated by the caller.
struct RefundSpec {
  std::string customer_id;  // From the order's resource name.
  std::string order_id;
  // Amount in the order's currency; nullopt = all that is left.
  std::optional<crm::type::v1::Money> amount;
  std::string refund_id;  // 1..64 characters, unique per order.
  std::string reason;     // At most 500 characters.
};

struct RecordEventsResult {
  int recorded = 0;
  int duplicates = 0;
};

class OrderRepository {
 public:
  OrderRepository(const OrderRepository&) = delete;
  OrderRepository& operator=(const OrderRepository&) = delete;
  virtual ~OrderRepository() = default;

  // Stores `order` (validated and normalised; `customer` names the buyer,
  // output-only fields ignored) for the buyer's active customer (a MERGED
  // buyer is followed to the survivor; ERASED is FAILED_PRECONDITION;
  // unknown NOT_FOUND). If (channel, channel_order_id) is already stored,
  // returns the stored order unchanged with feed_appended false, also when
  // the same order is recorded concurrently.
  virtual absl::StatusOr<OrderWriteResult> Record(const v1::Order& order) = 0;

  // Refunds `spec.amount` (or the rest) of the order. A repeat of
  // (order, refund_id) returns the order unchanged with feed_appended false.
  // NOT_FOUND for an unknown order; INVALID_ARGUMENT "amount..." if the
  // currency differs; FAILED_PRECONDITION if the amount exceeds what is left
  // unrefunded (or nothing is left).
  virtual absl::StatusOr<OrderWriteResult> Refund(const RefundSpec& spec) = 0;

  // The orders of `customer_id` (merges followed) newest first by
  // order_time then id, strictly after `page.after`.
  virtual absl::StatusOr<crm::common::Page<v1::Order>> List(
      absl::string_view customer_id, const crm::common::PageRequest& page) = 0;

  // Stores the events (validated) in one transaction, skipping event ids
  // already stored. Every event's customer must resolve to an active one.
  virtual absl::StatusOr<RecordEventsResult> RecordEvents(
      const std::vector<v1::InteractionEvent>& events) = 0;

 protected:
  OrderRepository() = default;
};

}  // namespace crm::customer_profile
