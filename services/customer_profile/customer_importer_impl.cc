#include "services/customer_profile/customer_importer_impl.h"

#include <algorithm>
#include <deque>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_set.h"
#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "services/common/status_macros.h"

namespace crm::customer_profile {
namespace {

constexpr int kMaxAbortedRetries = 2;

// Keys of the identifiers a row may resolve by; rows sharing one must not
// be written concurrently (see the header).
std::vector<std::string> ResolutionKeys(const v1::Customer& customer) {
  std::vector<std::string> keys;
  std::string email =
      absl::AsciiStrToLower(absl::StripAsciiWhitespace(customer.email()));
  if (!email.empty()) keys.push_back(absl::StrCat("e:", email));
  std::string digits;
  for (char c : customer.phone()) {
    if (absl::ascii_isdigit(static_cast<unsigned char>(c))) digits += c;
  }
  if (!digits.empty()) {
    keys.push_back(absl::StrCat(
        "p:", digits.size() > 8 ? digits.substr(digits.size() - 8) : digits));
  }
  for (const v1::ExternalIdentity& identity : customer.external_identities()) {
    keys.push_back(absl::StrCat(
        "i:",
        absl::AsciiStrToLower(absl::StripAsciiWhitespace(identity.channel())),
        ":", absl::StripAsciiWhitespace(identity.id())));
  }
  return keys;
}

bool IsRowError(absl::StatusCode code) {
  switch (code) {
    case absl::StatusCode::kInvalidArgument:
    case absl::StatusCode::kFailedPrecondition:
    case absl::StatusCode::kNotFound:
    case absl::StatusCode::kAlreadyExists:
    case absl::StatusCode::kOutOfRange:
    case absl::StatusCode::kAborted:
      return true;
    default:
      return false;
  }
}

// Imports one row. Returns the row's result, or a status that ends the
// import.
absl::StatusOr<v1::ImportRowResult> ImportRow(
    CustomerResolver& resolver, const crm::common::RequestContext& context,
    const v1::ImportCustomersRequest& row, bool strict_phone) {
  v1::ImportRowResult result;
  result.set_line_number(row.line_number());
  v1::ResolveCustomerRequest request;
  *request.mutable_customer() = row.customer();
  request.set_strict_phone(strict_phone);
  absl::StatusOr<v1::ResolveCustomerResponse> outcome;
  for (int attempt = 0;; ++attempt) {
    outcome = resolver.Resolve(context, request);
    if (outcome.ok() || outcome.status().code() != absl::StatusCode::kAborted ||
        attempt >= kMaxAbortedRetries) {
      break;
    }
  }
  if (outcome.ok()) {
    result.set_outcome(outcome->outcome() ==
                               v1::ResolveCustomerResponse::CREATED
                           ? v1::ImportRowResult::CREATED
                           : v1::ImportRowResult::UPDATED);
    result.set_customer(outcome->customer().name());
    return result;
  }
  if (!IsRowError(outcome.status().code())) return outcome.status();
  result.set_outcome(v1::ImportRowResult::REJECTED);
  result.set_error(std::string(outcome.status().message()));
  return result;
}

void Count(const v1::ImportRowResult& result,
           v1::ImportCustomersResponse* response) {
  switch (result.outcome()) {
    case v1::ImportRowResult::CREATED:
      response->set_created_count(response->created_count() + 1);
      break;
    case v1::ImportRowResult::UPDATED:
      response->set_updated_count(response->updated_count() + 1);
      break;
    default:
      response->set_rejected_count(response->rejected_count() + 1);
      break;
  }
  *response->add_results() = result;
}

// The concurrent import of one stream (see the header for the ordering
// rule).
class ParallelImport {
 public:
  ParallelImport(CustomerResolver& resolver,
                 const crm::common::RequestContext& context,
                 const crm::common::Clock& clock,
                 const CustomerImporterOptions& options)
      : resolver_(resolver),
        context_(context),
        clock_(clock),
        options_(options) {}

  absl::StatusOr<v1::ImportCustomersResponse> Run(
      const std::function<std::optional<v1::ImportCustomersRequest>()>&
          next_row) {
    std::vector<std::thread> workers;
    workers.reserve(options_.parallelism);
    for (int i = 0; i < options_.parallelism; ++i) {
      workers.emplace_back([this] { Work(); });
    }
    bool first = true;
    while (true) {
      {
        absl::MutexLock lock(&mu_);
        auto has_room = [this]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
          return !fatal_.ok() ||
                 slots_.size() < static_cast<size_t>(options_.window);
        };
        mu_.Await(absl::Condition(&has_room));
        DrainFinished();
        if (!fatal_.ok()) break;
      }
      std::optional<v1::ImportCustomersRequest> row = next_row();
      if (!row.has_value()) break;
      // No row starts once the caller has gone or the deadline has passed.
      if (absl::Status active = context_.CheckActive(clock_.Now());
          !active.ok()) {
        absl::MutexLock lock(&mu_);
        if (fatal_.ok()) fatal_ = active;
        break;
      }
      if (first) {
        strict_phone_ = row->strict_phone();
        first = false;
      }
      Slot slot;
      slot.keys = ResolutionKeys(row->customer());
      slot.row = *std::move(row);
      absl::MutexLock lock(&mu_);
      slots_.push_back(std::move(slot));
    }
    {
      absl::MutexLock lock(&mu_);
      reading_done_ = true;
    }
    for (std::thread& worker : workers) worker.join();
    absl::MutexLock lock(&mu_);
    if (!fatal_.ok()) return fatal_;
    DrainFinished();
    return std::move(response_);
  }

