#include "services/common/change_feed_consumer.h"

#include <cppconn/prepared_statement.h>
#include <cppconn/resultset.h>

#include <algorithm>
#include <deque>
#include <memory>
#include <optional>
#include <random>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "services/common/logging.h"
#include "services/common/prepared_statement_cache.h"
#include "services/common/status_macros.h"
#include "services/common/timestamps.h"

namespace crm::common {
namespace {

absl::Status ValidateConsumerName(absl::string_view name) {
  if (name.empty() || name.size() > 64) {
    return absl::InvalidArgumentError("consumer: must be 1 to 64 characters");
  }
  for (char c : name) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
                    c == '_' || c == '.' || c == '-';
    if (!ok) {
      return absl::InvalidArgumentError("consumer: must be [a-z0-9_.-]");
    }
  }
  return absl::OkStatus();
}

// Uniform in [d/2, d]: spreads reconnects of many consumers.
absl::Duration Jittered(absl::Duration d) {
  thread_local std::mt19937_64 generator{std::random_device{}()};
  std::uniform_real_distribution<double> factor(0.5, 1.0);
  return d * factor(generator);
}

// The stored cursor of `consumer`, its row locked exclusively until the
// transaction ends; nullopt if there is no row yet.
std::optional<int64_t> LockCursor(sql::Connection& c,
                                  const std::string& consumer) {
  CachedStatement lock =
      Prepared(c,
               "SELECT last_sequence FROM feed_consumer_cursors "
               "WHERE consumer = ? FOR UPDATE");
  lock->setString(1, consumer);
  std::unique_ptr<sql::ResultSet> rows(lock->executeQuery());
  if (!rows->next()) return std::nullopt;
  return static_cast<int64_t>(rows->getInt64(1));
}

// Buckets of crm_feed_consumer_delay_seconds: milliseconds to minutes.
const std::vector<double>& FeedDelayBuckets() {
  static const std::vector<double>* const buckets = new std::vector<double>{
      0.001, 0.002, 0.005, 0.01, 0.02, 0.03, 0.05, 0.075, 0.1, 0.15,
      0.2,   0.3,   0.5,   1,    2,    5,    10,   30,    60,  300};
  return *buckets;
}

}  // namespace

FeedConsumer::FeedConsumer(MySqlPool& pool, FeedStreamOpener open,
                           FeedApplyFunction apply, FeedConsumerOptions options)
    : FeedConsumer(
          pool, std::move(open),
          [apply = std::move(apply)](
              sql::Connection& c,
              const std::vector<FeedItem>& items) -> absl::Status {
            for (const FeedItem& item : items) {
              CRM_RETURN_IF_ERROR(apply(c, item.sequence, item.payload));
            }
            return absl::OkStatus();
          },
          std::move(options)) {}

FeedConsumer::FeedConsumer(MySqlPool& pool, FeedStreamOpener open,
                           FeedBatchApplyFunction apply_batch,
                           FeedConsumerOptions options)
    : pool_(pool),
      open_(std::move(open)),
      apply_batch_(std::move(apply_batch)),
      options_(std::move(options)),
      metrics_(options_.metrics != nullptr ? *options_.metrics
                                           : Metrics::Default()) {}

FeedConsumer::~FeedConsumer() { Stop(); }

void FeedConsumer::Start() {
  absl::MutexLock join_lock(&join_mu_);
  if (thread_.joinable()) return;
  thread_ = std::thread([this] {
    absl::Status status = Run();
    if (!status.ok()) {
      LogError("feed consumer stopped",
               {{"consumer", options_.consumer},
                {"error", std::string(status.message())}});
    }
  });
}

void FeedConsumer::Stop() {
  {
    absl::MutexLock lock(&mu_);
    stop_ = true;
    if (stream_ != nullptr) stream_->Cancel();
  }
  absl::MutexLock join_lock(&join_mu_);
  if (thread_.joinable()) thread_.join();
}

bool FeedConsumer::stopping() const {
  absl::MutexLock lock(&mu_);
  return stop_;
}

