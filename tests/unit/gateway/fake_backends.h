// In-memory fakes of the four backend services, each served by its own
// gRPC server on 127.0.0.1 with the standard health service, for gateway
// tests.
#pragma once

#include <grpcpp/grpcpp.h>

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "crm/customerprofile/v1/customer_profile_service.grpc.pb.h"
#include "crm/feedback/v1/feedback_service.grpc.pb.h"
#include "crm/loyalty/v1/loyalty_service.grpc.pb.h"
#include "crm/segmentation/v1/segmentation_service.grpc.pb.h"

namespace crm::testing {

// A grpc::Status as a crm service named `domain` ("customer-profile") sends
// it: the code and message of `status` and grpc-status-details-bin holding
// its google.rpc.ErrorInfo (the default reason of the code if it has none,
// and domain `domain`) and BadRequest.
grpc::Status ServiceStatus(const absl::Status& status,
                           absl::string_view domain);

// A feed of messages numbered by their `sequence` (set by the test), served
// to watch calls: the messages after the watch's position, then each one
// appended, until the call is cancelled or EndWatchesWith() is set.
template <typename Message>
class FakeFeed {
 public:
  void Append(Message message) {
    absl::MutexLock lock(&mu_);
    messages_.push_back(std::move(message));
  }
  // Every watch (also a later one) ends with `status` once it has written
  // what the feed holds.
  void EndWatchesWith(grpc::Status status) {
    absl::MutexLock lock(&mu_);
    end_ = std::move(status);
  }
  // Watches being served now, and those that ended by the caller's
  // cancellation.
  int watchers() const {
    absl::MutexLock lock(&mu_);
    return watchers_;
  }
  int cancelled_watches() const {
    absl::MutexLock lock(&mu_);
    return cancelled_;
  }
  int64_t last_after_sequence() const {
    absl::MutexLock lock(&mu_);
    return last_after_;
  }

  // Serves one watch from after `after_sequence`.
  grpc::Status Serve(grpc::ServerContext* context, int64_t after_sequence,
                     grpc::ServerWriter<Message>* writer) {
    size_t next = 0;
    {
      absl::MutexLock lock(&mu_);
      ++watchers_;
      last_after_ = after_sequence;
    }
    grpc::Status outcome = grpc::Status::CANCELLED;
    while (!context->IsCancelled()) {
      std::vector<Message> batch;
      std::optional<grpc::Status> end;
      {
        absl::MutexLock lock(&mu_);
        auto more = [this, &next]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
          return next < messages_.size() || end_.has_value();
        };
        mu_.AwaitWithTimeout(absl::Condition(&more), absl::Milliseconds(20));
        for (; next < messages_.size(); ++next) {
          if (messages_[next].sequence() > after_sequence) {
            batch.push_back(messages_[next]);
          }
        }
        end = end_;
      }
      bool written = true;
      for (const Message& message : batch) {
        if (!(written = writer->Write(message))) break;
      }
      if (!written) break;
      if (end.has_value()) {
        outcome = *end;
        break;
      }
    }
    absl::MutexLock lock(&mu_);
    --watchers_;
    if (outcome.error_code() == grpc::StatusCode::CANCELLED) ++cancelled_;
    return outcome;
  }

 private:
  mutable absl::Mutex mu_;
  std::vector<Message> messages_ ABSL_GUARDED_BY(mu_);
  std::optional<grpc::Status> end_ ABSL_GUARDED_BY(mu_);
  int watchers_ ABSL_GUARDED_BY(mu_) = 0;
  int cancelled_ ABSL_GUARDED_BY(mu_) = 0;
  int64_t last_after_ ABSL_GUARDED_BY(mu_) = -1;
};

// What every fake records about the calls it receives, and an error it can
// be told to return instead of answering.
class FakeCallLog {
 public:
  void Record(const grpc::ServerContext& context, const std::string& method);
  std::string last_method() const;
  int recorded_calls() const;            // Calls received so far.
  std::string last_request_id() const;   // x-request-id metadata.
  std::string last_traceparent() const;  // traceparent metadata.
  bool last_had_deadline() const;
  void FailWith(std::optional<grpc::Status> status);
  std::optional<grpc::Status> failure() const;
  // While set, every call blocks in Record() until the caller's deadline
  // passes or the call is cancelled (to provoke DEADLINE_EXCEEDED).
  void HangUntilDeadline(bool hang);

