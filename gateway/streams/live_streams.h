// The live streams: GET /v1/alerts:stream (feedback's WatchAlerts) and
// GET /v1/events:stream (customer-profile's WatchChanges) as server-sent
// events, one backend stream per client.
//
//   LiveStreams streams(clients, metrics, {.heartbeat = absl::Seconds(15)});
//   if (const LiveRoute* route = LiveStreams::Find(path)) {
//     streams.Serve(*route, route_request, responder);  // answers later
//   }
//
// A stream answers 200 text/event-stream at once (a `retry:` hint first),
// then one event per backend message:
//   id: <the message's sequence>
//   event: alert | <ChangeEvent type name, e.g. CUSTOMER_CREATED>
//   data: <the message as one line of JSON (json_printer.h)>
// with personal data masked for analysts (auth/personal_data_mask.h), and a
// `: keep-alive` comment to every stream each `heartbeat`. It starts after
// the client's Last-Event-ID header (or `?since=`; server_sent_events.h).
//
// A slow client never holds up anyone: each client's events are read from
// its own backend call as they come and queued for its connection; when
// `max_queued_events` of them (heartbeats included) are waiting to be
// written, the gateway stops that client's backend call and ends its stream
// (counted in crm_http_streams_slow_client_total{route}); the client
// reconnects with Last-Event-ID. A stream also ends when the client leaves
// (the backend call is cancelled), at `timeout` or the caller's earlier
// X-Request-Timeout, when the backend fails (an `event: error` whose data is
// the JSON error body comes first) and on EndAll() (shutdown). Streams open
// at once are bounded by `max_streams`, counted together with
// `other_open_streams` (the transcoded streams): one more is 429
// RATE_LIMITED with Retry-After: 1. Open streams are the gauge
// crm_http_open_streams{route}. Thread-safe.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <thread>
#include <vector>

#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "gateway/backend_clients.h"
#include "gateway/router.h"
#include "services/common/http_server.h"
#include "services/common/metrics.h"

namespace crm::gateway::streams {

inline constexpr char kOpenStreamsMetric[] = "crm_http_open_streams";
inline constexpr char kSlowClientStreamsMetric[] =
    "crm_http_streams_slow_client_total";

struct LiveStreamOptions {
  // A `: keep-alive` comment to every open stream this often.
  absl::Duration heartbeat = absl::Seconds(15);
  // Events (and heartbeats) a client may have waiting to be written before
  // its stream is ended.
  int max_queued_events = 256;
  // Deadline of a stream's backend call.
  absl::Duration timeout = absl::Hours(1);
  // Streams open at once (with other_open_streams); 0: no bound.
  int max_streams = 200;
  // The `retry:` hint sent first: a client's reconnection delay.
  int64_t retry_milliseconds = 2000;
};

// One live stream route.
struct LiveRoute {
  enum class Feed { kAlerts, kEvents };
  Feed feed;
  const char* path;           // "/v1/alerts:stream", also the metrics label.
  const char* access_method;  // Its rule in auth/access_rules.cc.
  const char* backend;        // "feedback"
};

class LiveStreams {
 public:
  // `clients` and `metrics` must outlive this. `other_open_streams` (may be
  // null) counts the streams served elsewhere against max_streams.
  LiveStreams(const BackendClients& clients, common::Metrics& metrics,
              LiveStreamOptions options,
              std::function<int()> other_open_streams = nullptr);
  LiveStreams(const LiveStreams&) = delete;
  LiveStreams& operator=(const LiveStreams&) = delete;
  // Ends every stream and waits for their backend calls to finish.
  ~LiveStreams();

  // The route served at `path`, or null.
  static const LiveRoute* Find(absl::string_view path);
  // Every route.
  static const std::vector<LiveRoute>& Routes();

  // Serves one client (already authorised) on `route`: an error response at
  // once (a bad resume position or query parameter 400, the stream bound
  // 429, shutting down 503), else the stream. `request` is used only until
  // Serve returns.
  void Serve(const LiveRoute& route, const RouteRequest& request,
             std::shared_ptr<common::HttpResponder> responder);

  // Ends every open stream (the chunked body is terminated; clients
  // reconnect elsewhere) and refuses new ones with 503. Idempotent.
  void EndAll();

  int open_streams() const;

 private:
  class Client;
  template <typename Request, typename Message>
  class FeedReader;

  // Registers `client` unless the bound or shutdown refuses it (then the
  // error to answer).
  absl::Status Admit(const std::shared_ptr<Client>& client);
  void Remove(const Client& client);
  void CountSlowClient(const LiveRoute& route);
  void SetOpenGauge(const LiveRoute& route, int open)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  void SendHeartbeats();

  const BackendClients& clients_;
  common::Metrics& metrics_;
  const LiveStreamOptions options_;
  const std::function<int()> other_open_streams_;

  mutable absl::Mutex mu_;
  std::map<const Client*, std::shared_ptr<Client>> open_ ABSL_GUARDED_BY(mu_);
  std::map<const LiveRoute*, int> open_by_route_ ABSL_GUARDED_BY(mu_);
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  bool stop_heartbeats_ ABSL_GUARDED_BY(mu_) = false;
  std::thread heartbeats_;
};

}  // namespace crm::gateway::streams
