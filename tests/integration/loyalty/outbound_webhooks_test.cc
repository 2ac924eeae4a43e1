// Outbound webhooks on a fresh MariaDB database, delivered over loopback to
// a receiver in this test: enqueueing inside the caller's transaction
// (stored if and only if it commits, once per idempotency key, one delivery
// per subscribed enabled endpoint), signed deliveries retried with the same
// idempotency key until answered 2xx (the receiver verifies every signature
// and deduplicates), dead letters after the last attempt and their replay,
// timeouts, the endpoint resource (the secret shown once), metrics, and the
// dispatcher's thread stopping cleanly, and an erasure forgetting the
// customer's messages.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cppconn/resultset.h>
#include <cppconn/statement.h>

#include <atomic>
#include <cstdint>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "services/common/id_generator.h"
#include "services/common/idempotency.h"
#include "services/common/metrics.h"
#include "services/common/mysql_unit_of_work.h"
#include "services/common/request_context.h"
#include "services/loyalty/curl_webhook_http_client.h"
#include "services/loyalty/member_lifecycle.h"
#include "services/loyalty/migrations.h"
#include "services/loyalty/mysql_account_repository.h"
#include "services/loyalty/mysql_outbound_message_repository.h"
#include "services/loyalty/mysql_program_repository.h"
#include "services/loyalty/mysql_reward_repository.h"
#include "services/loyalty/mysql_webhook_delivery_repository.h"
#include "services/loyalty/mysql_webhook_endpoint_repository.h"
#include "services/loyalty/webhook_dispatcher.h"
#include "services/loyalty/webhook_manager.h"
#include "services/loyalty/webhook_signature.h"
#include "tests/testing/status_matchers.h"
#include "tests/testing/test_database.h"
#include "tests/testing/wait.h"

