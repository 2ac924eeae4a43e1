// The birthday blind index on MariaDB (migration 0005,
// customer_pii_codec.h, birthday_index_backfill.h): `birthday = "MM-DD"` in
// ListCustomers finds the customers born on that month and day whatever the
// year, the column holds an HMAC and no plaintext, an update, a merge and
// an import keep it current, an erasure clears it, the start-up backfill
// fills rows stored without it (once), and bad literals are FILTER_INVALID
// naming the field.
#include <memory>
#include <string>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "crm/type/v1/error_reason.pb.h"
#include "services/common/change_feed_writer.h"
#include "services/common/error_details.h"
#include "services/common/mysql_pool.h"
#include "services/common/request_context.h"
#include "services/customer_profile/birthday_index_backfill.h"
#include "services/customer_profile/core/pii_cipher.h"
#include "services/customer_profile/customer_manager.h"
#include "services/customer_profile/customer_pii_codec.h"
#include "services/customer_profile/migrations.h"
#include "services/customer_profile/mysql_birthday_backfill_repository.h"
#include "tests/integration/customer_profile/mysql_customer_stack.h"
#include "tests/testing/status_matchers.h"
#include "tests/testing/test_database.h"

namespace crm::customer_profile {
namespace {

using ::crm::common::RequestContext;
using ::crm::testing::IsOk;
using ::crm::testing::StatusIs;
using ::testing::HasSubstr;
using ::testing::UnorderedElementsAre;

class BirthdayIndexTest : public ::testing::Test {
 protected:
  void SetUp() override {
    CRM_ASSERT_OK_AND_ASSIGN(database_,
                             crm::testing::TestDatabase::Create("cp_birthday"));
    CRM_ASSERT_OK_AND_ASSIGN(pool_, database_->NewMigratedPool(Migrations()));
    CRM_ASSERT_OK_AND_ASSIGN(stack_,
                             MySqlCustomerStack::Create(*pool_, notifier_));
  }

  std::string Create(const std::string& email, const std::string& birth_date,
                     const std::string& display_name = "") {
    v1::CreateCustomerRequest request;
    request.mutable_customer()->set_email(email);
    request.mutable_customer()->set_birth_date(birth_date);
    request.mutable_customer()->set_display_name(display_name);
    absl::StatusOr<v1::Customer> customer =
        stack_->manager->Create(RequestContext(), request);
    EXPECT_THAT(customer, IsOk());
    return customer.ok() ? customer->name() : "";
  }

  absl::StatusOr<std::vector<std::string>> Born(const std::string& month_day,
                                                int page_size = 0) {
    std::vector<std::string> names;
    std::string token;
    do {
      v1::ListCustomersRequest request;
      request.set_filter(absl::StrCat("birthday = \"", month_day, "\""));
      request.set_page_size(page_size);
      request.set_page_token(token);
      absl::StatusOr<v1::ListCustomersResponse> page =
          stack_->manager->List(RequestContext(), request);
      if (!page.ok()) return page.status();
      for (const v1::Customer& customer : page->customers()) {
        names.push_back(customer.name());
      }
      token = page->next_page_token();
    } while (!token.empty());
    return names;
  }

  // The stored column of `name` ("" for NULL; "NULL?" tells them apart).
  std::string Column(const std::string& name) {
    absl::StatusOr<std::vector<std::string>> values = database_->QueryColumn(
        absl::StrCat("SELECT COALESCE(birthday_bidx, 'NULL') FROM customers "
                     "WHERE id = '",
                     name.substr(name.find('/') + 1), "'"));
    EXPECT_THAT(values.status(), IsOk());
    return values.ok() && values->size() == 1 ? (*values)[0] : "missing";
  }

