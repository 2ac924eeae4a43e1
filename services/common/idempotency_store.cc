#include "services/common/idempotency_store.h"

#include <cppconn/exception.h>
#include <cppconn/prepared_statement.h>
#include <cppconn/resultset.h>

#include <algorithm>
#include <memory>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include <google/protobuf/descriptor.h>
#include <google/protobuf/io/coded_stream.h>
#include <google/protobuf/io/zero_copy_stream_impl_lite.h>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/time/time.h"
#include "services/common/error_details.h"
#include "services/common/mysql_errors.h"
#include "services/common/prepared_statement_cache.h"
#include "services/common/sha256.h"

namespace crm::common {
namespace {

// DATETIME(6) text in UTC.
std::string ToSqlDateTime(absl::Time time) {
  return absl::FormatTime("%Y-%m-%d %H:%M:%E6S", time, absl::UTCTimeZone());
}

// The key columns' limits (see 0001_create_idempotency_keys.sql).
absl::Status ValidateKey(absl::string_view method,
                         absl::string_view request_id) {
  if (method.empty() || method.size() > 128) {
    return absl::InternalError(
        "idempotency method name must have 1 to 128 characters");
  }
  if (request_id.empty()) {
    return absl::InternalError("idempotency request_id must not be empty");
  }
  return ValidateRequestId(request_id);
}

// Subject rows written per INSERT statement (the cache keeps one prepared
// statement per row count up to this).
constexpr size_t kSubjectsPerInsert = 8;

// Files the stored response of (method, request_id) under `subjects`.
void SaveSubjects(sql::Connection& connection, absl::string_view method,
                  absl::string_view request_id,
                  const std::vector<std::string>& subjects) {
  for (size_t begin = 0; begin < subjects.size(); begin += kSubjectsPerInsert) {
    const size_t rows = std::min(kSubjectsPerInsert, subjects.size() - begin);
    std::string sql =
        "INSERT IGNORE INTO idempotency_key_subjects (subject, method, "
        "request_id) VALUES (?, ?, ?)";
    for (size_t i = 1; i < rows; ++i) absl::StrAppend(&sql, ", (?, ?, ?)");
    CachedStatement insert = Prepared(connection, sql);
    for (size_t i = 0; i < rows; ++i) {
      const int column = static_cast<int>(3 * i);
      insert->setString(column + 1, subjects[begin + i]);
      insert->setString(column + 2, std::string(method));
      insert->setString(column + 3, std::string(request_id));
    }
    insert->executeUpdate();
  }
}

// Keys named by one purge DELETE statement (DeleteOlderThan).
constexpr size_t kKeysPerPurgeStatement = 50;

// `prefix` followed by kKeysPerPurgeStatement key conditions joined by OR.
std::string PurgeByKeySql(absl::string_view prefix) {
  std::string sql(prefix);
  for (size_t i = 0; i < kKeysPerPurgeStatement; ++i) {
    absl::StrAppend(&sql, i == 0 ? "" : " OR ",
                    "(method = ? AND request_id = ?)");
  }
  return sql;
}

// Binds keys[begin, begin + kKeysPerPurgeStatement) to a PurgeByKeySql()
// statement, repeating the last key where fewer are left.
void BindPurgeKeys(sql::PreparedStatement& statement,
                   const std::vector<std::pair<std::string, std::string>>& keys,
                   size_t begin) {
  for (size_t i = 0; i < kKeysPerPurgeStatement; ++i) {
    const auto& [method, request_id] =
        keys[std::min(begin + i, keys.size() - 1)];
    const int column = static_cast<int>(2 * i);
    statement.setString(column + 1, method);
    statement.setString(column + 2, request_id);
  }
}

bool IsCollectionSegment(absl::string_view segment) {
  if (segment.empty()) return false;
  for (char c : segment) {
    if (!absl::ascii_isalpha(static_cast<unsigned char>(c))) return false;
  }
  return true;
}

bool IsIdSegment(absl::string_view segment) {
  if (segment.empty()) return false;
  for (char c : segment) {
    if (c <= 0x20 || c > 0x7e) return false;
  }
  return true;
}

// Adds the prefixes of `value` that end with an id, if it is shaped like a
// resource name (see ResponseSubjects()).
void AddNameSubjects(absl::string_view value, std::set<std::string>& out) {
  if (value.size() > static_cast<size_t>(kMaxSubjectLength)) return;
  const std::vector<absl::string_view> segments = absl::StrSplit(value, '/');
  if (segments.size() < 2 || segments.size() % 2 != 0) return;
  for (size_t i = 0; i < segments.size(); i += 2) {
    if (!IsCollectionSegment(segments[i]) || !IsIdSegment(segments[i + 1])) {
      return;
    }
  }
  size_t end = 0;
  for (size_t i = 0; i < segments.size(); i += 2) {
    end += segments[i].size() + 1 + segments[i + 1].size() + (i > 0 ? 1 : 0);
    out.insert(std::string(value.substr(0, end)));
  }
}

void CollectSubjects(const google::protobuf::Message& message,
                     std::set<std::string>& out) {
  const google::protobuf::Reflection* reflection = message.GetReflection();
  std::vector<const google::protobuf::FieldDescriptor*> fields;
  reflection->ListFields(message, &fields);
  for (const google::protobuf::FieldDescriptor* field : fields) {
    using FieldDescriptor = google::protobuf::FieldDescriptor;
    if (field->cpp_type() == FieldDescriptor::CPPTYPE_STRING &&
        field->type() == FieldDescriptor::TYPE_STRING) {
      if (field->is_repeated()) {
        const int size = reflection->FieldSize(message, field);
        for (int i = 0; i < size; ++i) {
          AddNameSubjects(reflection->GetRepeatedString(message, field, i),
                          out);
        }
      } else {
        AddNameSubjects(reflection->GetString(message, field), out);
      }
    } else if (field->cpp_type() == FieldDescriptor::CPPTYPE_MESSAGE) {
      if (field->is_repeated()) {
        const int size = reflection->FieldSize(message, field);
        for (int i = 0; i < size; ++i) {
          CollectSubjects(reflection->GetRepeatedMessage(message, field, i),
                          out);
        }
      } else {
        CollectSubjects(reflection->GetMessage(message, field), out);
      }
    }
  }
}

}  // namespace

absl::StatusOr<std::optional<StoredResponse>> IdempotencyStore::LookupForUpdate(
    sql::Connection& connection, absl::string_view method,
    absl::string_view request_id) {
  if (absl::Status valid = ValidateKey(method, request_id); !valid.ok()) {
    return valid;
  }
  try {
    // Reserve the key with a placeholder row. If another transaction holds
    // the key, this waits for it to commit or roll back. A new row (ours until
    // commit) means there is no stored response; Save() fills it in.
    CachedStatement reserve =
        Prepared(connection,
                 "INSERT IGNORE INTO idempotency_keys (method, request_id, "
                 "request_fingerprint, response_bytes, create_time) "
                 "VALUES (?, ?, '', '', UTC_TIMESTAMP(6))");
    reserve->setString(1, std::string(method));
    reserve->setString(2, std::string(request_id));
    if (reserve->executeUpdate() == 1) return std::nullopt;

    // The key exists and is committed. Stored rows are never changed, so a
    // shared lock suffices (and avoids deadlocks between concurrent repeats).
    CachedStatement select = Prepared(
        connection,
        "SELECT request_fingerprint, response_bytes FROM idempotency_keys "
        "WHERE method = ? AND request_id = ? LOCK IN SHARE MODE");
    select->setString(1, std::string(method));
    select->setString(2, std::string(request_id));
    std::unique_ptr<sql::ResultSet> result(select->executeQuery());
    if (!result->next()) return std::nullopt;
    StoredResponse stored;
    stored.request_fingerprint = result->getString(1);
    stored.response_bytes = result->getString(2);
    // A committed placeholder (reserved without Save) holds no response.
    if (stored.request_fingerprint.empty()) return std::nullopt;
    return stored;
  } catch (const sql::SQLException& e) {
    return MySqlErrorToStatus(e, "looking up idempotency key");
  }
}

absl::Status IdempotencyStore::Save(sql::Connection& connection,
                                    absl::string_view method,
                                    absl::string_view request_id,
                                    const StoredResponse& response,
                                    absl::Time now) {
  if (absl::Status valid = ValidateKey(method, request_id); !valid.ok()) {
    return valid;
  }
  if (response.request_fingerprint.empty()) {
    return absl::InvalidArgumentError(
        "idempotency request fingerprint must not be empty");
  }
  try {
    // Fill in this transaction's placeholder, if LookupForUpdate() made one.
    CachedStatement update = Prepared(
        connection,
        "UPDATE idempotency_keys SET request_fingerprint = ?, "
        "response_bytes = ?, create_time = ? "
        "WHERE method = ? AND request_id = ? AND request_fingerprint = ''");
    update->setString(1, response.request_fingerprint);
    update->setString(2, response.response_bytes);
    update->setString(3, ToSqlDateTime(now));
    update->setString(4, std::string(method));
    update->setString(5, std::string(request_id));
    if (update->executeUpdate() == 1) {
      SaveSubjects(connection, method, request_id, response.subjects);
      return absl::OkStatus();
    }

    CachedStatement insert =
        Prepared(connection,
                 "INSERT INTO idempotency_keys (method, request_id, "
                 "request_fingerprint, response_bytes, create_time) "
                 "VALUES (?, ?, ?, ?, ?)");
    insert->setString(1, std::string(method));
    insert->setString(2, std::string(request_id));
    insert->setString(3, response.request_fingerprint);
    insert->setString(4, response.response_bytes);
    insert->setString(5, ToSqlDateTime(now));
    insert->executeUpdate();
    SaveSubjects(connection, method, request_id, response.subjects);
    return absl::OkStatus();
  } catch (const sql::SQLException& e) {
    absl::Status status = MySqlErrorToStatus(e, "saving idempotency key");
    if (status.code() == absl::StatusCode::kAlreadyExists) {
      return absl::AlreadyExistsError(
          "request_id is already recorded for this method");
    }
    return status;
  }
}

absl::StatusOr<int> IdempotencyStore::DeleteOlderThan(
    sql::Connection& connection, absl::Time cutoff, int limit) {
  if (limit < 1) {
    return absl::InvalidArgumentError(
        "idempotency purge limit must be at least 1");
  }
  try {
    // Oldest first, so that a run cut short still removes the keys most
    // overdue. SKIP LOCKED: a key another transaction holds (a repeat
    // reading it, or another purge) is left for a later run.
    std::vector<std::pair<std::string, std::string>> keys;
    {
      CachedStatement select =
          Prepared(connection,
                   "SELECT method, request_id FROM idempotency_keys "
                   "WHERE create_time < ? ORDER BY create_time LIMIT ? "
                   "FOR UPDATE SKIP LOCKED");
      select->setString(1, ToSqlDateTime(cutoff));
      select->setInt(2, limit);
      std::unique_ptr<sql::ResultSet> rows(select->executeQuery());
      while (rows->next()) {
        keys.emplace_back(rows->getString(1), rows->getString(2));
      }
    }
    // The subjects first, then the keys, a fixed number of keys per
    // statement (the last group padded by repeating its last key).
    static const std::string* const delete_subjects = new std::string(
        PurgeByKeySql("DELETE FROM idempotency_key_subjects WHERE "));
    static const std::string* const delete_keys =
        new std::string(PurgeByKeySql("DELETE FROM idempotency_keys WHERE "));
    int deleted = 0;
    for (size_t begin = 0; begin < keys.size();
         begin += kKeysPerPurgeStatement) {
      CachedStatement subjects = Prepared(connection, *delete_subjects);
      BindPurgeKeys(*subjects, keys, begin);
      subjects->executeUpdate();
      CachedStatement rows = Prepared(connection, *delete_keys);
      BindPurgeKeys(*rows, keys, begin);
      deleted += rows->executeUpdate();
    }
    return deleted;
  } catch (const sql::SQLException& e) {
    return MySqlErrorToStatus(e, "deleting old idempotency keys");
  }
}

absl::StatusOr<int> IdempotencyStore::ForgetSubjects(
    sql::Connection& connection, const std::vector<std::string>& subjects) {
  try {
    // The keys filed under any of the subjects, locked so that no repeat
    // reads a response while it is being forgotten.
    std::set<std::pair<std::string, std::string>> keys;
    CachedStatement find =
        Prepared(connection,
                 "SELECT method, request_id FROM idempotency_key_subjects "
                 "WHERE subject = ? FOR UPDATE");
    for (const std::string& subject : subjects) {
      if (subject.empty() ||
          subject.size() > static_cast<size_t>(kMaxSubjectLength)) {
        continue;
      }
      find->setString(1, subject);
      std::unique_ptr<sql::ResultSet> rows(find->executeQuery());
      while (rows->next()) {
        keys.emplace(rows->getString(1), rows->getString(2));
      }
    }
    int forgotten = 0;
    for (const auto& [method, request_id] : keys) {
      CachedStatement key = Prepared(
          connection,
          "DELETE FROM idempotency_keys WHERE method = ? AND request_id = ?");
      key->setString(1, method);
      key->setString(2, request_id);
      forgotten += key->executeUpdate();
      CachedStatement filed = Prepared(connection,
                                       "DELETE FROM idempotency_key_subjects "
                                       "WHERE method = ? AND request_id = ?");
      filed->setString(1, method);
      filed->setString(2, request_id);
      filed->executeUpdate();
    }
    return forgotten;
  } catch (const sql::SQLException& e) {
    return MySqlErrorToStatus(e, "forgetting stored idempotent responses");
  }
}

std::vector<std::string> ResponseSubjects(
    const google::protobuf::Message& response) {
  std::set<std::string> subjects;
  CollectSubjects(response, subjects);
  return {subjects.begin(), subjects.end()};
}

std::string RequestFingerprint(const google::protobuf::Message& request) {
  std::string bytes;
  {
    google::protobuf::io::StringOutputStream stream(&bytes);
    google::protobuf::io::CodedOutputStream output(&stream);
    output.SetSerializationDeterministic(true);
    request.SerializeToCodedStream(&output);
  }
  // The type name keeps equal bytes of different message types apart.
  return internal::Sha256Hex(
      absl::StrCat(request.GetDescriptor()->full_name(), "\n", bytes));
}

absl::Status ValidateRequestId(absl::string_view request_id) {
  if (request_id.size() > static_cast<size_t>(kMaxRequestIdLength)) {
    return InvalidFieldError(
        "request_id",
        absl::StrCat("must be at most ", kMaxRequestIdLength, " characters"));
  }
  for (char c : request_id) {
    if (c < 0x20 || c > 0x7e) {
      return InvalidFieldError("request_id",
                               "must contain only printable ASCII characters");
    }
  }
  return absl::OkStatus();
}

absl::Status RequestIdReusedError() {
  absl::Status status = ErrorWithReason(
      absl::InvalidArgumentError(
          "request_id: already used with a different request"),
      ::crm::type::v1::REQUEST_ID_REUSED, {{"field", "request_id"}});
  return WithFieldViolation(std::move(status), "request_id",
                            "already used with a different request");
}

}  // namespace crm::common
