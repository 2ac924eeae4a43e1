#include "gateway/streams/live_streams.h"

#include <grpcpp/support/client_callback.h>

#include <algorithm>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "crm/customerprofile/v1/change_event.pb.h"
#include "crm/customerprofile/v1/customer_profile_service.grpc.pb.h"
#include "crm/feedback/v1/alert.pb.h"
#include "crm/feedback/v1/feedback_service.grpc.pb.h"
#include "gateway/auth/personal_data_mask.h"
#include "gateway/http_errors.h"
#include "gateway/json_printer.h"
#include "gateway/route_support.h"
#include "gateway/streams/server_sent_events.h"
#include "services/common/logging.h"

namespace crm::gateway::streams {
namespace {

namespace cp = ::crm::customerprofile::v1;
namespace fb = ::crm::feedback::v1;

constexpr char kEventStreamType[] = "text/event-stream";
// How long the destructor waits for the backend calls it cancelled.
constexpr absl::Duration kDrainTimeout = absl::Seconds(15);

// What identifies each feed's messages as events.
std::string EventId(const fb::Alert& alert) {
  return absl::StrCat(alert.sequence());
}
std::string EventType(const fb::Alert&) { return "alert"; }
std::string EventId(const cp::ChangeEvent& event) {
  return absl::StrCat(event.sequence());
}
std::string EventType(const cp::ChangeEvent& event) {
  return cp::ChangeEvent::Type_Name(event.type());
}

}  // namespace

// One client's side of a stream: its HTTP responder, the count of chunks
// handed to the connection and not yet written (the bounded queue), and
// the backend call's context, to cancel it. Shared by the backend reader,
// the heartbeats and the HTTP server's disconnect notice.
class LiveStreams::Client : public std::enable_shared_from_this<Client> {
 public:
  enum class Push { kQueued, kQueueFull, kClosed };

  Client(const LiveRoute& route, std::shared_ptr<common::HttpResponder> out,
         int max_queued, bool mask_personal_data)
      : route_(route),
        out_(std::move(out)),
        max_queued_(max_queued),
        mask_personal_data_(mask_personal_data) {}

  const LiveRoute& route() const { return route_; }
  bool mask_personal_data() const { return mask_personal_data_; }

  // Sends the status line and headers; a client leaving cancels the call.
  void StartHttpStream() {
    {
      absl::MutexLock lock(&mu_);
      started_ = true;
    }
    common::HttpResponse head;
    head.content_type = kEventStreamType;
    head.headers.emplace_back("Cache-Control", "no-cache");
    // Proxies that buffer responses (nginx) pass this one through at once.
    head.headers.emplace_back("X-Accel-Buffering", "no");
    out_->StartStream(std::move(head), [weak = weak_from_this()] {
      if (auto self = weak.lock()) self->Cancel();
    });
  }

  // Hands `chunk` to the connection unless the client has
  // max_queued_events waiting already (kQueueFull: the stream is closed to
  // further chunks from then on) or the stream is closed. Before
  // StartHttpStream (a heartbeat) the chunk is dropped.
  Push Queue(std::string chunk) {
    {
      absl::MutexLock lock(&mu_);
      if (closed_) return Push::kClosed;
      if (!started_) return Push::kQueued;
      if (queued_ >= max_queued_) {
        closed_ = true;
        return Push::kQueueFull;
      }
      ++queued_;
    }
    out_->WriteChunk(std::move(chunk), [weak = weak_from_this()](bool written) {
      if (auto self = weak.lock()) {
        absl::MutexLock lock(&self->mu_);
        --self->queued_;
        if (!written) self->closed_ = true;
      }
    });
    return Push::kQueued;
  }

  // The stream's last event, whatever the queue holds; nothing once the
  // stream is closed.
  void QueueLast(std::string chunk) {
    {
      absl::MutexLock lock(&mu_);
      if (closed_) return;
      closed_ = true;
    }
    out_->WriteChunk(std::move(chunk));
  }

  // Ends the HTTP stream after what is queued. Idempotent.
  void End() {
    {
      absl::MutexLock lock(&mu_);
      if (ended_) return;
      ended_ = closed_ = true;
    }
    out_->EndStream();
  }

  void set_context(std::shared_ptr<grpc::ClientContext> context) {
    absl::MutexLock lock(&mu_);
    context_ = std::move(context);
  }
  void ReleaseContext() { set_context(nullptr); }

  // Cancels the backend call (its OnDone then ends the stream); a no-op
  // once it is done. Outside the lock: gRPC may run OnDone inline.
  void Cancel() {
    std::shared_ptr<grpc::ClientContext> context;
    {
      absl::MutexLock lock(&mu_);
      context = context_;
    }
    if (context != nullptr) context->TryCancel();
  }

