#include "services/loyalty/mysql_feed_event_repository.h"

#include <string>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "crm/loyalty/v1/change_event.pb.h"
#include "services/common/change_feed_outbox.h"
#include "services/common/mysql_unit_of_work.h"
#include "services/loyalty/referral_change_feed.h"
#include "services/loyalty/tier_change_feed.h"

namespace crm::loyalty {

absl::Status MySqlFeedEventRepository::ReKeyCustomerEvents(
    crm::common::Transaction& tx, absl::string_view customer_id,
    absl::string_view tombstone_id) {
  const std::string tombstone_name = absl::StrCat("customers/", tombstone_id);
  return crm::common::ChangeFeedOutbox::ReKey(
      crm::common::MySqlConnectionOf(tx), kLoyaltyFeed, customer_id,
      tombstone_id,
      [&](const std::string& payload) -> absl::StatusOr<std::string> {
        v1::ChangeEvent event;
        if (!event.ParseFromString(payload)) {
          return absl::DataLossError("unreadable loyalty feed event");
        }
        event.set_customer(tombstone_name);
        return event.SerializeAsString();
      });
}

absl::Status MySqlFeedEventRepository::ReKeyReferralEvents(
    crm::common::Transaction& tx, absl::string_view referral_id,
    const std::map<std::string, std::string>& tombstones) {
  const std::string key = ReferralFeedKey(referral_id);
  // `customers/{id}` -> `customers/{tombstone}` for the ids in `tombstones`.
  auto rewrite_name = [&](std::string* name) {
    constexpr absl::string_view kPrefix = "customers/";
    if (!absl::StartsWith(*name, kPrefix)) return;
    auto tombstone = tombstones.find(name->substr(kPrefix.size()));
    if (tombstone != tombstones.end()) {
      *name = absl::StrCat(kPrefix, tombstone->second);
    }
  };
  return crm::common::ChangeFeedOutbox::ReKey(
      crm::common::MySqlConnectionOf(tx), kLoyaltyFeed, key, key,
      [&](const std::string& payload) -> absl::StatusOr<std::string> {
        v1::ChangeEvent event;
        if (!event.ParseFromString(payload)) {
          return absl::DataLossError("unreadable loyalty feed event");
        }
        rewrite_name(event.mutable_customer());
        if (event.has_referral_change()) {
          rewrite_name(event.mutable_referral_change()->mutable_referrer());
          rewrite_name(event.mutable_referral_change()->mutable_referred());
        }
        return event.SerializeAsString();
      });
}

}  // namespace crm::loyalty
