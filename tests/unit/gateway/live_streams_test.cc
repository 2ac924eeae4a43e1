// GET /v1/alerts:stream and /v1/events:stream (gateway/streams/) over HTTP
// against the in-process fake backends: events with ids, resume, heartbeats,
// roles and masking, slow clients, the stream bound and the open-streams
// gauge.
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <thread>

#include "absl/strings/numbers.h"
#include "absl/strings/str_split.h"
#include "crm/customerprofile/v1/change_event.pb.h"
#include "crm/feedback/v1/alert.pb.h"
#include "gateway/auth/api_keys.h"
#include "gateway/auth/customer_token.h"
#include "gateway/streams/server_sent_events.h"
#include "tests/unit/gateway/gateway_fixture.h"

namespace crm::gateway {
namespace {

namespace fb = ::crm::feedback::v1;
using ::testing::HasSubstr;
using ::testing::Not;

constexpr char kAgentKey[] = "test-agent-key-0123456789";
constexpr char kAnalystKey[] = "test-analyst-key-012345678";
constexpr char kServiceKey[] = "test-service-key-012345678";
constexpr char kTokenSecret[] = "unit-test-customer-token-secret-0123456789";
constexpr char kAlerts[] = "/v1/alerts:stream";
constexpr char kEvents[] = "/v1/events:stream";

// One block of a server-sent event stream.
struct SseBlock {
  std::string id;
  std::string type;
  std::string data;
  std::string comment;
  std::string retry;
};

// A client of one stream: sends the request, reads the head, then blocks.
class SseClient {
 public:
  SseClient(int port, const std::string& target, const Headers& headers)
      : connection_(port) {
    connection_.Send(crm::testing::BuildRequest("GET", target, "", headers));
    std::optional<std::string> head = connection_.ReadHead();
    if (head.has_value()) {
      head_ = *head;
      std::vector<std::string> words = absl::StrSplit(*head, ' ');
      if (words.size() > 1) (void)absl::SimpleAtoi(words[1], &status_);
    }
  }

  int status() const { return status_; }
  const std::string& head() const { return head_; }

  // The next block; nullopt at the end of the stream (or after 10 s).
  std::optional<SseBlock> Next() {
    size_t end;
    while ((end = buffer_.find("\n\n")) == std::string::npos) {
      if (ended_) return std::nullopt;
      std::optional<std::string> chunk = connection_.ReadChunk();
      if (!chunk.has_value() || chunk->empty()) {
        ended_ = chunk.has_value();
        return std::nullopt;
      }
      buffer_.append(*chunk);
    }
    std::string text = buffer_.substr(0, end);
    buffer_.erase(0, end + 2);
    SseBlock block;
    for (absl::string_view line : absl::StrSplit(text, '\n')) {
      if (absl::ConsumePrefix(&line, ":")) {
        block.comment = std::string(absl::StripLeadingAsciiWhitespace(line));
      } else if (absl::ConsumePrefix(&line, "id: ")) {
        block.id = std::string(line);
      } else if (absl::ConsumePrefix(&line, "event: ")) {
        block.type = std::string(line);
      } else if (absl::ConsumePrefix(&line, "data: ")) {
        block.data = std::string(line);
      } else if (absl::ConsumePrefix(&line, "retry: ")) {
        block.retry = std::string(line);
      }
    }
    return block;
  }

  // The next block that is an event (skips retry hints and heartbeats).
  std::optional<SseBlock> NextEvent() {
    while (std::optional<SseBlock> block = Next()) {
      if (!block->id.empty() || !block->type.empty()) return block;
    }
    return std::nullopt;
  }

  // True once the chunked body has ended (the terminating chunk was read).
  bool ended() const { return ended_; }

