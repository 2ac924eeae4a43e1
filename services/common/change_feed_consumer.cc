#include "services/common/change_feed_consumer.h"

#include <cppconn/prepared_statement.h>
#include <cppconn/resultset.h>

#include <algorithm>
#include <memory>
#include <random>
#include <string>
#include <utility>

#include "absl/strings/str_cat.h"
#include "services/common/logging.h"
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

}  // namespace

FeedConsumer::FeedConsumer(MySqlPool& pool, FeedStreamOpener open,
                           FeedApplyFunction apply, FeedConsumerOptions options)
    : pool_(pool),
      open_(std::move(open)),
      apply_(std::move(apply)),
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
  absl::StatusOr<bool> applied = RunInTransaction<bool>(
      pool_,
      [&](sql::Connection& c) -> absl::StatusOr<bool> {
        {
          // Creates the row at 0 if missing, never changes an existing one,
          // and locks it exclusively either way (no shared-then-exclusive
          // upgrade that two instances could deadlock on).
          std::unique_ptr<sql::PreparedStatement> ensure(c.prepareStatement(
              "INSERT INTO feed_consumer_cursors "
              "(consumer, last_sequence, update_time) VALUES (?, 0, ?) "
              "ON DUPLICATE KEY UPDATE consumer = consumer"));
          ensure->setString(1, options_.consumer);
          ensure->setString(2,
                            FormatSqlDatetime(TruncateToMicros(absl::Now())));
          ensure->executeUpdate();
        }
        int64_t cursor = 0;
        {
          // The row lock serialises any second instance of this consumer:
          // it waits above, then sees the new cursor here and skips.
          std::unique_ptr<sql::PreparedStatement> lock(c.prepareStatement(
              "SELECT last_sequence FROM feed_consumer_cursors "
              "WHERE consumer = ? FOR UPDATE"));
          lock->setString(1, options_.consumer);
          std::unique_ptr<sql::ResultSet> rows(lock->executeQuery());
          if (!rows->next()) {
            return absl::InternalError("feed consumer cursor row is missing");
          }
          cursor = rows->getInt64(1);
        }
        if (sequence <= cursor) return false;
        CRM_RETURN_IF_ERROR(apply_(c, sequence, payload));
        std::unique_ptr<sql::PreparedStatement> store(c.prepareStatement(
            "UPDATE feed_consumer_cursors SET last_sequence = ?, "
            "update_time = ? WHERE consumer = ?"));
        store->setInt64(1, sequence);
        store->setString(2, FormatSqlDatetime(TruncateToMicros(absl::Now())));
        store->setString(3, options_.consumer);
        store->executeUpdate();
        return true;
      },
      options_.transaction);
  if (!applied.ok()) return applied.status();
  {
    absl::MutexLock lock(&mu_);
    last_sequence_ = std::max(last_sequence_, sequence);
  }
  if (*applied) {
    metrics_.IncrementCounter("crm_feed_consumer_applied_total",
                              "Feed events applied.",
                              {{"consumer", options_.consumer}});
  }
  return applied;
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
    absl::Status apply_error;
    int64_t failed_sequence = 0;
    FeedItem item;
    while (stream->Next(&item)) {
      {
        absl::MutexLock lock(&mu_);
        head_sequence_ =
            std::max({head_sequence_, item.sequence, item.head_sequence});
      }
      absl::StatusOr<bool> applied = ApplyOne(item.sequence, item.payload);
      if (!applied.ok()) {
        apply_error = applied.status();
        failed_sequence = item.sequence;
        stream->Cancel();
        break;
      }
      backoff = options_.initial_backoff;  // Healthy again.
      PublishMetrics();
    }
    if (!apply_error.ok()) {
      while (stream->Next(&item)) {  // Drain after Cancel() before Finish().
      }
    }
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
