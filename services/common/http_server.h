// A small HTTP/1.1 server (Boost.Beast) with keep-alive, used by the gateway
// for its API and by every service for its admin port (/metrics, /healthz,
// /readyz).
//
//   CRM_ASSIGN_OR_RETURN(auto server, HttpServer::Start(
//       {.port = 8080, .threads = 4},
//       [](const HttpRequest& request) {
//         return HttpResponse{.status = 200, .body = "{}"};
//       }));
//   ...
//   server->Shutdown();
//
// A synchronous handler runs on one of the server's threads and may block
// (for example on a gRPC call with a deadline). An asynchronous handler
// (HttpServer::StartAsync) returns at once and answers later, from any
// thread, through its HttpResponder: a whole response, or a stream of
// chunks (server-sent events, newline-delimited JSON):
//
//   HttpServer::StartAsync(options, [](const HttpRequest& request,
//                                      std::shared_ptr<HttpResponder> out) {
//     backend.CallAsync(..., [out](std::string json) {
//       out->Send(HttpResponse{.body = std::move(json)});
//     });
//   });
//
// Every response goes out in one write (status line, headers and body in
// one writev). The server answers some errors
// itself, without calling the handler, in the JSON error shape of
// http_json_error.h and with an x-request-id header (the client's, or a new
// one): a body above max_body_bytes is 413 RESOURCE_EXHAUSTED and headers
// above max_header_bytes 431 INVALID_ARGUMENT (reason REQUEST_TOO_LARGE), a
// malformed request 400 INVALID_ARGUMENT (BODY_MALFORMED; a bad request
// target FIELD_INVALID). Exceptions escaping the handler become 500
// INTERNAL (INTERNAL_ERROR) and are logged.
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"

namespace crm::common {

struct HttpRequest {
  std::string method;  // "GET", "POST", ...
  std::string target;  // Raw request target: path and query.
  std::string path;    // Percent-decoded path without the query.
  // Percent-decoded query parameters; a repeated key keeps the last value.
  std::map<std::string, std::string> query;
  // Header names lower-cased.
  std::map<std::string, std::string> headers;
  std::string body;
  std::string remote_address;  // "127.0.0.1:53211"
};

struct HttpResponse {
  int status = 200;
  std::string content_type = "application/json";
  std::string body;
  std::vector<std::pair<std::string, std::string>> headers;
};

using HttpHandler = std::function<HttpResponse(const HttpRequest&)>;

// How an asynchronous handler answers one request. Thread-safe; every
// method may be called from any thread. The request the handler received
// stays valid until Send() or EndStream() has been called.
class HttpResponder {
 public:
  virtual ~HttpResponder() = default;

  // Answers with a whole response. Only the first Send() or StartStream()
  // counts. A responder dropped without either answers 500 INTERNAL_ERROR.
  virtual void Send(HttpResponse response) = 0;

  // Starts a streamed response: the status line and headers of `head`
  // (its body is ignored), then the chunks of WriteChunk() with chunked
  // transfer encoding (HTTP/1.0: unframed), and the connection closes after
  // EndStream(). `on_client_gone` runs once, on a server thread, when the
  // client disconnects before EndStream() (or the server shuts down).
  virtual void StartStream(HttpResponse head,
                           std::function<void()> on_client_gone) = 0;
  // Queues one chunk after StartStream(); `written` (optional) runs on a
  // server thread once it is written (true) or cannot be (false: the client
  // is gone).
  virtual void WriteChunk(std::string data,
                          std::function<void(bool)> written = nullptr) = 0;
  // Ends the stream after the queued chunks.
  virtual void EndStream() = 0;
};

using AsyncHttpHandler =
    std::function<void(const HttpRequest&, std::shared_ptr<HttpResponder>)>;

struct HttpServerOptions {
  std::string address = "0.0.0.0";
  int port = 0;  // 0 picks a free port; see HttpServer::port().
  int threads = 4;
  size_t max_body_bytes = 1 << 20;
  size_t max_header_bytes = 16 << 10;
  absl::Duration read_timeout = absl::Seconds(30);  // Per request.
  absl::Duration idle_timeout = absl::Seconds(60);  // Between requests.
};

class HttpServer {
 public:
  // Binds and starts serving. UNAVAILABLE naming the address if the port
  // cannot be bound.
  static absl::StatusOr<std::unique_ptr<HttpServer>> Start(
      const HttpServerOptions& options, HttpHandler handler);
  // The same with an asynchronous handler: it is called on a server thread
  // and answers through the responder, at once or later.
  static absl::StatusOr<std::unique_ptr<HttpServer>> StartAsync(
      const HttpServerOptions& options, AsyncHttpHandler handler);

  virtual ~HttpServer() = default;
  // The bound port (useful with port 0).
  virtual int port() const = 0;
  // Stops accepting, lets in-flight requests finish for up to `grace`,
  // closes connections and joins the threads. Idempotent.
  virtual void Shutdown(absl::Duration grace = absl::Seconds(5)) = 0;
};

// Canonical reason phrase, e.g. 404 -> "Not Found".
absl::string_view HttpReasonPhrase(int status);

}  // namespace crm::common
