#include "services/common/http_server.h"

#include <algorithm>
#include <array>
#include <atomic>
#include <boost/asio/dispatch.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <deque>
#include <exception>
#include <functional>
#include <optional>
#include <string>
#include <thread>
#include <unordered_map>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "crm/type/v1/error_reason.pb.h"
#include "services/common/error_details.h"
#include "services/common/http_json_error.h"
#include "services/common/logging.h"
#include "services/common/request_trace.h"

namespace crm::common {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = boost::beast::http;
using tcp = boost::asio::ip::tcp;

using BeastRequest = http::request<http::string_body>;

// How long a connection that is being closed after an error response keeps
// reading (and discarding) what the client still sends, so that the client
// sees the response instead of a connection reset.
constexpr auto kLingerTime = std::chrono::seconds(1);
constexpr size_t kLingerMaxBytes = 4 << 20;

std::chrono::steady_clock::duration ToChrono(absl::Duration d) {
  if (d <= absl::ZeroDuration()) return std::chrono::milliseconds(1);
  return absl::ToChronoNanoseconds(d);
}

absl::string_view ToAbsl(beast::string_view s) {
  return absl::string_view(s.data(), s.size());
}

// A request id for an error the server answers itself: the client's
// x-request-id when it is 1..128 printable ASCII characters, else a new one.
std::string ErrorRequestId(absl::string_view client_value) {
  bool valid = !client_value.empty() && client_value.size() <= 128;
  for (char c : client_value) valid = valid && c >= 0x20 && c <= 0x7e;
  return valid ? std::string(client_value) : NewRequestId();
}

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// Percent-decodes `in`; with `plus_is_space` a '+' decodes to ' ' (query
// strings). False on a malformed escape.
bool PercentDecode(absl::string_view in, bool plus_is_space, std::string* out) {
  out->clear();
  out->reserve(in.size());
  for (size_t i = 0; i < in.size(); ++i) {
    char c = in[i];
    if (c == '%') {
      if (i + 2 >= in.size()) return false;
      int hi = HexValue(in[i + 1]);
      int lo = HexValue(in[i + 2]);
      if (hi < 0 || lo < 0) return false;
      out->push_back(static_cast<char>(hi * 16 + lo));
      i += 2;
    } else if (c == '+' && plus_is_space) {
      out->push_back(' ');
    } else {
      out->push_back(c);
    }
  }
  return true;
}

// Fills path and query of `request` from its target. An error message when
// the target is not an origin-form target or has a malformed escape.
std::optional<std::string> ParseTarget(HttpRequest& request) {
  absl::string_view target = request.target;
  if (target.empty() || target.front() != '/') {
    return "request target must be an absolute path";
  }
  size_t question = target.find('?');
  absl::string_view raw_path = target.substr(0, question);
  if (!PercentDecode(raw_path, /*plus_is_space=*/false, &request.path)) {
    return "malformed percent-encoding in the request path";
  }
  if (question == absl::string_view::npos) return std::nullopt;
  absl::string_view raw_query = target.substr(question + 1);
  size_t fragment = raw_query.find('#');
  if (fragment != absl::string_view::npos) {
    raw_query = raw_query.substr(0, fragment);
  }
  while (!raw_query.empty()) {
    size_t amp = raw_query.find('&');
    absl::string_view pair = raw_query.substr(0, amp);
    raw_query = amp == absl::string_view::npos ? absl::string_view()
                                               : raw_query.substr(amp + 1);
    if (pair.empty()) continue;
    size_t eq = pair.find('=');
    absl::string_view raw_key = pair.substr(0, eq);
    absl::string_view raw_value = eq == absl::string_view::npos
                                      ? absl::string_view()
                                      : pair.substr(eq + 1);
    std::string key, value;
    if (!PercentDecode(raw_key, /*plus_is_space=*/true, &key) ||
        !PercentDecode(raw_value, /*plus_is_space=*/true, &value)) {
      return "malformed percent-encoding in the query string";
    }
    request.query[std::move(key)] = std::move(value);
  }
  return std::nullopt;
}

bool HasLineBreak(absl::string_view s) {
  return s.find_first_of("\r\n") != absl::string_view::npos;
}

// State shared by the server object and its sessions; sessions keep it
// alive while their handlers are still queued on the io_context.
struct ServerState {
  // Outlives every session (each holds the state): a responder may keep its
  // session alive on another thread after the server object is gone, and a
  // session's stream must be destroyed before the io_context it uses.
  asio::io_context io_context;
  HttpServerOptions options;
  AsyncHttpHandler handler;
  std::atomic<bool> stopping{false};

