#include "services/common/http_server.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "absl/synchronization/mutex.h"
#include "absl/synchronization/notification.h"
#include "tests/testing/status_matchers.h"
#include "tests/unit/gateway/error_body.h"
#include "tests/unit/gateway/test_http_client.h"

namespace crm::common {
namespace {

using ::crm::testing::BuildRequest;
using ::crm::testing::ErrorBody;
using ::crm::testing::HttpCall;
using ::crm::testing::ParseErrorBody;
using ::crm::testing::TestHttpConnection;
using ::crm::testing::TestHttpResponse;
using ::testing::HasSubstr;
using ::testing::MatchesRegex;

// Echoes what the server parsed, so tests can check it.
class HttpServerTest : public ::testing::Test {
 protected:
  void StartServer(HttpServerOptions options = {}) {
    options.address = "127.0.0.1";
    options.port = 0;
    options.threads = 2;
    auto server = HttpServer::Start(
        options, [this](const HttpRequest& r) { return Handle(r); });
    ASSERT_THAT(server, crm::testing::IsOk());
    server_ = *std::move(server);
    port_ = server_->port();
    ASSERT_GT(port_, 0);
  }

  HttpResponse Handle(const HttpRequest& request) {
    ++calls_;
    {
      absl::MutexLock lock(&mu_);
      last_request_ = request;
    }
    if (request.path == "/throw") throw std::runtime_error("boom");
    if (request.path == "/slow") {
      std::this_thread::sleep_for(std::chrono::milliseconds(300));
    }
    HttpResponse response;
    response.status = request.path == "/created" ? 201 : 200;
    response.body = request.method + " " + request.path + " " + request.body;
    response.headers.emplace_back("X-Test", "yes");
    return response;
  }

  HttpRequest LastRequest() {
    absl::MutexLock lock(&mu_);
    return last_request_;
  }