 private:
  const LiveRoute& route_;
  const std::shared_ptr<common::HttpResponder> out_;
  const int max_queued_;
  const bool mask_personal_data_;
  absl::Mutex mu_;
  int queued_ ABSL_GUARDED_BY(mu_) = 0;
  bool started_ ABSL_GUARDED_BY(mu_) = false;
  bool closed_ ABSL_GUARDED_BY(mu_) = false;
  bool ended_ ABSL_GUARDED_BY(mu_) = false;
  std::shared_ptr<grpc::ClientContext> context_ ABSL_GUARDED_BY(mu_);
};

// Reads one backend stream into one client's events; deletes itself when
// the call is done.
template <typename Request, typename Message>
class LiveStreams::FeedReader final : public grpc::ClientReadReactor<Message> {
 public:
  FeedReader(LiveStreams& streams, std::shared_ptr<Client> client,
             Request request)
      : streams_(streams),
        client_(std::move(client)),
        request_(std::move(request)) {}

  const Request* request() const { return &request_; }

  void Begin() {
    this->StartRead(&message_);
    this->StartCall();
  }

  void OnReadDone(bool ok) override {
    if (!ok) return;  // The call ended: OnDone follows.
    if (client_->mask_personal_data()) auth::MaskPersonalData(&message_);
    std::string json;
    if (absl::Status printed = AppendMessageJson(message_, &json);
        !printed.ok()) {
      common::LogError("cannot encode a live stream event",
                       {{"route", client_->route().path},
                        {"error", std::string(printed.message())}});
      client_->Cancel();
      return;
    }
    switch (client_->Queue(
        SseEvent(EventId(message_), EventType(message_), json))) {
      case Client::Push::kQueued:
        message_.Clear();
        this->StartRead(&message_);
        return;
      case Client::Push::kQueueFull:
        streams_.CountSlowClient(client_->route());
        client_->Cancel();
        return;
      case Client::Push::kClosed:
        client_->Cancel();
        return;
    }
  }

  void OnDone(const grpc::Status& status) override {
    // The gateway's own ends (client gone, queue full, shutdown: CANCELLED;
    // the stream's deadline) close the stream without an error event.
    if (!status.ok() && status.error_code() != grpc::StatusCode::CANCELLED &&
        status.error_code() != grpc::StatusCode::DEADLINE_EXCEEDED) {
      common::HttpResponse error =
          ErrorFromGrpc(status, client_->route().backend);
      client_->QueueLast(
          absl::StrCat("event: error\ndata: ", error.body, "\n\n"));
    }
    client_->End();
    client_->ReleaseContext();
    LiveStreams& streams = streams_;
    std::shared_ptr<Client> client = std::move(client_);
    delete this;
    streams.Remove(*client);
  }

 private:
  LiveStreams& streams_;
  std::shared_ptr<Client> client_;
  const Request request_;
  Message message_;
};

const std::vector<LiveRoute>& LiveStreams::Routes() {
  static const std::vector<LiveRoute>* routes = new std::vector<LiveRoute>{
      {LiveRoute::Feed::kAlerts, "/v1/alerts:stream",
       "crm.gateway.v1.AlertStream", kFeedbackBackend},
      {LiveRoute::Feed::kEvents, "/v1/events:stream",
       "crm.gateway.v1.EventStream", kCustomerProfileBackend},
  };
  return *routes;
}

const LiveRoute* LiveStreams::Find(absl::string_view path) {
  for (const LiveRoute& route : Routes()) {
    if (path == route.path) return &route;
  }
  return nullptr;
}

LiveStreams::LiveStreams(const BackendClients& clients,
                         common::Metrics& metrics, LiveStreamOptions options,
                         std::function<int()> other_open_streams)
    : clients_(clients),
      metrics_(metrics),
      options_(options),
      other_open_streams_(std::move(other_open_streams)) {
  {
    absl::MutexLock lock(&mu_);
    for (const LiveRoute& route : Routes()) SetOpenGauge(route, 0);
  }
  metrics_.IncrementCounter(kSlowClientStreamsMetric,
                            "Live streams ended because the client fell "
                            "max_queued_events behind.",
                            {{"route", Routes().front().path}}, 0);
  heartbeats_ = std::thread([this] { SendHeartbeats(); });
}

LiveStreams::~LiveStreams() {
  EndAll();
  {
    absl::MutexLock lock(&mu_);
    auto drained = [this]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
      return open_.empty();
    };
    if (!mu_.AwaitWithTimeout(absl::Condition(&drained), kDrainTimeout)) {
      common::LogError("live streams still open at shutdown",
                       {{"open", std::to_string(open_.size())}});
    }
    stop_heartbeats_ = true;
  }
  heartbeats_.join();
}

