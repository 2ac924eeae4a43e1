#include "services/common/idempotency_store.h"

#include <cppconn/prepared_statement.h>
#include <cppconn/resultset.h>
#include <cppconn/statement.h>

#include <atomic>
#include <functional>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include <gmock/gmock.h>
#include <google/protobuf/struct.pb.h>
#include <google/protobuf/wrappers.pb.h>
#include <gtest/gtest.h>

#include "absl/time/clock.h"
#include "services/common/idempotency.h"
#include "services/common/migrations.h"
#include "services/common/mysql_unit_of_work.h"
#include "services/common/status_macros.h"
#include "tests/testing/status_matchers.h"
#include "tests/testing/test_database.h"

namespace crm::common {
namespace {

using ::crm::testing::IsOk;
using ::crm::testing::StatusIs;
using ::crm::testing::TestDatabase;
using ::google::protobuf::BytesValue;
using ::google::protobuf::StringValue;
using ::testing::HasSubstr;
using ::testing::MatchesRegex;

// RunIdempotent (idempotency.h) over a MySqlUnitOfWork of `pool`, for bodies
// that work on the connection directly.
template <typename Response>
absl::StatusOr<Response> RunIdempotentOnPool(
    MySqlPool& pool, const Clock& clock, absl::string_view method,
    absl::string_view request_id, const google::protobuf::Message& request,
    const std::function<absl::StatusOr<Response>(sql::Connection&)>& body) {
  MySqlUnitOfWork unit_of_work(pool);
  MySqlIdempotencyRepository keys;
  return RunIdempotent<Response>(
      unit_of_work, keys, clock, RequestContext(), method, request_id, request,
      [&](Transaction& tx) { return body(MySqlConnectionOf(tx)); });
}

StringValue Request(const std::string& value) {
  StringValue request;
  request.set_value(value);
  return request;
}

class IdempotencyTest : public ::testing::Test {
 protected:
  void SetUp() override {
    CRM_ASSERT_OK_AND_ASSIGN(db_, TestDatabase::Create("idempotency"));
    pool_ = db_->NewPool(8);
    ASSERT_NE(pool_, nullptr);
    ASSERT_THAT(ApplyMigrations(*pool_, {&CommonMigrations()}), IsOk());
    ASSERT_THAT(db_->Execute("CREATE TABLE effects (id INT AUTO_INCREMENT "
                             "PRIMARY KEY, note VARCHAR(64)) ENGINE=InnoDB"),
                IsOk());
  }

  // A body that records one effect row and answers "created-<n>" where n is
  // how often the body has run.
  std::function<absl::StatusOr<StringValue>(sql::Connection&)> CountingBody() {
    return [this](sql::Connection& c) -> absl::StatusOr<StringValue> {
      const int run = ++runs_;
      std::unique_ptr<sql::Statement> st(c.createStatement());
      st->execute("INSERT INTO effects (note) VALUES ('x')");
      StringValue response;
      response.set_value("created-" + std::to_string(run));
      return response;
    };
  }

  int Count(const std::string& table) {
    absl::StatusOr<int> n = WithConnection<int>(
        *pool_, [&](sql::Connection& c) -> absl::StatusOr<int> {
          std::unique_ptr<sql::Statement> st(c.createStatement());
          std::unique_ptr<sql::ResultSet> rs(
              st->executeQuery("SELECT COUNT(*) FROM " + table));
          rs->next();
          return rs->getInt(1);
        });
    EXPECT_THAT(n, IsOk());
    return n.ok() ? *n : -1;
  }