 private:
  crm::testing::TestHttpConnection connection_;
  std::string head_;
  int status_ = 0;
  std::string buffer_;
  bool ended_ = false;
};

fb::Alert MakeAlert(int64_t sequence, size_t summary_bytes = 0) {
  fb::Alert alert;
  alert.set_name(absl::StrCat("alerts/a", sequence));
  alert.set_kind(fb::Alert::COMPLAINT_SPIKE);
  alert.set_state(fb::Alert::OPEN);
  alert.set_category("delivery");
  alert.set_summary(summary_bytes == 0 ? "spike"
                                       : std::string(summary_bytes, 'x'));
  alert.set_sequence(sequence);
  return alert;
}

cp::ChangeEvent MakeChange(int64_t sequence) {
  cp::ChangeEvent event;
  event.set_sequence(sequence);
  event.set_type(cp::ChangeEvent::CUSTOMER_CREATED);
  event.set_customer_name(absl::StrCat("customers/c", sequence));
  event.mutable_customer()->set_name(event.customer_name());
  event.mutable_customer()->set_email("ada@example.com");
  event.mutable_customer()->set_given_name("Ada");
  return event;
}

// The value of the series `series` ("name{labels}") in `text`, or -1.
double MetricValue(const std::string& text, const std::string& series) {
  for (absl::string_view line : absl::StrSplit(text, '\n')) {
    if (absl::ConsumePrefix(&line, series) && absl::ConsumePrefix(&line, " ")) {
      double value = 0;
      if (absl::SimpleAtod(line, &value)) return value;
    }
  }
  return -1;
}

std::string OpenSeries(const std::string& route) {
  return absl::StrCat(streams::kOpenStreamsMetric, "{route=\"", route, "\"}");
}
std::string SlowSeries(const std::string& route) {
  return absl::StrCat(streams::kSlowClientStreamsMetric, "{route=\"", route,
                      "\"}");
}

class LiveStreamsTest : public GatewayTest {
 protected:
  void SetUp() override {
    GatewayTest::SetUp();
    ASSERT_TRUE(
        config_.api_keys
            .Add(absl::StrCat("desk agent ", kAgentKey, "\n", "bi analyst ",
                              kAnalystKey, "\n", "etl service ", kServiceKey,
                              " crm.feedback.v1.FeedbackService."
                              "ListAlerts"))
            .ok());
    auth::CustomerTokenOptions tokens;
    tokens.secret = kTokenSecret;
    tokens.issuer = "crm-login";
    tokens.audience = "crm-gateway";
    config_.customer_tokens = tokens;
    customers_.WatchFromFeed();
  }

  std::unique_ptr<SseClient> Open(const std::string& target,
                                  Headers headers = {},
                                  const std::string& key = kAdminKey) {
    if (server_ == nullptr) StartGateway();
    if (!key.empty()) headers.emplace_back("X-API-Key", key);
    return std::make_unique<SseClient>(server_->port(), target, headers);
  }

  // As main.cc does on SIGTERM: the streams end before the HTTP server
  // stops, so no stream outlives its connection.
  void TearDown() override {
    if (gateway_ != nullptr) {
      gateway_->EndStreams();
      EXPECT_TRUE(crm::testing::WaitUntil([&] {
        return Metric(OpenSeries(kAlerts)) == 0 &&
               Metric(OpenSeries(kEvents)) == 0;
      }));
    }
    GatewayTest::TearDown();
  }

  double Metric(const std::string& series) {
    return MetricValue(metrics_.Render(), series);
  }

  static std::string Token(const std::string& subject) {
    return auth::SignCustomerToken(
        absl::StrCat(R"({"iss":"crm-login","aud":"crm-gateway","sub":")",
                     subject, R"(","exp":)",
                     absl::ToUnixSeconds(absl::Now()) + 300, "}"),
        kTokenSecret, R"({"alg":"HS256","typ":"JWT"})");
  }
};

