// Alerts on MariaDB through the gRPC stub: a complaint spike raises one
// alert per category and hour, WatchAlerts delivers a new alert well under
// a second after the write that raised it, and a stream resumed after the
// last sequence received continues without gaps or repeats.
#include <atomic>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include <gmock/gmock.h>
#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>

#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "tests/integration/feedback/feedback_service_fixture.h"
#include "tests/testing/status_matchers.h"

namespace crm::feedback {
namespace {

using ::crm::testing::IsOk;

class AlertServiceTest : public FeedbackServiceFixture {
 protected:
  void Complain(const std::string& text) {
    v1::SubmitFeedbackRequest request;
    request.mutable_feedback()->set_channel("web");
    request.mutable_feedback()->set_type(v1::Feedback::COMPLAINT);
    request.mutable_feedback()->set_text(text);
    grpc::ClientContext context;
    v1::Feedback response;
    ASSERT_TRUE(stub_->SubmitFeedback(&context, request, &response).ok());
  }
};

TEST_F(AlertServiceTest, ASpikeRaisesOneAlertPerCategoryAndHour) {
  for (int i = 0; i < 4; ++i) Complain("快递太慢了");
  EXPECT_EQ(Count("SELECT COUNT(*) FROM alerts"), 0);
  Complain("快递太慢了");  // The 5th: a quiet category's threshold.
  for (int i = 0; i < 5; ++i) Complain("快递太慢了");
  EXPECT_EQ(Count("SELECT COUNT(*) FROM alerts WHERE kind = "
                  "'COMPLAINT_SPIKE' AND category = 'delivery' AND "
                  "observed = 5 AND threshold = 5 AND sequence = 1"),
            1);
  EXPECT_EQ(Count("SELECT count FROM negative_feedback_hours WHERE "
                  "category = 'delivery'"),
            10);

  grpc::ClientContext context;
  v1::ListAlertsRequest list;
  list.set_filter("state = OPEN AND category = \"delivery\"");
  v1::ListAlertsResponse alerts;
  ASSERT_TRUE(stub_->ListAlerts(&context, list, &alerts).ok());
  ASSERT_EQ(alerts.alerts_size(), 1);
  EXPECT_EQ(alerts.alerts(0).window_start().seconds(),
            absl::ToUnixSeconds(kMonday10));

  grpc::ClientContext ack_context;
  v1::AcknowledgeAlertRequest acknowledge;
  acknowledge.set_name(alerts.alerts(0).name());
  acknowledge.set_acknowledged_by("ops-1");
  v1::Alert acknowledged;
  ASSERT_TRUE(
      stub_->AcknowledgeAlert(&ack_context, acknowledge, &acknowledged).ok());
  EXPECT_EQ(acknowledged.state(), v1::Alert::ACKNOWLEDGED);
  EXPECT_EQ(Count("SELECT COUNT(*) FROM alerts WHERE state = 'ACKNOWLEDGED' "
                  "AND acknowledged_by = 'ops-1'"),
            1);
}

TEST_F(AlertServiceTest, WatchDeliversWithinASecondAndResumes) {
  absl::Mutex mu;
  std::vector<v1::Alert> received;
  std::vector<absl::Time> arrival;
  grpc::ClientContext watch_context;
  v1::WatchAlertsRequest watch;
  std::thread reader([&] {
    std::unique_ptr<grpc::ClientReader<v1::Alert>> stream =
        stub_->WatchAlerts(&watch_context, watch);
    v1::Alert alert;
    while (stream->Read(&alert)) {
      absl::MutexLock lock(&mu);
      received.push_back(alert);
      arrival.push_back(absl::Now());
    }
    stream->Finish();
  });

  for (int i = 0; i < 4; ++i) Complain("太贵了，价格太高");
  const absl::Time before_write = absl::Now();
  Complain("太贵了，价格太高");
  const absl::Time written = absl::Now();
  {
    absl::MutexLock lock(&mu);
    ASSERT_TRUE(mu.AwaitWithTimeout(
        absl::Condition(
            +[](std::vector<v1::Alert>* r) { return !r->empty(); }, &received),
        absl::Seconds(5)));
    // The alert may arrive before the submitting call has returned.
    const absl::Duration latency = arrival[0] - before_write;
    EXPECT_LT(latency, absl::Seconds(1));
    std::printf(
        "alert delivered %.1f ms after the triggering request started (%.1f "
        "ms after it returned)\n",
        absl::ToDoubleMilliseconds(latency),
        absl::ToDoubleMilliseconds(arrival[0] - written));
    EXPECT_EQ(received[0].sequence(), 1);
    EXPECT_EQ(received[0].category(), "price");
  }
  watch_context.TryCancel();
  reader.join();

  // The next hour's spike, then a stream resumed after sequence 1.
  clock_.Advance(absl::Hours(1));
  for (int i = 0; i < 5; ++i) Complain("太贵了，价格太高");
  grpc::ClientContext resumed_context;
  resumed_context.set_deadline(std::chrono::system_clock::now() +
                               std::chrono::milliseconds(500));
  watch.set_after_sequence(1);
  std::unique_ptr<grpc::ClientReader<v1::Alert>> resumed =
      stub_->WatchAlerts(&resumed_context, watch);
  std::vector<int64_t> sequences;
  v1::Alert alert;
  while (resumed->Read(&alert)) sequences.push_back(alert.sequence());
  EXPECT_EQ(resumed->Finish().error_code(),
            grpc::StatusCode::DEADLINE_EXCEEDED);
  EXPECT_EQ(sequences, (std::vector<int64_t>{2}));
}

}  // namespace
}  // namespace crm::feedback