  std::unique_ptr<TestDatabase> db_;
  std::unique_ptr<MySqlPool> pool_;
  FakeClock clock_{absl::FromUnixSeconds(1700000000)};
  std::atomic<int> runs_{0};
};

TEST_F(IdempotencyTest, RepeatReturnsStoredResponseWithoutRunningBody) {
  const StringValue request = Request("alice");
  CRM_ASSERT_OK_AND_ASSIGN(
      StringValue first,
      RunIdempotentOnPool<StringValue>(*pool_, clock_, "Create", "req-1",
                                       request, CountingBody()));
  EXPECT_EQ(first.value(), "created-1");
  for (int i = 0; i < 3; ++i) {
    CRM_ASSERT_OK_AND_ASSIGN(
        StringValue repeat,
        RunIdempotentOnPool<StringValue>(*pool_, clock_, "Create", "req-1",
                                         request, CountingBody()));
    EXPECT_EQ(repeat.value(), "created-1");
  }
  EXPECT_EQ(runs_.load(), 1);
  EXPECT_EQ(Count("effects"), 1);
  EXPECT_EQ(Count("idempotency_keys"), 1);
}

TEST_F(IdempotencyTest, SameIdWithDifferentRequestIsRejected) {
  ASSERT_THAT(
      RunIdempotentOnPool<StringValue>(*pool_, clock_, "Create", "req-1",
                                       Request("alice"), CountingBody()),
      IsOk());
  EXPECT_THAT(
      RunIdempotentOnPool<StringValue>(*pool_, clock_, "Create", "req-1",
                                       Request("bob"), CountingBody()),
      StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("request_id")));
  EXPECT_EQ(runs_.load(), 1);
  EXPECT_EQ(Count("effects"), 1);
}

TEST_F(IdempotencyTest, KeysAreScopedByMethod) {
  ASSERT_THAT(
      RunIdempotentOnPool<StringValue>(*pool_, clock_, "Create", "req-1",
                                       Request("alice"), CountingBody()),
      IsOk());
  CRM_ASSERT_OK_AND_ASSIGN(
      StringValue other,
      RunIdempotentOnPool<StringValue>(*pool_, clock_, "Update", "req-1",
                                       Request("alice"), CountingBody()));
  EXPECT_EQ(other.value(), "created-2");
}

TEST_F(IdempotencyTest, EmptyRequestIdIsNotRecorded) {
  for (int i = 0; i < 2; ++i) {
    ASSERT_THAT(
        RunIdempotentOnPool<StringValue>(*pool_, clock_, "Create", "",
                                         Request("alice"), CountingBody()),
        IsOk());
  }
  EXPECT_EQ(runs_.load(), 2);
  EXPECT_EQ(Count("idempotency_keys"), 0);
}

TEST_F(IdempotencyTest, FailedBodyIsNotRecordedAndCanBeRetried) {
  int calls = 0;
  auto flaky = [&](sql::Connection& c) -> absl::StatusOr<StringValue> {
    ++calls;
    std::unique_ptr<sql::Statement> st(c.createStatement());
    st->execute("INSERT INTO effects (note) VALUES ('x')");
    if (calls == 1) return absl::UnavailableError("backend down");
    return Request("done");
  };
  EXPECT_THAT(RunIdempotentOnPool<StringValue>(*pool_, clock_, "Create",
                                               "req-1", Request("a"), flaky),
              StatusIs(absl::StatusCode::kUnavailable));
  EXPECT_EQ(Count("idempotency_keys"), 0);
  EXPECT_EQ(Count("effects"), 0);
  CRM_ASSERT_OK_AND_ASSIGN(StringValue ok, RunIdempotentOnPool<StringValue>(
                                               *pool_, clock_, "Create",
                                               "req-1", Request("a"), flaky));
  EXPECT_EQ(ok.value(), "done");
  EXPECT_EQ(calls, 2);
  EXPECT_EQ(Count("effects"), 1);
}

TEST_F(IdempotencyTest, ConcurrentRepeatsRunTheBodyOnce) {
  constexpr int kThreads = 8;
  const StringValue request = Request("concurrent");
  auto slow_body = [this](sql::Connection& c) -> absl::StatusOr<StringValue> {
    const int run = ++runs_;
    std::unique_ptr<sql::Statement> st(c.createStatement());
    st->execute("INSERT INTO effects (note) VALUES ('x')");
    absl::SleepFor(absl::Milliseconds(100));  // Let the others pile up.
    StringValue response;
    response.set_value("created-" + std::to_string(run));
    return response;
  };
  std::vector<absl::StatusOr<StringValue>> results(kThreads);
  std::vector<std::thread> threads;
  for (int i = 0; i < kThreads; ++i) {
    threads.emplace_back([&, i] {
      results[i] = RunIdempotentOnPool<StringValue>(
          *pool_, clock_, "Create", "req-concurrent", request, slow_body);
    });
  }
  for (std::thread& thread : threads) thread.join();
  for (const absl::StatusOr<StringValue>& result : results) {
    ASSERT_THAT(result, IsOk());
    EXPECT_EQ(result->value(), "created-1");
  }
  EXPECT_EQ(runs_.load(), 1);
  EXPECT_EQ(Count("effects"), 1);
  EXPECT_EQ(Count("idempotency_keys"), 1);
}

TEST_F(IdempotencyTest, StoresBinaryResponsesAndTheClockTime) {
  BytesValue response;
  response.set_value(std::string("\0\x01\xff\xfe\x80", 5));
  auto body = [&](sql::Connection&) -> absl::StatusOr<BytesValue> {
    ++runs_;
    return response;
  };
  ASSERT_THAT(RunIdempotentOnPool<BytesValue>(*pool_, clock_, "Put", "r",
                                              Request("x"), body),
              IsOk());
  CRM_ASSERT_OK_AND_ASSIGN(BytesValue stored,
                           RunIdempotentOnPool<BytesValue>(
                               *pool_, clock_, "Put", "r", Request("x"), body));
  EXPECT_EQ(stored.value(), response.value());
  EXPECT_EQ(runs_.load(), 1);
  absl::StatusOr<std::string> create_time = WithConnection<std::string>(
      *pool_, [](sql::Connection& c) -> absl::StatusOr<std::string> {
        std::unique_ptr<sql::Statement> st(c.createStatement());
        std::unique_ptr<sql::ResultSet> rs(
            st->executeQuery("SELECT create_time FROM idempotency_keys"));
        rs->next();
        return std::string(rs->getString(1));
      });
  ASSERT_THAT(create_time, IsOk());
  EXPECT_EQ(*create_time, "2023-11-14 22:13:20.000000");
}

TEST_F(IdempotencyTest, SaveRejectsAnAlreadyStoredKey) {
  const StoredResponse stored{RequestFingerprint(Request("a")), "bytes", {}};
  EXPECT_THAT(RunInTransaction(*pool_,
                               [&](sql::Connection& c) {
                                 return IdempotencyStore::Save(
                                     c, "M", "k", stored, clock_.Now());
                               }),
              IsOk());
  EXPECT_THAT(RunInTransaction(*pool_,
                               [&](sql::Connection& c) {
                                 return IdempotencyStore::Save(
                                     c, "M", "k", stored, clock_.Now());
                               }),
              StatusIs(absl::StatusCode::kAlreadyExists));
  absl::StatusOr<std::optional<StoredResponse>> found =
      RunInTransaction<std::optional<StoredResponse>>(
          *pool_,
          [&](sql::Connection& c)
              -> absl::StatusOr<std::optional<StoredResponse>> {
            return IdempotencyStore::LookupForUpdate(c, "M", "k");
          });
  ASSERT_THAT(found, IsOk());
  ASSERT_TRUE(found->has_value());
  EXPECT_EQ((*found)->response_bytes, "bytes");
  EXPECT_EQ((*found)->request_fingerprint, stored.request_fingerprint);
}

TEST_F(IdempotencyTest, DeleteOlderThanRemovesOnlyOldKeys) {
  auto body = [](sql::Connection&) -> absl::StatusOr<StringValue> {
    return Request("ok");
  };
  ASSERT_THAT(RunIdempotentOnPool<StringValue>(*pool_, clock_, "M", "old",
                                               Request("1"), body),
              IsOk());
  clock_.Advance(absl::Hours(48));
  ASSERT_THAT(RunIdempotentOnPool<StringValue>(*pool_, clock_, "M", "new",
                                               Request("2"), body),
              IsOk());
  absl::StatusOr<int> deleted =
      RunInTransaction<int>(*pool_, [&](sql::Connection& c) {
        return IdempotencyStore::DeleteOlderThan(
            c, clock_.Now() - absl::Hours(24));
      });
  ASSERT_THAT(deleted, IsOk());
  EXPECT_EQ(*deleted, 1);
  EXPECT_EQ(Count("idempotency_keys"), 1);
}

TEST_F(IdempotencyTest, DeleteOlderThanRemovesTheOldKeysSubjects) {
  auto body = [](const std::string& name) {
    return [name](sql::Connection&) -> absl::StatusOr<StringValue> {
      return Request(name);
    };
  };
  ASSERT_THAT(
      RunIdempotentOnPool<StringValue>(*pool_, clock_, "M", "old", Request("1"),
                                       body("customers/old")),
      IsOk());
  clock_.Advance(absl::Hours(48));
  ASSERT_THAT(
      RunIdempotentOnPool<StringValue>(*pool_, clock_, "M", "new", Request("2"),
                                       body("customers/new")),
      IsOk());
  EXPECT_EQ(Count("idempotency_key_subjects"), 2);
  ASSERT_THAT(RunInTransaction<int>(*pool_,
                                    [&](sql::Connection& c) {
                                      return IdempotencyStore::DeleteOlderThan(
                                          c, clock_.Now() - absl::Hours(24));
                                    }),
              IsOk());
  EXPECT_EQ(Count("idempotency_key_subjects"), 1);
  EXPECT_EQ(Count("idempotency_key_subjects WHERE subject = 'customers/new'"),
            1);
}

TEST_F(IdempotencyTest, DeleteOlderThanDeletesAtMostLimitKeysOldestFirst) {
  // Keys k0..k5 created an hour apart, each filed under two subjects.
  const absl::Time start = clock_.Now();
  for (int i = 0; i < 6; ++i) {
    const std::string id = "k" + std::to_string(i);
    const StoredResponse stored{RequestFingerprint(Request(id)),
                                "bytes",
                                {"customers/" + id, "orders/" + id}};
    ASSERT_THAT(RunInTransaction(*pool_,
                                 [&](sql::Connection& c) {
                                   return IdempotencyStore::Save(
                                       c, "M", id, stored,
                                       start + absl::Hours(i));
                                 }),
                IsOk());
  }
  auto delete_older_than = [&](absl::Time cutoff, int limit) {
    return RunInTransaction<int>(*pool_, [&](sql::Connection& c) {
      return IdempotencyStore::DeleteOlderThan(c, cutoff, limit);
    });
  };
  // k0..k3 are older than the cutoff; two batches of 3 take them all.
  const absl::Time cutoff = start + absl::Hours(3) + absl::Minutes(30);
  absl::StatusOr<int> deleted = delete_older_than(cutoff, 3);
  ASSERT_THAT(deleted, IsOk());
  EXPECT_EQ(*deleted, 3);
  EXPECT_EQ(Count("idempotency_keys WHERE request_id IN ('k0', 'k1', 'k2')"),
            0);
  EXPECT_EQ(Count("idempotency_key_subjects WHERE request_id IN ('k0', "
                  "'k1', 'k2')"),
            0);
  deleted = delete_older_than(cutoff, 3);
  ASSERT_THAT(deleted, IsOk());
  EXPECT_EQ(*deleted, 1);
  deleted = delete_older_than(cutoff, 3);
  ASSERT_THAT(deleted, IsOk());
  EXPECT_EQ(*deleted, 0);
  EXPECT_EQ(Count("idempotency_keys"), 2);
  EXPECT_EQ(Count("idempotency_key_subjects"), 4);
  EXPECT_EQ(Count("idempotency_key_subjects WHERE request_id IN ('k4', "
                  "'k5')"),
            4);
  EXPECT_THAT(delete_older_than(cutoff, 0),
              StatusIs(absl::StatusCode::kInvalidArgument));
}

TEST_F(IdempotencyTest, DeleteOlderThanDeletesMoreKeysThanOneStatementNames) {
  // More keys than one DELETE statement names (50), and not a multiple.
  ASSERT_THAT(RunInTransaction(*pool_,
                               [&](sql::Connection& c) -> absl::Status {
                                 for (int i = 0; i < 123; ++i) {
                                   const std::string id =
                                       "k" + std::to_string(i);
                                   const StoredResponse stored{
                                       RequestFingerprint(Request(id)),
                                       "bytes",
                                       {"customers/" + id}};
                                   CRM_RETURN_IF_ERROR(IdempotencyStore::Save(
                                       c, "M", id, stored, clock_.Now()));
                                 }
                                 return absl::OkStatus();
                               }),
              IsOk());
  clock_.Advance(absl::Hours(1));
  absl::StatusOr<int> deleted =
      RunInTransaction<int>(*pool_, [&](sql::Connection& c) {
        return IdempotencyStore::DeleteOlderThan(c, clock_.Now(), 1000);
      });
  ASSERT_THAT(deleted, IsOk());
  EXPECT_EQ(*deleted, 123);
  EXPECT_EQ(Count("idempotency_keys"), 0);
  EXPECT_EQ(Count("idempotency_key_subjects"), 0);
}

TEST_F(IdempotencyTest, ForgetSubjectsDeletesEveryResponseNamingThem) {
  auto answer = [this](const std::string& name) {
    return [this, name](sql::Connection& c) -> absl::StatusOr<StringValue> {
      absl::StatusOr<StringValue> effect = CountingBody()(c);
      if (!effect.ok()) return effect.status();
      return Request(name);
    };
  };
  // Three customers' responses; c1 has two, one found through its ticket.
  ASSERT_THAT(
      RunIdempotentOnPool<StringValue>(*pool_, clock_, "Submit", "r1",
                                       Request("a"), answer("customers/c1")),
      IsOk());
  ASSERT_THAT(RunIdempotentOnPool<StringValue>(*pool_, clock_, "Comment", "r2",
                                               Request("b"),
                                               answer("tickets/t9/events/e2")),
              IsOk());
  ASSERT_THAT(
      RunIdempotentOnPool<StringValue>(*pool_, clock_, "Submit", "r3",
                                       Request("c"), answer("customers/c2")),
      IsOk());
  ASSERT_EQ(runs_.load(), 3);
  EXPECT_EQ(Count("idempotency_key_subjects"), 4);

  MySqlUnitOfWork unit_of_work(*pool_);
  MySqlIdempotencyRepository keys;
  ASSERT_THAT(unit_of_work.Run<int>(
                  RequestContext(),
                  [&](Transaction& tx) -> absl::StatusOr<int> {
                    CRM_RETURN_IF_ERROR(keys.ForgetSubjects(
                        tx, {"customers/c1", "tickets/t9", "customers/c404"}));
                    return 0;
                  }),
              IsOk());
  EXPECT_EQ(Count("idempotency_keys"), 1);
  // Every subject row of a forgotten response goes, also the ones that were
  // not asked for ("tickets/t9/events/e2").
  EXPECT_EQ(Count("idempotency_key_subjects"), 1);
  EXPECT_EQ(Count("idempotency_key_subjects WHERE subject = 'customers/c2'"),
            1);

  // c2's response is still replayed; c1's request runs again.
  CRM_ASSERT_OK_AND_ASSIGN(
      StringValue kept,
      RunIdempotentOnPool<StringValue>(*pool_, clock_, "Submit", "r3",
                                       Request("c"), answer("customers/zz")));
  EXPECT_EQ(kept.value(), "customers/c2");
  EXPECT_EQ(runs_.load(), 3);
  CRM_ASSERT_OK_AND_ASSIGN(
      StringValue rerun,
      RunIdempotentOnPool<StringValue>(*pool_, clock_, "Submit", "r1",
                                       Request("a"), answer("customers/c1")));
  EXPECT_EQ(rerun.value(), "customers/c1");
  EXPECT_EQ(runs_.load(), 4);

  // Forgetting nothing, or a subject nothing is filed under, is fine.
  ASSERT_THAT(RunInTransaction<int>(*pool_,
                                    [&](sql::Connection& c) {
                                      return IdempotencyStore::ForgetSubjects(
                                          c, {});
                                    }),
              IsOk());
  EXPECT_EQ(Count("idempotency_keys"), 2);
}

TEST(ResponseSubjects, ResourceNamesAndTheirPrefixesFromEveryStringField) {
  google::protobuf::Struct response;
  auto& fields = *response.mutable_fields();
  fields["customer"].set_string_value("customers/c1");
  fields["note"].set_string_value("yes or no");
  auto* list = fields["events"].mutable_list_value();
  list->add_values()->set_string_value("tickets/t9/events/e2");
  list->add_values()->set_string_value("tickets/t9/events/e2");
  list->add_values()->set_string_value("odd/number/of");
  list->add_values()->set_string_value("customers/has space");
  list->add_values()->set_string_value("customers//empty");
  list->add_values()->set_string_value("9digits/x");
  list->add_values()->set_string_value("/leading/slash");
  list->add_values()->set_string_value("customers/" + std::string(300, 'x'));
  EXPECT_THAT(ResponseSubjects(response),
              ::testing::ElementsAre("customers/c1", "tickets/t9",
                                     "tickets/t9/events/e2"));
  EXPECT_THAT(ResponseSubjects(Request("plain text")), ::testing::IsEmpty());
}

TEST(RequestId, Validation) {
  EXPECT_THAT(ValidateRequestId(""), IsOk());
  EXPECT_THAT(ValidateRequestId("3f2b1c9e-8d7a-4b6c-9e5f-1a2b3c4d5e6f"),
              IsOk());
  EXPECT_THAT(ValidateRequestId(std::string(kMaxRequestIdLength, 'a')), IsOk());
  EXPECT_THAT(
      ValidateRequestId(std::string(kMaxRequestIdLength + 1, 'a')),
      StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("request_id")));
  EXPECT_THAT(
      ValidateRequestId("tab\tinside"),
      StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("request_id")));
  EXPECT_THAT(ValidateRequestId("caf\xc3\xa9"),
              StatusIs(absl::StatusCode::kInvalidArgument));
}

TEST(RequestFingerprint, IsStableHexAndDistinguishesRequests) {
  EXPECT_THAT(RequestFingerprint(Request("a")), MatchesRegex("[0-9a-f]{64}"));
  EXPECT_EQ(RequestFingerprint(Request("a")), RequestFingerprint(Request("a")));
  EXPECT_NE(RequestFingerprint(Request("a")), RequestFingerprint(Request("b")));
  BytesValue bytes;
  bytes.set_value("a");
  EXPECT_NE(RequestFingerprint(Request("a")), RequestFingerprint(bytes));
}

}  // namespace
}  // namespace crm::common