bool FeedConsumer::SleepUnlessStopped(absl::Duration d) {
  absl::MutexLock lock(&mu_);
  mu_.AwaitWithTimeout(absl::Condition(&stop_), d);
  return stop_;
}

int64_t FeedConsumer::last_sequence() const {
  absl::MutexLock lock(&mu_);
  return last_sequence_;
}

void FeedConsumer::PublishMetrics() {
  int64_t last = 0;
  int64_t head = 0;
  {
    absl::MutexLock lock(&mu_);
    last = last_sequence_;
    head = std::max(head_sequence_, last_sequence_);
  }
  const MetricLabels labels = {{"consumer", options_.consumer}};
  metrics_.SetGauge("crm_feed_consumer_last_sequence",
                    "Feed sequence of the last event applied.",
                    static_cast<double>(last), labels);
  metrics_.SetGauge("crm_feed_consumer_lag_events",
                    "Events known on the feed and not yet applied.",
                    static_cast<double>(head - last), labels);
}

absl::StatusOr<int64_t> FeedConsumer::LoadCursor(MySqlPool& pool,
                                                 absl::string_view consumer) {
  return WithConnection<int64_t>(
      pool, [&](sql::Connection& c) -> absl::StatusOr<int64_t> {
        std::unique_ptr<sql::PreparedStatement> select(c.prepareStatement(
            "SELECT last_sequence FROM feed_consumer_cursors "
            "WHERE consumer = ?"));
        select->setString(1, std::string(consumer));
        std::unique_ptr<sql::ResultSet> rows(select->executeQuery());
        if (!rows->next()) return int64_t{0};
        return static_cast<int64_t>(rows->getInt64(1));
      });
}

absl::StatusOr<bool> FeedConsumer::ApplyOne(int64_t sequence,
                                            absl::string_view payload) {
  std::vector<FeedItem> items(1);
  items[0].sequence = sequence;
  items[0].payload = std::string(payload);
  absl::StatusOr<int> applied = ApplyBatch(items);
  if (!applied.ok()) return applied.status();
  return *applied > 0;
}

absl::StatusOr<int> FeedConsumer::ApplyBatch(
    const std::vector<FeedItem>& items) {
  if (items.empty()) return 0;
  const absl::Time start = absl::Now();
  absl::StatusOr<int> applied = RunInTransaction<int>(
      pool_,
      [&](sql::Connection& c) -> absl::StatusOr<int> {
        // The row lock serialises any second instance of this consumer: it
        // waits here, then sees the new cursor and skips what was applied.
        std::optional<int64_t> cursor = LockCursor(c, options_.consumer);
        if (!cursor.has_value()) {
          // Creates the row at 0 without touching one another instance made
          // meanwhile, then locks it (a deadlock between two first
          // instances is retried by RunInTransaction).
          CachedStatement ensure = Prepared(
              c,
              "INSERT INTO feed_consumer_cursors "
              "(consumer, last_sequence, update_time) VALUES (?, 0, ?) "
              "ON DUPLICATE KEY UPDATE consumer = consumer");
          ensure->setString(1, options_.consumer);
          ensure->setString(2,
                            FormatSqlDatetime(TruncateToMicros(absl::Now())));
          ensure->executeUpdate();
          cursor = LockCursor(c, options_.consumer);
          if (!cursor.has_value()) {
            return absl::InternalError("feed consumer cursor row is missing");
          }
        }
        if (items.back().sequence <= *cursor) return 0;
        // Sequences increase, so the events above the cursor are a suffix.
        std::vector<FeedItem> tail;
        const std::vector<FeedItem>* fresh = &items;
        if (items.front().sequence <= *cursor) {
          for (const FeedItem& item : items) {
            if (item.sequence > *cursor) tail.push_back(item);
          }
          fresh = &tail;
        }
        CRM_RETURN_IF_ERROR(apply_batch_(c, *fresh));
        const int64_t last = fresh->back().sequence;
        const int count = static_cast<int>(fresh->size());
        CachedStatement store =
            Prepared(c,
                     "UPDATE feed_consumer_cursors SET last_sequence = ?, "
                     "update_time = ? WHERE consumer = ?");
        store->setInt64(1, last);
        store->setString(2, FormatSqlDatetime(TruncateToMicros(absl::Now())));
        store->setString(3, options_.consumer);
        store->executeUpdate();
        return count;
      },
      options_.transaction);
  if (!applied.ok()) return applied.status();
  RecordApplied(items, *applied, absl::Now() - start);
  return applied;
}