TEST_F(LiveStreamsTest, AlertsArriveAsServerSentEventsWithTheirSequenceAsId) {
  feedback_.alert_feed().Append(MakeAlert(1));
  feedback_.alert_feed().Append(MakeAlert(2));
  std::unique_ptr<SseClient> client = Open(kAlerts);
  ASSERT_EQ(client->status(), 200) << client->head();
  EXPECT_THAT(client->head(), HasSubstr("text/event-stream"));
  EXPECT_THAT(client->head(), HasSubstr("Cache-Control: no-cache"));
  std::optional<SseBlock> retry = client->Next();
  ASSERT_TRUE(retry.has_value());
  EXPECT_EQ(retry->retry, "2000");
  for (int64_t sequence : {1, 2}) {
    std::optional<SseBlock> event = client->NextEvent();
    ASSERT_TRUE(event.has_value()) << "event " << sequence;
    EXPECT_EQ(event->id, absl::StrCat(sequence));
    EXPECT_EQ(event->type, "alert");
    fb::Alert alert = FromJson<fb::Alert>(event->data);
    EXPECT_EQ(alert.name(), absl::StrCat("alerts/a", sequence));
    EXPECT_EQ(alert.sequence(), sequence);
  }
  // A new alert reaches the open stream.
  feedback_.alert_feed().Append(MakeAlert(3));
  std::optional<SseBlock> live = client->NextEvent();
  ASSERT_TRUE(live.has_value());
  EXPECT_EQ(live->id, "3");
  EXPECT_EQ(feedback_.alert_feed().last_after_sequence(), 0);
}

TEST_F(LiveStreamsTest, LastEventIdResumesAfterThatEvent) {
  for (int64_t s = 1; s <= 5; ++s) feedback_.alert_feed().Append(MakeAlert(s));
  std::unique_ptr<SseClient> client = Open(kAlerts, {{"Last-Event-ID", "3"}});
  ASSERT_EQ(client->status(), 200);
  std::optional<SseBlock> first = client->NextEvent();
  ASSERT_TRUE(first.has_value());
  EXPECT_EQ(first->id, "4");
  std::optional<SseBlock> second = client->NextEvent();
  ASSERT_TRUE(second.has_value());
  EXPECT_EQ(second->id, "5");
  EXPECT_EQ(feedback_.alert_feed().last_after_sequence(), 3);
}

TEST_F(LiveStreamsTest, SinceResumesAndTheHeaderWinsOverIt) {
  for (int64_t s = 1; s <= 5; ++s) feedback_.alert_feed().Append(MakeAlert(s));
  std::unique_ptr<SseClient> since = Open("/v1/alerts:stream?since=4");
  std::optional<SseBlock> event = since->NextEvent();
  ASSERT_TRUE(event.has_value());
  EXPECT_EQ(event->id, "5");
  std::unique_ptr<SseClient> both =
      Open("/v1/alerts:stream?since=1", {{"Last-Event-ID", "4"}});
  event = both->NextEvent();
  ASSERT_TRUE(event.has_value());
  EXPECT_EQ(event->id, "5");
}

TEST_F(LiveStreamsTest, AnInvalidResumePositionOrParameterIs400) {
  TestHttpResponse bad_header =
      Call("GET", kAlerts, "", {{"Last-Event-ID", "abc"}});
  EXPECT_EQ(bad_header.status, 400);
  EXPECT_EQ(ParseError(bad_header.body).reason, "FIELD_INVALID");
  EXPECT_EQ(ParseError(bad_header.body).metadata["field"], "Last-Event-ID");
  TestHttpResponse bad_since = Call("GET", "/v1/events:stream?since=-1");
  EXPECT_EQ(bad_since.status, 400);
  EXPECT_EQ(ParseError(bad_since.body).metadata["field"], "since");
  TestHttpResponse unknown = Call("GET", "/v1/alerts:stream?key=x");
  EXPECT_EQ(unknown.status, 400);
  EXPECT_EQ(ParseError(unknown.body).metadata["field"], "key");
  EXPECT_EQ(Call("POST", kAlerts).status, 405);
}

