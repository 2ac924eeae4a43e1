#include "services/customer_profile/customer_filter_values.h"

#include <optional>
#include <string>
#include <utility>
#include <variant>

#include "absl/strings/str_cat.h"
#include "crm/customerprofile/v1/customer.pb.h"
#include "services/common/filter/filter_error.h"
#include "services/common/status_macros.h"
#include "services/customer_profile/customer_validation.h"

namespace crm::customer_profile {
namespace {

namespace v1 = ::crm::customerprofile::v1;
using crm::common::filter::FilterError;
using crm::common::filter::Restriction;

// What a write of `holder` (one field set) would store; nullopt if a write
// would reject it.
std::optional<v1::Customer> AsWritten(const v1::Customer& holder,
                                      absl::string_view phone_default_region) {
  absl::StatusOr<v1::Customer> standardized = StandardizeCustomer(
      holder, {.phone_default_region = std::string(phone_default_region),
               .strict_phone = false,
               .now = absl::UnixEpoch()});
  if (!standardized.ok()) return std::nullopt;
  return *std::move(standardized);
}

absl::Status Invalid(const Restriction& restriction,
                     absl::string_view expected) {
  return FilterError(
      restriction.value_column,
      absl::StrCat("field '", restriction.field->path, "' expects ", expected));
}

absl::Status PrepareRestriction(Restriction& restriction,
                                const CustomerPiiCodec& codec,
                                absl::string_view phone_default_region) {
  const std::string* text = std::get_if<std::string>(&restriction.value);
  if (text == nullptr) return absl::OkStatus();  // Enums and times as parsed.
  const std::string& path = restriction.field->path;
  v1::Customer holder;
  if (path == "email") {
    holder.set_email(*text);
    std::optional<v1::Customer> written =
        AsWritten(holder, phone_default_region);
    if (!written.has_value() || written->email().empty()) {
      return Invalid(restriction, "a valid email address");
    }
    CRM_ASSIGN_OR_RETURN(restriction.value, codec.EmailIndex(written->email()));
  } else if (path == "phone") {
    holder.set_phone(*text);
    std::optional<v1::Customer> written =
        AsWritten(holder, phone_default_region);
    if (!written.has_value() || written->phone().empty()) {
      return Invalid(restriction, "a phone number");
    }
    CRM_ASSIGN_OR_RETURN(restriction.value, codec.PhoneIndex(written->phone()));
  } else if (path == "birthday") {
    if (!IsMonthDay(*text)) {
      return Invalid(restriction, "a month and day \"MM-DD\"");
    }
    CRM_ASSIGN_OR_RETURN(restriction.value, codec.BirthdayIndex(*text));
  } else if (path == "external_identities" ||
             path == "external_identities.channel") {
    const bool channel_only = path == "external_identities.channel";
    const size_t colon = text->find(':');
    v1::ExternalIdentity* identity = holder.add_external_identities();
    if (channel_only) {
      identity->set_channel(*text);
      identity->set_id("-");
    } else if (colon != std::string::npos) {
      identity->set_channel(text->substr(0, colon));
      identity->set_id(text->substr(colon + 1));
    }
    std::optional<v1::Customer> written =
        AsWritten(holder, phone_default_region);
    if (!written.has_value() || written->external_identities_size() != 1) {
      return Invalid(restriction, channel_only ? "a channel of [a-z0-9_]"
                                               : "\"<channel>:<id>\"");
    }
    const v1::ExternalIdentity& stored = written->external_identities(0);
    if (channel_only) {
      restriction.value = stored.channel();
    } else {
      CRM_ASSIGN_OR_RETURN(restriction.value,
                           codec.ExternalKeyIndex(ExternalIdentityKey(stored)));
    }
  } else if (path == "tags") {
    holder.add_tags(*text);
    std::optional<v1::Customer> written =
        AsWritten(holder, phone_default_region);
    if (!written.has_value() || written->tags_size() != 1) {
      return Invalid(restriction, "a tag");
    }
    restriction.value = written->tags(0);
  } else if (path == "address.country_code") {
    if (text->empty()) return absl::OkStatus();  // No country.
    holder.mutable_address()->set_country_code(*text);
    std::optional<v1::Customer> written =
        AsWritten(holder, phone_default_region);
    if (!written.has_value()) {
      return Invalid(restriction, "an ISO 3166-1 alpha-2 code");
    }
    restriction.value = written->address().country_code();
  } else if (path == "locale") {
    holder.set_locale(*text);
    std::optional<v1::Customer> written =
        AsWritten(holder, phone_default_region);
    if (!written.has_value()) return Invalid(restriction, "a BCP 47 tag");
    restriction.value = written->locale();
  } else if (path == "source_channel") {
    holder.set_source_channel(*text);
    std::optional<v1::Customer> written =
        AsWritten(holder, phone_default_region);
    if (!written.has_value()) return Invalid(restriction, "a channel name");
    restriction.value = written->source_channel();
  }
  return absl::OkStatus();
}

}  // namespace

absl::Status PrepareCustomerFilterValues(
    crm::common::filter::Filter& filter, const CustomerPiiCodec& codec,
    absl::string_view phone_default_region) {
  return crm::common::filter::RewriteValues(
      filter, [&](Restriction& restriction) {
        return PrepareRestriction(restriction, codec, phone_default_region);
      });
}

}  // namespace crm::customer_profile
