// An in-memory OutboundMessageRepository
// (services/loyalty/outbound_message_repository.h) for unit tests: keeps the
// enqueued messages by idempotency key, validated as the MySQL
// implementation does, and is rolled back with the FakeUnitOfWork it enlists
// in, so a failed unit of work leaves no message.
//
//   crm::testing::InMemoryOutboundMessageRepository outbound(&unit_of_work);
//   ... the code under test enqueues in a unit of work ...
//   EXPECT_THAT(outbound.messages(), SizeIs(1));
#pragma once

#include <map>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "services/loyalty/outbound_message_repository.h"
#include "services/loyalty/webhook_rules.h"
#include "tests/testing/fakes/fake_unit_of_work.h"

namespace crm::testing {

class InMemoryOutboundMessageRepository final
    : public crm::loyalty::OutboundMessageRepository {
 public:
  // Enlists in `unit_of_work` (if not null) to be rolled back with it.
  explicit InMemoryOutboundMessageRepository(FakeUnitOfWork* unit_of_work) {
    if (unit_of_work != nullptr) {
      unit_of_work->Enlist([this] {
        std::map<std::string, crm::loyalty::OutboundMessage> saved = by_key_;
        std::vector<std::string> order = order_;
        return [this, saved, order] {
          by_key_ = saved;
          order_ = order;
        };
      });
    }
  }

  absl::Status Enqueue(crm::common::Transaction& /*tx*/,
                       const crm::loyalty::OutboundMessage& message) override {
    if (absl::Status valid = crm::loyalty::ValidateOutboundMessage(message);
        !valid.ok()) {
      return valid;
    }
    if (by_key_.emplace(message.idempotency_key, message).second) {
      order_.push_back(message.idempotency_key);
    }
    return absl::OkStatus();
  }

  // The stored messages, in the order first enqueued.
  std::vector<crm::loyalty::OutboundMessage> messages() const {
    std::vector<crm::loyalty::OutboundMessage> out;
    for (const std::string& key : order_) out.push_back(by_key_.at(key));
    return out;
  }

 private:
  std::map<std::string, crm::loyalty::OutboundMessage> by_key_;
  std::vector<std::string> order_;
};

}  // namespace crm::testing
