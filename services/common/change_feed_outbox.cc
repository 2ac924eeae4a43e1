#include "services/common/change_feed_outbox.h"

#include <cppconn/prepared_statement.h>
#include <cppconn/resultset.h>

#include <iterator>
#include <memory>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "services/common/prepared_statement_cache.h"
#include "services/common/sql_batches.h"
#include "services/common/status_macros.h"
#include "services/common/timestamps.h"

namespace crm::common {

absl::Status ChangeFeedOutbox::Append(sql::Connection& connection,
                                      absl::string_view feed,
                                      const FeedEventRecord& event,
                                      absl::Time now) {
  // No lock beyond the new row's own: concurrent appenders never wait for
  // each other here. The sequencer numbers the row after commit.
  CachedStatement insert =
      Prepared(connection,
               "INSERT INTO change_feed_events "
               "(feed, sequence, type, `key`, payload, event_time) "
               "VALUES (?, NULL, ?, ?, UNHEX(?), ?)");
  insert->setString(1, std::string(feed));
  insert->setInt(2, event.type);
  insert->setString(3, event.key);
  // As hex text, as AppendMany: a blob parameter costs one more packet
  // (COM_STMT_SEND_LONG_DATA) and the server's handling of it.
  insert->setString(4, absl::BytesToHexString(event.payload));
  insert->setString(5, FormatSqlDatetime(TruncateToMicros(now)));
  insert->executeUpdate();
  return absl::OkStatus();
}

absl::Status ChangeFeedOutbox::AppendMany(
    sql::Connection& connection, absl::string_view feed,
    const std::vector<FeedEventRecord>& events, absl::Time now) {
  // Rows of one INSERT get ascending ids in VALUES order.
  constexpr size_t kMaxRows = 256;
  const std::string time = FormatSqlDatetime(TruncateToMicros(now));
  const std::string feed_name(feed);
  for (const SqlChunk& chunk : SqlChunks(events.size(), kMaxRows)) {
    CachedStatement insert = Prepared(
        connection,
        absl::StrCat(
            "INSERT INTO change_feed_events "
            "(feed, sequence, type, `key`, payload, event_time) "
            "VALUES ",
            absl::StrJoin(std::vector<std::string>(
                              chunk.size, "(?, NULL, ?, ?, UNHEX(?), ?)"),
                          ", ")));
    int column = 1;
    for (size_t i = chunk.begin; i < chunk.begin + chunk.size; ++i) {
      const FeedEventRecord& event = events[i];
      insert->setString(column++, feed_name);
      insert->setInt(column++, event.type);
      insert->setString(column++, event.key);
      // As hex text: a blob parameter would cost one more packet per row
      // (COM_STMT_SEND_LONG_DATA).
      insert->setString(column++, absl::BytesToHexString(event.payload));
      insert->setString(column++, time);
    }
    insert->executeUpdate();
  }
  return absl::OkStatus();
}

absl::StatusOr<std::vector<FeedEventRecord>> ChangeFeedOutbox::ReadAfter(
    sql::Connection& connection, absl::string_view feed, int64_t after,
    int limit, const std::vector<int>& types) {
  if (limit <= 0) return std::vector<FeedEventRecord>();
  // The type list is inlined as integers (never text), so the statement
  // stays injection-free while keeping one round trip.
  std::string type_filter;
  if (!types.empty()) {
    type_filter =
        absl::StrCat(" AND type IN (", absl::StrJoin(types, ","), ")");
  }
  CachedStatement select = Prepared(
      connection,
      absl::StrCat("SELECT sequence, type, `key`, payload, event_time "
                   "FROM change_feed_events WHERE feed = ? AND sequence > ?",
                   type_filter, " ORDER BY sequence LIMIT ?"));
  select->setString(1, std::string(feed));
  select->setInt64(2, after);
  select->setInt(3, limit);
  std::unique_ptr<sql::ResultSet> rows(select->executeQuery());
  std::vector<FeedEventRecord> events;
  while (rows->next()) {
    FeedEventRecord record;
    record.sequence = rows->getInt64(1);
    record.type = rows->getInt(2);
    record.key = rows->getString(3);
    std::unique_ptr<std::istream> blob(rows->getBlob(4));
    if (blob != nullptr) {
      record.payload.assign(std::istreambuf_iterator<char>(*blob),
                            std::istreambuf_iterator<char>());
    }
    CRM_ASSIGN_OR_RETURN(record.event_time,
                         ParseSqlDatetime(std::string(rows->getString(5))));
    events.push_back(std::move(record));
  }
  return events;
}

absl::StatusOr<int64_t> ChangeFeedOutbox::LastSequence(
    sql::Connection& connection, absl::string_view feed) {
  CachedStatement select =
      Prepared(connection,
               "SELECT last_sequence FROM change_feed_counters WHERE feed = ?");
  select->setString(1, std::string(feed));
  std::unique_ptr<sql::ResultSet> rows(select->executeQuery());
  if (!rows->next()) return 0;
  return rows->getInt64(1);
}

void FeedNotifier::Notify() {
  absl::MutexLock lock(&mu_);
  ++generation_;
}

uint64_t FeedNotifier::WaitForChange(uint64_t seen_generation,
                                     absl::Duration timeout) {
  absl::MutexLock lock(&mu_);
  auto changed = [this, seen_generation]() ABSL_SHARED_LOCKS_REQUIRED(mu_) {
    return generation_ != seen_generation;
  };
  mu_.AwaitWithTimeout(absl::Condition(&changed), timeout);
  return generation_;
}

uint64_t FeedNotifier::generation() const {
  absl::MutexLock lock(&mu_);
  return generation_;
}

absl::Status ChangeFeedOutbox::ReKey(
    sql::Connection& connection, absl::string_view feed, absl::string_view key,
    absl::string_view new_key,
    const std::function<
        absl::StatusOr<std::string>(const std::string& payload)>& rewrite) {
  std::vector<std::pair<int64_t, std::string>> events;
  {
    CachedStatement select =
        Prepared(connection,
                 "SELECT id, payload FROM change_feed_events "
                 "WHERE feed = ? AND `key` = ? ORDER BY id FOR UPDATE");
    select->setString(1, std::string(feed));
    select->setString(2, std::string(key));
    std::unique_ptr<sql::ResultSet> rows(select->executeQuery());
    while (rows->next()) {
      std::string payload;
      std::unique_ptr<std::istream> blob(rows->getBlob("payload"));
      if (blob != nullptr) {
        payload.assign(std::istreambuf_iterator<char>(*blob),
                       std::istreambuf_iterator<char>());
      }
      events.emplace_back(rows->getInt64("id"), std::move(payload));
    }
  }
  CachedStatement update = Prepared(
      connection,
      "UPDATE change_feed_events SET `key` = ?, payload = ? WHERE id = ?");
  for (const auto& [id, payload] : events) {
    absl::StatusOr<std::string> rewritten = rewrite(payload);
    if (!rewritten.ok()) {
      return absl::DataLossError(absl::StrCat(
          "feed ", feed, " event ", id, ": ", rewritten.status().message()));
    }
    std::istringstream bytes(*rewritten);
    update->setString(1, std::string(new_key));
    update->setBlob(2, &bytes);
    update->setInt64(3, id);
    update->executeUpdate();
  }
  return absl::OkStatus();
}

}  // namespace crm::common
