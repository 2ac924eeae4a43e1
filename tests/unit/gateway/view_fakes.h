// Fakes of segmentation, loyalty and feedback serving the reads of the
// customer 360 view and the export RPCs of the suite-wide customer export
// (header-only: used by customer_view_test.cc and customer_export_test.cc).
// Each answers every customer with what the test set (its Canned members),
// records the last request of each method, and fails or hangs as FakeCallLog is
// told, or fails one method as its MethodFailures is told. customer-profile's
// calls go to FakeCustomerProfile (fake_backends.h).
#pragma once

#include <grpcpp/grpcpp.h>

#include <map>
#include <optional>
#include <string>
#include <utility>

#include "absl/synchronization/mutex.h"
#include "crm/feedback/v1/feedback_service.grpc.pb.h"
#include "crm/loyalty/v1/loyalty_service.grpc.pb.h"
#include "crm/segmentation/v1/segmentation_service.grpc.pb.h"
#include "tests/unit/gateway/fake_backends.h"

namespace crm::testing {

// The last request of each type a fake answered, and how many.
class RequestLog {
 public:
  // The last request of `Request`'s type (default if none was received).
  template <typename Request>
  Request last() const {
    absl::MutexLock lock(&mu_);
    Request request;
    auto it = requests_.find(Request::descriptor()->full_name());
    if (it != requests_.end()) request.ParseFromString(it->second);
    return request;
  }
  // How many requests of `Request`'s type were answered.
  template <typename Request>
  int count() const {
    absl::MutexLock lock(&mu_);
    auto it = counts_.find(Request::descriptor()->full_name());
    return it == counts_.end() ? 0 : it->second;
  }
  void Keep(const google::protobuf::Message& request) {
    absl::MutexLock lock(&mu_);
    requests_[request.GetDescriptor()->full_name()] =
        request.SerializeAsString();
    ++counts_[request.GetDescriptor()->full_name()];
  }

 private:
  mutable absl::Mutex mu_;
  std::map<std::string, std::string> requests_ ABSL_GUARDED_BY(mu_);
  std::map<std::string, int> counts_ ABSL_GUARDED_BY(mu_);
};

// A value a test sets and a fake answers with (thread-safe copies).
template <typename Message>
class Canned {
 public:
  void Set(Message value) {
    absl::MutexLock lock(&mu_);
    value_ = std::move(value);
  }
  Message Get() const {
    absl::MutexLock lock(&mu_);
    return value_;
  }

 private:
  mutable absl::Mutex mu_;
  Message value_ ABSL_GUARDED_BY(mu_);
};

// Errors to answer one method with ("ListCoupons"), the others unchanged.
class MethodFailures {
 public:
  void Set(const std::string& method, grpc::Status status) {
    absl::MutexLock lock(&mu_);
    failures_[method] = std::move(status);
  }
  void Clear(const std::string& method) {
    absl::MutexLock lock(&mu_);
    failures_.erase(method);
  }
  std::optional<grpc::Status> Of(const std::string& method) const {
    absl::MutexLock lock(&mu_);
    auto it = failures_.find(method);
    if (it == failures_.end()) return std::nullopt;
    return it->second;
  }

