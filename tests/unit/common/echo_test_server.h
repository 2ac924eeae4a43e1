// An in-process gRPC server on 127.0.0.1 (free port) running the echo test
// service behind the crm server interceptor, for the server runtime tests.
#pragma once

#include <grpcpp/grpcpp.h>

#include <chrono>
#include <memory>
#include <string>
#include <thread>

#include "echo_test.grpc.pb.h"
#include "services/common/metrics.h"
#include "services/common/request_trace.h"
#include "services/common/server_interceptor.h"

namespace crm::testing {

// Echoes the message, reports the trace it saw and fails with the code it
// is asked for.
class EchoService final : public crm::testing::v1::EchoTestService::Service {
 public:
  grpc::Status Echo(grpc::ServerContext* context,
                    const crm::testing::v1::EchoRequest* request,
                    crm::testing::v1::EchoResponse* response) override {
    if (request->sleep_ms() > 0) {
      std::this_thread::sleep_for(
          std::chrono::milliseconds(request->sleep_ms()));
    }
    const crm::common::RequestTrace trace =
        crm::common::RequestTraceFrom(*context);
    response->set_message(request->message());
    response->set_request_id(trace.request_id);
    response->set_traceparent(trace.traceparent);
    return grpc::Status(static_cast<grpc::StatusCode>(request->code()),
                        request->code() == 0 ? "" : "requested failure");
  }
};

class EchoTestServer {
 public:
  explicit EchoTestServer(crm::common::Metrics& metrics) {
    grpc::EnableDefaultHealthCheckService(true);
    grpc::ServerBuilder builder;
    builder.AddListeningPort("127.0.0.1:0", grpc::InsecureServerCredentials(),
                             &port_);
    std::vector<
        std::unique_ptr<grpc::experimental::ServerInterceptorFactoryInterface>>
        creators;
    creators.push_back(crm::common::NewServerInterceptorFactory(metrics));
    builder.experimental().SetInterceptorCreators(std::move(creators));
    builder.RegisterService(&service_);
    server_ = builder.BuildAndStart();
    channel_ = grpc::CreateChannel("127.0.0.1:" + std::to_string(port_),
                                   grpc::InsecureChannelCredentials());
    stub_ = crm::testing::v1::EchoTestService::NewStub(channel_);
  }
  ~EchoTestServer() {
    server_->Shutdown(std::chrono::system_clock::now() +
                      std::chrono::seconds(1));
  }

  int port() const { return port_; }
  grpc::Server& server() { return *server_; }
  std::shared_ptr<grpc::Channel> channel() { return channel_; }
  crm::testing::v1::EchoTestService::Stub& stub() { return *stub_; }

 private:
  EchoService service_;
  int port_ = 0;
  std::unique_ptr<grpc::Server> server_;
  std::shared_ptr<grpc::Channel> channel_;
  std::unique_ptr<crm::testing::v1::EchoTestService::Stub> stub_;
};

}  // namespace crm::testing