 private:
  mutable absl::Mutex mu_;
  std::string last_method_ ABSL_GUARDED_BY(mu_);
  int recorded_calls_ ABSL_GUARDED_BY(mu_) = 0;
  std::string last_request_id_ ABSL_GUARDED_BY(mu_);
  std::string last_traceparent_ ABSL_GUARDED_BY(mu_);
  bool last_had_deadline_ ABSL_GUARDED_BY(mu_) = false;
  std::optional<grpc::Status> failure_ ABSL_GUARDED_BY(mu_);
  bool hang_ ABSL_GUARDED_BY(mu_) = false;
};

class FakeCustomerProfile final
    : public crm::customerprofile::v1::CustomerProfileService::Service,
      public FakeCallLog {
 public:
  grpc::Status CreateCustomer(
      grpc::ServerContext* context,
      const crm::customerprofile::v1::CreateCustomerRequest* request,
      crm::customerprofile::v1::Customer* response) override;
  grpc::Status GetCustomer(
      grpc::ServerContext* context,
      const crm::customerprofile::v1::GetCustomerRequest* request,
      crm::customerprofile::v1::Customer* response) override;
  // Pages through customers in creation order; the page token is the
  // index of the next customer.
  grpc::Status ListCustomers(
      grpc::ServerContext* context,
      const crm::customerprofile::v1::ListCustomersRequest* request,
      crm::customerprofile::v1::ListCustomersResponse* response) override;

  // Echo fakes: each records its request (see last_request()) and answers
  // with something derived from it.
  grpc::Status UpdateCustomer(
      grpc::ServerContext* context,
      const crm::customerprofile::v1::UpdateCustomerRequest* request,
      crm::customerprofile::v1::Customer* response) override;
  grpc::Status FindDuplicateCandidates(
      grpc::ServerContext* context,
      const crm::customerprofile::v1::FindDuplicateCandidatesRequest* request,
      crm::customerprofile::v1::FindDuplicateCandidatesResponse* response)
      override;
  grpc::Status MergeCustomers(
      grpc::ServerContext* context,
      const crm::customerprofile::v1::MergeCustomersRequest* request,
      crm::customerprofile::v1::Customer* response) override;
  grpc::Status RecordOrder(
      grpc::ServerContext* context,
      const crm::customerprofile::v1::RecordOrderRequest* request,
      crm::customerprofile::v1::Order* response) override;
  grpc::Status RefundOrder(
      grpc::ServerContext* context,
      const crm::customerprofile::v1::RefundOrderRequest* request,
      crm::customerprofile::v1::Order* response) override;
  grpc::Status ListOrders(
      grpc::ServerContext* context,
      const crm::customerprofile::v1::ListOrdersRequest* request,
      crm::customerprofile::v1::ListOrdersResponse* response) override;
  grpc::Status RecordEvents(
      grpc::ServerContext* context,
      const crm::customerprofile::v1::RecordEventsRequest* request,
      crm::customerprofile::v1::RecordEventsResponse* response) override;
  grpc::Status EraseCustomer(
      grpc::ServerContext* context,
      const crm::customerprofile::v1::EraseCustomerRequest* request,
      crm::customerprofile::v1::Customer* response) override;
  grpc::Status ExportCustomerData(
      grpc::ServerContext* context,
      const crm::customerprofile::v1::ExportCustomerDataRequest* request,
      crm::customerprofile::v1::ExportCustomerDataResponse* response) override;
  // Reads every row; a customer whose email contains "reject" is REJECTED
  // ("email: not valid"), any other CREATED as customers/i<line>. The rows
  // received are kept (imported_rows()).
  grpc::Status ImportCustomers(
      grpc::ServerContext* context,
      grpc::ServerReader<crm::customerprofile::v1::ImportCustomersRequest>*
          reader,
      crm::customerprofile::v1::ImportCustomersResponse* response) override;

  // Streams three events, sequence after_sequence + 1 .. + 3 (customer
  // customers/w<sequence>), then ends as set by EndWatchWith(): OK by
  // default, with an error, or (TailWatch) by waiting until the call is
  // cancelled, which watch_cancelled() then reports.
  grpc::Status WatchChanges(
      grpc::ServerContext* context,
      const crm::customerprofile::v1::WatchChangesRequest* request,
      grpc::ServerWriter<crm::customerprofile::v1::ChangeEvent>* writer)
      override;
  void EndWatchWith(grpc::Status status);
  void TailWatch();
  bool watch_cancelled() const;
  // From then on WatchChanges serves change_feed() instead.
  void WatchFromFeed();
  FakeFeed<crm::customerprofile::v1::ChangeEvent>& change_feed() {
    return change_feed_;
  }

  crm::customerprofile::v1::CreateCustomerRequest last_create() const;
  crm::customerprofile::v1::ListCustomersRequest last_list() const;
  std::vector<crm::customerprofile::v1::ImportCustomersRequest> imported_rows()
      const;

  // The last request of `Request`'s type (default if none was received).
  template <typename Request>
  Request last_request() const {
    absl::MutexLock lock(&mu_);
    Request request;
    auto it = last_requests_.find(Request::descriptor()->full_name());
    if (it != last_requests_.end()) request.ParseFromString(it->second);
    return request;
  }

 private:
  void Keep(const google::protobuf::Message& request);

  mutable absl::Mutex mu_;
  std::map<std::string, std::string> last_requests_ ABSL_GUARDED_BY(mu_);
  std::vector<crm::customerprofile::v1::ImportCustomersRequest> imported_rows_
      ABSL_GUARDED_BY(mu_);
  std::vector<crm::customerprofile::v1::Customer> customers_
      ABSL_GUARDED_BY(mu_);
  crm::customerprofile::v1::CreateCustomerRequest last_create_
      ABSL_GUARDED_BY(mu_);
  crm::customerprofile::v1::ListCustomersRequest last_list_
      ABSL_GUARDED_BY(mu_);
  grpc::Status watch_end_ ABSL_GUARDED_BY(mu_);
  bool watch_tails_ ABSL_GUARDED_BY(mu_) = false;
  bool watch_cancelled_ ABSL_GUARDED_BY(mu_) = false;
  bool watch_from_feed_ ABSL_GUARDED_BY(mu_) = false;
  FakeFeed<crm::customerprofile::v1::ChangeEvent> change_feed_;
};