  std::unique_ptr<HttpServer> server_;
  int port_ = 0;
  std::atomic<int> calls_{0};
  absl::Mutex mu_;
  HttpRequest last_request_;
};

TEST_F(HttpServerTest, ServesARequest) {
  StartServer();
  std::optional<TestHttpResponse> response =
      HttpCall(port_, "POST", "/echo", "hello", {{"X-Custom", "Value"}});
  ASSERT_TRUE(response.has_value());
  EXPECT_EQ(response->status, 200);
  EXPECT_EQ(response->body, "POST /echo hello");
  EXPECT_EQ(response->Header("server"), "crm");
  EXPECT_EQ(response->Header("content-type"), "application/json");
  EXPECT_EQ(response->Header("content-length"), "16");
  EXPECT_EQ(response->Header("x-test"), "yes");
  HttpRequest seen = LastRequest();
  EXPECT_EQ(seen.headers["x-custom"], "Value");
  EXPECT_THAT(seen.remote_address, HasSubstr("127.0.0.1:"));
}

TEST_F(HttpServerTest, DecodesPathAndQuery) {
  StartServer();
  std::optional<TestHttpResponse> response =
      HttpCall(port_, "GET", "/a%20b/c?x=1&y=a+b&z=%41%2F&flag&x=2");
  ASSERT_TRUE(response.has_value());
  EXPECT_EQ(response->status, 200);
  HttpRequest seen = LastRequest();
  EXPECT_EQ(seen.target, "/a%20b/c?x=1&y=a+b&z=%41%2F&flag&x=2");
  EXPECT_EQ(seen.path, "/a b/c");
  EXPECT_EQ(seen.query["x"], "2");  // The last repeat wins.
  EXPECT_EQ(seen.query["y"], "a b");
  EXPECT_EQ(seen.query["z"], "A/");
  EXPECT_EQ(seen.query.count("flag"), 1u);
}

TEST_F(HttpServerTest, MalformedPercentEncodingIs400) {
  StartServer();
  for (const char* target : {"/bad%zz", "/ok?q=%4", "/x%"}) {
    std::optional<TestHttpResponse> response =
        HttpCall(port_, "GET", target, "", {{"X-Request-Id", "pct-1"}});
    ASSERT_TRUE(response.has_value()) << target;
    EXPECT_EQ(response->status, 400) << target;
    ErrorBody error = ParseErrorBody(response->body);
    EXPECT_EQ(error.reason, "FIELD_INVALID") << target;
    EXPECT_EQ(error.metadata["field"], "request_target") << target;
    EXPECT_EQ(response->Header("x-request-id"), "pct-1") << target;
  }
  EXPECT_EQ(calls_, 0);
}

TEST_F(HttpServerTest, KeepsTheConnectionAliveAcrossRequests) {
  StartServer();
  TestHttpConnection connection(port_);
  ASSERT_TRUE(connection.connected());
  ASSERT_TRUE(connection.Send(BuildRequest("GET", "/one")));
  std::optional<TestHttpResponse> first = connection.ReadResponse();
  ASSERT_TRUE(first.has_value());
  EXPECT_EQ(first->body, "GET /one ");
  std::string first_peer = LastRequest().remote_address;

  ASSERT_TRUE(connection.Send(BuildRequest("POST", "/two", "body")));
  std::optional<TestHttpResponse> second = connection.ReadResponse();
  ASSERT_TRUE(second.has_value());
  EXPECT_EQ(second->body, "POST /two body");
  EXPECT_EQ(LastRequest().remote_address, first_peer);
  EXPECT_EQ(calls_, 2);
}

TEST_F(HttpServerTest, PipelinedRequestsAreAnsweredInOrder) {
  StartServer();
  TestHttpConnection connection(port_);
  ASSERT_TRUE(
      connection.Send(BuildRequest("GET", "/a") + BuildRequest("GET", "/b")));
  std::optional<TestHttpResponse> a = connection.ReadResponse();
  std::optional<TestHttpResponse> b = connection.ReadResponse();
  ASSERT_TRUE(a.has_value() && b.has_value());
  EXPECT_EQ(a->body, "GET /a ");
  EXPECT_EQ(b->body, "GET /b ");
}

TEST_F(HttpServerTest, HonoursConnectionClose) {
  StartServer();
  TestHttpConnection connection(port_);
  ASSERT_TRUE(connection.Send(
      BuildRequest("GET", "/bye", "", {{"Connection", "close"}})));
  std::optional<TestHttpResponse> response = connection.ReadResponse();
  ASSERT_TRUE(response.has_value());
  EXPECT_EQ(response->Header("connection"), "close");
  EXPECT_TRUE(connection.PeerClosed());
}

TEST_F(HttpServerTest, OversizedBodyIs413WithoutCallingTheHandler) {
  HttpServerOptions options;
  options.max_body_bytes = 1024;
  StartServer(options);
  TestHttpConnection connection(port_);
  ASSERT_TRUE(
      connection.Send(BuildRequest("POST", "/big", std::string(64 << 10, 'x'),
                                   {{"X-Request-Id", "big-1"}})));
  std::optional<TestHttpResponse> response = connection.ReadResponse();
  ASSERT_TRUE(response.has_value());
  EXPECT_EQ(response->status, 413);
  ErrorBody error = ParseErrorBody(response->body);
  EXPECT_EQ(error.code, 413);
  EXPECT_EQ(error.status, "RESOURCE_EXHAUSTED");
  EXPECT_EQ(error.reason, "REQUEST_TOO_LARGE");
  EXPECT_EQ(error.metadata["limit_bytes"], "1024");
  EXPECT_EQ(response->Header("content-type"), "application/json");
  EXPECT_EQ(response->Header("x-request-id"), "big-1");
  EXPECT_EQ(calls_, 0);

  // A body at the limit is fine.
  std::optional<TestHttpResponse> ok =
      HttpCall(port_, "POST", "/fits", std::string(1024, 'y'));
  ASSERT_TRUE(ok.has_value());
  EXPECT_EQ(ok->status, 200);
}

TEST_F(HttpServerTest, AnswersExpectContinueBeforeTheBody) {
  HttpServerOptions options;
  options.max_body_bytes = 1024;
  StartServer(options);
  TestHttpConnection connection(port_);
  ASSERT_TRUE(
      connection.Send("POST /up HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n"
                      "Expect: 100-continue\r\n\r\n"));
  std::optional<std::string> interim = connection.ReadHead();
  ASSERT_TRUE(interim.has_value());
  EXPECT_EQ(*interim, "HTTP/1.1 100 Continue\r\n\r\n");
  ASSERT_TRUE(connection.Send("hello"));
  std::optional<TestHttpResponse> response = connection.ReadResponse();
  ASSERT_TRUE(response.has_value());
  EXPECT_EQ(response->status, 200);
  EXPECT_EQ(response->body, "POST /up hello");

  // A declared oversized body is refused before the client sends it.
  TestHttpConnection big(port_);
  ASSERT_TRUE(
      big.Send("POST /up HTTP/1.1\r\nHost: x\r\nContent-Length: 999999\r\n"
               "Expect: 100-continue\r\n\r\n"));
  std::optional<TestHttpResponse> refused = big.ReadResponse();
  ASSERT_TRUE(refused.has_value());
  EXPECT_EQ(refused->status, 413);
  EXPECT_EQ(calls_, 1);
}

TEST_F(HttpServerTest, OversizedHeadersAre431) {
  HttpServerOptions options;
  options.max_header_bytes = 1024;
  StartServer(options);
  std::optional<TestHttpResponse> response =
      HttpCall(port_, "GET", "/", "", {{"X-Big", std::string(4096, 'h')}});
  ASSERT_TRUE(response.has_value());
  EXPECT_EQ(response->status, 431);
  ErrorBody error = ParseErrorBody(response->body);
  EXPECT_EQ(error.status, "INVALID_ARGUMENT");
  EXPECT_EQ(error.reason, "REQUEST_TOO_LARGE");
  EXPECT_THAT(response->Header("x-request-id"), MatchesRegex("[0-9a-f]{32}"));
  EXPECT_EQ(calls_, 0);
}

TEST_F(HttpServerTest, GarbageIs400) {
  StartServer();
  for (const std::string& garbage :
       {std::string("GARBAGE\r\n\r\n"),
        std::string("\x01\x02\x03 / HTTP/1.1\r\n\r\n"),
        std::string("GET / HTTP/9.x\r\n\r\n"),
        std::string("POST / HTTP/1.1\r\nContent-Length: nope\r\n\r\n")}) {
    TestHttpConnection connection(port_);
    ASSERT_TRUE(connection.Send(garbage));
    std::optional<TestHttpResponse> response = connection.ReadResponse();
    ASSERT_TRUE(response.has_value()) << garbage;
    EXPECT_EQ(response->status, 400) << garbage;
    ErrorBody error = ParseErrorBody(response->body);
    EXPECT_EQ(error.status, "INVALID_ARGUMENT") << garbage;
    EXPECT_EQ(error.reason, "BODY_MALFORMED") << garbage;
    EXPECT_FALSE(response->Header("x-request-id").empty()) << garbage;
    EXPECT_TRUE(connection.PeerClosed());
  }
  EXPECT_EQ(calls_, 0);
  // The server still works.
  std::optional<TestHttpResponse> ok = HttpCall(port_, "GET", "/after");
  ASSERT_TRUE(ok.has_value());
  EXPECT_EQ(ok->status, 200);
}

TEST_F(HttpServerTest, HandlerExceptionIs500) {
  StartServer();
  std::optional<TestHttpResponse> response = HttpCall(port_, "GET", "/throw");
  ASSERT_TRUE(response.has_value());
  EXPECT_EQ(response->status, 500);
  ErrorBody error = ParseErrorBody(response->body);
  EXPECT_EQ(error.status, "INTERNAL");
  EXPECT_EQ(error.reason, "INTERNAL_ERROR");
  EXPECT_FALSE(response->Header("x-request-id").empty());
  EXPECT_THAT(response->body, ::testing::Not(HasSubstr("boom")));
  std::optional<TestHttpResponse> after = HttpCall(port_, "GET", "/ok");
  ASSERT_TRUE(after.has_value());
  EXPECT_EQ(after->status, 200);
}

TEST_F(HttpServerTest, UsesTheHandlersStatusAndReasonPhrase) {
  StartServer();
  std::optional<TestHttpResponse> response = HttpCall(port_, "GET", "/created");
  ASSERT_TRUE(response.has_value());
  EXPECT_EQ(response->status, 201);
}

TEST_F(HttpServerTest, ClosesIdleConnections) {
  HttpServerOptions options;
  options.idle_timeout = absl::Milliseconds(200);
  StartServer(options);
  TestHttpConnection connection(port_);
  ASSERT_TRUE(connection.connected());
  EXPECT_TRUE(connection.PeerClosed(3000));
}

TEST_F(HttpServerTest, ShutdownIsIdempotentAndStopsAccepting) {
  StartServer();
  ASSERT_TRUE(HttpCall(port_, "GET", "/x").has_value());
  TestHttpConnection idle(port_);
  ASSERT_TRUE(idle.connected());
  server_->Shutdown(absl::Seconds(1));
  server_->Shutdown(absl::Seconds(1));
  EXPECT_TRUE(idle.PeerClosed());
  TestHttpConnection refused(port_);
  EXPECT_FALSE(refused.connected());
  server_.reset();  // The destructor after Shutdown is fine too.
}

TEST_F(HttpServerTest, ShutdownLetsInFlightRequestsFinish) {
  StartServer();
  TestHttpConnection connection(port_);
  ASSERT_TRUE(connection.Send(BuildRequest("GET", "/slow")));
  // Wait until the handler has started.
  for (int i = 0; i < 200 && calls_ == 0; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  ASSERT_EQ(calls_, 1);
  server_->Shutdown(absl::Seconds(5));
  std::optional<TestHttpResponse> response = connection.ReadResponse();
  ASSERT_TRUE(response.has_value());
  EXPECT_EQ(response->status, 200);
  EXPECT_EQ(response->Header("connection"), "close");
}

// Answers every request from a thread of its own, as the gateway answers
// from its backend calls' completion queue.
class AsyncHttpServerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    HttpServerOptions options;
    options.address = "127.0.0.1";
    options.port = 0;
    options.threads = 1;
    auto server = HttpServer::StartAsync(
        options, [this](const HttpRequest& request,
                        std::shared_ptr<HttpResponder> responder) {
          HttpResponse response;
          response.status = 200;
          const auto size = request.query.find("size");
          if (size != request.query.end()) {
            response.body.assign(std::stoul(size->second), 'x');
          } else {
            response.body = request.method + " " + request.path;
          }
          ++calls_;
          absl::MutexLock lock(&mu_);
          answerers_.emplace_back(
              [responder, response = std::move(response)]() mutable {
                responder->Send(std::move(response));
              });
        });
    ASSERT_THAT(server, crm::testing::IsOk());
    server_ = *std::move(server);
  }