  crm::common::FeedNotifier notifier_;
  std::unique_ptr<crm::testing::TestDatabase> database_;
  std::unique_ptr<crm::common::MySqlPool> pool_;
  std::unique_ptr<MySqlCustomerStack> stack_;
};

TEST_F(BirthdayIndexTest, FindsByMonthAndDayWithoutStoringIt) {
  const std::string december = Create("a@example.com", "1990-12-04");
  const std::string same_day = Create("b@example.com", "2001-12-04");
  const std::string next_day = Create("c@example.com", "1990-12-05");
  const std::string leap = Create("d@example.com", "1992-02-29");
  const std::string none = Create("e@example.com", "");

  CRM_ASSERT_OK_AND_ASSIGN(std::vector<std::string> born, Born("12-04"));
  EXPECT_THAT(born, UnorderedElementsAre(december, same_day));
  // Across pages of one.
  CRM_ASSERT_OK_AND_ASSIGN(born, Born("12-04", 1));
  EXPECT_THAT(born, UnorderedElementsAre(december, same_day));
  CRM_ASSERT_OK_AND_ASSIGN(born, Born("12-05"));
  EXPECT_THAT(born, UnorderedElementsAre(next_day));
  CRM_ASSERT_OK_AND_ASSIGN(born, Born("02-29"));
  EXPECT_THAT(born, UnorderedElementsAre(leap));
  CRM_ASSERT_OK_AND_ASSIGN(born, Born("03-01"));
  EXPECT_TRUE(born.empty());

  // 64 hex digits, the same for the same month-day whatever the year, no
  // trace of the date; "" for no birth date.
  const std::string stored = Column(december);
  ASSERT_EQ(stored.size(), 64u);
  for (char c : stored) EXPECT_TRUE(absl::ascii_isxdigit(c)) << stored;
  EXPECT_EQ(Column(same_day), stored);
  EXPECT_NE(Column(next_day), stored);
  EXPECT_FALSE(absl::StrContains(stored, "1204"));
  EXPECT_FALSE(absl::StrContains(stored, "12-04"));
  EXPECT_EQ(Column(none), "");
  // Nor is the month-day anywhere else in the row (the profile and the
  // ciphertext).
  CRM_ASSERT_OK_AND_ASSIGN(
      std::vector<std::string> hits,
      database_->QueryColumn(
          "SELECT id FROM customers WHERE INSTR(profile, '12-04') > 0 OR "
          "INSTR(pii, '12-04') > 0 OR INSTR(profile, '1990') > 0"));
  EXPECT_TRUE(hits.empty());
}

TEST_F(BirthdayIndexTest, WritesKeepItCurrentAndErasureClearsIt) {
  const std::string customer = Create("a@example.com", "1990-12-04", "Ann");
  v1::UpdateCustomerRequest update;
  update.mutable_customer()->set_name(customer);
  update.mutable_customer()->set_birth_date("1990-12-05");
  update.mutable_update_mask()->add_paths("birth_date");
  ASSERT_THAT(stack_->manager->Update(RequestContext(), update), IsOk());
  CRM_ASSERT_OK_AND_ASSIGN(std::vector<std::string> born, Born("12-04"));
  EXPECT_TRUE(born.empty());
  CRM_ASSERT_OK_AND_ASSIGN(born, Born("12-05"));
  EXPECT_THAT(born, UnorderedElementsAre(customer));

  // A merge: the survivor without a birth date takes the duplicate's; the
  // duplicate (a MERGED tombstone) keeps none.
  const std::string survivor = Create("s@example.com", "");
  const std::string duplicate = Create("t@example.com", "1985-07-01");
  v1::MergeCustomersRequest merge;
  merge.set_survivor(survivor);
  merge.set_duplicate(duplicate);
  ASSERT_THAT(stack_->manager->Merge(RequestContext(), merge), IsOk());
  CRM_ASSERT_OK_AND_ASSIGN(born, Born("07-01"));
  EXPECT_THAT(born, UnorderedElementsAre(survivor));
  EXPECT_EQ(Column(duplicate), "");

  v1::EraseCustomerRequest erase;
  erase.set_name(customer);
  ASSERT_THAT(stack_->manager->Erase(RequestContext(), erase), IsOk());
  EXPECT_EQ(Column(customer), "");
  CRM_ASSERT_OK_AND_ASSIGN(born, Born("12-05"));
  EXPECT_TRUE(born.empty());
}

TEST_F(BirthdayIndexTest, BackfillFillsRowsStoredWithoutItOnce) {
  const std::string born = Create("a@example.com", "1990-12-04");
  const std::string without = Create("b@example.com", "");
  const std::string erased = Create("c@example.com", "1970-12-04");
  v1::EraseCustomerRequest erase;
  erase.set_name(erased);
  ASSERT_THAT(stack_->manager->Erase(RequestContext(), erase), IsOk());
  const std::string kept = Column(born);
  // As rows stored before migration 0005 are.
  ASSERT_THAT(database_->Execute("UPDATE customers SET birthday_bidx = NULL"),
              IsOk());
  EXPECT_EQ(Column(born), "NULL");
  CRM_ASSERT_OK_AND_ASSIGN(std::vector<std::string> found, Born("12-04"));
  EXPECT_TRUE(found.empty());
  CRM_ASSERT_OK_AND_ASSIGN(
      std::vector<std::string> versions,
      database_->QueryColumn("SELECT CONCAT(id, version, update_time) FROM "
                             "customers ORDER BY id"));

  CRM_ASSERT_OK_AND_ASSIGN(KeyRing ring, KeyRing::Parse(kTestMasterKeys));
  CRM_ASSERT_OK_AND_ASSIGN(CustomerPiiCodec codec,
                           CustomerPiiCodec::Create(std::move(ring)));
  MySqlBirthdayBackfillRepository rows;
  // Batches of two over three rows.
  BirthdayIndexBackfill backfill(stack_->unit_of_work, rows, codec, 2);
  CRM_ASSERT_OK_AND_ASSIGN(BirthdayBackfillRun run,
                           backfill.Run(RequestContext()));
  EXPECT_EQ(run.filled, 3);
  EXPECT_EQ(run.unreadable, 0);
  EXPECT_EQ(Column(born), kept);
  EXPECT_EQ(Column(without), "");
  EXPECT_EQ(Column(erased), "");
  CRM_ASSERT_OK_AND_ASSIGN(found, Born("12-04"));
  EXPECT_THAT(found, UnorderedElementsAre(born));
  // The customers themselves did not change (no new version or time).
  EXPECT_THAT(database_->QueryColumn("SELECT CONCAT(id, version, update_time) "
                                     "FROM customers ORDER BY id"),
              ::crm::testing::IsOkAndHolds(versions));

  // Again: nothing left to do.
  CRM_ASSERT_OK_AND_ASSIGN(run, backfill.Run(RequestContext()));
  EXPECT_EQ(run.filled, 0);
  EXPECT_EQ(Column(born), kept);

  // A cancelled run stops before its first batch.
  RequestContext cancelled;
  cancelled.set_cancellation([] { return true; });
  EXPECT_THAT(backfill.Run(cancelled), StatusIs(absl::StatusCode::kCancelled));
}

TEST_F(BirthdayIndexTest, BadLiteralsAreRefusedNamingTheField) {
  for (const char* filter :
       {"birthday = \"13-01\"", "birthday = \"02-30\"", "birthday = \"1204\"",
        "birthday = \"12-4\"", "birthday = \"\"", "birthday = \"1990-12-04\"",
        "birthday != \"12-04\"", "birthday > \"12-04\"", "birthday = 1204"}) {
    v1::ListCustomersRequest request;
    request.set_filter(filter);
    absl::StatusOr<v1::ListCustomersResponse> response =
        stack_->manager->List(RequestContext(), request);
    EXPECT_THAT(response, StatusIs(absl::StatusCode::kInvalidArgument,
                                   HasSubstr("birthday")))
        << filter;
    EXPECT_EQ(crm::common::ReasonOf(response.status()),
              crm::type::v1::FILTER_INVALID)
        << filter;
  }
}

TEST_F(BirthdayIndexTest, ReadMaskOfNameReturnsNamesAlone) {
  const std::string customer = Create("a@example.com", "1990-12-04", "Ann");

  v1::ListCustomersRequest request;
  request.set_filter("birthday = \"12-04\"");
  request.mutable_read_mask()->add_paths("name");
  CRM_ASSERT_OK_AND_ASSIGN(v1::ListCustomersResponse names,
                           stack_->manager->List(RequestContext(), request));
  ASSERT_EQ(names.customers_size(), 1);
  v1::Customer expected;
  expected.set_name(customer);
  EXPECT_EQ(names.customers(0).SerializeAsString(),
            expected.SerializeAsString())
      << names.customers(0).DebugString();

  // Other masks trim the full customer to the paths named.
  request.mutable_read_mask()->add_paths("email");
  CRM_ASSERT_OK_AND_ASSIGN(v1::ListCustomersResponse trimmed,
                           stack_->manager->List(RequestContext(), request));
  ASSERT_EQ(trimmed.customers_size(), 1);
  EXPECT_EQ(trimmed.customers(0).name(), customer);
  EXPECT_EQ(trimmed.customers(0).email(), "a@example.com");
  EXPECT_TRUE(trimmed.customers(0).display_name().empty());
  EXPECT_TRUE(trimmed.customers(0).birth_date().empty());
  EXPECT_FALSE(trimmed.customers(0).has_create_time());

  // Without a mask, everything.
  request.clear_read_mask();
  CRM_ASSERT_OK_AND_ASSIGN(v1::ListCustomersResponse full,
                           stack_->manager->List(RequestContext(), request));
  ASSERT_EQ(full.customers_size(), 1);
  EXPECT_EQ(full.customers(0).display_name(), "Ann");
  EXPECT_EQ(full.customers(0).birth_date(), "1990-12-04");

  request.mutable_read_mask()->add_paths("no_such_field");
  absl::StatusOr<v1::ListCustomersResponse> bad =
      stack_->manager->List(RequestContext(), request);
  EXPECT_THAT(bad, StatusIs(absl::StatusCode::kInvalidArgument,
                            HasSubstr("read_mask")));
  EXPECT_EQ(crm::common::ReasonOf(bad.status()), crm::type::v1::FIELD_INVALID);
}

}  // namespace
}  // namespace crm::customer_profile