class FakeSegmentation final
    : public crm::segmentation::v1::SegmentationService::Service,
      public FakeCallLog {
 public:
  grpc::Status CreateSegment(
      grpc::ServerContext* context,
      const crm::segmentation::v1::CreateSegmentRequest* request,
      crm::segmentation::v1::Segment* response) override;
  grpc::Status GetSegment(
      grpc::ServerContext* context,
      const crm::segmentation::v1::GetSegmentRequest* request,
      crm::segmentation::v1::Segment* response) override;
  grpc::Status ListSegments(
      grpc::ServerContext* context,
      const crm::segmentation::v1::ListSegmentsRequest* request,
      crm::segmentation::v1::ListSegmentsResponse* response) override;

 private:
  mutable absl::Mutex mu_;
  std::map<std::string, crm::segmentation::v1::Segment> segments_
      ABSL_GUARDED_BY(mu_);
};

class FakeLoyalty final : public crm::loyalty::v1::LoyaltyService::Service,
                          public FakeCallLog {
 public:
  grpc::Status GetAccount(grpc::ServerContext* context,
                          const crm::loyalty::v1::GetAccountRequest* request,
                          crm::loyalty::v1::Account* response) override;
  grpc::Status AdjustPoints(
      grpc::ServerContext* context,
      const crm::loyalty::v1::AdjustPointsRequest* request,
      crm::loyalty::v1::AdjustPointsResponse* response) override;
  // The coupons of AddCoupon() whose `customer` the filter names when it is
  // exactly `customer = "customers/{id}"`; every coupon for any other
  // filter (this fake understands no more, so a filter the gateway failed
  // to set shows as a leak).
  grpc::Status ListCoupons(
      grpc::ServerContext* context,
      const crm::loyalty::v1::ListCouponsRequest* request,
      crm::loyalty::v1::ListCouponsResponse* response) override;

  // Answers `{name}` with the code "REFERRALCODE" and keeps the name asked.
  grpc::Status GetReferralCode(
      grpc::ServerContext* context,
      const crm::loyalty::v1::GetReferralCodeRequest* request,
      crm::loyalty::v1::ReferralCode* response) override;

  void AddCoupon(crm::loyalty::v1::Coupon coupon);
  crm::loyalty::v1::AdjustPointsRequest last_adjust() const;
  std::string last_referral_code_name() const;
  // Every ListCoupons request received, in order.
  std::vector<crm::loyalty::v1::ListCouponsRequest> coupon_lists() const;

 private:
  mutable absl::Mutex mu_;
  std::map<std::string, int64_t> balances_ ABSL_GUARDED_BY(mu_);
  crm::loyalty::v1::AdjustPointsRequest last_adjust_ ABSL_GUARDED_BY(mu_);
  std::string last_referral_code_name_ ABSL_GUARDED_BY(mu_);
  std::vector<crm::loyalty::v1::Coupon> coupons_ ABSL_GUARDED_BY(mu_);
  std::vector<crm::loyalty::v1::ListCouponsRequest> coupon_lists_
      ABSL_GUARDED_BY(mu_);
};