  absl::Mutex mu;
  // Sessions between the first byte of a request and the end of writing
  // its response.
  int busy ABSL_GUARDED_BY(mu) = 0;
  // Every live session, to close them on shutdown.
  std::unordered_map<void*, std::function<void(bool)>> closers
      ABSL_GUARDED_BY(mu);
};

class Session;

// The HttpResponder of one request: forwards the answer to the session's
// strand; answers 500 if dropped unanswered and ends an unfinished stream.
class Responder final : public HttpResponder {
 public:
  explicit Responder(std::shared_ptr<Session> session)
      : session_(std::move(session)) {}
  ~Responder() override;

  void Send(HttpResponse response) override;
  void StartStream(HttpResponse head,
                   std::function<void()> on_client_gone) override;
  void WriteChunk(std::string data, std::function<void(bool)> written) override;
  void EndStream() override;

 private:
  std::shared_ptr<Session> session_;
  std::atomic<bool> answered_{false};
  std::atomic<bool> streaming_{false};
  std::atomic<bool> ended_{false};
};

class Session : public std::enable_shared_from_this<Session> {
 public:
  Session(tcp::socket socket, std::shared_ptr<ServerState> state)
      : state_(std::move(state)), stream_(std::move(socket)) {}

  ~Session() {
    absl::MutexLock lock(&state_->mu);
    if (busy_) --state_->busy;
    state_->closers.erase(this);
  }

  void Start() {
    beast::error_code ec;
    tcp::endpoint remote = stream_.socket().remote_endpoint(ec);
    if (!ec) {
      remote_address_ =
          absl::StrCat(remote.address().to_string(), ":", remote.port());
    }
    stream_.socket().set_option(tcp::no_delay(true), ec);
    {
      // The closer runs on the session's strand; `only_idle` closes the
      // connection only while it waits for a request.
      std::weak_ptr<Session> weak = weak_from_this();
      absl::MutexLock lock(&state_->mu);
      state_->closers[this] = [weak](bool only_idle) {
        if (std::shared_ptr<Session> self = weak.lock()) {
          asio::post(self->stream_.get_executor(), [self, only_idle] {
            // A stream has no natural end: it closes at once.
            if (only_idle && self->busy_ && !self->streaming_) return;
            self->Close();
          });
        }
      };
    }
    asio::dispatch(stream_.get_executor(),
                   beast::bind_front_handler(&Session::WaitForRequest,
                                             shared_from_this()));
  }

 private:
  void SetBusy(bool busy) {
    if (busy == busy_) return;
    busy_ = busy;
    absl::MutexLock lock(&state_->mu);
    state_->busy += busy ? 1 : -1;
  }

  // Waits, up to the idle timeout, for the first bytes of the next request.
  void WaitForRequest() {
    SetBusy(false);
    if (state_->stopping) return Close();
    if (buffer_.size() > 0) return ReadRequest();  // Pipelined request.
    stream_.expires_after(ToChrono(state_->options.idle_timeout));
    stream_.async_read_some(
        buffer_.prepare(8192),
        [self = shared_from_this()](beast::error_code ec, size_t n) {
          if (ec) return self->Close();
          self->buffer_.commit(n);
          self->ReadRequest();
        });
  }

  void ReadRequest() {
    SetBusy(true);
    parser_.emplace();
    parser_->body_limit(state_->options.max_body_bytes);
    parser_->header_limit(static_cast<std::uint32_t>(
        std::min<size_t>(state_->options.max_header_bytes, UINT32_MAX)));
    stream_.expires_after(ToChrono(state_->options.read_timeout));
    http::async_read_header(
        stream_, buffer_, *parser_,
        beast::bind_front_handler(&Session::OnHeader, shared_from_this()));
  }

  // Headers are in (a declared oversized body has already failed with
  // body_limit); answers `Expect: 100-continue` before reading the body.
  void OnHeader(beast::error_code ec, size_t) {
    if (ec) return OnRead(ec, 0);
    const auto& header = parser_->get();
    bool wants_continue =
        header.version() == 11 &&
        beast::iequals(header[http::field::expect], "100-continue") &&
        !parser_->is_done();
    if (!wants_continue) return ReadBody();
    static constexpr char kContinue[] = "HTTP/1.1 100 Continue\r\n\r\n";
    asio::async_write(
        stream_, asio::buffer(kContinue, sizeof(kContinue) - 1),
        [self = shared_from_this()](beast::error_code ec, size_t) {
          if (ec) return self->Close();
          self->ReadBody();
        });
  }