namespace crm::loyalty {
namespace {

using ::crm::common::RequestContext;
using ::crm::common::Transaction;
using ::crm::testing::IsOk;
using ::crm::testing::StatusIs;
using ::crm::testing::WaitUntil;
using ::testing::Each;
using ::testing::HasSubstr;
using ::testing::SizeIs;

// One request as the receiver saw it.
struct Received {
  std::string path;
  std::string idempotency_key;
  std::string event_type;
  std::string body;
  bool signature_ok = false;
};

// An HTTP/1.1 receiver on 127.0.0.1 (a port the kernel picks), one thread
// per connection. Per path: the secret it verifies with, how many first
// requests it answers 500 (after taking their effect, as a receiver whose
// answer is lost would), or that it never answers ("/slow"). It applies each
// idempotency key's effect once.
class Receiver {
 public:
  Receiver() {
    listener_ = socket(AF_INET, SOCK_STREAM, 0);
    int one = 1;
    setsockopt(listener_, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    address.sin_port = 0;
    bind(listener_, reinterpret_cast<sockaddr*>(&address), sizeof(address));
    listen(listener_, 64);
    socklen_t length = sizeof(address);
    getsockname(listener_, reinterpret_cast<sockaddr*>(&address), &length);
    port_ = ntohs(address.sin_port);
    accept_thread_ = std::thread([this] { AcceptLoop(); });
  }
  ~Receiver() {
    stopping_ = true;
    shutdown(listener_, SHUT_RDWR);
    close(listener_);
    accept_thread_.join();
    absl::MutexLock lock(&mu_);
    for (std::thread& thread : connections_) thread.join();
  }

  std::string Url(const std::string& path) const {
    return absl::StrCat("http://127.0.0.1:", port_, path);
  }
  void Configure(const std::string& path, const std::string& secret,
                 int failures) {
    absl::MutexLock lock(&mu_);
    secrets_[path] = secret;
    failures_left_[path] = failures;
  }
  void AlwaysFail(const std::string& path, bool fail) {
    absl::MutexLock lock(&mu_);
    always_fail_[path] = fail;
  }
  std::vector<Received> requests() const {
    absl::MutexLock lock(&mu_);
    return requests_;
  }
  // How many times `key`'s effect was applied (0 or 1), and how many
  // repeats of it were recognised and not applied.
  int effects(const std::string& key) const {
    absl::MutexLock lock(&mu_);
    return static_cast<int>(applied_.count(key));
  }
  int duplicates(const std::string& key) const {
    absl::MutexLock lock(&mu_);
    auto it = duplicates_.find(key);
    return it == duplicates_.end() ? 0 : it->second;
  }
  int answered_ok(const std::string& path) const {
    absl::MutexLock lock(&mu_);
    auto it = answered_ok_.find(path);
    return it == answered_ok_.end() ? 0 : it->second;
  }

 private:
  void AcceptLoop() {
    while (!stopping_) {
      const int connection = accept(listener_, nullptr, nullptr);
      if (connection < 0) {
        if (stopping_) return;
        continue;
      }
      absl::MutexLock lock(&mu_);
      connections_.emplace_back([this, connection] { Serve(connection); });
    }
  }

  void Serve(int connection) {
    std::string data;
    char buffer[4096];
    size_t header_end = std::string::npos;
    while ((header_end = data.find("\r\n\r\n")) == std::string::npos) {
      const ssize_t n = recv(connection, buffer, sizeof(buffer), 0);
      if (n <= 0) {
        close(connection);
        return;
      }
      data.append(buffer, n);
    }
    const std::vector<std::string> lines =
        absl::StrSplit(data.substr(0, header_end), "\r\n");
    const std::vector<std::string> request_line = absl::StrSplit(lines[0], ' ');
    std::map<std::string, std::string> headers;
    for (size_t i = 1; i < lines.size(); ++i) {
      const size_t colon = lines[i].find(':');
      if (colon == std::string::npos) continue;
      headers[absl::AsciiStrToLower(lines[i].substr(0, colon))] =
          std::string(absl::StripAsciiWhitespace(lines[i].substr(colon + 1)));
    }
    size_t content_length = 0;
    (void)absl::SimpleAtoi(headers["content-length"], &content_length);
    std::string body = data.substr(header_end + 4);
    while (body.size() < content_length) {
      const ssize_t n = recv(connection, buffer, sizeof(buffer), 0);
      if (n <= 0) break;
      body.append(buffer, n);
    }
    Received received;
    received.path = request_line.size() > 1 ? request_line[1] : "";
    received.idempotency_key = headers["idempotency-key"];
    received.event_type = headers["x-crm-event-type"];
    received.body = body;
    if (received.path == "/slow") {
      // Never answers: waits for the client to give up.
      while (recv(connection, buffer, sizeof(buffer), 0) > 0) {
      }
      close(connection);
      return;
    }
    int status = 200;
    {
      absl::MutexLock lock(&mu_);
      received.signature_ok =
          VerifyWebhookSignature(secrets_[received.path],
                                 headers["x-crm-timestamp"], body,
                                 headers["x-crm-signature"], absl::Now())
              .ok();
      requests_.push_back(received);
      if (!received.signature_ok) {
        status = 401;
      } else {
        // The effect, once per idempotency key; a repeat is recognised.
        if (!applied_.insert(received.idempotency_key).second) {
          ++duplicates_[received.idempotency_key];
        }
        if (always_fail_[received.path]) {
          status = 500;
        } else if (failures_left_[received.path] > 0) {
          --failures_left_[received.path];
          status = 500;
        } else {
          ++answered_ok_[received.path];
        }
      }
    }
    const std::string answer =
        absl::StrCat("HTTP/1.1 ", status, status == 200 ? " OK" : " Error",
                     "\r\nContent-Length: 0\r\nConnection: close\r\n\r\n");
    send(connection, answer.data(), answer.size(), MSG_NOSIGNAL);
    close(connection);
  }

  int listener_ = -1;
  int port_ = 0;
  std::atomic<bool> stopping_{false};
  std::thread accept_thread_;
  mutable absl::Mutex mu_;
  std::vector<std::thread> connections_ ABSL_GUARDED_BY(mu_);
  std::map<std::string, std::string> secrets_ ABSL_GUARDED_BY(mu_);
  std::map<std::string, int> failures_left_ ABSL_GUARDED_BY(mu_);
  std::map<std::string, bool> always_fail_ ABSL_GUARDED_BY(mu_);
  std::map<std::string, int> answered_ok_ ABSL_GUARDED_BY(mu_);
  std::vector<Received> requests_ ABSL_GUARDED_BY(mu_);
  std::set<std::string> applied_ ABSL_GUARDED_BY(mu_);
  std::map<std::string, int> duplicates_ ABSL_GUARDED_BY(mu_);
};

class OutboundWebhooksTest : public ::testing::Test {
 protected:
  void SetUp() override {
    CRM_ASSERT_OK_AND_ASSIGN(database_,
                             crm::testing::TestDatabase::Create("loyalty"));
    CRM_ASSERT_OK_AND_ASSIGN(pool_, database_->NewMigratedPool(Migrations()));
    unit_of_work_ = std::make_unique<crm::common::MySqlUnitOfWork>(*pool_);
    manager_ = std::make_unique<WebhookManager>(
        *unit_of_work_, endpoints_, deliveries_, idempotency_, clock_,
        crm::common::RandomIdGenerator::Instance());
  }

