// The threads that run the hand-written routes whose handlers return their
// answer (router.h's RouteHandler): the CSV import, the suite-wide export,
// a customer's coupons and survey responses, /readyz and the other
// operational routes. Some of them wait for backends, so they never run on
// the HTTP threads, which stay free to read requests and write answers.
//
//   RouteThreads threads(4);
//   threads.Run([=] { responder->Send(handler(request)); });
#pragma once

#include <deque>
#include <functional>
#include <thread>
#include <vector>

#include "absl/synchronization/mutex.h"

namespace crm::gateway {

class RouteThreads {
 public:
  // Starts `count` threads (at least one).
  explicit RouteThreads(int count);
  RouteThreads(const RouteThreads&) = delete;
  RouteThreads& operator=(const RouteThreads&) = delete;
  // Runs every task already queued, then joins the threads.
  ~RouteThreads();

  // Queues `task`; one of the threads runs it, in queue order. Thread-safe.
  void Run(std::function<void()> task);

 private:
  void Work();

  absl::Mutex mu_;
  std::deque<std::function<void()>> tasks_ ABSL_GUARDED_BY(mu_);
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  std::vector<std::thread> threads_;
};

}  // namespace crm::gateway