void LiveStreams::EndAll() {
  std::vector<std::shared_ptr<Client>> open;
  {
    absl::MutexLock lock(&mu_);
    stopping_ = true;
    for (const auto& [key, client] : open_) open.push_back(client);
  }
  for (const std::shared_ptr<Client>& client : open) client->Cancel();
}

int LiveStreams::open_streams() const {
  absl::MutexLock lock(&mu_);
  return static_cast<int>(open_.size());
}

void LiveStreams::SetOpenGauge(const LiveRoute& route, int open) {
  open_by_route_[&route] = open;
  metrics_.SetGauge(kOpenStreamsMetric, "Live and transcoded streams open.",
                    open, {{"route", route.path}});
}

absl::Status LiveStreams::Admit(const std::shared_ptr<Client>& client) {
  absl::MutexLock lock(&mu_);
  if (stopping_) {
    return absl::UnavailableError("the gateway is shutting down");
  }
  const int others = other_open_streams_ ? other_open_streams_() : 0;
  if (options_.max_streams > 0 &&
      static_cast<int>(open_.size()) + others >= options_.max_streams) {
    return RateLimitedError("open streams");
  }
  open_.emplace(client.get(), client);
  SetOpenGauge(client->route(), open_by_route_[&client->route()] + 1);
  return absl::OkStatus();
}

void LiveStreams::Remove(const Client& client) {
  absl::MutexLock lock(&mu_);
  if (open_.erase(&client) == 0) return;
  SetOpenGauge(client.route(), open_by_route_[&client.route()] - 1);
}

void LiveStreams::CountSlowClient(const LiveRoute& route) {
  metrics_.IncrementCounter(kSlowClientStreamsMetric,
                            "Live streams ended because the client fell "
                            "max_queued_events behind.",
                            {{"route", route.path}});
}

void LiveStreams::SendHeartbeats() {
  absl::MutexLock lock(&mu_);
  while (true) {
    const absl::Time next = absl::Now() + options_.heartbeat;
    mu_.AwaitWithDeadline(absl::Condition(&stop_heartbeats_), next);
    if (stop_heartbeats_) return;
    std::vector<std::shared_ptr<Client>> open;
    open.reserve(open_.size());
    for (const auto& [key, client] : open_) open.push_back(client);
    mu_.Unlock();
    for (const std::shared_ptr<Client>& client : open) {
      if (client->Queue(kSseHeartbeat) == Client::Push::kQueueFull) {
        CountSlowClient(client->route());
        client->Cancel();
      }
    }
    open.clear();
    mu_.Lock();
  }
}

void LiveStreams::Serve(const LiveRoute& route, const RouteRequest& request,
                        std::shared_ptr<common::HttpResponder> responder) {
  if (absl::Status params = CheckQueryParams(request.http, {kSinceParameter});
      !params.ok()) {
    return responder->Send(ErrorResponse(params));
  }
  absl::StatusOr<int64_t> after = ResumePosition(request.http);
  if (!after.ok()) return responder->Send(ErrorResponse(after.status()));
  auto client = std::make_shared<Client>(
      route, responder, options_.max_queued_events, request.mask_personal_data);
  // The context first: EndAll() cancels every admitted client's call.
  const absl::Duration left =
      std::max(request.deadline - absl::Now(), absl::Milliseconds(1));
  std::shared_ptr<grpc::ClientContext> context =
      clients_.NewContext(request.trace, std::min(options_.timeout, left));
  client->set_context(context);
  if (absl::Status admitted = Admit(client); !admitted.ok()) {
    common::HttpResponse refused = ErrorResponse(admitted);
    if (refused.status == 429) refused.headers.emplace_back("Retry-After", "1");
    return responder->Send(std::move(refused));
  }
  client->StartHttpStream();
  client->Queue(SseRetry(options_.retry_milliseconds));
  switch (route.feed) {
    case LiveRoute::Feed::kAlerts: {
      fb::WatchAlertsRequest watch;
      watch.set_after_sequence(*after);
      auto* reader = new FeedReader<fb::WatchAlertsRequest, fb::Alert>(
          *this, client, std::move(watch));
      clients_.feedback().async()->WatchAlerts(context.get(), reader->request(),
                                               reader);
      reader->Begin();
      return;
    }
    case LiveRoute::Feed::kEvents: {
      cp::WatchChangesRequest watch;
      watch.set_after_sequence(*after);
      auto* reader = new FeedReader<cp::WatchChangesRequest, cp::ChangeEvent>(
          *this, client, std::move(watch));
      clients_.customer_profile().async()->WatchChanges(
          context.get(), reader->request(), reader);
      reader->Begin();
      return;
    }
  }
}

}  // namespace crm::gateway::streams