 private:
  enum class State { kQueued, kRunning, kDone };
  struct Slot {
    v1::ImportCustomersRequest row;
    std::vector<std::string> keys;
    State state = State::kQueued;
    v1::ImportRowResult result;
  };

  // Moves finished rows at the front into the response, in stream order.
  void DrainFinished() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    while (!slots_.empty() && slots_.front().state == State::kDone) {
      Count(slots_.front().result, &response_);
      slots_.pop_front();
    }
  }

  // The first queued slot none of whose keys an earlier unfinished slot
  // holds; nullptr if none.
  Slot* FindRunnable() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    absl::flat_hash_set<std::string> held;
    for (Slot& slot : slots_) {
      if (slot.state == State::kDone) continue;
      bool blocked = false;
      if (slot.state == State::kQueued) {
        for (const std::string& key : slot.keys) {
          if (held.contains(key)) {
            blocked = true;
            break;
          }
        }
        if (!blocked) return &slot;
      }
      held.insert(slot.keys.begin(), slot.keys.end());
    }
    return nullptr;
  }

  void Work() {
    while (true) {
      Slot* slot = nullptr;
      {
        absl::MutexLock lock(&mu_);
        auto ready = [this, &slot]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
          if (!fatal_.ok()) return true;
          slot = FindRunnable();
          if (slot != nullptr) return true;
          // Finished when nothing is left to start.
          for (const Slot& s : slots_) {
            if (s.state == State::kQueued) return false;
          }
          return reading_done_;
        };
        mu_.Await(absl::Condition(&ready));
        if (!fatal_.ok() || slot == nullptr) return;
        slot->state = State::kRunning;
      }
      // The slot stays in the deque (std::deque keeps element addresses on
      // push_back/pop_front) until it is kDone and drained.
      absl::StatusOr<v1::ImportRowResult> result =
          ImportRow(resolver_, context_, slot->row, strict_phone_);
      absl::MutexLock lock(&mu_);
      if (!result.ok()) {
        if (fatal_.ok()) fatal_ = result.status();
        slot->state = State::kDone;
        slot->result.set_line_number(slot->row.line_number());
        slot->result.set_outcome(v1::ImportRowResult::REJECTED);
        slot->result.set_error(std::string(result.status().message()));
        continue;
      }
      slot->result = *std::move(result);
      slot->state = State::kDone;
      // Frees window room for the reading thread.
      DrainFinished();
    }
  }

  CustomerResolver& resolver_;
  const crm::common::RequestContext& context_;
  const crm::common::Clock& clock_;
  const CustomerImporterOptions options_;
  // Written by the reading thread before the first slot is queued, read by
  // workers after taking mu_ (which orders the accesses).
  bool strict_phone_ = false;
  absl::Mutex mu_;
  std::deque<Slot> slots_ ABSL_GUARDED_BY(mu_);
  bool reading_done_ ABSL_GUARDED_BY(mu_) = false;
  absl::Status fatal_ ABSL_GUARDED_BY(mu_);
  v1::ImportCustomersResponse response_ ABSL_GUARDED_BY(mu_);
};

}  // namespace

CustomerImporterImpl::CustomerImporterImpl(CustomerResolver& resolver,
                                           const crm::common::Clock& clock,
                                           CustomerImporterOptions options)
    : resolver_(resolver), clock_(clock), options_(options) {
  options_.parallelism = std::clamp(options_.parallelism, 1, 64);
  options_.window = std::max(options_.window, options_.parallelism);
}

absl::StatusOr<v1::ImportCustomersResponse> CustomerImporterImpl::Import(
    const crm::common::RequestContext& context,
    const std::function<std::optional<v1::ImportCustomersRequest>()>&
        next_row) {
  if (options_.parallelism > 1) {
    ParallelImport run(resolver_, context, clock_, options_);
    return run.Run(next_row);
  }
  v1::ImportCustomersResponse response;
  bool first = true;
  bool strict_phone = false;
  while (std::optional<v1::ImportCustomersRequest> row = next_row()) {
    // No row starts once the caller has gone or the deadline has passed.
    CRM_RETURN_IF_ERROR(context.CheckActive(clock_.Now()));
    if (first) {
      strict_phone = row->strict_phone();
      first = false;
    }
    absl::StatusOr<v1::ImportRowResult> result =
        ImportRow(resolver_, context, *row, strict_phone);
    if (!result.ok()) return result.status();
    Count(*result, &response);
  }
  return response;
}

}  // namespace crm::customer_profile
