// Acknowledged orders survive a database crash. A private MariaDB (its own
// directory and a free port, started with scripts/mariadb.sh) serves an
// in-process customer-profile gRPC server wired as main.cc wires it (order
// writes through group commit). Several client threads record orders over
// gRPC; mid-load the server process is killed with SIGKILL and restarted.
// Afterwards every order the service acknowledged is stored exactly as
// acknowledged, each customer's purchase summary equals the orders stored
// for them, and each stored order has exactly one ORDER_RECORDED event.
#include <arpa/inet.h>
#include <cppconn/prepared_statement.h>
#include <cppconn/resultset.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <cstdlib>
#include <map>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include <gmock/gmock.h>
#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>

#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "crm/customerprofile/v1/change_event.pb.h"
#include "crm/customerprofile/v1/customer_profile_service.grpc.pb.h"
#include "services/common/change_feed_outbox.h"
#include "services/common/change_feed_sequencer.h"
#include "services/common/group_commit_unit_of_work.h"
#include "services/common/id_generator.h"
#include "services/common/timestamps.h"
#include "services/common/transaction.h"
#include "services/customer_profile/change_feed_streamer.h"
#include "services/customer_profile/customer_importer.h"
#include "services/customer_profile/customer_profile_feed.h"
#include "services/customer_profile/customer_profile_service.h"
#include "services/customer_profile/migrations.h"
#include "services/customer_profile/order_manager_impl.h"
#include "tests/integration/customer_profile/mysql_customer_stack.h"
#include "tests/testing/status_matchers.h"
#include "tests/testing/test_database.h"
#include "tests/testing/wait.h"

namespace crm::customer_profile {
namespace {

using ::crm::common::RequestContext;
using ::crm::testing::IsOk;
using ::crm::testing::WaitUntil;

constexpr char kAdminPassword[] = "crm-durability-admin";

// A TCP port on 127.0.0.1 that nothing listens on right now.
int FreePort() {
  const int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  address.sin_port = 0;
  socklen_t length = sizeof(address);
  int port = 0;
  if (bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof(address)) == 0 &&
      getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length) == 0) {
    port = ntohs(address.sin_port);
  }
  close(fd);
  return port;
}

// scripts/mariadb.sh <command> on the test's own server directory; its exit
// status.
int MariaDbScript(const std::string& arguments) {
  const std::string command = absl::StrCat(
      "CRM_MYSQL_ADMIN_PASSWORD=", kAdminPassword, " ", CRM_SOURCE_DIR,
      "/scripts/mariadb.sh ", arguments, " >/dev/null 2>&1");
  return std::system(command.c_str());
}

class NoImports final : public CustomerImporter {
 public:
  absl::StatusOr<v1::ImportCustomersResponse> Import(
      const RequestContext&,
      const std::function<std::optional<v1::ImportCustomersRequest>()>&)
      override {
    return absl::UnimplementedError("imports are not part of this test");
  }
};

class NoFeed final : public ChangeFeedStreamer {
 public:
  absl::Status Watch(
      const RequestContext&, const v1::WatchChangesRequest&,
      const std::function<bool(const v1::ChangeEvent&)>&) override {
    return absl::UnimplementedError("the feed is read from the outbox here");
  }
};

struct Acknowledged {
  std::string name;
  std::string channel_order_id;
  std::string customer;
  int64_t amount_minor = 0;
  absl::Time sent;
  absl::Time answered;
};

class OrderDurabilityTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char dir_template[] = "/tmp/crm-kill-XXXXXX";
    ASSERT_NE(mkdtemp(dir_template), nullptr);
    dir_ = dir_template;
    port_ = FreePort();
    ASSERT_GT(port_, 0);
    ASSERT_EQ(MariaDbScript(absl::StrCat("start ", dir_, " ", port_)), 0)
        << "could not start MariaDB in " << dir_;
    // TestDatabase and its pools read the server from these variables.
    setenv("CRM_TEST_MYSQL_HOST", "127.0.0.1", 1);
    setenv("CRM_TEST_MYSQL_PORT", std::to_string(port_).c_str(), 1);
    setenv("CRM_TEST_MYSQL_ADMIN_USER", "crm_admin", 1);
    setenv("CRM_TEST_MYSQL_ADMIN_PASSWORD", kAdminPassword, 1);
    CRM_ASSERT_OK_AND_ASSIGN(database_,
                             crm::testing::TestDatabase::Create("durability"));
    CRM_ASSERT_OK_AND_ASSIGN(pool_,
                             database_->NewMigratedPool(Migrations(), 16));
  }

  void TearDown() override {
    server_.reset();
    stack_.reset();
    batched_.reset();
    pool_.reset();
    database_.reset();
    MariaDbScript(absl::StrCat("stop ", dir_));
    std::system(absl::StrCat("rm -rf '", dir_, "'").c_str());
  }

  // The service as main.cc wires it, order writes through group commit.
  void StartServer() {
    CRM_ASSERT_OK_AND_ASSIGN(stack_,
                             MySqlCustomerStack::Create(*pool_, notifier_));
    batched_ = std::make_unique<crm::common::GroupCommitUnitOfWork>(
        stack_->unit_of_work, crm::common::GroupCommitOptions());
    service_ = std::make_unique<CustomerProfileServiceImpl>(
        std::move(stack_->manager),
        std::make_unique<OrderManagerImpl>(
            *batched_, stack_->orders, stack_->active_customers, stack_->feed,
            crm::common::SystemClock::Instance(),
            crm::common::RandomIdGenerator::Instance()),
        std::make_unique<NoImports>(), std::make_unique<NoFeed>());
    grpc::ServerBuilder builder;
    builder.RegisterService(service_.get());
    server_ = builder.BuildAndStart();
    ASSERT_NE(server_, nullptr);
    stub_ = v1::CustomerProfileService::NewStub(
        server_->InProcessChannel(grpc::ChannelArguments()));
  }

  std::string CreateCustomer(int i) {
    v1::CreateCustomerRequest request;
    request.mutable_customer()->set_given_name("Durable");
    request.mutable_customer()->set_family_name(absl::StrCat("Customer", i));
    request.mutable_customer()->set_email(
        absl::StrCat("durable", i, "@example.com"));
    grpc::ClientContext context;
    context.set_deadline(absl::ToChronoTime(absl::Now() + absl::Seconds(10)));
    v1::Customer customer;
    grpc::Status status = stub_->CreateCustomer(&context, request, &customer);
    EXPECT_TRUE(status.ok()) << status.error_message();
    return customer.name();
  }

  // One row per query result, its columns joined by '|'.
  std::vector<std::vector<std::string>> Query(const std::string& sql) {
    std::vector<std::vector<std::string>> result;
    absl::Status status = crm::common::WithConnection(
        *pool_, [&](sql::Connection& c) -> absl::Status {
          std::unique_ptr<sql::PreparedStatement> st(c.prepareStatement(sql));
          std::unique_ptr<sql::ResultSet> rows(st->executeQuery());
          const unsigned columns = rows->getMetaData()->getColumnCount();
          while (rows->next()) {
            std::vector<std::string> row;
            for (unsigned i = 1; i <= columns; ++i) {
              row.push_back(rows->getString(i));
            }
            result.push_back(std::move(row));
          }
          return absl::OkStatus();
        });
    EXPECT_THAT(status, IsOk());
    return result;
  }

  std::string dir_;
  int port_ = 0;
  std::unique_ptr<crm::testing::TestDatabase> database_;
  std::unique_ptr<crm::common::MySqlPool> pool_;
  crm::common::FeedNotifier notifier_;
  std::unique_ptr<MySqlCustomerStack> stack_;
  std::unique_ptr<crm::common::GroupCommitUnitOfWork> batched_;
  std::unique_ptr<CustomerProfileServiceImpl> service_;
  std::unique_ptr<grpc::Server> server_;
  std::unique_ptr<v1::CustomerProfileService::Stub> stub_;
};

