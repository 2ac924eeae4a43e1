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
#include "absl/time/clock.h"
#include "absl/time/time.h"
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

// The outcome of a row from its result in a batch; a status that ends the
// import otherwise. ABORTED rows are retried alone, as ImportRow does.
absl::StatusOr<v1::ImportRowResult> RowResult(
    CustomerResolver& resolver, const crm::common::RequestContext& context,
    const v1::ImportCustomersRequest& row, bool strict_phone,
    absl::StatusOr<v1::ResolveCustomerResponse> outcome) {
  if (!outcome.ok() && outcome.status().code() == absl::StatusCode::kAborted) {
    return ImportRow(resolver, context, row, strict_phone);
  }
  v1::ImportRowResult result;
  result.set_line_number(row.line_number());
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

// The concurrent import of one stream (see the header for the ordering
// rule): each worker takes up to batch_size runnable rows at a time and
// writes them with one CustomerResolver::ResolveBatch call.
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
        changed_.SignalAll();
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
      ++queued_;
      changed_.Signal();
    }
    {
      absl::MutexLock lock(&mu_);
      reading_done_ = true;
      changed_.SignalAll();
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

  // Marks running and returns up to `limit` queued slots, in stream order,
  // none of whose keys an earlier unfinished slot (or an earlier slot taken
  // now) holds.
  std::vector<Slot*> TakeRunnable(size_t limit)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    std::vector<Slot*> taken;
    if (queued_ == 0) return taken;
    absl::flat_hash_set<absl::string_view> held;
    for (Slot& slot : slots_) {
      if (slot.state == State::kDone) continue;
      if (slot.state == State::kQueued) {
        bool blocked = false;
        for (const std::string& key : slot.keys) {
          if (held.contains(key)) {
            blocked = true;
            break;
          }
        }
        if (!blocked) {
          slot.state = State::kRunning;
          --queued_;
          taken.push_back(&slot);
          if (taken.size() >= limit || queued_ == 0) break;
        }
      }
      held.insert(slot.keys.begin(), slot.keys.end());
    }
    return taken;
  }

  // Writes `batch` (slots taken by this worker) and stores their results;
  // a status that ends the import otherwise.
  absl::Status WriteBatch(const std::vector<Slot*>& batch) {
    std::vector<v1::ResolveCustomerRequest> requests(batch.size());
    for (size_t i = 0; i < batch.size(); ++i) {
      *requests[i].mutable_customer() = batch[i]->row.customer();
      requests[i].set_strict_phone(strict_phone_);
    }
    std::vector<absl::StatusOr<v1::ResolveCustomerResponse>> outcomes =
        resolver_.ResolveBatch(context_, requests);
    absl::Status fatal;
    std::vector<v1::ImportRowResult> results(batch.size());
    for (size_t i = 0; i < batch.size(); ++i) {
      absl::StatusOr<v1::ImportRowResult> result =
          outcomes.size() == batch.size()
              ? RowResult(resolver_, context_, batch[i]->row, strict_phone_,
                          std::move(outcomes[i]))
              : absl::InternalError("batch resolution lost rows");
      if (result.ok()) {
        results[i] = *std::move(result);
        continue;
      }
      if (fatal.ok()) fatal = result.status();
      results[i].set_line_number(batch[i]->row.line_number());
      results[i].set_outcome(v1::ImportRowResult::REJECTED);
      results[i].set_error(std::string(result.status().message()));
    }
    absl::MutexLock lock(&mu_);
    for (size_t i = 0; i < batch.size(); ++i) {
      batch[i]->result = std::move(results[i]);
      batch[i]->state = State::kDone;
    }
    if (!fatal.ok() && fatal_.ok()) fatal_ = fatal;
    // Frees window room for the reading thread and keys for queued rows.
    DrainFinished();
    changed_.SignalAll();
    return fatal;
  }

  void Work() {
    const size_t limit = static_cast<size_t>(options_.batch_size);
    while (true) {
      std::vector<Slot*> batch;
      {
        absl::MutexLock lock(&mu_);
        // Waits up to `linger` for a full batch while the stream is still
        // being read: a few more rows per transaction cost less than the
        // wait.
        const absl::Time full_or_late = absl::Now() + options_.linger;
        while (true) {
          if (!fatal_.ok()) return;
          if (queued_ < limit && !reading_done_ && absl::Now() < full_or_late) {
            changed_.WaitWithDeadline(&mu_, full_or_late);
            continue;
          }
          batch = TakeRunnable(limit);
          if (!batch.empty()) break;
          if (reading_done_ && queued_ == 0) return;
          changed_.Wait(&mu_);
        }
      }
      // The slots stay in the deque (std::deque keeps element addresses on
      // push_back/pop_front) until they are kDone and drained.
      if (!WriteBatch(batch).ok()) return;
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
  // Signalled when a slot is queued or finished, reading ends or the import
  // fails.
  absl::CondVar changed_;
  std::deque<Slot> slots_ ABSL_GUARDED_BY(mu_);
  size_t queued_ ABSL_GUARDED_BY(mu_) = 0;
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
  options_.batch_size = std::clamp(options_.batch_size, 1, 1024);
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