  // Small backoffs, so retries come within milliseconds.
  WebhookDispatcherOptions FastOptions(int max_attempts) {
    WebhookDispatcherOptions options;
    options.retry = {.max_attempts = max_attempts,
                     .initial_backoff = absl::Milliseconds(20),
                     .max_backoff = absl::Milliseconds(50)};
    options.request_timeout = absl::Seconds(5);
    options.poll_interval = absl::Milliseconds(10);
    options.metrics = &metrics_;
    return options;
  }

  v1::WebhookEndpoint CreateEndpoint(const std::string& url,
                                     std::vector<std::string> event_types,
                                     bool enabled = true) {
    v1::CreateWebhookEndpointRequest request;
    request.mutable_webhook_endpoint()->set_url(url);
    for (const std::string& type : event_types) {
      request.mutable_webhook_endpoint()->add_event_types(type);
    }
    request.mutable_webhook_endpoint()->set_enabled(enabled);
    absl::StatusOr<v1::WebhookEndpoint> endpoint =
        manager_->CreateWebhookEndpoint(RequestContext(), request);
    EXPECT_THAT(endpoint.status(), IsOk());
    return endpoint.value_or(v1::WebhookEndpoint());
  }

  absl::Status Enqueue(const OutboundMessage& message) {
    return unit_of_work_->Run(RequestContext(), [&](Transaction& tx) {
      return outbound_.Enqueue(tx, message);
    });
  }

  static OutboundMessage Message(const std::string& key,
                                 const std::string& type = "journey.message") {
    return {.event_type = type,
            .idempotency_key = key,
            .customer_id = "c1",
            .payload_json = absl::StrCat(R"({"key":")", key, R"(","n":1})")};
  }

  int64_t QueryInt(const std::string& query) {
    return crm::common::WithConnection<int64_t>(
               *pool_,
               [&](sql::Connection& connection) -> absl::StatusOr<int64_t> {
                 std::unique_ptr<sql::Statement> statement(
                     connection.createStatement());
                 std::unique_ptr<sql::ResultSet> rows(
                     statement->executeQuery(query));
                 if (!rows->next()) return absl::NotFoundError("no row");
                 return rows->getInt64(1);
               })
        .value_or(-1);
  }

  // Runs passes until `done` holds (each pass attempts what is due).
  bool DispatchUntil(WebhookDispatcher& dispatcher,
                     const std::function<bool()>& done) {
    return WaitUntil([&] {
      EXPECT_THAT(dispatcher.DispatchDue().status(), IsOk());
      return done();
    });
  }

  static std::string IdOf(const v1::WebhookEndpoint& endpoint) {
    return endpoint.name().substr(std::string("webhookEndpoints/").size());
  }