void FeedConsumer::RecordApplied(const std::vector<FeedItem>& items,
                                 int applied, absl::Duration took) {
  {
    absl::MutexLock lock(&mu_);
    last_sequence_ = std::max(last_sequence_, items.back().sequence);
  }
  if (applied > 0) {
    const MetricLabels labels = {{"consumer", options_.consumer}};
    metrics_.IncrementCounter("crm_feed_consumer_applied_total",
                              "Feed events applied.", labels, applied);
    metrics_.IncrementCounter(
        "crm_feed_consumer_batches_total",
        "Transactions that applied feed events and moved the cursor.", labels);
    metrics_.ObserveHistogram(
        "crm_feed_consumer_batch_seconds",
        "From the start of a transaction that applied feed events to its "
        "commit (retries included).",
        labels, absl::ToDoubleSeconds(took), FeedDelayBuckets());
    // The applied events are the batch's last `applied` (a suffix above the
    // cursor).
    const absl::Time now = absl::Now();
    for (size_t i = items.size() - static_cast<size_t>(applied);
         i < items.size(); ++i) {
      if (items[i].event_time == absl::InfinitePast()) continue;
      metrics_.ObserveHistogram(
          "crm_feed_consumer_delay_seconds",
          "From an event's commit by its producer to the commit that "
          "applied it here.",
          labels, absl::ToDoubleSeconds(now - items[i].event_time),
          FeedDelayBuckets());
    }
  }
}

absl::Status FeedConsumer::ApplyWithFallback(const std::vector<FeedItem>& items,
                                             int64_t* failed_sequence) {
  absl::StatusOr<int> batch = ApplyBatch(items);
  if (batch.ok()) return absl::OkStatus();
  if (items.size() == 1) {
    *failed_sequence = items.front().sequence;
    return batch.status();
  }
  LogWarning("feed consumer batch failed; applying its events one by one",
             {{"consumer", options_.consumer},
              {"first_sequence", absl::StrCat(items.front().sequence)},
              {"events", absl::StrCat(items.size())},
              {"error", std::string(batch.status().message())}});
  for (const FeedItem& item : items) {
    absl::StatusOr<bool> one = ApplyOne(item.sequence, item.payload);
    if (!one.ok()) {
      *failed_sequence = item.sequence;
      return one.status();
    }
  }
  // Every event applied alone: the batch failed for a passing reason.
  return absl::OkStatus();
}