 private:
  mutable absl::Mutex mu_;
  std::map<std::string, grpc::Status> failures_ ABSL_GUARDED_BY(mu_);
};

// A fake's call: recorded (FakeCallLog), failed if told to (the whole fake,
// or this method in `failures`), else answered with `answer`; the request
// is kept in `log`.
template <typename Response>
grpc::Status Answer(FakeCallLog& fake, RequestLog& log,
                    grpc::ServerContext& context, const char* method,
                    const google::protobuf::Message& request, Response answer,
                    Response* response,
                    const MethodFailures* failures = nullptr) {
  fake.Record(context, method);
  if (auto failure = fake.failure()) return *failure;
  if (failures != nullptr) {
    if (auto failure = failures->Of(method)) return *failure;
  }
  log.Keep(request);
  *response = std::move(answer);
  return grpc::Status::OK;
}

class ViewSegmentation final
    : public crm::segmentation::v1::SegmentationService::Service,
      public FakeCallLog {
 public:
  grpc::Status ListCustomerSegments(
      grpc::ServerContext* context,
      const crm::segmentation::v1::ListCustomerSegmentsRequest* request,
      crm::segmentation::v1::ListCustomerSegmentsResponse* response) override {
    return Answer(*this, requests, *context, "ListCustomerSegments", *request,
                  segments.Get(), response, &fail);
  }
  grpc::Status ListLifecycleTransitions(
      grpc::ServerContext* context,
      const crm::segmentation::v1::ListLifecycleTransitionsRequest* request,
      crm::segmentation::v1::ListLifecycleTransitionsResponse* response)
      override {
    return Answer(*this, requests, *context, "ListLifecycleTransitions",
                  *request, transitions.Get(), response, &fail);
  }
  // The canned score and memberships and the canned transitions (as many
  // as asked for); fails as a whole as `fail` says.
  grpc::Status SummarizeCustomerSegmentation(
      grpc::ServerContext* context,
      const crm::segmentation::v1::SummarizeCustomerSegmentationRequest*
          request,
      crm::segmentation::v1::CustomerSegmentationSummary* response) override {
    crm::segmentation::v1::CustomerSegmentationSummary answer;
    answer.set_customer(request->customer());
    const crm::segmentation::v1::ListCustomerSegmentsResponse canned_segments =
        segments.Get();
    if (request->segment_count() > 0) {
      if (canned_segments.has_customer_score()) {
        *answer.mutable_customer_score() = canned_segments.customer_score();
      }
      for (const auto& member : canned_segments.segment_members()) {
        if (answer.segment_members_size() >= request->segment_count()) break;
        *answer.add_segment_members() = member;
      }
    }
    const crm::segmentation::v1::ListLifecycleTransitionsResponse
        canned_transitions = transitions.Get();
    for (const auto& transition : canned_transitions.lifecycle_transitions()) {
      if (answer.lifecycle_transitions_size() >=
          request->lifecycle_transition_count()) {
        break;
      }
      *answer.add_lifecycle_transitions() = transition;
    }
    return Answer(*this, requests, *context, "SummarizeCustomerSegmentation",
                  *request, std::move(answer), response, &fail);
  }
  // The customer's name and one order.
  grpc::Status ExportCustomerSegmentationData(
      grpc::ServerContext* context,
      const crm::segmentation::v1::ExportCustomerSegmentationDataRequest*
          request,
      crm::segmentation::v1::CustomerSegmentationData* response) override {
    crm::segmentation::v1::CustomerSegmentationData data;
    data.set_customer(request->name());
    data.add_orders()->set_order(request->name() + "/orders/o1");
    return Answer(*this, requests, *context, "ExportCustomerSegmentationData",
                  *request, std::move(data), response);
  }

  Canned<crm::segmentation::v1::ListCustomerSegmentsResponse> segments;
  Canned<crm::segmentation::v1::ListLifecycleTransitionsResponse> transitions;
  RequestLog requests;
  MethodFailures fail;
};

class ViewLoyalty final : public crm::loyalty::v1::LoyaltyService::Service,
                          public FakeCallLog {
 public:
  // `account`, named as asked.
  grpc::Status GetAccount(grpc::ServerContext* context,
                          const crm::loyalty::v1::GetAccountRequest* request,
                          crm::loyalty::v1::Account* response) override {
    crm::loyalty::v1::Account answer = account.Get();
    answer.set_name(request->name());
    return Answer(*this, requests, *context, "GetAccount", *request,
                  std::move(answer), response);
  }
  grpc::Status ListLedgerEntries(
      grpc::ServerContext* context,
      const crm::loyalty::v1::ListLedgerEntriesRequest* request,
      crm::loyalty::v1::ListLedgerEntriesResponse* response) override {
    return Answer(*this, requests, *context, "ListLedgerEntries", *request,
                  ledger.Get(), response);
  }
  grpc::Status GetProgram(grpc::ServerContext* context,
                          const crm::loyalty::v1::GetProgramRequest* request,
                          crm::loyalty::v1::Program* response) override {
    return Answer(*this, requests, *context, "GetProgram", *request,
                  program.Get(), response);
  }
  grpc::Status ListCampaigns(
      grpc::ServerContext* context,
      const crm::loyalty::v1::ListCampaignsRequest* request,
      crm::loyalty::v1::ListCampaignsResponse* response) override {
    return Answer(*this, requests, *context, "ListCampaigns", *request,
                  campaigns.Get(), response);
  }
  grpc::Status ListCoupons(
      grpc::ServerContext* context,
      const crm::loyalty::v1::ListCouponsRequest* request,
      crm::loyalty::v1::ListCouponsResponse* response) override {
    return Answer(*this, requests, *context, "ListCoupons", *request,
                  coupons.Get(), response, &fail);
  }
  // `account` named as asked, with the canned ledger entries and coupons
  // (as many as asked for); fails as a whole as `fail` says.
  grpc::Status SummarizeAccount(
      grpc::ServerContext* context,
      const crm::loyalty::v1::SummarizeAccountRequest* request,
      crm::loyalty::v1::AccountSummary* response) override {
    crm::loyalty::v1::AccountSummary answer;
    *answer.mutable_account() = account.Get();
    answer.mutable_account()->set_name(request->name());
    const crm::loyalty::v1::ListLedgerEntriesResponse canned_ledger =
        ledger.Get();
    for (const auto& entry : canned_ledger.ledger_entries()) {
      if (answer.recent_ledger_entries_size() >=
          request->ledger_entry_count()) {
        break;
      }
      *answer.add_recent_ledger_entries() = entry;
    }
    const crm::loyalty::v1::ListCouponsResponse canned_coupons = coupons.Get();
    for (const auto& coupon : canned_coupons.coupons()) {
      if (answer.issued_coupons_size() >= request->coupon_count()) break;
      *answer.add_issued_coupons() = coupon;
    }
    return Answer(*this, requests, *context, "SummarizeAccount", *request,
                  std::move(answer), response, &fail);
  }
  // One account named as asked, with one coupon.
  grpc::Status ExportAccountData(
      grpc::ServerContext* context,
      const crm::loyalty::v1::ExportAccountDataRequest* request,
      crm::loyalty::v1::AccountDataExport* response) override {
    crm::loyalty::v1::AccountDataExport data;
    crm::loyalty::v1::AccountData* exported = data.add_accounts();
    exported->mutable_account()->set_name(request->name());
    exported->add_coupons()->set_name("coupons/k1");
    return Answer(*this, requests, *context, "ExportAccountData", *request,
                  std::move(data), response);
  }

  Canned<crm::loyalty::v1::Account> account;
  Canned<crm::loyalty::v1::ListLedgerEntriesResponse> ledger;
  Canned<crm::loyalty::v1::Program> program;
  Canned<crm::loyalty::v1::ListCampaignsResponse> campaigns;
  Canned<crm::loyalty::v1::ListCouponsResponse> coupons;
  RequestLog requests;
  MethodFailures fail;
};

class ViewFeedback final : public crm::feedback::v1::FeedbackService::Service,
                           public FakeCallLog {
 public:
  grpc::Status ListFeedback(
      grpc::ServerContext* context,
      const crm::feedback::v1::ListFeedbackRequest* request,
      crm::feedback::v1::ListFeedbackResponse* response) override {
    return Answer(*this, requests, *context, "ListFeedback", *request,
                  feedback.Get(), response);
  }
  grpc::Status ListTickets(
      grpc::ServerContext* context,
      const crm::feedback::v1::ListTicketsRequest* request,
      crm::feedback::v1::ListTicketsResponse* response) override {
    return Answer(*this, requests, *context, "ListTickets", *request,
                  tickets.Get(), response, &fail);
  }
  grpc::Status ListSurveyResponses(
      grpc::ServerContext* context,
      const crm::feedback::v1::ListSurveyResponsesRequest* request,
      crm::feedback::v1::ListSurveyResponsesResponse* response) override {
    return Answer(*this, requests, *context, "ListSurveyResponses", *request,
                  survey_responses.Get(), response, &fail);
  }
  grpc::Status ListAlerts(
      grpc::ServerContext* context,
      const crm::feedback::v1::ListAlertsRequest* request,
      crm::feedback::v1::ListAlertsResponse* response) override {
    return Answer(*this, requests, *context, "ListAlerts", *request,
                  alerts.Get(), response, &fail);
  }
  // The canned feedback, tickets, survey responses (as many as asked for)
  // and, when a ticket listed is escalated, the canned alerts; fails as a
  // whole as `fail` says.
  grpc::Status SummarizeCustomerFeedback(
      grpc::ServerContext* context,
      const crm::feedback::v1::SummarizeCustomerFeedbackRequest* request,
      crm::feedback::v1::CustomerFeedbackSummary* response) override {
    crm::feedback::v1::CustomerFeedbackSummary answer;
    answer.set_customer(request->customer());
    const crm::feedback::v1::ListFeedbackResponse canned_feedback =
        feedback.Get();
    for (const auto& item : canned_feedback.feedback()) {
      if (answer.recent_feedback_size() >= request->feedback_count()) break;
      *answer.add_recent_feedback() = item;
    }
    bool escalated = false;
    const crm::feedback::v1::ListTicketsResponse canned_tickets = tickets.Get();
    for (const auto& ticket : canned_tickets.tickets()) {
      if (answer.open_tickets_size() >= request->open_ticket_count()) break;
      *answer.add_open_tickets() = ticket;
      escalated = escalated || ticket.escalation_level() > 0;
    }
    const crm::feedback::v1::ListSurveyResponsesResponse canned_responses =
        survey_responses.Get();
    for (const auto& item : canned_responses.responses()) {
      if (answer.recent_survey_responses_size() >=
          request->survey_response_count()) {
        break;
      }
      *answer.add_recent_survey_responses() = item;
    }
    const crm::feedback::v1::ListAlertsResponse canned_alerts = alerts.Get();
    for (const auto& alert : canned_alerts.alerts()) {
      if (!escalated ||
          answer.open_alerts_size() >= request->open_alert_count()) {
        break;
      }
      *answer.add_open_alerts() = alert;
    }
    return Answer(*this, requests, *context, "SummarizeCustomerFeedback",
                  *request, std::move(answer), response, &fail);
  }
  // The customer, one feedback item and one ticket.
  grpc::Status ExportCustomerFeedback(
      grpc::ServerContext* context,
      const crm::feedback::v1::ExportCustomerFeedbackRequest* request,
      crm::feedback::v1::CustomerFeedbackExport* response) override {
    crm::feedback::v1::CustomerFeedbackExport data;
    data.set_customer(request->customer());
    data.add_feedback()->set_name("feedback/f1");
    data.add_tickets()->set_name("tickets/t1");
    return Answer(*this, requests, *context, "ExportCustomerFeedback", *request,
                  std::move(data), response);
  }

  Canned<crm::feedback::v1::ListFeedbackResponse> feedback;
  Canned<crm::feedback::v1::ListTicketsResponse> tickets;
  Canned<crm::feedback::v1::ListSurveyResponsesResponse> survey_responses;
  Canned<crm::feedback::v1::ListAlertsResponse> alerts;
  RequestLog requests;
  MethodFailures fail;
};

}  // namespace crm::testing
