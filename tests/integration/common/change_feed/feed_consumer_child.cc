// A change-feed consumer run as a child process by change_feed_test, so the
// test can SIGKILL it mid-stream and restart it.
//
//   feed_consumer_child <feed address> <database> <consumer> <stop after>
//                       <delay ms per event>
//
// Applies customer-profile ORDER_RECORDED events to its own database: adds
// the order amount to consumer_totals(customer) and logs the sequence in
// consumer_applied (no unique key, so a double application would show).
// Exits 0 once the cursor reaches <stop after>. Database credentials come
// from the CRM_TEST_MYSQL_* variables (tests/testing/test_database.h).
#include <cppconn/prepared_statement.h>

#include <cstdio>
#include <cstdlib>
#include <memory>
#include <string>

#include <grpcpp/grpcpp.h>

#include "absl/time/clock.h"
#include "crm/customerprofile/v1/change_event.pb.h"
#include "crm/customerprofile/v1/customer_profile_service.grpc.pb.h"
#include "services/common/change_feed_consumer.h"
#include "services/customer_profile/change_feed_client.h"
#include "tests/testing/test_database.h"

namespace v1 = ::crm::customerprofile::v1;

int main(int argc, char** argv) {
  if (argc != 6) {
    std::fprintf(stderr,
                 "usage: %s ADDRESS DATABASE CONSUMER STOP_AFTER DELAY_MS\n",
                 argv[0]);
    return 2;
  }
  const std::string address = argv[1];
  crm::common::MySqlOptions options = crm::testing::TestAdminOptions();
  options.database = argv[2];
  const std::string consumer_name = argv[3];
  const int64_t stop_after = std::atoll(argv[4]);
  const absl::Duration delay = absl::Milliseconds(std::atoi(argv[5]));

  absl::StatusOr<std::unique_ptr<crm::common::MySqlPool>> pool =
      crm::common::MySqlPool::Create(options);
  if (!pool.ok()) return 3;
  auto stub = v1::CustomerProfileService::NewStub(
      grpc::CreateChannel(address, grpc::InsecureChannelCredentials()));

  crm::common::FeedConsumer consumer(
      **pool, crm::customer_profile::MakeCustomerProfileFeedOpener(stub.get()),
      [delay](sql::Connection& c, int64_t sequence,
              absl::string_view payload) -> absl::Status {
        v1::ChangeEvent event;
        if (!event.ParseFromString(std::string(payload))) {
          return absl::DataLossError("unparsable change event");
        }
        if (event.type() != v1::ChangeEvent::ORDER_RECORDED) {
          return absl::OkStatus();
        }
        std::unique_ptr<sql::PreparedStatement> total(c.prepareStatement(
            "INSERT INTO consumer_totals (customer, total, events) "
            "VALUES (?, ?, 1) ON DUPLICATE KEY UPDATE "
            "total = total + VALUES(total), events = events + 1"));
        total->setString(1, event.customer_name());
        total->setInt64(2, event.order().amount().amount_minor());
        total->executeUpdate();
        // The pause sits inside the transaction, so a kill often lands
        // between the effect and the commit.
        absl::SleepFor(delay);
        std::unique_ptr<sql::PreparedStatement> log(c.prepareStatement(
            "INSERT INTO consumer_applied (sequence) VALUES (?)"));
        log->setInt64(1, sequence);
        log->executeUpdate();
        return absl::OkStatus();
      },
      {.consumer = consumer_name,
       .initial_backoff = absl::Milliseconds(50),
       .max_backoff = absl::Seconds(1),
       .transaction = {},
       .metrics = nullptr});
  consumer.Start();
  while (consumer.last_sequence() < stop_after) {
    absl::SleepFor(absl::Milliseconds(10));
  }
  consumer.Stop();
  return 0;
}
