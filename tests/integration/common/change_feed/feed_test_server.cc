#include "tests/integration/common/change_feed/feed_test_server.h"

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "crm/customerprofile/v1/customer_profile_service.grpc.pb.h"
#include "services/common/clock.h"
#include "services/common/grpc_request_context.h"
#include "services/common/grpc_status.h"

namespace crm::customer_profile {

class FeedTestServer::Service final
    : public v1::CustomerProfileService::Service {
 public:
  Service(crm::common::MySqlPool& pool, crm::common::FeedNotifier& notifier)
      : streamer_(pool, notifier, crm::common::SystemClock::Instance()) {}

  grpc::Status WatchChanges(
      grpc::ServerContext* context, const v1::WatchChangesRequest* request,
      grpc::ServerWriter<v1::ChangeEvent>* writer) override {
    return crm::common::ToGrpcStatus(
        streamer_.Watch(crm::common::RequestContextOf(context), *request,
                        [writer](const v1::ChangeEvent& event) {
                          return writer->Write(event);
                        }));
  }

 private:
  ChangeFeedStreamerImpl streamer_;
};

FeedTestServer::FeedTestServer(crm::common::MySqlPool& pool,
                               crm::common::FeedNotifier& notifier)
    : service_(std::make_unique<Service>(pool, notifier)) {
  int port = 0;
  grpc::ServerBuilder builder;
  builder.AddListeningPort("127.0.0.1:0", grpc::InsecureServerCredentials(),
                           &port);
  builder.RegisterService(service_.get());
  server_ = builder.BuildAndStart();
  if (server_ != nullptr && port > 0) {
    address_ = absl::StrCat("127.0.0.1:", port);
  }
}

FeedTestServer::~FeedTestServer() {
  if (server_ != nullptr) {
    server_->Shutdown(absl::ToChronoTime(absl::Now() + absl::Seconds(1)));
    server_->Wait();
  }
}

}  // namespace crm::customer_profile