  void ReadBody() {
    http::async_read(
        stream_, buffer_, *parser_,
        beast::bind_front_handler(&Session::OnRead, shared_from_this()));
  }

  void OnRead(beast::error_code ec, size_t) {
    if (ec == http::error::body_limit) {
      return SendError(
          413,
          ErrorWithReason(absl::ResourceExhaustedError(absl::StrCat(
                              "request body exceeds ",
                              state_->options.max_body_bytes, " bytes")),
                          ::crm::type::v1::REQUEST_TOO_LARGE,
                          {{"limit_bytes",
                            std::to_string(state_->options.max_body_bytes)}}));
    }
    if (ec == http::error::header_limit) {
      return SendError(
          431, ErrorWithReason(
                   absl::InvalidArgumentError(absl::StrCat(
                       "request headers exceed ",
                       state_->options.max_header_bytes, " bytes")),
                   ::crm::type::v1::REQUEST_TOO_LARGE,
                   {{"limit_bytes",
                     std::to_string(state_->options.max_header_bytes)}}));
    }
    if (ec == http::error::end_of_stream ||
        ec == http::error::partial_message) {
      return Close();
    }
    if (ec && ec.category() ==
                  http::make_error_code(http::error::bad_method).category()) {
      return SendError(
          400, ErrorWithReason(absl::InvalidArgumentError(absl::StrCat(
                                   "malformed HTTP request: ", ec.message())),
                               ::crm::type::v1::BODY_MALFORMED));
    }
    if (ec) return Close();  // Timeout or a network error.

    BeastRequest beast_request = parser_->release();
    parser_.reset();
    keep_alive_ = beast_request.keep_alive();
    version_ = beast_request.version();

    request_ = HttpRequest();
    HttpRequest& request = request_;
    request.method = std::string(ToAbsl(beast_request.method_string()));
    request.target = std::string(ToAbsl(beast_request.target()));
    for (const auto& field : beast_request) {
      std::string name = absl::AsciiStrToLower(ToAbsl(field.name_string()));
      std::string& value = request.headers[name];
      if (!value.empty()) value.append(", ");
      value.append(field.value().data(), field.value().size());
    }
    auto request_id = request.headers.find(kRequestIdHeader);
    if (request_id != request.headers.end()) {
      error_request_id_ = request_id->second;
    }
    if (std::optional<std::string> error = ParseTarget(request)) {
      return SendError(400, InvalidFieldError("request_target", *error));
    }
    request.body = std::move(beast_request.body());
    request.remote_address = remote_address_;

    // The responder may answer inline (on this strand) or from another
    // thread later; nothing below may touch the session's state.
    auto responder = std::make_shared<Responder>(shared_from_this());
    try {
      state_->handler(request, responder);
    } catch (const std::exception& e) {
      LogError("http handler threw",
               {{"method", request.method}, {"error", e.what()}});
      responder->Send(InternalError());
    } catch (...) {
      LogError("http handler threw", {{"method", request.method}});
      responder->Send(InternalError());
    }
  }

 public:
  // The answer of the handler, on the session's strand.
  void Respond(HttpResponse response) {
    error_request_id_.clear();
    Send(std::move(response), /*close_after=*/false);
  }

  void BeginStream(HttpResponse head, std::function<void()> on_client_gone) {
    error_request_id_.clear();
    streaming_ = true;
    on_client_gone_ = std::move(on_client_gone);
    chunked_ = version_ != 10;
    keep_alive_ = false;
    // A stream lasts as long as the backend call; the client's departure is
    // seen by the read below, not by a timeout.
    stream_.expires_never();
    auto buffers = std::make_shared<std::vector<std::string>>();
    buffers->push_back(SerializeHead(head, /*body_size=*/std::nullopt));
    outbox_.push_back({std::move(buffers), nullptr});
    WatchForDisconnect();
    PumpOutbox();
  }