TEST_F(LiveStreamsTest, HeartbeatsKeepAQuietStreamAlive) {
  config_.stream_heartbeat = absl::Milliseconds(50);
  std::unique_ptr<SseClient> client = Open(kEvents);
  ASSERT_EQ(client->status(), 200);
  bool heartbeat = false;
  for (int i = 0; i < 5 && !heartbeat; ++i) {
    std::optional<SseBlock> block = client->Next();
    ASSERT_TRUE(block.has_value());
    heartbeat = block->comment == "keep-alive";
  }
  EXPECT_TRUE(heartbeat);
}

TEST_F(LiveStreamsTest, ChangeEventsCarryTheirTypeAndAnalystsSeeThemMasked) {
  customers_.change_feed().Append(MakeChange(7));
  std::unique_ptr<SseClient> admin = Open(kEvents);
  std::optional<SseBlock> seen = admin->NextEvent();
  ASSERT_TRUE(seen.has_value());
  EXPECT_EQ(seen->id, "7");
  EXPECT_EQ(seen->type, "CUSTOMER_CREATED");
  EXPECT_EQ(FromJson<cp::ChangeEvent>(seen->data).customer().email(),
            "ada@example.com");

  std::unique_ptr<SseClient> analyst = Open(kEvents, {}, kAnalystKey);
  ASSERT_EQ(analyst->status(), 200);
  std::optional<SseBlock> masked = analyst->NextEvent();
  ASSERT_TRUE(masked.has_value());
  cp::ChangeEvent event = FromJson<cp::ChangeEvent>(masked->data);
  EXPECT_EQ(event.customer().email(), "***");
  EXPECT_EQ(event.customer().given_name(), "***");
  EXPECT_EQ(event.customer_name(), "customers/c7");
  EXPECT_THAT(masked->data, Not(HasSubstr("ada@example.com")));

  std::unique_ptr<SseClient> agent = Open(kAlerts, {}, kAgentKey);
  EXPECT_EQ(agent->status(), 200);
}

TEST_F(LiveStreamsTest, CredentialsAreRequiredAndCustomersGetNothing) {
  send_admin_key_ = false;
  for (const char* route : {kAlerts, kEvents}) {
    TestHttpResponse none = Call("GET", route);
    EXPECT_EQ(none.status, 401) << route;
    EXPECT_EQ(ParseError(none.body).reason, "CREDENTIALS_MISSING");
    TestHttpResponse customer =
        Call("GET", route, "",
             {{"Authorization", "Bearer " + Token("customers/c1")}});
    EXPECT_EQ(customer.status, 403) << route;
    EXPECT_EQ(ParseError(customer.body).reason, "ACCESS_DENIED");
    // A service key whose scope does not name the stream.
    TestHttpResponse service =
        Call("GET", route, "", {{"X-API-Key", kServiceKey}});
    EXPECT_EQ(service.status, 403) << route;
  }
  EXPECT_EQ(feedback_.alert_feed().last_after_sequence(), -1)
      << "a refused caller reached the backend";
}

