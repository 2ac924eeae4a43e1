#include "services/customer_profile/mysql_customer_repository.h"

#include <cppconn/prepared_statement.h>
#include <cppconn/resultset.h>

#include <cstdint>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "services/common/etag.h"
#include "services/common/idempotency_store.h"
#include "services/common/status_macros.h"
#include "services/common/timestamps.h"
#include "services/common/transaction.h"
#include "services/customer_profile/customer_validation.h"

namespace crm::customer_profile {
namespace {

using ::crm::common::FormatSqlDatetime;
using ::crm::common::KeysetPosition;
using ::crm::common::Page;
using ::crm::common::PageRequest;

constexpr int64_t kFirstVersion = 1;

constexpr char kSelectColumns[] =
    "SELECT id, given_name, family_name, display_name, email, phone, locale, "
    "state, create_time, update_time, version FROM customers";

// The customer in the current row of `rows` (selected with kSelectColumns).
absl::StatusOr<v1::Customer> CustomerFromRow(sql::ResultSet& rows) {
  v1::Customer customer;
  customer.set_name(CustomerName(rows.getString("id").asStdString()));
  customer.set_given_name(rows.getString("given_name").asStdString());
  customer.set_family_name(rows.getString("family_name").asStdString());
  customer.set_display_name(rows.getString("display_name").asStdString());
  customer.set_email(rows.getString("email").asStdString());
  customer.set_phone(rows.getString("phone").asStdString());
  customer.set_locale(rows.getString("locale").asStdString());
  v1::Customer::State state = v1::Customer::STATE_UNSPECIFIED;
  if (!v1::Customer::State_Parse(rows.getString("state").asStdString(),
                                 &state)) {
    return absl::InternalError("stored customer state is unknown");
  }
  customer.set_state(state);
  CRM_ASSIGN_OR_RETURN(absl::Time create_time,
                       crm::common::ParseSqlDatetime(
                           rows.getString("create_time").asStdString()));
  CRM_ASSIGN_OR_RETURN(absl::Time update_time,
                       crm::common::ParseSqlDatetime(
                           rows.getString("update_time").asStdString()));
  *customer.mutable_create_time() = crm::common::ToProtoTimestamp(create_time);
  *customer.mutable_update_time() = crm::common::ToProtoTimestamp(update_time);
  customer.set_etag(crm::common::EncodeEtag(rows.getInt64("version")));
  return customer;
}

KeysetPosition PositionOf(const v1::Customer& customer) {
  return KeysetPosition{crm::common::FromProtoTimestamp(customer.create_time()),
                        customer.name().substr(CustomerName("").size())};
}

}  // namespace

absl::StatusOr<v1::Customer> MySqlCustomerRepository::Create(
    const v1::Customer& customer, const v1::CreateCustomerRequest& request) {
  return crm::common::RunIdempotent<v1::Customer>(
      pool_, clock_, "CreateCustomer", request.request_id(), request,
      [&](sql::Connection& connection) -> absl::StatusOr<v1::Customer> {
        const std::string id = ids_.NewId();
        const absl::Time now = crm::common::TruncateToMicros(clock_.Now());
        std::unique_ptr<sql::PreparedStatement> insert(
            connection.prepareStatement(
                "INSERT INTO customers (id, given_name, family_name, "
                "display_name, email, phone, locale, state, create_time, "
                "update_time, version) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, "
                "?)"));
        insert->setString(1, id);
        insert->setString(2, customer.given_name());
        insert->setString(3, customer.family_name());
        insert->setString(4, customer.display_name());
        insert->setString(5, customer.email());
        insert->setString(6, customer.phone());
        insert->setString(7, customer.locale());
        insert->setString(8, v1::Customer::State_Name(v1::Customer::ACTIVE));
        insert->setString(9, FormatSqlDatetime(now));
        insert->setString(10, FormatSqlDatetime(now));
        insert->setInt64(11, kFirstVersion);
        insert->executeUpdate();

        v1::Customer stored = customer;
        stored.set_name(CustomerName(id));
        stored.set_state(v1::Customer::ACTIVE);
        *stored.mutable_create_time() = crm::common::ToProtoTimestamp(now);
        *stored.mutable_update_time() = crm::common::ToProtoTimestamp(now);
        stored.set_etag(crm::common::EncodeEtag(kFirstVersion));
        return stored;
      });
}

absl::StatusOr<v1::Customer> MySqlCustomerRepository::Get(
    absl::string_view id) {
  return crm::common::WithConnection<v1::Customer>(
      pool_, [&](sql::Connection& connection) -> absl::StatusOr<v1::Customer> {
        std::unique_ptr<sql::PreparedStatement> select(
            connection.prepareStatement(
                absl::StrCat(kSelectColumns, " WHERE id = ?")));
        select->setString(1, std::string(id));
        std::unique_ptr<sql::ResultSet> rows(select->executeQuery());
        if (!rows->next()) {
          return absl::NotFoundError(
              absl::StrCat(CustomerName(id), " was not found"));
        }
        return CustomerFromRow(*rows);
      });
}

absl::StatusOr<Page<v1::Customer>> MySqlCustomerRepository::List(
    const PageRequest& page) {
  return crm::common::WithConnection<Page<v1::Customer>>(
      pool_,
      [&](sql::Connection& connection) -> absl::StatusOr<Page<v1::Customer>> {
        std::unique_ptr<sql::PreparedStatement> select(
            connection.prepareStatement(absl::StrCat(
                kSelectColumns,
                " WHERE (create_time < ? OR (create_time = ? AND id < ?))"
                " ORDER BY create_time DESC, id DESC LIMIT ?")));
        crm::common::BindKeysetAfter(*select, 1, page.after);
        select->setInt(4, page.page_size + 1);
        std::unique_ptr<sql::ResultSet> rows(select->executeQuery());
        std::vector<v1::Customer> customers;
        while (rows->next()) {
          CRM_ASSIGN_OR_RETURN(v1::Customer customer, CustomerFromRow(*rows));
          customers.push_back(std::move(customer));
        }
        return crm::common::MakePage<v1::Customer>(std::move(customers),
                                                   page.page_size, PositionOf);
      });
}

}  // namespace crm::customer_profile
