// A SurveySender (services/loyalty/survey_sender.h) in memory, for tests:
// it keeps feedback's contract of CreateSurveyInvitation and GetSurvey — the
// same `request_id` returns the same invitation, an unknown survey is
// NOT_FOUND —
// records every call, and can be scripted to fail the next calls with given
// statuses (UNAVAILABLE as a feedback that is down) before answering.
//
//   crm::testing::FakeSurveySender surveys;
//   surveys.AddSurvey("surveys/csat");
//   surveys.FailNext(absl::UnavailableError("feedback is down"));
#pragma once

#include <deque>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "services/common/error_details.h"
#include "services/loyalty/survey_sender.h"

namespace crm::testing {

class FakeSurveySender final : public crm::loyalty::SurveySender {
 public:
  struct Call {
    crm::loyalty::SurveyInvitationRequest request;
    absl::Time deadline;
  };

  void AddSurvey(const std::string& survey) {
    absl::MutexLock lock(&mu_);
    surveys_.insert(survey);
  }
  // A survey feedback no longer has: later calls for it are NOT_FOUND.
  void RemoveSurvey(const std::string& survey) {
    absl::MutexLock lock(&mu_);
    surveys_.erase(survey);
  }
  // The next calls answer these statuses, in order, creating nothing.
  void FailNext(absl::Status status) {
    absl::MutexLock lock(&mu_);
    failures_.push_back(std::move(status));
  }
  std::vector<Call> calls() const {
    absl::MutexLock lock(&mu_);
    return calls_;
  }
  // Invitations created (one per request id).
  int invitation_count() const {
    absl::MutexLock lock(&mu_);
    return static_cast<int>(by_request_id_.size());
  }

  absl::StatusOr<std::string> SendInvitation(
      const crm::loyalty::SurveyInvitationRequest& request,
      absl::Time deadline) override {
    absl::MutexLock lock(&mu_);
    calls_.push_back({request, deadline});
    if (!failures_.empty()) {
      absl::Status failure = std::move(failures_.front());
      failures_.pop_front();
      return failure;
    }
    const auto existing = by_request_id_.find(request.request_id);
    if (existing != by_request_id_.end()) return existing->second;
    if (surveys_.count(request.survey) == 0) {
      return crm::common::NotFoundError(request.survey);
    }
    const std::string name = absl::StrCat(request.survey, "/invitations/i",
                                          by_request_id_.size() + 1);
    by_request_id_[request.request_id] = name;
    return name;
  }

  absl::Status CheckSurvey(const std::string& survey,
                           absl::Time /*deadline*/) override {
    absl::MutexLock lock(&mu_);
    if (!failures_.empty()) {
      absl::Status failure = std::move(failures_.front());
      failures_.pop_front();
      return failure;
    }
    if (surveys_.count(survey) == 0) return crm::common::NotFoundError(survey);
    return absl::OkStatus();
  }

 private:
  mutable absl::Mutex mu_;
  std::set<std::string> surveys_;
  std::deque<absl::Status> failures_;
  std::vector<Call> calls_;
  std::map<std::string, std::string> by_request_id_;
};

}  // namespace crm::testing