  crm::common::SystemClock clock_;
  crm::common::Metrics metrics_;
  std::unique_ptr<crm::testing::TestDatabase> database_;
  std::unique_ptr<crm::common::MySqlPool> pool_;
  std::unique_ptr<crm::common::MySqlUnitOfWork> unit_of_work_;
  MySqlOutboundMessageRepository outbound_{clock_};
  MySqlWebhookEndpointRepository endpoints_;
  MySqlWebhookDeliveryRepository deliveries_;
  crm::common::MySqlIdempotencyRepository idempotency_;
  std::unique_ptr<WebhookManager> manager_;
  CurlWebhookHttpClient http_;
  Receiver receiver_;
};

TEST_F(OutboundWebhooksTest, EnqueueIsStoredOnlyIfTheCallerCommitsAndOnce) {
  const v1::WebhookEndpoint a =
      CreateEndpoint(receiver_.Url("/a"), {"journey.message"});
  const v1::WebhookEndpoint b =
      CreateEndpoint(receiver_.Url("/b"), {"journey.message", "other.event"});
  CreateEndpoint(receiver_.Url("/c"), {"other.event"});
  CreateEndpoint(receiver_.Url("/d"), {"journey.message"}, /*enabled=*/false);

  // Rolled back with the caller's unit of work: no trace.
  EXPECT_THAT(unit_of_work_->Run(RequestContext(),
                                 [&](Transaction& tx) -> absl::Status {
                                   absl::Status enqueued =
                                       outbound_.Enqueue(tx, Message("k0"));
                                   if (!enqueued.ok()) return enqueued;
                                   return absl::AbortedError("caller fails");
                                 }),
              StatusIs(absl::StatusCode::kAborted));
  EXPECT_EQ(QueryInt("SELECT COUNT(*) FROM outbound_messages"), 0);
  EXPECT_EQ(QueryInt("SELECT COUNT(*) FROM webhook_deliveries"), 0);

  // Committed: one message, a delivery to each enabled subscriber (a, b).
  CRM_ASSERT_OK(Enqueue(Message("k1")));
  // The same key again, even with another payload: stored once.
  OutboundMessage again = Message("k1");
  again.payload_json = R"({"other":true})";
  CRM_ASSERT_OK(Enqueue(again));
  EXPECT_EQ(QueryInt("SELECT COUNT(*) FROM outbound_messages"), 1);
  EXPECT_EQ(QueryInt("SELECT COUNT(*) FROM webhook_deliveries"), 2);
  EXPECT_EQ(QueryInt(absl::StrCat(
                "SELECT COUNT(*) FROM webhook_deliveries WHERE endpoint_id IN "
                "('",
                IdOf(a), "', '", IdOf(b), "')")),
            2);

  // A malformed message is refused, naming the field.
  OutboundMessage bad = Message("k2");
  bad.payload_json = "not json";
  EXPECT_THAT(Enqueue(bad), StatusIs(absl::StatusCode::kInvalidArgument,
                                     HasSubstr("payload_json")));
}

TEST_F(OutboundWebhooksTest, RetriesWithTheSameKeyUntilDeliveredSigned) {
  const v1::WebhookEndpoint endpoint =
      CreateEndpoint(receiver_.Url("/hook"), {"journey.message"});
  // The first two requests take effect but are answered 500.
  receiver_.Configure("/hook", endpoint.signing_secret(), /*failures=*/2);
  CRM_ASSERT_OK(Enqueue(Message("journeys/j1/runs/r1/steps/1")));

  WebhookDispatcher dispatcher(*unit_of_work_, deliveries_, http_, clock_,
                               FastOptions(/*max_attempts=*/5));
  ASSERT_TRUE(DispatchUntil(dispatcher, [&] {
    return receiver_.answered_ok("/hook") > 0;
  })) << "never delivered";

  const std::vector<Received> requests = receiver_.requests();
  ASSERT_THAT(requests, SizeIs(3));
  for (const Received& request : requests) {
    EXPECT_TRUE(request.signature_ok);
    EXPECT_EQ(request.idempotency_key, "journeys/j1/runs/r1/steps/1");
    EXPECT_EQ(request.event_type, "journey.message");
    EXPECT_EQ(request.body,
              Message("journeys/j1/runs/r1/steps/1").payload_json);
  }
  // Three requests, one effect: the receiver deduplicated by the key.
  EXPECT_EQ(receiver_.effects("journeys/j1/runs/r1/steps/1"), 1);
  EXPECT_EQ(receiver_.duplicates("journeys/j1/runs/r1/steps/1"), 2);
  EXPECT_EQ(QueryInt("SELECT attempts FROM webhook_deliveries"), 3);
  EXPECT_EQ(QueryInt("SELECT COUNT(*) FROM webhook_deliveries "
                     "WHERE state = 'DELIVERED'"),
            1);
  // Nothing more is attempted once delivered.
  CRM_ASSERT_OK_AND_ASSIGN(int attempted, dispatcher.DispatchDue());
  EXPECT_EQ(attempted, 0);

  const std::string metrics = metrics_.Render();
  EXPECT_THAT(metrics,
              HasSubstr("crm_webhook_deliveries_total{outcome=\"retry\"} 2"));
  EXPECT_THAT(
      metrics,
      HasSubstr("crm_webhook_deliveries_total{outcome=\"delivered\"} 1"));
  EXPECT_THAT(metrics, HasSubstr("crm_webhook_attempts_total 3"));
  EXPECT_THAT(metrics, HasSubstr("crm_webhook_delivery_seconds_count 1"));
  EXPECT_THAT(metrics, HasSubstr("crm_webhook_dead_letters 0"));
}

TEST_F(OutboundWebhooksTest, DeadLetterAfterTheLastAttemptThenReplay) {
  const v1::WebhookEndpoint endpoint =
      CreateEndpoint(receiver_.Url("/down"), {"journey.message"});
  receiver_.Configure("/down", endpoint.signing_secret(), 0);
  receiver_.AlwaysFail("/down", true);
  CRM_ASSERT_OK(Enqueue(Message("m1")));

  WebhookDispatcher dispatcher(*unit_of_work_, deliveries_, http_, clock_,
                               FastOptions(/*max_attempts=*/3));
  ASSERT_TRUE(DispatchUntil(dispatcher, [&] {
    return QueryInt(
               "SELECT COUNT(*) FROM webhook_deliveries "
               "WHERE state = 'DEAD'") == 1;
  })) << "never dead";
  EXPECT_THAT(receiver_.requests(), SizeIs(3));
  EXPECT_THAT(metrics_.Render(),
              HasSubstr("crm_webhook_deliveries_total{outcome=\"dead\"} 1"));
  EXPECT_THAT(metrics_.Render(), HasSubstr("crm_webhook_dead_letters 1"));
  // A dead letter is not attempted again.
  CRM_ASSERT_OK_AND_ASSIGN(int attempted, dispatcher.DispatchDue());
  EXPECT_EQ(attempted, 0);

  v1::ListDeadLettersRequest list;
  list.set_parent(endpoint.name());
  CRM_ASSERT_OK_AND_ASSIGN(v1::ListDeadLettersResponse dead,
                           manager_->ListDeadLetters(RequestContext(), list));
  ASSERT_THAT(dead.dead_letters(), SizeIs(1));
  const v1::WebhookDelivery& letter = dead.dead_letters(0);
  EXPECT_EQ(letter.state(), v1::WebhookDelivery::DEAD);
  EXPECT_EQ(letter.attempt_count(), 3);
  EXPECT_EQ(letter.last_response_code(), 500);
  EXPECT_EQ(letter.idempotency_key(), "m1");
  EXPECT_THAT(letter.name(), HasSubstr(endpoint.name() + "/deliveries/"));
  list.set_parent("webhookEndpoints/-");
  CRM_ASSERT_OK_AND_ASSIGN(dead,
                           manager_->ListDeadLetters(RequestContext(), list));
  EXPECT_THAT(dead.dead_letters(), SizeIs(1));

  // Replay: PENDING again, attempts reset; the receiver is back.
  receiver_.AlwaysFail("/down", false);
  v1::ReplayDeadLetterRequest replay;
  replay.set_name(letter.name());
  replay.set_request_id("replay-1");
  CRM_ASSERT_OK_AND_ASSIGN(
      v1::WebhookDelivery replayed,
      manager_->ReplayDeadLetter(RequestContext(), replay));
  EXPECT_EQ(replayed.state(), v1::WebhookDelivery::PENDING);
  EXPECT_EQ(replayed.attempt_count(), 0);
  // The same request id answers the same, without replaying again.
  CRM_ASSERT_OK_AND_ASSIGN(
      v1::WebhookDelivery repeated,
      manager_->ReplayDeadLetter(RequestContext(), replay));
  EXPECT_EQ(repeated.SerializeAsString(), replayed.SerializeAsString());
  ASSERT_TRUE(DispatchUntil(
      dispatcher, [&] { return receiver_.answered_ok("/down") > 0; }));
  EXPECT_THAT(receiver_.requests(), SizeIs(4));
  EXPECT_EQ(receiver_.requests().back().idempotency_key, "m1");
  EXPECT_EQ(QueryInt("SELECT COUNT(*) FROM webhook_deliveries "
                     "WHERE state = 'DELIVERED'"),
            1);
  EXPECT_THAT(metrics_.Render(), HasSubstr("crm_webhook_dead_letters 0"));

  // Only a dead letter can be replayed.
  replay.set_request_id("replay-2");
  EXPECT_THAT(manager_->ReplayDeadLetter(RequestContext(), replay),
              StatusIs(absl::StatusCode::kFailedPrecondition));
  replay.set_name(endpoint.name() + "/deliveries/999999");
  EXPECT_THAT(manager_->ReplayDeadLetter(RequestContext(), replay),
              StatusIs(absl::StatusCode::kNotFound));
}

TEST_F(OutboundWebhooksTest, AnUnansweredPostTimesOutAndIsRetried) {
  CreateEndpoint(receiver_.Url("/slow"), {"journey.message"});
  CRM_ASSERT_OK(Enqueue(Message("slow-1")));
  WebhookDispatcherOptions options = FastOptions(/*max_attempts=*/3);
  options.request_timeout = absl::Milliseconds(200);
  WebhookDispatcher dispatcher(*unit_of_work_, deliveries_, http_, clock_,
                               options);
  const absl::Time start = absl::Now();
  CRM_ASSERT_OK_AND_ASSIGN(int attempted, dispatcher.DispatchDue());
  EXPECT_EQ(attempted, 1);
  EXPECT_LT(absl::Now() - start, absl::Seconds(3));
  EXPECT_EQ(QueryInt("SELECT attempts FROM webhook_deliveries"), 1);
  EXPECT_EQ(QueryInt("SELECT last_response_code FROM webhook_deliveries"), 0);
  EXPECT_EQ(QueryInt("SELECT COUNT(*) FROM webhook_deliveries "
                     "WHERE state = 'PENDING' AND last_error <> ''"),
            1);
}

TEST_F(OutboundWebhooksTest, TheSecretIsShownOnCreateOnly) {
  v1::CreateWebhookEndpointRequest create;
  create.mutable_webhook_endpoint()->set_url("https://hooks.example/in");
  create.mutable_webhook_endpoint()->add_event_types("journey.message");
  create.set_request_id("create-1");
  CRM_ASSERT_OK_AND_ASSIGN(
      v1::WebhookEndpoint created,
      manager_->CreateWebhookEndpoint(RequestContext(), create));
  EXPECT_THAT(created.signing_secret(), ::testing::StartsWith("whsec_"));
  EXPECT_EQ(created.signing_secret().size(), 6u + 64u);
  // A retry of the create answers the same (its response may have been lost).
  CRM_ASSERT_OK_AND_ASSIGN(
      v1::WebhookEndpoint retried,
      manager_->CreateWebhookEndpoint(RequestContext(), create));
  EXPECT_EQ(retried.name(), created.name());
  EXPECT_EQ(retried.signing_secret(), created.signing_secret());

  v1::GetWebhookEndpointRequest get;
  get.set_name(created.name());
  CRM_ASSERT_OK_AND_ASSIGN(v1::WebhookEndpoint read,
                           manager_->GetWebhookEndpoint(RequestContext(), get));
  EXPECT_EQ(read.signing_secret(), "");
  EXPECT_EQ(read.url(), "https://hooks.example/in");
  CRM_ASSERT_OK_AND_ASSIGN(
      v1::ListWebhookEndpointsResponse listed,
      manager_->ListWebhookEndpoints(RequestContext(), {}));
  ASSERT_THAT(listed.webhook_endpoints(), SizeIs(1));
  EXPECT_EQ(listed.webhook_endpoints(0).signing_secret(), "");

  create.mutable_webhook_endpoint()->set_url("ftp://hooks.example/in");
  create.set_request_id("create-2");
  EXPECT_THAT(manager_->CreateWebhookEndpoint(RequestContext(), create),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("webhook_endpoint.url")));

