#include "services/common/group_commit_unit_of_work.h"

#include <algorithm>
#include <cstddef>
#include <optional>
#include <string>
#include <utility>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "services/common/error_details.h"
#include "services/common/lame_duck.h"
#include "services/common/status_macros.h"

namespace crm::common {

// One Run() call waiting in, or running as part of, a batch. Lives on the
// caller's stack until Run() returns.
struct GroupCommitUnitOfWork::Request {
  enum class State { kQueued, kDone, kAlone };

  const RequestContext* context = nullptr;
  const std::function<absl::Status(Transaction&)>* body = nullptr;
  RequestCombiner* combiner = nullptr;  // Null for a plain body.
  void* item = nullptr;
  bool read = false;  // A ReadCombinable() call: batched with reads only.
  State state = State::kQueued;  // Guarded by the batcher's mutex.
  absl::Status status;           // Guarded by the batcher's mutex.
  absl::CondVar changed;
};

// The open batch; lives on its leader's stack.
struct GroupCommitUnitOfWork::Batch {
  Request* leader = nullptr;
  std::vector<Request*> requests;
};

std::vector<ConfigOption> GroupCommitConfigOptions(
    const std::string& env_prefix) {
  const GroupCommitOptions defaults;
  return {
      {.flag = "group_commit_max_batch",
       .env = absl::StrCat(env_prefix, "_GROUP_COMMIT_MAX_BATCH"),
       .default_value = absl::StrCat(defaults.max_batch_size),
       .help = "most concurrent writes committed in one transaction "
               "(1 = no group commit)"},
      {.flag = "group_commit_max_wait",
       .env = absl::StrCat(env_prefix, "_GROUP_COMMIT_MAX_WAIT"),
       .default_value = absl::FormatDuration(defaults.max_wait),
       .help = "longest a write waits for its group commit to start "
               "(added latency under load)"},
      {.flag = "group_commit_max_concurrent",
       .env = absl::StrCat(env_prefix, "_GROUP_COMMIT_MAX_CONCURRENT"),
       .default_value = absl::StrCat(defaults.max_concurrent_batches),
       .help = "a group commit starts at once while fewer than this many "
               "are running"},
  };
}

absl::StatusOr<GroupCommitOptions> GroupCommitOptionsFrom(
    const Config& config) {
  GroupCommitOptions options;
  CRM_ASSIGN_OR_RETURN(options.max_batch_size,
                       config.GetInt("group_commit_max_batch"));
  if (options.max_batch_size < 1) {
    return InvalidFieldError("group_commit_max_batch", "must be at least 1");
  }
  CRM_ASSIGN_OR_RETURN(options.max_wait,
                       config.GetDuration("group_commit_max_wait"));
  if (options.max_wait < absl::ZeroDuration()) {
    return InvalidFieldError("group_commit_max_wait", "must not be negative");
  }
  CRM_ASSIGN_OR_RETURN(options.max_concurrent_batches,
                       config.GetInt("group_commit_max_concurrent"));
  if (options.max_concurrent_batches < 1) {
    return InvalidFieldError("group_commit_max_concurrent",
                             "must be at least 1");
  }
  return options;
}

GroupCommitUnitOfWork::GroupCommitUnitOfWork(UnitOfWork& inner,
                                             GroupCommitOptions options,
                                             const Clock& clock)
    : inner_(inner), options_(std::move(options)), clock_(clock) {}

absl::Status GroupCommitUnitOfWork::Read(
    const RequestContext& context,
    const std::function<absl::Status(Transaction&)>& body) {
  return inner_.Read(context, body);
}

namespace {

// A request Run() admitted (its caller's cancellation and the lame-duck
// refusal checked on arrival), run alone: its deadline only, so the wrapped
// unit of work does not ask gRPC about the caller again.
RequestContext Admitted(const RequestContext& context) {
  return RequestContext::WithDeadline(context.deadline());
}

}  // namespace

absl::Status GroupCommitUnitOfWork::Run(
    const RequestContext& context,
    const std::function<absl::Status(Transaction&)>& body) {
  return Submit(context, body, nullptr, nullptr);
}

absl::Status GroupCommitUnitOfWork::RunCombinableErased(
    const RequestContext& context,
    const std::function<absl::Status(Transaction&)>& body,
    RequestCombiner& combiner, void* item) {
  return Submit(context, body, &combiner, item);
}

absl::Status GroupCommitUnitOfWork::ReadCombinableErased(
    const RequestContext& context,
    const std::function<absl::Status(Transaction&)>& body,
    RequestCombiner& combiner, void* item) {
  return Submit(context, body, &combiner, item, /*read=*/true);
}

int GroupCommitUnitOfWork::KindOf(const Request& request) {
  return request.read ? 1 : 0;
}

absl::Status GroupCommitUnitOfWork::RunAlone(const Request& request) {
  const RequestContext admitted = Admitted(*request.context);
  return request.read ? inner_.Read(admitted, *request.body)
                      : inner_.Run(admitted, *request.body);
}

absl::Status GroupCommitUnitOfWork::Submit(
    const RequestContext& context,
    const std::function<absl::Status(Transaction&)>& body,
    RequestCombiner* combiner, void* item, bool read) {
  if (options_.max_batch_size <= 1) {
    return read ? inner_.Read(context, body) : inner_.Run(context, body);
  }
  // Batches run under a context of their own (no caller), so the lame-duck
  // refusal of the wrapped unit of work is applied here. A read, like
  // MySqlUnitOfWork::Read, checks only its deadline.
  CRM_RETURN_IF_ERROR(RefuseWhenLameDuck(context.has_caller()));
  if (absl::Status active = read ? context.CheckDeadline(clock_.Now())
                                 : context.CheckActive(clock_.Now());
      !active.ok()) {
    return active;
  }
  const size_t max_batch = static_cast<size_t>(options_.max_batch_size);
  Request me;
  me.context = &context;
  me.body = &body;
  me.combiner = combiner;
  me.item = item;
  me.read = read;
  // Reads and writes queue and run in batches of their own.
  Batch*& open = open_[KindOf(me)];
  int& running = running_[KindOf(me)];
  std::vector<Request*> to_execute;
  {
    absl::MutexLock lock(&mu_);
    if (open != nullptr) {
      open->requests.push_back(&me);
      if (open->requests.size() >= max_batch) open->leader->changed.Signal();
    } else {
      Batch batch;
      batch.leader = &me;
      batch.requests.push_back(&me);
      open = &batch;
      const absl::Time start_by = absl::Now() + options_.max_wait;
      while (batch.requests.size() < max_batch &&
             running >= options_.max_concurrent_batches) {
        if (me.changed.WaitWithDeadline(&mu_, start_by)) break;  // Timed out.
      }
      open = nullptr;
      ++running;
      to_execute = std::move(batch.requests);
    }
  }
  if (!to_execute.empty()) Execute(std::move(to_execute));
  {
    absl::MutexLock lock(&mu_);
    while (me.state == Request::State::kQueued) me.changed.Wait(&mu_);
    if (me.state == Request::State::kDone) return me.status;
    ++stats_.solo_runs;
  }
  return RunAlone(me);
}

void GroupCommitUnitOfWork::Finish(Request& request, absl::Status status) {
  request.status = std::move(status);
  request.state = Request::State::kDone;
  request.changed.Signal();
}

void GroupCommitUnitOfWork::FinishAlone(Request& request) {
  request.state = Request::State::kAlone;
  request.changed.Signal();
}

void GroupCommitUnitOfWork::Execute(std::vector<Request*> requests) {
  const int kind = KindOf(*requests.front());
  // Requests that expired while waiting are refused, as Run() refuses them
  // on arrival. Their cancellation was asked on arrival, at most max_wait
  // ago: asking again (a poll of each call's completion queue) cost more
  // than the rare write it would spare.
  std::vector<Request*> pending;
  pending.reserve(requests.size());
  {
    absl::MutexLock lock(&mu_);
    for (Request* request : requests) {
      absl::Status active = request->context->CheckDeadline(clock_.Now());
      if (active.ok()) {
        pending.push_back(request);
      } else {
        Finish(*request, std::move(active));
      }
    }
  }
  while (pending.size() >= 2) {
    const BatchOutcome outcome = RunBatch(pending);
    absl::MutexLock lock(&mu_);
    ++stats_.batches;
    stats_.largest_batch =
        std::max<int64_t>(stats_.largest_batch, pending.size());
    if (outcome.failed.empty()) {
      stats_.batched_requests += pending.size();
      stats_.combined_requests += outcome.combined;
      for (Request* request : pending) Finish(*request, absl::OkStatus());
      pending.clear();
    } else {
      // The failed requests learn their own outcomes alone; their
      // neighbours are batched again without them.
      std::vector<bool> alone(pending.size(), false);
      for (size_t index : outcome.failed) alone[index] = true;
      std::vector<Request*> rest;
      for (size_t i = 0; i < pending.size(); ++i) {
        if (alone[i]) {
          FinishAlone(*pending[i]);
        } else {
          rest.push_back(pending[i]);
        }
      }
      pending = std::move(rest);
    }
  }
  // A batch of one runs here, so that it counts as a running batch.
  std::optional<absl::Status> solo;
  if (pending.size() == 1) solo = RunAlone(*pending.front());
  absl::MutexLock lock(&mu_);
  if (solo.has_value()) {
    ++stats_.solo_runs;
    Finish(*pending.front(), *std::move(solo));
  }
  --running_[kind];
  if (open_[kind] != nullptr) open_[kind]->leader->changed.Signal();
}

GroupCommitUnitOfWork::BatchOutcome GroupCommitUnitOfWork::RunBatch(
    const std::vector<Request*>& requests) {
  absl::Time deadline = absl::InfiniteFuture();
  for (const Request* request : requests) {
    deadline = std::min(deadline, request->context->deadline());
  }
  const RequestContext batch_context = RequestContext::WithDeadline(deadline);
  // The calls to make, in order: a plain body (one request), or a combiner
  // with its requests, at the place of the first of them.
  std::vector<std::vector<size_t>> calls;
  {
    absl::flat_hash_map<RequestCombiner*, size_t> call_of_combiner;
    for (size_t i = 0; i < requests.size(); ++i) {
      RequestCombiner* combiner = requests[i]->combiner;
      if (combiner == nullptr) {
        calls.push_back({i});
        continue;
      }
      auto [call, added] = call_of_combiner.emplace(combiner, calls.size());
      if (added) {
        calls.push_back({i});
      } else {
        calls[call->second].push_back(i);
      }
    }
  }
  BatchOutcome outcome;
  // Which call is running: calls.size() before the first one starts and
  // once all of them returned OK.
  size_t current = calls.size();
  const std::function<absl::Status(Transaction&)> run_calls =
      [&](Transaction& tx) -> absl::Status {
    outcome.combined = 0;
    for (current = 0; current < calls.size(); ++current) {
      const std::vector<size_t>& call = calls[current];
      absl::Status call_status;
      if (call.size() == 1) {
        call_status = (*requests[call.front()]->body)(tx);
      } else {
        std::vector<void*> items;
        items.reserve(call.size());
        for (size_t index : call) items.push_back(requests[index]->item);
        call_status = requests[call.front()]->combiner->RunErased(tx, items);
        outcome.combined += static_cast<int64_t>(call.size());
      }
      if (!call_status.ok()) return call_status;
    }
    return absl::OkStatus();
  };
  const absl::Status status = requests.front()->read
                                  ? inner_.Read(batch_context, run_calls)
                                  : inner_.Run(batch_context, run_calls);
  if (status.ok()) return outcome;
  if (current < calls.size()) {
    outcome.failed = calls[current];
  } else {
    outcome.failed.resize(requests.size());
    for (size_t i = 0; i < requests.size(); ++i) outcome.failed[i] = i;
  }
  return outcome;
}

GroupCommitUnitOfWork::Stats GroupCommitUnitOfWork::stats() const {
  absl::MutexLock lock(&mu_);
  return stats_;
}

int GroupCommitUnitOfWork::waiting() const {
  absl::MutexLock lock(&mu_);
  int waiting = 0;
  for (const Batch* open : open_) {
    if (open != nullptr) waiting += static_cast<int>(open->requests.size());
  }
  return waiting;
}

}  // namespace crm::common
