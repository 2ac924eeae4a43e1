// A gRPC server that serves only WatchChanges of CustomerProfileService
// through the real ChangeFeedStreamerImpl, on 127.0.0.1 (any free port), for
// consumer tests that need a real stream.
#pragma once

#include <grpcpp/grpcpp.h>

#include <memory>
#include <string>

#include "services/common/change_feed_outbox.h"
#include "services/common/mysql_pool.h"
#include "services/customer_profile/change_feed_streamer_impl.h"

namespace crm::customer_profile {

class FeedTestServer {
 public:
  FeedTestServer(crm::common::MySqlPool& pool,
                 crm::common::FeedNotifier& notifier);
  ~FeedTestServer();  // Shuts down, cancelling open streams.
  // "127.0.0.1:<port>"; empty if the server failed to start.
  const std::string& address() const { return address_; }

 private:
  class Service;
  std::unique_ptr<Service> service_;
  std::unique_ptr<grpc::Server> server_;
  std::string address_;
};

}  // namespace crm::customer_profile