absl::Status FeedConsumer::ConsumeStream(FeedStream& stream,
                                         int64_t* failed_sequence,
                                         absl::Duration* backoff) {
  const size_t max_batch =
      static_cast<size_t>(std::max(1, options_.max_batch_events));
  // Filled by the reader thread, emptied by this one.
  absl::Mutex buffer_mu;
  std::deque<FeedItem> buffer;
  bool stream_ended = false;
  bool applier_done = false;
  // The applier stops only after the stream ended or was cancelled, so the
  // reader's Next() returns false promptly once it is done; what it still
  // receives is dropped (the next stream resumes after the cursor).
  const MetricLabels labels = {{"consumer", options_.consumer}};
  std::thread reader([&] {
    FeedItem item;
    while (stream.Next(&item)) {
      if (item.event_time != absl::InfinitePast()) {
        metrics_.ObserveHistogram(
            "crm_feed_consumer_receive_delay_seconds",
            "From an event's commit by its producer to its arrival here "
            "(before it waits to be applied).",
            labels, absl::ToDoubleSeconds(absl::Now() - item.event_time),
            FeedDelayBuckets());
      }
      absl::MutexLock lock(&buffer_mu);
      auto room = [&] { return applier_done || buffer.size() < 2 * max_batch; };
      buffer_mu.Await(absl::Condition(&room));
      if (applier_done) continue;
      buffer.push_back(std::move(item));
      item = FeedItem();
    }
    absl::MutexLock lock(&buffer_mu);
    stream_ended = true;
  });

  absl::Status apply_error;
  std::vector<FeedItem> batch;
  while (!stopping()) {  // Stop() also cancels the stream.
    batch.clear();
    {
      absl::MutexLock lock(&buffer_mu);
      auto ready = [&] { return stream_ended || !buffer.empty(); };
      buffer_mu.Await(absl::Condition(&ready));
      if (buffer.empty()) break;  // The stream ended.
      while (!buffer.empty() && batch.size() < max_batch) {
        batch.push_back(std::move(buffer.front()));
        buffer.pop_front();
      }
    }
    {
      absl::MutexLock lock(&mu_);
      for (const FeedItem& item : batch) {
        head_sequence_ =
            std::max({head_sequence_, item.sequence, item.head_sequence});
      }
    }
    apply_error = ApplyWithFallback(batch, failed_sequence);
    if (!apply_error.ok()) break;
    *backoff = options_.initial_backoff;  // Healthy again.
    PublishMetrics();
  }
  if (!apply_error.ok()) stream.Cancel();
  {
    absl::MutexLock lock(&buffer_mu);
    applier_done = true;
  }
  reader.join();  // Next() returns promptly after Cancel() or the end.
  return apply_error;
}

absl::Status FeedConsumer::Run() {
  CRM_RETURN_IF_ERROR(ValidateConsumerName(options_.consumer));
  absl::Duration backoff = options_.initial_backoff;
  bool first_attempt = true;
  while (true) {
    if (!first_attempt) {
      metrics_.IncrementCounter("crm_feed_consumer_reconnects_total",
                                "Feed streams reopened after an error.",
                                {{"consumer", options_.consumer}});
      if (SleepUnlessStopped(Jittered(backoff))) return absl::OkStatus();
      backoff = std::min(backoff * 2, options_.max_backoff);
    }
    first_attempt = false;
    if (stopping()) return absl::OkStatus();

    absl::StatusOr<int64_t> cursor = LoadCursor(pool_, options_.consumer);
    if (!cursor.ok()) {
      LogWarning("feed consumer cannot read its cursor",
                 {{"consumer", options_.consumer},
                  {"error", std::string(cursor.status().message())}});
      continue;
    }
    {
      absl::MutexLock lock(&mu_);
      last_sequence_ = *cursor;
    }
    PublishMetrics();
    absl::StatusOr<std::unique_ptr<FeedStream>> opened = open_(*cursor);
    if (!opened.ok()) {
      LogWarning("feed consumer cannot open the feed",
                 {{"consumer", options_.consumer},
                  {"error", std::string(opened.status().message())}});
      continue;
    }
    std::unique_ptr<FeedStream> stream = std::move(*opened);
    {
      absl::MutexLock lock(&mu_);
      if (stop_) return absl::OkStatus();
      stream_ = stream.get();
    }
    int64_t failed_sequence = 0;
    const absl::Status apply_error =
        ConsumeStream(*stream, &failed_sequence, &backoff);
    absl::Status finished = stream->Finish();
    {
      absl::MutexLock lock(&mu_);
      stream_ = nullptr;
    }
    stream.reset();
    if (stopping()) return absl::OkStatus();
    if (!apply_error.ok()) {
      LogWarning("feed consumer failed to apply an event",
                 {{"consumer", options_.consumer},
                  {"sequence", absl::StrCat(failed_sequence)},
                  {"error", std::string(apply_error.message())}});
    } else {
      LogWarning("feed stream ended; reconnecting",
                 {{"consumer", options_.consumer},
                  {"error", std::string(finished.message())}});
    }
  }
}

}  // namespace crm::common