  v1::DeleteWebhookEndpointRequest remove;
  remove.set_name(created.name());
  CRM_ASSERT_OK(manager_->DeleteWebhookEndpoint(RequestContext(), remove));
  EXPECT_THAT(manager_->GetWebhookEndpoint(RequestContext(), get),
              StatusIs(absl::StatusCode::kNotFound));
  EXPECT_THAT(manager_->DeleteWebhookEndpoint(RequestContext(), remove),
              StatusIs(absl::StatusCode::kNotFound));
}

TEST_F(OutboundWebhooksTest, TheDispatcherThreadDeliversAndStopsCleanly) {
  const v1::WebhookEndpoint endpoint =
      CreateEndpoint(receiver_.Url("/live"), {"journey.message"});
  receiver_.Configure("/live", endpoint.signing_secret(), /*failures=*/1);
  WebhookDispatcherOptions options = FastOptions(/*max_attempts=*/5);
  options.max_concurrency = 3;
  WebhookDispatcher dispatcher(*unit_of_work_, deliveries_, http_, clock_,
                               options);
  dispatcher.Start();
  for (int i = 0; i < 6; ++i) {
    CRM_ASSERT_OK(Enqueue(Message(absl::StrCat("live-", i))));
  }
  EXPECT_TRUE(WaitUntil([&] { return receiver_.answered_ok("/live") == 6; }))
      << "not every message was delivered";
  EXPECT_TRUE(crm::testing::ReturnsWithin(absl::Seconds(10),
                                          [&] { dispatcher.Stop(); }));
  std::set<std::string> keys;
  for (const Received& request : receiver_.requests()) {
    EXPECT_TRUE(request.signature_ok);
    keys.insert(request.idempotency_key);
  }
  EXPECT_THAT(keys, SizeIs(6));
  EXPECT_EQ(QueryInt("SELECT COUNT(*) FROM webhook_deliveries "
                     "WHERE state = 'DELIVERED'"),
            6);
}

TEST_F(OutboundWebhooksTest, AnErasureForgetsTheCustomersMessages) {
  CreateEndpoint(receiver_.Url("/erase"), {"journey.message"});
  OutboundMessage other = Message("c2-message");
  other.customer_id = "c2";
  CRM_ASSERT_OK(Enqueue(Message("c1-message-1")));
  CRM_ASSERT_OK(Enqueue(Message("c1-message-2")));
  CRM_ASSERT_OK(Enqueue(other));
  MySqlAccountRepository accounts;
  MySqlRewardRepository rewards;
  MySqlProgramRepository programs;
  MemberLifecycle lifecycle(
      accounts, rewards, programs, crm::common::RandomIdGenerator::Instance(),
      clock_, &idempotency_, /*referrals=*/nullptr,
      /*tier_feed=*/nullptr, /*feed_events=*/nullptr, &outbound_);
  // c1 has no account: its messages are forgotten all the same.
  CRM_ASSERT_OK(unit_of_work_->Run(RequestContext(), [&](Transaction& tx) {
    return lifecycle.Erase(tx, "c1");
  }));
  EXPECT_EQ(QueryInt("SELECT COUNT(*) FROM outbound_messages "
                     "WHERE customer_id = 'c1'"),
            0);
  EXPECT_EQ(QueryInt("SELECT COUNT(*) FROM webhook_deliveries "
                     "WHERE customer_id = 'c1'"),
            0);
  EXPECT_EQ(QueryInt("SELECT COUNT(*) FROM outbound_messages"), 1);
  EXPECT_EQ(QueryInt("SELECT COUNT(*) FROM webhook_deliveries"), 1);
}

}  // namespace
}  // namespace crm::loyalty