TEST_F(LiveStreamsTest, ASlowClientIsCutOffWhileAnotherKeepsReceiving) {
  config_.stream_queue_events = 16;
  StartGateway();
  // The slow client: a small receive window, and it never reads.
  const int slow = socket(AF_INET, SOCK_STREAM, 0);
  ASSERT_GE(slow, 0);
  int small = 4096;
  setsockopt(slow, SOL_SOCKET, SO_RCVBUF, &small, sizeof(small));
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_port = htons(static_cast<uint16_t>(server_->port()));
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ASSERT_EQ(
      connect(slow, reinterpret_cast<sockaddr*>(&address), sizeof(address)), 0);
  const std::string request = crm::testing::BuildRequest(
      "GET", kAlerts, "", {{"X-API-Key", kAdminKey}});
  ASSERT_EQ(send(slow, request.data(), request.size(), 0),
            static_cast<ssize_t>(request.size()));
  ASSERT_TRUE(crm::testing::WaitUntil(
      [&] { return Metric(OpenSeries(kAlerts)) == 1; }));

  std::unique_ptr<SseClient> fast = Open(kAlerts);
  ASSERT_EQ(fast->status(), 200);
  constexpr int kAlertsSent = 1000;  // 16 KiB each: far beyond the buffers.
  std::atomic<int> last_seen{0};
  std::thread reader([&] {
    while (std::optional<SseBlock> event = fast->NextEvent()) {
      int64_t id = 0;
      if (!absl::SimpleAtoi(event->id, &id) || id != last_seen + 1) break;
      last_seen = static_cast<int>(id);
      if (id == kAlertsSent) break;
    }
  });
  // In batches the fast client keeps up with, whatever the machine's load:
  // it is never more than kBatch (< stream_queue_events) events behind.
  constexpr int kBatch = 8;
  for (int s = 1; s <= kAlertsSent; ++s) {
    feedback_.alert_feed().Append(MakeAlert(s, 16 << 10));
    if (s % kBatch == 0 &&
        !crm::testing::WaitUntil([&] { return last_seen == s; })) {
      break;
    }
  }
  reader.join();
  EXPECT_EQ(last_seen, kAlertsSent) << "the fast client missed events";
  EXPECT_TRUE(crm::testing::WaitUntil([&] {
    return Metric(SlowSeries(kAlerts)) == 1;
  })) << metrics_.Render();
  // The slow client's stream is gone; the fast one is still open.
  EXPECT_TRUE(crm::testing::WaitUntil(
      [&] { return Metric(OpenSeries(kAlerts)) == 1; }));
  EXPECT_TRUE(crm::testing::WaitUntil(
      [&] { return feedback_.alert_feed().cancelled_watches() == 1; }));
  // ... and still receives.
  feedback_.alert_feed().Append(MakeAlert(kAlertsSent + 1));
  std::optional<SseBlock> after = fast->NextEvent();
  ASSERT_TRUE(after.has_value());
  EXPECT_EQ(after->id, absl::StrCat(kAlertsSent + 1));

  // What the slow client finally reads ends with the end of the chunked
  // body, then the connection closes: it stopped short of the last alert.
  std::string tail;
  char buffer[1 << 16];
  const absl::Time deadline = absl::Now() + absl::Seconds(20);
  while (absl::Now() < deadline) {
    pollfd readable{slow, POLLIN, 0};
    if (poll(&readable, 1, 1000) <= 0) continue;
    const ssize_t n = recv(slow, buffer, sizeof(buffer), 0);
    if (n <= 0) break;
    tail.append(buffer, static_cast<size_t>(n));
    if (tail.size() > (8 << 10)) tail.erase(0, tail.size() - (8 << 10));
  }
  close(slow);
  EXPECT_THAT(tail, ::testing::EndsWith("\r\n0\r\n\r\n"));
  EXPECT_THAT(tail, Not(HasSubstr(absl::StrCat("id: ", kAlertsSent, "\n"))));
}

TEST_F(LiveStreamsTest, TheOpenStreamsGaugeRisesAndFalls) {
  StartGateway();
  EXPECT_EQ(Metric(OpenSeries(kAlerts)), 0);
  EXPECT_EQ(Metric(OpenSeries(kEvents)), 0);
  {
    std::unique_ptr<SseClient> alerts = Open(kAlerts);
    std::unique_ptr<SseClient> events = Open(kEvents);
    ASSERT_EQ(alerts->status(), 200);
    ASSERT_EQ(events->status(), 200);
    TestHttpResponse scraped = Call("GET", "/metrics");
    EXPECT_EQ(MetricValue(scraped.body, OpenSeries(kAlerts)), 1);
    EXPECT_EQ(MetricValue(scraped.body, OpenSeries(kEvents)), 1);
    EXPECT_EQ(MetricValue(scraped.body, OpenSeries("transcoded")), 0);
    // The backend watch is being served before the clients leave (under
    // load it may reach the fake after the 200 went out; a call cancelled
    // before that is never served, so never counted as cancelled).
    ASSERT_TRUE(crm::testing::WaitUntil(
        [&] { return feedback_.alert_feed().watchers() == 1; }));
  }
  // The clients left: their backend calls are cancelled, the gauge falls.
  EXPECT_TRUE(crm::testing::WaitUntil([&] {
    return Metric(OpenSeries(kAlerts)) == 0 && Metric(OpenSeries(kEvents)) == 0;
  }));
  EXPECT_TRUE(crm::testing::WaitUntil([&] {
    return feedback_.alert_feed().cancelled_watches() == 1 &&
           feedback_.alert_feed().watchers() == 0;
  }));
}