TEST_F(OrderDurabilityTest, AcknowledgedOrdersSurviveSigkillOfTheDatabase) {
  StartServer();
  constexpr int kCustomers = 5;
  std::vector<std::string> customers;
  for (int i = 0; i < kCustomers; ++i) customers.push_back(CreateCustomer(i));
  ASSERT_FALSE(HasFailure());

  constexpr int kThreads = 6;
  std::atomic<bool> stop{false};
  std::atomic<int> acknowledged_count{0};
  std::atomic<int> failed_count{0};
  absl::Mutex mu;
  std::vector<Acknowledged> acknowledged;
  std::vector<std::thread> writers;
  // Stops and joins the writers on every way out of the test.
  struct StopWriters {
    std::atomic<bool>& stop;
    std::vector<std::thread>& writers;
    ~StopWriters() {
      stop = true;
      for (std::thread& writer : writers) {
        if (writer.joinable()) writer.join();
      }
    }
  } stop_writers{stop, writers};
  for (int t = 0; t < kThreads; ++t) {
    writers.emplace_back([&, t] {
      for (int n = 0; !stop.load(); ++n) {
        v1::RecordOrderRequest request;
        v1::Order* order = request.mutable_order();
        order->set_customer(customers[(t + n) % kCustomers]);
        order->set_channel("web");
        order->set_channel_order_id(absl::StrCat("kill-", t, "-", n));
        order->mutable_amount()->set_currency_code("CNY");
        order->mutable_amount()->set_amount_minor(100 + t * 1000 + n);
        *order->mutable_order_time() =
            crm::common::ToProtoTimestamp(absl::FromUnixSeconds(1767225600));
        grpc::ClientContext context;
        const absl::Time sent = absl::Now();
        context.set_deadline(absl::ToChronoTime(sent + absl::Seconds(5)));
        v1::Order reply;
        if (stub_->RecordOrder(&context, request, &reply).ok()) {
          const absl::Time answered = absl::Now();
          absl::MutexLock lock(&mu);
          acknowledged.push_back(
              {reply.name(), order->channel_order_id(), order->customer(),
               reply.amount().amount_minor(), sent, answered});
          ++acknowledged_count;
        } else {
          ++failed_count;
          // The database is down: pace the retries of this load loop.
          absl::SleepFor(absl::Milliseconds(20));
        }
      }
    });
  }

  // Kill the database mid-load, then bring it back.
  EXPECT_TRUE(WaitUntil([&] { return acknowledged_count.load() >= 150; }))
      << "the load did not start";
  const absl::Time killed = absl::Now();
  ASSERT_EQ(MariaDbScript(absl::StrCat("kill ", dir_)), 0);
  EXPECT_TRUE(WaitUntil([&] { return failed_count.load() >= kThreads; }))
      << "the writers did not notice the crash";
  const int before_restart = acknowledged_count.load();
  const absl::Time restarting = absl::Now();
  ASSERT_EQ(MariaDbScript(absl::StrCat("start ", dir_, " ", port_)), 0)
      << "MariaDB did not restart (crash recovery) in " << dir_;
  const absl::Time restarted = absl::Now();
  // Writes succeed again on fresh connections.
  EXPECT_TRUE(WaitUntil([&] {
    return acknowledged_count.load() >= before_restart + 100;
  })) << "no orders were acknowledged after the restart";
  stop = true;
  for (std::thread& writer : writers) writer.join();

  // Every acknowledged order is stored as acknowledged.
  std::map<std::string, std::vector<std::string>> stored;
  for (std::vector<std::string>& row :
       Query("SELECT CONCAT('customers/', customer_id, '/orders/', id), "
             "CONCAT('customers/', customer_id), amount_minor FROM orders")) {
    stored[row[0]] = std::move(row);
  }
  int missing = 0;
  for (const Acknowledged& order : acknowledged) {
    auto it = stored.find(order.name);
    if (it == stored.end()) {
      ++missing;
      // Whether the channel order is stored under another name tells a lost
      // commit from a reply that named the wrong order.
      std::vector<std::vector<std::string>> same_channel_order = Query(
          absl::StrCat("SELECT CONCAT('customers/', customer_id, '/orders/', "
                       "id) FROM orders WHERE channel = 'web' AND "
                       "channel_order_id = '",
                       order.channel_order_id, "'"));
      ADD_FAILURE() << "acknowledged " << order.name << " ("
                    << order.channel_order_id << ") is missing; its channel "
                    << "order is stored as "
                    << (same_channel_order.empty() ? std::string("nothing")
                                                   : same_channel_order[0][0])
                    << "; sent at kill" << (order.sent - killed)
                    << ", answered at kill" << (order.answered - killed)
                    << " (restart began at kill" << (restarting - killed)
                    << ", answered at kill" << (restarted - killed) << ")";
      continue;
    }
    EXPECT_EQ(it->second[1], order.customer);
    EXPECT_EQ(it->second[2], std::to_string(order.amount_minor));
  }
  EXPECT_EQ(missing, 0) << "of " << acknowledged.size()
                        << " acknowledged orders";
  // Orders whose reply was lost in the crash may be stored as well, but
  // never twice.
  EXPECT_GE(stored.size(), acknowledged.size());
  EXPECT_EQ(Query("SELECT 1 FROM orders GROUP BY channel, channel_order_id "
                  "HAVING COUNT(*) > 1")
                .size(),
            0u);

  // Each purchase summary equals the orders stored.
  std::vector<std::vector<std::string>> mismatched = Query(
      "SELECT s.customer_id FROM customer_purchase_summaries s LEFT JOIN "
      "(SELECT customer_id, currency_code, COUNT(*) AS n, "
      "SUM(amount_minor) AS total FROM orders "
      "GROUP BY customer_id, currency_code) o "
      "ON o.customer_id = s.customer_id AND o.currency_code = s.currency_code "
      "WHERE o.n IS NULL OR o.n <> s.order_count OR "
      "o.total <> s.total_spent_minor");
  EXPECT_EQ(mismatched.size(), 0u) << "summaries differ from the orders";
  EXPECT_EQ(Query("SELECT DISTINCT customer_id FROM orders WHERE customer_id "
                  "NOT IN (SELECT customer_id FROM "
                  "customer_purchase_summaries)")
                .size(),
            0u);

  // Exactly one ORDER_RECORDED event per stored order.
  std::vector<std::vector<std::string>> events = Query(absl::StrCat(
      "SELECT COUNT(*) FROM change_feed_events WHERE feed = '",
      kCustomerProfileFeed, "' AND type = ", v1::ChangeEvent::ORDER_RECORDED));
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0][0], std::to_string(stored.size()));
}

}  // namespace
}  // namespace crm::customer_profile