  void QueueChunk(std::string data, std::function<void(bool)> written) {
    if (!streaming_ || stream_closed_) {
      if (written) written(false);
      return;
    }
    if (data.empty()) {
      if (written) written(true);
      return;
    }
    auto buffers = std::make_shared<std::vector<std::string>>();
    if (chunked_) {
      char size_line[32];
      int n =
          std::snprintf(size_line, sizeof(size_line), "%zx\r\n", data.size());
      buffers->emplace_back(size_line, n);
      buffers->push_back(std::move(data));
      buffers->emplace_back("\r\n");
    } else {
      buffers->push_back(std::move(data));
    }
    outbox_.push_back({std::move(buffers), std::move(written)});
    PumpOutbox();
  }

  void FinishStream() {
    if (!streaming_ || ending_) return;
    ending_ = true;
    auto buffers = std::make_shared<std::vector<std::string>>();
    if (chunked_) buffers->emplace_back("0\r\n\r\n");
    outbox_.push_back({std::move(buffers), nullptr});
    PumpOutbox();
  }

  // Runs `f` on the session's strand: inline when already there.
  template <typename F>
  void OnStrand(F f) {
    asio::dispatch(stream_.get_executor(), std::move(f));
  }
  // Runs `f` on the session's strand after what is already queued there.
  template <typename F>
  void Post(F f) {
    asio::post(stream_.get_executor(), std::move(f));
  }

  // The handler threw or dropped its responder: 500 INTERNAL_ERROR with
  // the request's id.
  HttpResponse InternalError() {
    HttpResponse response = JsonErrorResponse(
        500, ErrorWithReason(absl::InternalError("internal error"),
                             ::crm::type::v1::INTERNAL_ERROR));
    response.headers.emplace_back(kRequestIdHeader,
                                  ErrorRequestId(error_request_id_));
    return response;
  }

 private:
  struct OutgoingChunk {
    std::shared_ptr<std::vector<std::string>> buffers;
    std::function<void(bool)> written;
  };

  // Writes the queued chunks of a stream one after another; closes after
  // the last one once the stream has ended.
  void PumpOutbox() {
    if (writing_ || stream_closed_) return;
    if (outbox_.empty()) {
      if (ending_) {
        stream_closed_ = true;
        on_client_gone_ = nullptr;
        Close();
      }
      return;
    }
    writing_ = true;
    // The chunk being written leaves the queue: StreamFailed() fails only
    // the queued ones, this one is reported by its own completion.
    in_flight_ = std::move(outbox_.front());
    outbox_.pop_front();
    std::vector<asio::const_buffer> buffers;
    for (const std::string& part : *in_flight_.buffers) {
      buffers.push_back(asio::buffer(part));
    }
    asio::async_write(
        stream_.socket(), buffers,
        [self = shared_from_this()](beast::error_code ec, size_t) {
          self->writing_ = false;
          OutgoingChunk done = std::move(self->in_flight_);
          self->in_flight_ = OutgoingChunk();
          if (done.written) done.written(!ec);
          if (ec) return self->StreamFailed();
          self->PumpOutbox();
        });
  }

  // A read during a stream: the client sends nothing more, so its end (or
  // an error) means it is gone.
  void WatchForDisconnect() {
    stream_.socket().async_read_some(
        buffer_.prepare(4096),
        [self = shared_from_this()](beast::error_code ec, size_t n) {
          if (self->stream_closed_) return;
          if (ec) return self->StreamFailed();
          self->buffer_.commit(n);
          self->buffer_.consume(self->buffer_.size());
          self->WatchForDisconnect();
        });
  }

  void StreamFailed() {
    if (stream_closed_) return;
    stream_closed_ = true;
    for (OutgoingChunk& chunk : outbox_) {
      if (chunk.written) chunk.written(false);
    }
    outbox_.clear();
    if (std::function<void()> gone = std::move(on_client_gone_)) gone();
    Close();
  }

  // Answers an error of the HTTP layer (before any handler ran) and closes
  // the connection.
  void SendError(int http_status, const absl::Status& status) {
    if (version_ == 0) version_ = 11;
    if (error_request_id_.empty() && parser_.has_value()) {
      auto header = parser_->get().find(kRequestIdHeader);
      if (header != parser_->get().end()) {
        error_request_id_ = std::string(ToAbsl(header->value()));
      }
    }
    HttpResponse response = JsonErrorResponse(http_status, status);
    response.headers.emplace_back(kRequestIdHeader,
                                  ErrorRequestId(error_request_id_));
    error_request_id_.clear();
    Send(std::move(response), /*close_after=*/true);
  }

