// What a request brings to the code that serves it: its deadline and whether
// the caller has gone away. Code below the gRPC adapter takes a
// `const RequestContext&` instead of a grpc::ServerContext, so managers stay
// free of gRPC and unit tests can build one by hand.
//
//   grpc::Status Get(grpc::ServerContext* context, ...) override {
//     return ReplyWith(manager_->Get(RequestContextOf(context), *request), r);
//   }
//   ...
//   CRM_RETURN_IF_ERROR(context.CheckActive(clock.Now()));  // before work
//
// The database layer (unit_of_work.h) refuses to start a transaction for a
// request whose deadline has passed and bounds every statement by the time
// that is left.
#pragma once

#include <functional>
#include <utility>

#include "absl/status/status.h"
#include "absl/time/time.h"

namespace crm::common {

class RequestContext {
 public:
  // No deadline, never cancelled: background work and tests.
  RequestContext() = default;

  static RequestContext WithDeadline(absl::Time deadline) {
    RequestContext context;
    context.deadline_ = deadline;
    return context;
  }

  // `is_cancelled` is polled by long-running work (streams, batches); it
  // must be thread-safe and cheap.
  RequestContext& set_cancellation(std::function<bool()> is_cancelled) {
    is_cancelled_ = std::move(is_cancelled);
    return *this;
  }

  // absl::InfiniteFuture() when the caller set none.
  absl::Time deadline() const { return deadline_; }
  bool has_deadline() const { return deadline_ != absl::InfiniteFuture(); }
  bool IsCancelled() const { return is_cancelled_ && is_cancelled_(); }
  // True when a caller that can go away (and retry elsewhere) is waiting:
  // a cancellation source was set, as for every gRPC call.
  bool has_caller() const { return static_cast<bool>(is_cancelled_); }
  // Time left until the deadline at `now` (never negative).
  absl::Duration Remaining(absl::Time now) const;

  // OK while the request may still do work at `now`; CANCELLED (reason
  // REQUEST_CANCELLED) once the caller cancelled, DEADLINE_EXCEEDED (reason
  // REQUEST_DEADLINE_EXCEEDED) once the deadline has passed.
  absl::Status CheckActive(absl::Time now) const;
  // CheckActive without asking whether the caller cancelled (for a gRPC
  // call, that polls the call's completion queue): for code that has just
  // asked.
  absl::Status CheckDeadline(absl::Time now) const;

 private:
  absl::Time deadline_ = absl::InfiniteFuture();
  std::function<bool()> is_cancelled_;
};

}  // namespace crm::common