class FakeFeedback final : public crm::feedback::v1::FeedbackService::Service,
                           public FakeCallLog {
 public:
  grpc::Status SubmitFeedback(
      grpc::ServerContext* context,
      const crm::feedback::v1::SubmitFeedbackRequest* request,
      crm::feedback::v1::Feedback* response) override;
  grpc::Status ListFeedback(
      grpc::ServerContext* context,
      const crm::feedback::v1::ListFeedbackRequest* request,
      crm::feedback::v1::ListFeedbackResponse* response) override;

  // Serves alert_feed().
  grpc::Status WatchAlerts(
      grpc::ServerContext* context,
      const crm::feedback::v1::WatchAlertsRequest* request,
      grpc::ServerWriter<crm::feedback::v1::Alert>* writer) override;

  // Like FakeLoyalty::ListCoupons over AddSurveyResponse()'s responses
  // (any parent).
  grpc::Status ListSurveyResponses(
      grpc::ServerContext* context,
      const crm::feedback::v1::ListSurveyResponsesRequest* request,
      crm::feedback::v1::ListSurveyResponsesResponse* response) override;

  void AddSurveyResponse(crm::feedback::v1::SurveyResponse response);
  crm::feedback::v1::ListFeedbackRequest last_list() const;
  // Every ListSurveyResponses request received, in order.
  std::vector<crm::feedback::v1::ListSurveyResponsesRequest>
  survey_response_lists() const;
  FakeFeed<crm::feedback::v1::Alert>& alert_feed() { return alert_feed_; }

 private:
  FakeFeed<crm::feedback::v1::Alert> alert_feed_;
  mutable absl::Mutex mu_;
  std::vector<crm::feedback::v1::Feedback> items_ ABSL_GUARDED_BY(mu_);
  crm::feedback::v1::ListFeedbackRequest last_list_ ABSL_GUARDED_BY(mu_);
  std::vector<crm::feedback::v1::SurveyResponse> survey_responses_
      ABSL_GUARDED_BY(mu_);
  std::vector<crm::feedback::v1::ListSurveyResponsesRequest>
      survey_response_lists_ ABSL_GUARDED_BY(mu_);
};

// One gRPC server for one fake, with grpc.health.v1 reporting SERVING.
class FakeServer {
 public:
  explicit FakeServer(grpc::Service* service);
  ~FakeServer();
  const std::string& address() const { return address_; }
  // Sets the health of service "" (what the gateway checks).
  void SetServing(bool serving);
  void Shutdown();

 private:
  std::unique_ptr<grpc::Server> server_;
  std::string address_;
  bool shut_down_ = false;
};

}  // namespace crm::testing