  // The status line and headers of `response`; with `body_size` a
  // Content-Length (none for 1xx, 204 and 304), without it a streamed body
  // (chunked on HTTP/1.1).
  std::string SerializeHead(const HttpResponse& response,
                            std::optional<size_t> body_size) const {
    std::string head;
    head.reserve(256);
    absl::StrAppend(&head, version_ == 10 ? "HTTP/1.0 " : "HTTP/1.1 ",
                    response.status, " ", HttpReasonPhrase(response.status),
                    "\r\nServer: crm\r\nContent-Type: ",
                    HasLineBreak(response.content_type)
                        ? absl::string_view("application/octet-stream")
                        : absl::string_view(response.content_type),
                    "\r\n");
    for (const auto& [name, value] : response.headers) {
      if (name.empty() || HasLineBreak(name) || HasLineBreak(value)) continue;
      absl::StrAppend(&head, name, ": ", value, "\r\n");
    }
    const bool no_body = (response.status >= 100 && response.status < 200) ||
                         response.status == 204 || response.status == 304;
    if (body_size.has_value()) {
      if (!no_body)
        absl::StrAppend(&head, "Content-Length: ", *body_size, "\r\n");
    } else if (chunked_) {
      head.append("Transfer-Encoding: chunked\r\n");
    }
    if (!keep_alive_) {
      head.append("Connection: close\r\n");
    } else if (version_ == 10) {
      head.append("Connection: keep-alive\r\n");
    }
    head.append("\r\n");
    return head;
  }

  void Send(HttpResponse response, bool close_after) {
    keep_alive_ = keep_alive_ && !close_after && !state_->stopping;
    linger_after_write_ = close_after;
    const bool no_body = (response.status >= 100 && response.status < 200) ||
                         response.status == 204 || response.status == 304;
    if (no_body) response.body.clear();
    head_ = SerializeHead(response, response.body.size());
    body_ = std::move(response.body);
    stream_.expires_after(ToChrono(state_->options.read_timeout));
    std::array<asio::const_buffer, 2> buffers = {asio::buffer(head_),
                                                 asio::buffer(body_)};
    asio::async_write(
        stream_, buffers,
        beast::bind_front_handler(&Session::OnWrite, shared_from_this()));
  }

  void OnWrite(beast::error_code ec, size_t) {
    head_.clear();
    body_.clear();
    body_.shrink_to_fit();
    if (ec) return Close();
    if (linger_after_write_) return Linger();
    if (!keep_alive_) return Close();
    WaitForRequest();
  }

  // Half-closes and discards input for a short while before closing, so a
  // client still sending an oversized body reads the error response.
  void Linger() {
    SetBusy(false);
    beast::error_code ec;
    stream_.socket().shutdown(tcp::socket::shutdown_send, ec);
    buffer_.consume(buffer_.size());
    stream_.expires_after(kLingerTime);
    DiscardInput();
  }

  void DiscardInput() {
    stream_.async_read_some(
        buffer_.prepare(16384),
        [self = shared_from_this()](beast::error_code ec, size_t n) {
          self->lingered_bytes_ += n;
          if (ec || self->lingered_bytes_ > kLingerMaxBytes) {
            return self->Close();
          }
          self->DiscardInput();
        });
  }

  void Close() {
    beast::error_code ec;
    stream_.socket().shutdown(tcp::socket::shutdown_both, ec);
    stream_.close();
    SetBusy(false);
  }

