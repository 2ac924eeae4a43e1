#include "services/common/change_feed_sequencer.h"

#include <cppconn/prepared_statement.h>
#include <cppconn/resultset.h>

#include <algorithm>
#include <memory>
#include <optional>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "services/common/logging.h"
#include "services/common/prepared_statement_cache.h"
#include "services/common/sql_batches.h"
#include "services/common/transaction.h"

namespace crm::common {

ChangeFeedSequencer::ChangeFeedSequencer(MySqlPool& pool, std::string feed,
                                         FeedNotifier& written,
                                         FeedNotifier& sequenced,
                                         ChangeFeedSequencerOptions options)
    : pool_(pool),
      feed_(std::move(feed)),
      written_(written),
      sequenced_(sequenced),
      options_(options) {}

ChangeFeedSequencer::~ChangeFeedSequencer() { Stop(); }

void ChangeFeedSequencer::Start() {
  if (thread_.joinable()) return;
  {
    absl::MutexLock lock(&mu_);
    if (stopping_) return;
  }
  thread_ = std::thread([this] { Loop(); });
}

void ChangeFeedSequencer::Stop() {
  {
    absl::MutexLock lock(&mu_);
    stopping_ = true;
  }
  // Wakes the loop if it waits for writers; only sequencers wait on
  // `written`, so the extra generation is harmless.
  written_.Notify();
  if (thread_.joinable()) thread_.join();
}

bool ChangeFeedSequencer::stopping() const {
  absl::MutexLock lock(&mu_);
  return stopping_;
}

absl::StatusOr<int> ChangeFeedSequencer::SequenceBatch(
    sql::Connection& connection, absl::string_view feed, int limit) {
  if (limit <= 0) return 0;
  const std::string feed_text(feed);
  // 1. The counter row, exclusively locked. Created at 0 on the first pass
  // of a feed; the upsert takes an exclusive lock too, so two sequencers
  // racing to create it queue there rather than deadlock.
  auto lock_counter = [&]() -> std::optional<int64_t> {
    CachedStatement read = Prepared(
        connection,
        "SELECT last_sequence FROM change_feed_counters WHERE feed = ? "
        "FOR UPDATE");
    read->setString(1, feed_text);
    std::unique_ptr<sql::ResultSet> rows(read->executeQuery());
    if (!rows->next()) return std::nullopt;
    return rows->getInt64(1);
  };
  std::optional<int64_t> counter = lock_counter();
  if (!counter.has_value()) {
    std::unique_ptr<sql::PreparedStatement> create(connection.prepareStatement(
        "INSERT INTO change_feed_counters (feed, last_sequence) VALUES (?, 0) "
        "ON DUPLICATE KEY UPDATE last_sequence = last_sequence"));
    create->setString(1, feed_text);
    create->executeUpdate();
    counter = lock_counter();
    if (!counter.has_value()) {
      return absl::InternalError("change feed counter row is missing");
    }
  }
  const int64_t last = *counter;
  // 2. The oldest committed unnumbered events, in write order. A locking
  // read sees the latest committed rows; SKIP LOCKED passes over rows whose
  // writers are still open (see the header for why that keeps the order).
  // The index is forced: left to itself the optimizer walks the primary key
  // in id order to spare a sort of the few unnumbered rows, reading every
  // event ever written (its estimate of the NULL range counts the entries
  // numbering has delete-marked and purge has not yet removed).
  std::vector<int64_t> ids;
  {
    CachedStatement select =
        Prepared(connection,
                 "SELECT id FROM change_feed_events "
                 "FORCE INDEX (change_feed_events_by_sequence) "
                 "WHERE feed = ? AND sequence IS NULL "
                 "ORDER BY id LIMIT ? FOR UPDATE SKIP LOCKED");
    select->setString(1, feed_text);
    select->setInt(2, limit);
    std::unique_ptr<sql::ResultSet> rows(select->executeQuery());
    while (rows->next()) ids.push_back(rows->getInt64(1));
  }
  if (ids.empty()) return 0;
  // 3. Numbers in id order, then the counter, in one statement each. The
  // numbering's id and number lists are padded to a power of two by
  // repeating the last pair (sql_batches.h), so its few shapes stay in the
  // connection's statement cache; a repeated pair sets what it just set.
  {
    const size_t padded = SqlPaddedCount(ids.size());
    std::string cases;
    for (size_t k = 0; k < padded; ++k)
      absl::StrAppend(&cases, " WHEN ? THEN ?");
    CachedStatement number = Prepared(
        connection,
        absl::StrCat("UPDATE change_feed_events SET sequence = CASE id", cases,
                     " END WHERE feed = ? AND id IN (", SqlPlaceholders(padded),
                     ")"));
    int column = 1;
    for (size_t k = 0; k < padded; ++k) {
      const size_t i = std::min(k, ids.size() - 1);
      number->setInt64(column++, ids[i]);
      number->setInt64(column++, last + 1 + static_cast<int64_t>(i));
    }
    number->setString(column++, feed_text);
    for (size_t k = 0; k < padded; ++k) {
      number->setInt64(column++, ids[std::min(k, ids.size() - 1)]);
    }
    const int updated = number->executeUpdate();
    if (updated != static_cast<int>(ids.size())) {
      return absl::InternalError(absl::StrCat("change feed sequencer numbered ",
                                              updated, " of ", ids.size(),
                                              " events"));
    }
  }
  {
    CachedStatement update = Prepared(
        connection,
        "UPDATE change_feed_counters SET last_sequence = ? WHERE feed = ?");
    update->setInt64(1, last + static_cast<int64_t>(ids.size()));
    update->setString(2, feed_text);
    update->executeUpdate();
  }
  return static_cast<int>(ids.size());
}

absl::StatusOr<int> ChangeFeedSequencer::RunPass() {
  TransactionOptions read_committed;
  read_committed.read_committed = true;
  absl::StatusOr<int> numbered = RunInTransaction<int>(
      pool_,
      [this](sql::Connection& c) -> absl::StatusOr<int> {
        return SequenceBatch(c, feed_, options_.batch_size);
      },
      read_committed);
  if (numbered.ok() && *numbered > 0) sequenced_.Notify();
  return numbered;
}

absl::StatusOr<int64_t> ChangeFeedSequencer::SequencePending() {
  int64_t total = 0;
  while (true) {
    absl::StatusOr<int> numbered = RunPass();
    if (!numbered.ok()) return numbered.status();
    total += *numbered;
    if (*numbered == 0) return total;
  }
}

void ChangeFeedSequencer::Loop() {
  absl::Duration backoff = options_.poll_interval;
  bool failing = false;
  while (!stopping()) {
    // Read before the pass: a commit notified after this point wakes the
    // wait below even if the pass missed its event.
    const uint64_t generation = written_.generation();
    const absl::Time pass_start = absl::Now();
    absl::StatusOr<int> numbered = RunPass();
    if (!numbered.ok()) {
      if (!failing) {
        LogWarning("change feed sequencer pass failed; retrying",
                   {{"feed", feed_},
                    {"error", std::string(numbered.status().message())}});
      }
      failing = true;
      absl::MutexLock lock(&mu_);
      auto stop = [this]()
                      ABSL_SHARED_LOCKS_REQUIRED(mu_) { return stopping_; };
      mu_.AwaitWithTimeout(absl::Condition(&stop), backoff);
      backoff = std::min(backoff * 2, options_.max_error_backoff);
      continue;
    }
    if (failing) LogInfo("change feed sequencer recovered", {{"feed", feed_}});
    failing = false;
    backoff = options_.poll_interval;
    if (*numbered == options_.batch_size) continue;  // More may be waiting.
    written_.WaitForChange(generation, options_.poll_interval);
    // Lets further commits gather for the next pass.
    SleepUntil(pass_start + options_.min_pass_interval);
  }
}

void ChangeFeedSequencer::SleepUntil(absl::Time until) {
  absl::MutexLock lock(&mu_);
  auto stop = [this]() ABSL_SHARED_LOCKS_REQUIRED(mu_) { return stopping_; };
  mu_.AwaitWithDeadline(absl::Condition(&stop), until);
}

}  // namespace crm::common