TEST_F(LiveStreamsTest, TheStreamBoundIsShared) {
  config_.max_streams = 1;
  std::unique_ptr<SseClient> first = Open(kAlerts);
  ASSERT_EQ(first->status(), 200);
  TestHttpResponse second = Call("GET", kEvents);
  EXPECT_EQ(second.status, 429);
  EXPECT_EQ(second.Header("retry-after"), "1");
  EXPECT_EQ(ParseError(second.body).reason, "RATE_LIMITED");
}

TEST_F(LiveStreamsTest, ABackendFailureIsTheLastEvent) {
  feedback_.alert_feed().Append(MakeAlert(1));
  feedback_.alert_feed().EndWatchesWith(crm::testing::ServiceStatus(
      absl::UnavailableError("database down"), "feedback"));
  std::unique_ptr<SseClient> client = Open(kAlerts);
  std::optional<SseBlock> alert = client->NextEvent();
  ASSERT_TRUE(alert.has_value());
  EXPECT_EQ(alert->id, "1");
  std::optional<SseBlock> error = client->NextEvent();
  ASSERT_TRUE(error.has_value());
  EXPECT_EQ(error->type, "error");
  EXPECT_EQ(ParseError(error->data).status, "UNAVAILABLE");
  EXPECT_FALSE(client->Next().has_value());
  EXPECT_TRUE(client->ended());
}

TEST_F(LiveStreamsTest, ShutdownEndsStreamsCleanlyAndRefusesNewOnes) {
  std::unique_ptr<SseClient> client = Open(kAlerts);
  ASSERT_EQ(client->status(), 200);
  ASSERT_TRUE(crm::testing::WaitUntil(
      [&] { return feedback_.alert_feed().watchers() == 1; }));
  gateway_->EndStreams();
  while (client->Next().has_value()) {
  }
  EXPECT_TRUE(client->ended());
  EXPECT_EQ(Call("GET", kAlerts).status, 503);
  EXPECT_TRUE(crm::testing::WaitUntil(
      [&] { return Metric(OpenSeries(kAlerts)) == 0; }));
}

// --- The wire format --------------------------------------------------------

TEST(ServerSentEventsTest, FormatsOneEventPerBlock) {
  EXPECT_EQ(streams::SseEvent("42", "alert", R"({"a":1})"),
            "id: 42\nevent: alert\ndata: {\"a\":1}\n\n");
  EXPECT_EQ(streams::SseEvent("1", "", "x\ny\r"),
            "id: 1\ndata: x\ndata: y\n\n");
  EXPECT_EQ(streams::SseEvent("1\n2", "a\nb", "d"),
            "id: 12\nevent: ab\ndata: d\n\n");
  EXPECT_EQ(streams::SseRetry(2000), "retry: 2000\n\n");
}

TEST(ServerSentEventsTest, ResumePositionPrefersTheHeader) {
  common::HttpRequest request;
  EXPECT_EQ(*streams::ResumePosition(request), 0);
  request.query["since"] = "9";
  EXPECT_EQ(*streams::ResumePosition(request), 9);
  request.headers["last-event-id"] = " 12 ";
  EXPECT_EQ(*streams::ResumePosition(request), 12);
  request.headers["last-event-id"] = "";
  EXPECT_EQ(*streams::ResumePosition(request), 9);
  request.headers["last-event-id"] = "+3";
  EXPECT_FALSE(streams::ResumePosition(request).ok());
  request.headers["last-event-id"] = "99999999999999999999";
  EXPECT_FALSE(streams::ResumePosition(request).ok());
}

}  // namespace
}  // namespace crm::gateway