  // Declared first so that it is destroyed last: it owns the io_context
  // that `stream_` uses.
  std::shared_ptr<ServerState> state_;
  beast::tcp_stream stream_;
  beast::flat_buffer buffer_;
  std::optional<http::request_parser<http::string_body>> parser_;
  HttpRequest request_;  // Valid until its response is written.
  std::string head_;     // The response being written.
  std::string body_;
  // A streamed response (HttpResponder::StartStream).
  bool streaming_ = false;
  bool chunked_ = false;
  bool writing_ = false;
  bool ending_ = false;
  bool stream_closed_ = false;
  std::deque<OutgoingChunk> outbox_;
  OutgoingChunk in_flight_;
  std::function<void()> on_client_gone_;
  std::string remote_address_;
  unsigned version_ = 11;
  bool keep_alive_ = false;
  bool busy_ = false;
  bool linger_after_write_ = false;
  size_t lingered_bytes_ = 0;
  // The x-request-id the client sent with the request being answered, for
  // the errors the server answers itself.
  std::string error_request_id_;
};

Responder::~Responder() {
  if (streaming_) {
    EndStream();
  } else if (!answered_.exchange(true)) {
    std::shared_ptr<Session> session = session_;
    session->OnStrand(
        [session] { session->Respond(session->InternalError()); });
  }
}

void Responder::Send(HttpResponse response) {
  if (answered_.exchange(true)) return;
  auto answer = std::make_shared<HttpResponse>(std::move(response));
  std::shared_ptr<Session> session = session_;
  session->OnStrand(
      [session, answer] { session->Respond(std::move(*answer)); });
}

void Responder::StartStream(HttpResponse head,
                            std::function<void()> on_client_gone) {
  if (answered_.exchange(true)) return;
  streaming_ = true;
  auto shared_head = std::make_shared<HttpResponse>(std::move(head));
  std::shared_ptr<Session> session = session_;
  session->Post(
      [session, shared_head, gone = std::move(on_client_gone)]() mutable {
        session->BeginStream(std::move(*shared_head), std::move(gone));
      });
}

void Responder::WriteChunk(std::string data,
                           std::function<void(bool)> written) {
  if (!streaming_ || ended_) {
    if (written) written(false);
    return;
  }
  auto shared_data = std::make_shared<std::string>(std::move(data));
  std::shared_ptr<Session> session = session_;
  session->Post([session, shared_data, written = std::move(written)]() mutable {
    session->QueueChunk(std::move(*shared_data), std::move(written));
  });
}

void Responder::EndStream() {
  if (!streaming_ || ended_.exchange(true)) return;
  std::shared_ptr<Session> session = session_;
  session->Post([session] { session->FinishStream(); });
}

class BeastHttpServer final : public HttpServer {
 public:
  BeastHttpServer(const HttpServerOptions& options, AsyncHttpHandler handler)
      : state_(std::make_shared<ServerState>()),
        ioc_(state_->io_context),
        acceptor_(asio::make_strand(ioc_)) {
    state_->options = options;
    state_->handler = std::move(handler);
  }

  ~BeastHttpServer() override { Shutdown(absl::Seconds(5)); }

  absl::Status Listen() {
    beast::error_code ec;
    asio::ip::address address =
        asio::ip::make_address(state_->options.address, ec);
    if (ec) {
      return absl::InvalidArgumentError(absl::StrCat(
          "invalid HTTP bind address \"", state_->options.address, "\""));
    }
    tcp::endpoint endpoint(address,
                           static_cast<unsigned short>(state_->options.port));
    auto fail = [&](absl::string_view what) {
      return absl::UnavailableError(absl::StrCat(
          "cannot listen for HTTP on ", state_->options.address, ":",
          state_->options.port, ": ", what, ": ", ec.message()));
    };
    acceptor_.open(endpoint.protocol(), ec);
    if (ec) return fail("open");
    acceptor_.set_option(asio::socket_base::reuse_address(true), ec);
    if (ec) return fail("set_option");
    acceptor_.bind(endpoint, ec);
    if (ec) return fail("bind");
    acceptor_.listen(asio::socket_base::max_listen_connections, ec);
    if (ec) return fail("listen");
    port_ = acceptor_.local_endpoint(ec).port();
    if (ec) return fail("local_endpoint");
    return absl::OkStatus();
  }

  void Run() {
    Accept();
    int threads = std::max(1, state_->options.threads);
    threads_.reserve(threads);
    for (int i = 0; i < threads; ++i) {
      threads_.emplace_back([this] { ioc_.run(); });
    }
  }

  int port() const override { return port_; }

