// The name of the change feed customer-profile serves: the outbox feed its
// writers append to (change_feed_writer.h), its sequencer numbers and
// WatchChanges streams.
//
//   MySqlChangeFeedWriter feed(std::string(kCustomerProfileFeed), clock,
//                              &written);
#pragma once

#include "absl/strings/string_view.h"

namespace crm::customer_profile {

inline constexpr absl::string_view kCustomerProfileFeed = "customer_profile";

}  // namespace crm::customer_profile
