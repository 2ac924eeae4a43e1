#include "services/customer_profile/customer_merge_policy.h"

#include <map>
#include <utility>

#include "absl/strings/str_cat.h"
#include "services/common/error_details.h"
#include "services/common/timestamps.h"
#include "services/customer_profile/customer_validation.h"

namespace crm::customer_profile {
namespace {

using ::crm::common::FromProtoTimestamp;
using ::crm::common::InvalidFieldError;

std::vector<std::string> SortedUnion(
    const google::protobuf::RepeatedPtrField<std::string>& a,
    const google::protobuf::RepeatedPtrField<std::string>& b) {
  std::set<std::string> all(a.begin(), a.end());
  all.insert(b.begin(), b.end());
  return std::vector<std::string>(all.begin(), all.end());
}

}  // namespace

absl::StatusOr<std::vector<std::string>> FoldInto(
    const v1::Customer& other, bool other_newer,
    const std::set<std::string>& pinned, v1::Customer* base) {
  std::vector<std::string> taken;
  for (const std::string& path : ScalarPaths()) {
    if (pinned.count(path) > 0) continue;
    const std::string mine = ScalarValue(*base, path);
    const std::string theirs = ScalarValue(other, path);
    if (theirs.empty() || theirs == mine) continue;
    if (mine.empty() || other_newer) {
      CopyFields(other, {path}, base);
      taken.push_back(path);
    }
  }
  if (pinned.count("tags") == 0) {
    std::vector<std::string> tags = SortedUnion(base->tags(), other.tags());
    if (tags.size() > kMaxTags) {
      return InvalidFieldError(
          "customer.tags",
          absl::StrCat("the result would have more than ", kMaxTags, " tags"));
    }
    base->clear_tags();
    for (std::string& tag : tags) base->add_tags(std::move(tag));
  }
  if (pinned.count("attributes") == 0) {
    for (const auto& [key, value] : other.attributes()) {
      if (other_newer || base->attributes().count(key) == 0) {
        (*base->mutable_attributes())[key] = value;
      }
    }
    if (base->attributes_size() > static_cast<int>(kMaxAttributes)) {
      return InvalidFieldError("customer.attributes",
                               absl::StrCat("the result would have more than ",
                                            kMaxAttributes, " entries"));
    }
  }
  if (pinned.count("consents") == 0) {
    std::map<int, v1::Consent> by_purpose;
    for (const v1::Consent& consent : base->consents()) {
      by_purpose[consent.purpose()] = consent;
    }
    for (const v1::Consent& consent : other.consents()) {
      auto it = by_purpose.find(consent.purpose());
      if (it == by_purpose.end() ||
          FromProtoTimestamp(consent.update_time()) >=
              FromProtoTimestamp(it->second.update_time())) {
        by_purpose[consent.purpose()] = consent;
      }
    }
    base->clear_consents();
    for (auto& [purpose, consent] : by_purpose) *base->add_consents() = consent;
  }
  std::set<std::pair<std::string, std::string>> seen;
  for (const v1::ExternalIdentity& identity : base->external_identities()) {
    seen.emplace(identity.channel(), identity.id());
  }
  for (const v1::ExternalIdentity& identity : other.external_identities()) {
    if (seen.emplace(identity.channel(), identity.id()).second) {
      *base->add_external_identities() = identity;
    }
  }
  if (!CheckCustomerTypeFields(*base).ok()) {
    return InvalidFieldError(
        "customer.customer_type",
        "the combined record would have a company_name or tax_id without "
        "being BUSINESS, or be BUSINESS without a company_name");
  }
  return taken;
}

}  // namespace crm::customer_profile