  void Shutdown(absl::Duration grace) override {
    absl::MutexLock shutdown_lock(&shutdown_mu_);
    if (shut_down_) return;
    shut_down_ = true;
    state_->stopping = true;

    asio::post(acceptor_.get_executor(), [this] {
      beast::error_code ec;
      acceptor_.close(ec);
    });
    CloseSessions(/*only_idle=*/true);

    // In-flight requests finish (their responses carry Connection: close).
    absl::Condition no_busy(
        +[](ServerState* s)
             ABSL_EXCLUSIVE_LOCKS_REQUIRED(s->mu) { return s->busy == 0; },
        state_.get());
    if (state_->mu.LockWhenWithTimeout(no_busy, grace)) {
      // Drained.
    }
    state_->mu.Unlock();

    CloseSessions(/*only_idle=*/false);
    absl::Condition no_sessions(
        +[](ServerState* s) ABSL_EXCLUSIVE_LOCKS_REQUIRED(s->mu) {
          return s->closers.empty();
        },
        state_.get());
    state_->mu.LockWhenWithTimeout(no_sessions, absl::Seconds(1));
    state_->mu.Unlock();

    ioc_.stop();
    for (std::thread& t : threads_) {
      if (t.joinable()) t.join();
    }
    threads_.clear();
    // The close posted above may not have run before the stop; with no
    // thread left, close here so the port refuses connections from now on.
    beast::error_code ec;
    acceptor_.close(ec);
  }

 private:
  void Accept() {
    acceptor_.async_accept(asio::make_strand(ioc_), [this](beast::error_code ec,
                                                           tcp::socket socket) {
      if (state_->stopping) {
        beast::error_code ignored;
        socket.close(ignored);
        return;
      }
      if (!ec) {
        std::make_shared<Session>(std::move(socket), state_)->Start();
      } else if (ec == asio::error::operation_aborted) {
        return;
      }
      Accept();
    });
  }

  void CloseSessions(bool only_idle) {
    std::vector<std::function<void(bool)>> closers;
    {
      absl::MutexLock lock(&state_->mu);
      for (const auto& [session, closer] : state_->closers) {
        closers.push_back(closer);
      }
    }
    for (const auto& closer : closers) closer(only_idle);
  }

  std::shared_ptr<ServerState> state_;
  asio::io_context& ioc_;  // state_->io_context
  tcp::acceptor acceptor_;
  std::vector<std::thread> threads_;
  int port_ = 0;
  absl::Mutex shutdown_mu_;
  bool shut_down_ ABSL_GUARDED_BY(shutdown_mu_) = false;
};

}  // namespace

absl::StatusOr<std::unique_ptr<HttpServer>> HttpServer::Start(
    const HttpServerOptions& options, HttpHandler handler) {
  return StartAsync(options, [handler = std::move(handler)](
                                 const HttpRequest& request,
                                 std::shared_ptr<HttpResponder> responder) {
    responder->Send(handler(request));
  });
}

absl::StatusOr<std::unique_ptr<HttpServer>> HttpServer::StartAsync(
    const HttpServerOptions& options, AsyncHttpHandler handler) {
  auto server = std::make_unique<BeastHttpServer>(options, std::move(handler));
  absl::Status status = server->Listen();
  if (!status.ok()) return status;
  server->Run();
  return server;
}

absl::string_view HttpReasonPhrase(int status) {
  switch (status) {
    case 100:
      return "Continue";
    case 101:
      return "Switching Protocols";
    case 200:
      return "OK";
    case 201:
      return "Created";
    case 202:
      return "Accepted";
    case 204:
      return "No Content";
    case 206:
      return "Partial Content";
    case 301:
      return "Moved Permanently";
    case 302:
      return "Found";
    case 303:
      return "See Other";
    case 304:
      return "Not Modified";
    case 307:
      return "Temporary Redirect";
    case 308:
      return "Permanent Redirect";
    case 400:
      return "Bad Request";
    case 401:
      return "Unauthorized";
    case 403:
      return "Forbidden";
    case 404:
      return "Not Found";
    case 405:
      return "Method Not Allowed";
    case 406:
      return "Not Acceptable";
    case 408:
      return "Request Timeout";
    case 409:
      return "Conflict";
    case 410:
      return "Gone";
    case 411:
      return "Length Required";
    case 412:
      return "Precondition Failed";
    case 413:
      return "Payload Too Large";
    case 414:
      return "URI Too Long";
    case 415:
      return "Unsupported Media Type";
    case 416:
      return "Range Not Satisfiable";
    case 422:
      return "Unprocessable Entity";
    case 428:
      return "Precondition Required";
    case 429:
      return "Too Many Requests";
    case 431:
      return "Request Header Fields Too Large";
    case 499:
      return "Client Closed Request";
    case 500:
      return "Internal Server Error";
    case 501:
      return "Not Implemented";
    case 502:
      return "Bad Gateway";
    case 503:
      return "Service Unavailable";
    case 504:
      return "Gateway Timeout";
    default:
      return "";
  }
}

}  // namespace crm::common