  void TearDown() override {
    server_->Shutdown(absl::Seconds(1));
    absl::MutexLock lock(&mu_);
    for (std::thread& answerer : answerers_) answerer.join();
  }

  std::unique_ptr<HttpServer> server_;
  std::atomic<int> calls_{0};
  absl::Mutex mu_;
  std::vector<std::thread> answerers_;
};

TEST_F(AsyncHttpServerTest, AnswersFromAnotherThreadKeepTheConnection) {
  TestHttpConnection connection(server_->port());
  ASSERT_TRUE(connection.connected());
  for (int i = 0; i < 20; ++i) {
    const std::string path = "/call" + std::to_string(i);
    ASSERT_TRUE(connection.Send(BuildRequest("GET", path)));
    std::optional<TestHttpResponse> response = connection.ReadResponse();
    ASSERT_TRUE(response.has_value()) << i;
    EXPECT_EQ(response->status, 200);
    EXPECT_EQ(response->body, "GET " + path);
  }
  EXPECT_EQ(calls_, 20);
}

// 16 MB does not fit the socket's send buffer: what the answering thread
// cannot write at once is written by the server, and the connection then
// serves the next request.
TEST_F(AsyncHttpServerTest, LargeAnswerFromAnotherThreadIsWrittenWhole) {
  TestHttpConnection connection(server_->port());
  ASSERT_TRUE(connection.connected());
  constexpr size_t kSize = 16 << 20;
  ASSERT_TRUE(connection.Send(
      BuildRequest("GET", "/big?size=" + std::to_string(kSize))));
  std::optional<TestHttpResponse> big = connection.ReadResponse();
  ASSERT_TRUE(big.has_value());
  EXPECT_EQ(big->body.size(), kSize);
  EXPECT_EQ(big->body.find_first_not_of('x'), std::string::npos);

  ASSERT_TRUE(connection.Send(BuildRequest("GET", "/after")));
  std::optional<TestHttpResponse> after = connection.ReadResponse();
  ASSERT_TRUE(after.has_value());
  EXPECT_EQ(after->body, "GET /after");
}

TEST_F(AsyncHttpServerTest, PipelinedRequestsAnsweredFromAnotherThread) {
  TestHttpConnection connection(server_->port());
  ASSERT_TRUE(connection.Send(BuildRequest("GET", "/a") +
                              BuildRequest("GET", "/b") +
                              BuildRequest("GET", "/c")));
  for (const char* path : {"/a", "/b", "/c"}) {
    std::optional<TestHttpResponse> response = connection.ReadResponse();
    ASSERT_TRUE(response.has_value()) << path;
    EXPECT_EQ(response->body, std::string("GET ") + path);
  }
}

TEST(HttpServerStartTest, ReportsAPortInUse) {
  HttpServerOptions options;
  options.address = "127.0.0.1";
  auto first = HttpServer::Start(
      options, [](const HttpRequest&) { return HttpResponse{}; });
  ASSERT_THAT(first, crm::testing::IsOk());
  options.port = (*first)->port();
  auto second = HttpServer::Start(
      options, [](const HttpRequest&) { return HttpResponse{}; });
  EXPECT_THAT(second, crm::testing::StatusIs(absl::StatusCode::kUnavailable));

  options.address = "not-an-address";
  options.port = 0;
  EXPECT_FALSE(HttpServer::Start(options, [](const HttpRequest&) {
                 return HttpResponse{};
               }).ok());
}

TEST(HttpReasonPhraseTest, KnownAndUnknown) {
  EXPECT_EQ(HttpReasonPhrase(200), "OK");
  EXPECT_EQ(HttpReasonPhrase(404), "Not Found");
  EXPECT_EQ(HttpReasonPhrase(413), "Payload Too Large");
  EXPECT_EQ(HttpReasonPhrase(499), "Client Closed Request");
  EXPECT_EQ(HttpReasonPhrase(503), "Service Unavailable");
  EXPECT_EQ(HttpReasonPhrase(799), "");
}

}  // namespace
}  // namespace crm::common
