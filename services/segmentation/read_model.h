// The read model segmentation keeps of customer-profile's customers, built
// from its change feed (profile_feed_applier.h): the non-personal facts of
// each customer, their orders as amounts and times, and the per-customer
// aggregates every score is computed from (customer_aggregate.h).
//
//   CustomerAggregate aggregate = AggregateOrders(customer_id, orders);
//   aggregate.purchase_days;                 // distinct UTC order dates
//   aggregate.spend[0].net_total_minor;      // per currency, net of refunds
//
// Customers are keyed by their customer-profile id (the `{customer}` of
// `customers/{customer}`). No personal data is held: the feed carries none.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "absl/time/time.h"

namespace crm::segmentation {

// What segment rules may use of a customer, as the feed last told it.
struct CustomerFacts {
  std::string customer_id;
  std::string country_code;    // ISO 3166-1 alpha-2, or empty.
  std::string source_channel;  // Or empty.
  std::string locale;          // BCP 47, or empty.
  std::string gender;          // FEMALE, MALE, OTHER, or empty.
  // INDIVIDUAL or BUSINESS; empty (rows from before migration 0008) reads
  // as INDIVIDUAL.
  std::string customer_type;
  std::vector<std::string> tags;              // Sorted, unique.
  std::vector<std::string> granted_consents;  // Purposes granted, sorted.
  absl::Time create_time = absl::InfinitePast();
  // The feed sequence that last changed this row (for diagnostics).
  int64_t last_sequence = 0;
};

// One order as segmentation needs it.
struct OrderFact {
  std::string customer_id;
  std::string
      order_id;  // The `{order}` of customers/{customer}/orders/{order}.
  absl::Time order_time = absl::InfinitePast();
  std::string currency_code;  // ISO 4217.
  int64_t amount_minor = 0;
  int64_t refunded_minor = 0;  // Total refunded so far, <= amount_minor.
};

// Spend of one customer in one currency.
struct CurrencySpend {
  std::string currency_code;
  int64_t order_count = 0;
  int64_t net_total_minor = 0;  // Amounts minus refunds.
  // net_total_minor / order_count, rounded toward zero (0 if no orders).
  int64_t average_minor = 0;

  bool operator==(const CurrencySpend&) const = default;
};

// Order aggregates of one customer.
struct CustomerAggregate {
  std::string customer_id;
  int64_t order_count = 0;
  // Distinct UTC calendar dates with at least one order.
  int64_t purchase_days = 0;
  std::optional<absl::Time> first_order_time;
  std::optional<absl::Time> last_order_time;
  // The latest order on a UTC day before the day of last_order_time; unset
  // with fewer than two purchase days.
  std::optional<absl::Time> previous_purchase_time;
  // Orders placed on a Saturday or Sunday (UTC).
  int64_t weekend_order_count = 0;
  // Sorted by currency code.
  std::vector<CurrencySpend> spend;

  bool operator==(const CustomerAggregate&) const = default;
};

// A count under a name (a channel, a category).
struct NamedCount {
  std::string name;
  int64_t count = 0;

  bool operator==(const NamedCount&) const = default;
};

// What the behaviour clusters count of a customer beyond the aggregate,
// kept incrementally from the feed (each order counted when first seen,
// each interaction event once): orders per channel, units bought per
// product category (lines without a category are not counted), and
// INTERACTION_RECORDED events.
struct BehaviourCounts {
  std::string customer_id;
  std::vector<NamedCount> channel_orders;       // By name, counts > 0.
  std::vector<NamedCount> category_quantities;  // By name, counts > 0.
  int64_t interaction_count = 0;

  bool operator==(const BehaviourCounts&) const = default;
};

// A customer merged into another on customer-profile's feed.
struct MergeRecord {
  std::string duplicate_id;  // The customer merged away.
  std::string survivor_id;   // The customer it now is.
  absl::Time merge_time;

  bool operator==(const MergeRecord&) const = default;
};

}  // namespace crm::segmentation
