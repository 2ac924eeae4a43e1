#include "tests/unit/gateway/fake_backends.h"

#include <grpcpp/health_check_service_interface.h>

#include <chrono>
#include <cstdlib>
#include <string>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "google/rpc/error_details.pb.h"
#include "google/rpc/status.pb.h"
#include "services/common/error_details.h"
#include "tests/testing/wait.h"

namespace crm::testing {
namespace {

namespace cp = ::crm::customerprofile::v1;
namespace seg = ::crm::segmentation::v1;
namespace loy = ::crm::loyalty::v1;
namespace fb = ::crm::feedback::v1;

std::string Metadata(const grpc::ServerContext& context,
                     const std::string& key) {
  auto it = context.client_metadata().find(key);
  if (it == context.client_metadata().end()) return "";
  return std::string(it->second.data(), it->second.size());
}

// The page [token, token + size) of `items` and the next token.
template <typename T, typename Add>
grpc::Status Page(const std::vector<T>& items, int32_t page_size,
                  const std::string& page_token, Add add,
                  std::string* next_page_token) {
  if (page_size < 0) {
    return grpc::Status(grpc::StatusCode::INVALID_ARGUMENT,
                        "page_size must not be negative");
  }
  size_t start = 0;
  if (!page_token.empty() && !absl::SimpleAtoi(page_token, &start)) {
    return grpc::Status(grpc::StatusCode::INVALID_ARGUMENT,
                        "invalid page_token");
  }
  size_t size = page_size == 0 ? 50 : static_cast<size_t>(page_size);
  size_t end = std::min(items.size(), start + size);
  for (size_t i = start; i < end; ++i) add(items[i]);
  if (end < items.size()) *next_page_token = std::to_string(end);
  return grpc::Status::OK;
}

}  // namespace

grpc::Status ServiceStatus(const absl::Status& status,
                           absl::string_view domain) {
  google::rpc::Status rpc_status = common::ToRpcStatus(status);
  for (google::protobuf::Any& detail : *rpc_status.mutable_details()) {
    google::rpc::ErrorInfo info;
    if (detail.UnpackTo(&info)) {
      info.set_domain(std::string(domain));
      detail.PackFrom(info);
    }
  }
  return grpc::Status(static_cast<grpc::StatusCode>(status.code()),
                      std::string(status.message()),
                      rpc_status.SerializeAsString());
}

void FakeCallLog::Record(const grpc::ServerContext& context,
                         const std::string& method) {
  bool hang = false;
  {
    absl::MutexLock lock(&mu_);
    last_method_ = method;
    ++recorded_calls_;
    last_request_id_ = Metadata(context, "x-request-id");
    last_traceparent_ = Metadata(context, "traceparent");
    last_had_deadline_ = context.deadline() < std::chrono::system_clock::now() +
                                                  std::chrono::hours(1);
    hang = hang_;
  }
  // The fake stands in for a slow backend; the gateway's deadline ends the
  // wait. It waits for gRPC to cancel the call at the deadline rather than
  // watching the clock itself, so no reply can race the caller's deadline
  // (whatever is returned after the cancellation never reaches the caller).
  if (hang) {
    crm::testing::WaitUntil([&context] { return context.IsCancelled(); },
                            absl::Seconds(60));
  }
}

void FakeCallLog::HangUntilDeadline(bool hang) {
  absl::MutexLock lock(&mu_);
  hang_ = hang;
}

int FakeCallLog::recorded_calls() const {
  absl::MutexLock lock(&mu_);
  return recorded_calls_;
}

std::string FakeCallLog::last_method() const {
  absl::MutexLock lock(&mu_);
  return last_method_;
}
std::string FakeCallLog::last_request_id() const {
  absl::MutexLock lock(&mu_);
  return last_request_id_;
}
std::string FakeCallLog::last_traceparent() const {
  absl::MutexLock lock(&mu_);
  return last_traceparent_;
}
bool FakeCallLog::last_had_deadline() const {
  absl::MutexLock lock(&mu_);
  return last_had_deadline_;
}
void FakeCallLog::FailWith(std::optional<grpc::Status> status) {
  absl::MutexLock lock(&mu_);
  failure_ = std::move(status);
}
std::optional<grpc::Status> FakeCallLog::failure() const {
  absl::MutexLock lock(&mu_);
  return failure_;
}

grpc::Status FakeCustomerProfile::CreateCustomer(
    grpc::ServerContext* context, const cp::CreateCustomerRequest* request,
    cp::Customer* response) {
  Record(*context, "CreateCustomer");
  if (auto failure = this->failure()) return *failure;
  absl::MutexLock lock(&mu_);
  last_create_ = *request;
  *response = request->customer();
  response->set_name(absl::StrCat("customers/c", customers_.size() + 1));
  response->set_state(cp::Customer::ACTIVE);
  response->mutable_create_time()->set_seconds(1700000000);
  customers_.push_back(*response);
  return grpc::Status::OK;
}

grpc::Status FakeCustomerProfile::GetCustomer(
    grpc::ServerContext* context, const cp::GetCustomerRequest* request,
    cp::Customer* response) {
  Record(*context, "GetCustomer");
  if (auto failure = this->failure()) return *failure;
  absl::MutexLock lock(&mu_);
  for (const cp::Customer& customer : customers_) {
    if (customer.name() == request->name()) {
      *response = customer;
      return grpc::Status::OK;
    }
  }
  return ServiceStatus(common::NotFoundError(request->name()),
                       "customer-profile");
}

grpc::Status FakeCustomerProfile::ListCustomers(
    grpc::ServerContext* context, const cp::ListCustomersRequest* request,
    cp::ListCustomersResponse* response) {
  Record(*context, "ListCustomers");
  if (auto failure = this->failure()) return *failure;
  absl::MutexLock lock(&mu_);
  last_list_ = *request;
  return Page(
      customers_, request->page_size(), request->page_token(),
      [&](const cp::Customer& c) { *response->add_customers() = c; },
      response->mutable_next_page_token());
}

void FakeCustomerProfile::Keep(const google::protobuf::Message& request) {
  absl::MutexLock lock(&mu_);
  last_requests_[request.GetDescriptor()->full_name()] =
      request.SerializeAsString();
}

grpc::Status FakeCustomerProfile::UpdateCustomer(
    grpc::ServerContext* context, const cp::UpdateCustomerRequest* request,
    cp::Customer* response) {
  Record(*context, "UpdateCustomer");
  if (auto failure = this->failure()) return *failure;
  Keep(*request);
  *response = request->customer();
  response->set_etag("v2");
  return grpc::Status::OK;
}

grpc::Status FakeCustomerProfile::FindDuplicateCandidates(
    grpc::ServerContext* context,
    const cp::FindDuplicateCandidatesRequest* request,
    cp::FindDuplicateCandidatesResponse* response) {
  Record(*context, "FindDuplicateCandidates");
  if (auto failure = this->failure()) return *failure;
  Keep(*request);
  cp::DuplicateCandidate* candidate = response->add_candidates();
  candidate->set_customer("customers/a");
  candidate->set_other_customer("customers/b");
  candidate->add_reasons(cp::DuplicateCandidate::SAME_EMAIL);
  return grpc::Status::OK;
}

grpc::Status FakeCustomerProfile::MergeCustomers(
    grpc::ServerContext* context, const cp::MergeCustomersRequest* request,
    cp::Customer* response) {
  Record(*context, "MergeCustomers");
  if (auto failure = this->failure()) return *failure;
  Keep(*request);
  response->set_name(request->survivor());
  response->set_state(cp::Customer::ACTIVE);
  return grpc::Status::OK;
}

grpc::Status FakeCustomerProfile::RecordOrder(
    grpc::ServerContext* context, const cp::RecordOrderRequest* request,
    cp::Order* response) {
  Record(*context, "RecordOrder");
  if (auto failure = this->failure()) return *failure;
  Keep(*request);
  *response = request->order();
  response->set_name(absl::StrCat(request->order().customer(), "/orders/o1"));
  return grpc::Status::OK;
}

grpc::Status FakeCustomerProfile::RefundOrder(
    grpc::ServerContext* context, const cp::RefundOrderRequest* request,
    cp::Order* response) {
  Record(*context, "RefundOrder");
  if (auto failure = this->failure()) return *failure;
  Keep(*request);
  response->set_name(request->name());
  *response->mutable_refunded_amount() = request->amount();
  return grpc::Status::OK;
}

grpc::Status FakeCustomerProfile::ListOrders(
    grpc::ServerContext* context, const cp::ListOrdersRequest* request,
    cp::ListOrdersResponse* response) {
  Record(*context, "ListOrders");
  if (auto failure = this->failure()) return *failure;
  Keep(*request);
  response->add_orders()->set_name(
      absl::StrCat(request->parent(), "/orders/o1"));
  return grpc::Status::OK;
}

grpc::Status FakeCustomerProfile::RecordEvents(
    grpc::ServerContext* context, const cp::RecordEventsRequest* request,
    cp::RecordEventsResponse* response) {
  Record(*context, "RecordEvents");
  if (auto failure = this->failure()) return *failure;
  Keep(*request);
  response->set_recorded_count(request->events_size());
  return grpc::Status::OK;
}

grpc::Status FakeCustomerProfile::EraseCustomer(
    grpc::ServerContext* context, const cp::EraseCustomerRequest* request,
    cp::Customer* response) {
  Record(*context, "EraseCustomer");
  if (auto failure = this->failure()) return *failure;
  Keep(*request);
  response->set_name(request->name());
  response->set_state(cp::Customer::ERASED);
  return grpc::Status::OK;
}

grpc::Status FakeCustomerProfile::ExportCustomerData(
    grpc::ServerContext* context, const cp::ExportCustomerDataRequest* request,
    cp::ExportCustomerDataResponse* response) {
  Record(*context, "ExportCustomerData");
  if (auto failure = this->failure()) return *failure;
  Keep(*request);
  response->mutable_customer()->set_name(request->name());
  return grpc::Status::OK;
}

grpc::Status FakeCustomerProfile::WatchChanges(
    grpc::ServerContext* context, const cp::WatchChangesRequest* request,
    grpc::ServerWriter<cp::ChangeEvent>* writer) {
  Record(*context, "WatchChanges");
  if (auto failure = this->failure()) return *failure;
  Keep(*request);
  bool from_feed;
  {
    absl::MutexLock lock(&mu_);
    from_feed = watch_from_feed_;
  }
  if (from_feed) {
    return change_feed_.Serve(context, request->after_sequence(), writer);
  }
  for (int64_t i = 1; i <= 3; ++i) {
    cp::ChangeEvent event;
    event.set_sequence(request->after_sequence() + i);
    event.set_type(cp::ChangeEvent::CUSTOMER_UPDATED);
    event.set_customer_name(absl::StrCat("customers/w", event.sequence()));
    if (!writer->Write(event)) return grpc::Status::CANCELLED;
  }
  bool tails;
  grpc::Status end;
  {
    absl::MutexLock lock(&mu_);
    tails = watch_tails_;
    end = watch_end_;
  }
  if (!tails) return end;
  crm::testing::WaitUntil([context] { return context->IsCancelled(); },
                          absl::Seconds(30));
  absl::MutexLock lock(&mu_);
  watch_cancelled_ = context->IsCancelled();
  return grpc::Status::CANCELLED;
}

void FakeCustomerProfile::EndWatchWith(grpc::Status status) {
  absl::MutexLock lock(&mu_);
  watch_end_ = std::move(status);
}

void FakeCustomerProfile::WatchFromFeed() {
  absl::MutexLock lock(&mu_);
  watch_from_feed_ = true;
}

void FakeCustomerProfile::TailWatch() {
  absl::MutexLock lock(&mu_);
  watch_tails_ = true;
}

bool FakeCustomerProfile::watch_cancelled() const {
  absl::MutexLock lock(&mu_);
  return watch_cancelled_;
}

grpc::Status FakeCustomerProfile::ImportCustomers(
    grpc::ServerContext* context,
    grpc::ServerReader<cp::ImportCustomersRequest>* reader,
    cp::ImportCustomersResponse* response) {
  Record(*context, "ImportCustomers");
  if (auto failure = this->failure()) return *failure;
  cp::ImportCustomersRequest row;
  std::vector<cp::ImportCustomersRequest> rows;
  while (reader->Read(&row)) {
    rows.push_back(row);
    cp::ImportRowResult* result = response->add_results();
    result->set_line_number(row.line_number());
    if (absl::StrContains(row.customer().email(), "reject")) {
      result->set_outcome(cp::ImportRowResult::REJECTED);
      result->set_error("email: not valid");
      response->set_rejected_count(response->rejected_count() + 1);
    } else {
      result->set_outcome(cp::ImportRowResult::CREATED);
      result->set_customer(absl::StrCat("customers/i", row.line_number()));
      response->set_created_count(response->created_count() + 1);
    }
  }
  absl::MutexLock lock(&mu_);
  imported_rows_ = std::move(rows);
  return grpc::Status::OK;
}

std::vector<cp::ImportCustomersRequest> FakeCustomerProfile::imported_rows()
    const {
  absl::MutexLock lock(&mu_);
  return imported_rows_;
}

cp::CreateCustomerRequest FakeCustomerProfile::last_create() const {
  absl::MutexLock lock(&mu_);
  return last_create_;
}
cp::ListCustomersRequest FakeCustomerProfile::last_list() const {
  absl::MutexLock lock(&mu_);
  return last_list_;
}

grpc::Status FakeSegmentation::CreateSegment(
    grpc::ServerContext* context, const seg::CreateSegmentRequest* request,
    seg::Segment* response) {
  Record(*context, "CreateSegment");
  if (auto failure = this->failure()) return *failure;
  absl::MutexLock lock(&mu_);
  *response = request->segment();
  response->set_name(absl::StrCat("segments/s", segments_.size() + 1));
  segments_[response->name()] = *response;
  return grpc::Status::OK;
}

grpc::Status FakeSegmentation::GetSegment(grpc::ServerContext* context,
                                          const seg::GetSegmentRequest* request,
                                          seg::Segment* response) {
  Record(*context, "GetSegment");
  if (auto failure = this->failure()) return *failure;
  absl::MutexLock lock(&mu_);
  auto it = segments_.find(request->name());
  if (it == segments_.end()) {
    return ServiceStatus(common::NotFoundError(request->name()),
                         "segmentation");
  }
  *response = it->second;
  return grpc::Status::OK;
}

grpc::Status FakeSegmentation::ListSegments(
    grpc::ServerContext* context, const seg::ListSegmentsRequest* request,
    seg::ListSegmentsResponse* response) {
  Record(*context, "ListSegments");
  if (auto failure = this->failure()) return *failure;
  absl::MutexLock lock(&mu_);
  std::vector<seg::Segment> all;
  for (const auto& [name, segment] : segments_) all.push_back(segment);
  return Page(
      all, request->page_size(), request->page_token(),
      [&](const seg::Segment& s) { *response->add_segments() = s; },
      response->mutable_next_page_token());
}

grpc::Status FakeLoyalty::GetAccount(grpc::ServerContext* context,
                                     const loy::GetAccountRequest* request,
                                     loy::Account* response) {
  Record(*context, "GetAccount");
  if (auto failure = this->failure()) return *failure;
  absl::MutexLock lock(&mu_);
  auto it = balances_.find(request->name());
  if (it == balances_.end()) {
    return ServiceStatus(common::NotFoundError(request->name()), "loyalty");
  }
  response->set_name(it->first);
  response->set_points_balance(it->second);
  return grpc::Status::OK;
}

grpc::Status FakeLoyalty::AdjustPoints(grpc::ServerContext* context,
                                       const loy::AdjustPointsRequest* request,
                                       loy::AdjustPointsResponse* response) {
  Record(*context, "AdjustPoints");
  if (auto failure = this->failure()) return *failure;
  absl::MutexLock lock(&mu_);
  last_adjust_ = *request;
  int64_t& balance = balances_[request->account()];
  if (balance + request->points_delta() < 0) {
    return ServiceStatus(common::StateConflictError(
                             request->account(), "balance would go below zero",
                             crm::type::v1::INSUFFICIENT_BALANCE),
                         "loyalty");
  }
  balance += request->points_delta();
  response->mutable_entry()->set_points_delta(request->points_delta());
  response->mutable_entry()->set_balance_after(balance);
  response->mutable_entry()->set_reason(request->reason());
  response->mutable_account()->set_name(request->account());
  response->mutable_account()->set_points_balance(balance);
  return grpc::Status::OK;
}

namespace {

// The customer an exact `customer = "customers/{id}"` filter names, or "".
std::string ExactCustomerFilter(const std::string& filter) {
  absl::string_view rest = filter;
  if (!absl::ConsumePrefix(&rest, "customer = \"") ||
      !absl::ConsumeSuffix(&rest, "\"") || absl::StrContains(rest, '"')) {
    return "";
  }
  return std::string(rest);
}

}  // namespace

grpc::Status FakeLoyalty::ListCoupons(grpc::ServerContext* context,
                                      const loy::ListCouponsRequest* request,
                                      loy::ListCouponsResponse* response) {
  Record(*context, "ListCoupons");
  if (auto failure = this->failure()) return *failure;
  absl::MutexLock lock(&mu_);
  coupon_lists_.push_back(*request);
  const std::string customer = ExactCustomerFilter(request->filter());
  for (const loy::Coupon& coupon : coupons_) {
    if (customer.empty() || coupon.customer() == customer) {
      *response->add_coupons() = coupon;
    }
  }
  return grpc::Status::OK;
}

void FakeLoyalty::AddCoupon(loy::Coupon coupon) {
  absl::MutexLock lock(&mu_);
  coupons_.push_back(std::move(coupon));
}

std::vector<loy::ListCouponsRequest> FakeLoyalty::coupon_lists() const {
  absl::MutexLock lock(&mu_);
  return coupon_lists_;
}

loy::AdjustPointsRequest FakeLoyalty::last_adjust() const {
  absl::MutexLock lock(&mu_);
  return last_adjust_;
}

grpc::Status FakeLoyalty::GetReferralCode(
    grpc::ServerContext* context, const loy::GetReferralCodeRequest* request,
    loy::ReferralCode* response) {
  Record(*context, "GetReferralCode");
  if (auto failure = this->failure()) return *failure;
  absl::MutexLock lock(&mu_);
  last_referral_code_name_ = request->name();
  response->set_name(request->name());
  response->set_code("REFERRALCODE");
  return grpc::Status::OK;
}

std::string FakeLoyalty::last_referral_code_name() const {
  absl::MutexLock lock(&mu_);
  return last_referral_code_name_;
}

grpc::Status FakeFeedback::SubmitFeedback(
    grpc::ServerContext* context, const fb::SubmitFeedbackRequest* request,
    fb::Feedback* response) {
  Record(*context, "SubmitFeedback");
  if (auto failure = this->failure()) return *failure;
  absl::MutexLock lock(&mu_);
  *response = request->feedback();
  response->set_name(absl::StrCat("feedback/f", items_.size() + 1));
  items_.push_back(*response);
  return grpc::Status::OK;
}

grpc::Status FakeFeedback::ListFeedback(grpc::ServerContext* context,
                                        const fb::ListFeedbackRequest* request,
                                        fb::ListFeedbackResponse* response) {
  Record(*context, "ListFeedback");
  if (auto failure = this->failure()) return *failure;
  absl::MutexLock lock(&mu_);
  last_list_ = *request;
  return Page(
      items_, request->page_size(), request->page_token(),
      [&](const fb::Feedback& f) { *response->add_feedback() = f; },
      response->mutable_next_page_token());
}

grpc::Status FakeFeedback::WatchAlerts(grpc::ServerContext* context,
                                       const fb::WatchAlertsRequest* request,
                                       grpc::ServerWriter<fb::Alert>* writer) {
  Record(*context, "WatchAlerts");
  if (auto failure = this->failure()) return *failure;
  return alert_feed_.Serve(context, request->after_sequence(), writer);
}

grpc::Status FakeFeedback::ListSurveyResponses(
    grpc::ServerContext* context, const fb::ListSurveyResponsesRequest* request,
    fb::ListSurveyResponsesResponse* response) {
  Record(*context, "ListSurveyResponses");
  if (auto failure = this->failure()) return *failure;
  absl::MutexLock lock(&mu_);
  survey_response_lists_.push_back(*request);
  const std::string customer = ExactCustomerFilter(request->filter());
  for (const fb::SurveyResponse& answer : survey_responses_) {
    if (customer.empty() || answer.customer() == customer) {
      *response->add_responses() = answer;
    }
  }
  return grpc::Status::OK;
}

void FakeFeedback::AddSurveyResponse(fb::SurveyResponse response) {
  absl::MutexLock lock(&mu_);
  survey_responses_.push_back(std::move(response));
}

std::vector<fb::ListSurveyResponsesRequest>
FakeFeedback::survey_response_lists() const {
  absl::MutexLock lock(&mu_);
  return survey_response_lists_;
}

fb::ListFeedbackRequest FakeFeedback::last_list() const {
  absl::MutexLock lock(&mu_);
  return last_list_;
}

FakeServer::FakeServer(grpc::Service* service) {
  grpc::EnableDefaultHealthCheckService(true);
  grpc::ServerBuilder builder;
  int port = 0;
  builder.AddListeningPort("127.0.0.1:0", grpc::InsecureServerCredentials(),
                           &port);
  builder.RegisterService(service);
  server_ = builder.BuildAndStart();
  if (server_ == nullptr || port == 0) std::abort();
  address_ = absl::StrCat("127.0.0.1:", port);
  SetServing(true);
}

FakeServer::~FakeServer() { Shutdown(); }

void FakeServer::SetServing(bool serving) {
  server_->GetHealthCheckService()->SetServingStatus("", serving);
}

void FakeServer::Shutdown() {
  if (shut_down_) return;
  shut_down_ = true;
  server_->Shutdown(std::chrono::system_clock::now() + std::chrono::seconds(1));
  server_->Wait();
}

}  // namespace crm::testing
