#include "services/loyalty/program_rules.h"

#include <set>
#include <vector>

#include <google/protobuf/descriptor.h>
#include <google/protobuf/reflection.h>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "services/common/error_details.h"
#include "services/common/resource_name.h"
#include "services/common/text_validation.h"

namespace crm::loyalty {
namespace {

using ::crm::common::InvalidFieldError;

constexpr int64_t kMaxRatePoints = 1'000'000;
constexpr int64_t kMaxPerAmountMinor = 1'000'000'000;
constexpr int kMaxWindowDays = 3660;
constexpr int kMaxExpiryMonths = 120;
constexpr size_t kMaxTierIdLength = 32;
constexpr size_t kMaxDisplayNameLength = 100;
constexpr size_t kMaxBenefits = 20;
constexpr size_t kMaxBenefitLength = 200;
constexpr int kMinMultiplierPercent = 100;
constexpr int kMaxMultiplierPercent = 1000;
constexpr int64_t kMaxReferralPoints = 1'000'000;

// The top-level fields an update may replace.
const std::set<std::string>& UpdatableFields() {
  static const auto* const fields =
      new std::set<std::string>{"earn_rates",
                                "rounding",
                                "tiers",
                                "qualification_window_days",
                                "downgrade_grace_days",
                                "expiry_policy",
                                "referral_policy"};
  return *fields;
}

bool IsCurrencyCode(absl::string_view code) {
  if (code.size() != 3) return false;
  for (char c : code) {
    if (!absl::ascii_isupper(static_cast<unsigned char>(c))) return false;
  }
  return true;
}

absl::Status ValidateEarnRates(const v1::Program& program) {
  std::set<std::string> currencies;
  for (int i = 0; i < program.earn_rates_size(); ++i) {
    const v1::EarnRate& rate = program.earn_rates(i);
    const std::string field = absl::StrCat("program.earn_rates[", i, "]");
    if (!IsCurrencyCode(rate.currency_code())) {
      return InvalidFieldError(absl::StrCat(field, ".currency_code"),
                               "must be an ISO 4217 code");
    }
    if (!currencies.insert(rate.currency_code()).second) {
      return InvalidFieldError(absl::StrCat(field, ".currency_code"),
                               "must appear once among the earn rates");
    }
    if (rate.points() < 1 || rate.points() > kMaxRatePoints) {
      return InvalidFieldError(absl::StrCat(field, ".points"),
                               absl::StrCat("must be 1 to ", kMaxRatePoints));
    }
    if (rate.per_amount_minor() < 1 ||
        rate.per_amount_minor() > kMaxPerAmountMinor) {
      return InvalidFieldError(
          absl::StrCat(field, ".per_amount_minor"),
          absl::StrCat("must be 1 to ", kMaxPerAmountMinor));
    }
  }
  return absl::OkStatus();
}

absl::Status ValidateTiers(const v1::Program& program) {
  std::set<std::string> ids;
  int64_t previous_threshold = -1;
  for (int i = 0; i < program.tiers_size(); ++i) {
    const v1::Tier& tier = program.tiers(i);
    const std::string field = absl::StrCat("program.tiers[", i, "]");
    if (!IsTierId(tier.tier_id())) {
      return InvalidFieldError(absl::StrCat(field, ".tier_id"),
                               "must be 1 to 32 characters of [a-z0-9_-]");
    }
    if (!ids.insert(tier.tier_id()).second) {
      return InvalidFieldError(absl::StrCat(field, ".tier_id"),
                               "must be unique among the tiers");
    }
    if (!crm::common::ValidateText(
             tier.display_name(), absl::StrCat(field, ".display_name"),
             kMaxDisplayNameLength, crm::common::Presence::kOptional)
             .ok()) {
      return InvalidFieldError(
          absl::StrCat(field, ".display_name"),
          absl::StrCat("must be valid UTF-8 of at most ", kMaxDisplayNameLength,
                       " characters"));
    }
    if (tier.min_qualifying_points() < 0 ||
        tier.min_qualifying_points() <= previous_threshold) {
      return InvalidFieldError(
          absl::StrCat(field, ".min_qualifying_points"),
          "must be >= 0 and above the previous tier's threshold");
    }
    previous_threshold = tier.min_qualifying_points();
    if (tier.multiplier_percent() != 0 &&
        (tier.multiplier_percent() < kMinMultiplierPercent ||
         tier.multiplier_percent() > kMaxMultiplierPercent)) {
      return InvalidFieldError(absl::StrCat(field, ".multiplier_percent"),
                               "must be 0 or 100 to 1000");
    }
    if (static_cast<size_t>(tier.benefits_size()) > kMaxBenefits) {
      return InvalidFieldError(
          absl::StrCat(field, ".benefits"),
          absl::StrCat("must hold at most ", kMaxBenefits, " benefits"));
    }
    for (int b = 0; b < tier.benefits_size(); ++b) {
      const std::string benefit_field =
          absl::StrCat(field, ".benefits[", b, "]");
      if (!crm::common::ValidateText(tier.benefits(b), benefit_field,
                                     kMaxBenefitLength,
                                     crm::common::Presence::kRequired)
               .ok()) {
        return InvalidFieldError(
            benefit_field, absl::StrCat("must be valid UTF-8 of 1 to ",
                                        kMaxBenefitLength, " characters"));
      }
    }
  }
  return absl::OkStatus();
}

absl::Status ValidateExpiryPolicy(const v1::ExpiryPolicy& policy) {
  const int months = policy.months();
  switch (policy.mode()) {
    case v1::ExpiryPolicy::MODE_UNSPECIFIED:
    case v1::ExpiryPolicy::NEVER:
      if (months != 0) {
        return InvalidFieldError("program.expiry_policy.months",
                                 "must be 0 when points never expire");
      }
      return absl::OkStatus();
    case v1::ExpiryPolicy::MONTHS_AFTER_EARN:
      if (months < 1 || months > kMaxExpiryMonths) {
        return InvalidFieldError("program.expiry_policy.months",
                                 "must be 1 to 120");
      }
      return absl::OkStatus();
    case v1::ExpiryPolicy::END_OF_MONTH_AFTER_MONTHS:
      if (months < 0 || months > kMaxExpiryMonths) {
        return InvalidFieldError("program.expiry_policy.months",
                                 "must be 0 to 120");
      }
      return absl::OkStatus();
    default:
      return InvalidFieldError("program.expiry_policy.mode",
                               "must be a known mode");
  }
}

absl::Status ValidateReferralPolicy(const v1::ReferralPolicy& policy) {
  if (policy.referrer_points() < 0 ||
      policy.referrer_points() > kMaxReferralPoints) {
    return InvalidFieldError("program.referral_policy.referrer_points",
                             "must be 0 to 1000000");
  }
  if (policy.referred_points() < 0 ||
      policy.referred_points() > kMaxReferralPoints) {
    return InvalidFieldError("program.referral_policy.referred_points",
                             "must be 0 to 1000000");
  }
  return absl::OkStatus();
}

}  // namespace

std::string ProgramName(absl::string_view id) {
  return crm::common::FormatResourceName(kProgramsCollection, id);
}

absl::StatusOr<std::string> ParseProgramName(absl::string_view name,
                                             absl::string_view field) {
  absl::StatusOr<std::string> id =
      crm::common::ParseResourceName(name, kProgramsCollection, field);
  if (!id.ok()) {
    return InvalidFieldError(field, "must be of the form programs/{program}");
  }
  if (*id != kDefaultProgramId) return crm::common::NotFoundError(name);
  return id;
}

absl::Status ValidateProgramSettings(const v1::Program& program) {
  if (absl::Status rates = ValidateEarnRates(program); !rates.ok()) {
    return rates;
  }
  if (!v1::Program::Rounding_IsValid(program.rounding())) {
    return InvalidFieldError("program.rounding", "must be a known rounding");
  }
  if (absl::Status tiers = ValidateTiers(program); !tiers.ok()) return tiers;
  if (program.qualification_window_days() < 0 ||
      program.qualification_window_days() > kMaxWindowDays) {
    return InvalidFieldError("program.qualification_window_days",
                             "must be 0 to 3660");
  }
  if (program.downgrade_grace_days() < 0 ||
      program.downgrade_grace_days() > kMaxWindowDays) {
    return InvalidFieldError("program.downgrade_grace_days",
                             "must be 0 to 3660");
  }
  if (absl::Status expiry = ValidateExpiryPolicy(program.expiry_policy());
      !expiry.ok()) {
    return expiry;
  }
  return ValidateReferralPolicy(program.referral_policy());
}

absl::StatusOr<v1::Program> MergeProgramUpdate(
    const v1::Program& stored, const v1::Program& incoming,
    const google::protobuf::FieldMask& mask) {
  const google::protobuf::Descriptor& descriptor = *v1::Program::descriptor();
  const google::protobuf::Reflection& reflection =
      *v1::Program::GetReflection();
  std::vector<const google::protobuf::FieldDescriptor*> replaced;
  const bool all = mask.paths_size() == 1 && mask.paths(0) == "*";
  for (const std::string& path : UpdatableFields()) {
    const google::protobuf::FieldDescriptor* field =
        descriptor.FindFieldByName(path);
    if (field == nullptr) continue;
    if (all) {
      replaced.push_back(field);
    } else if (mask.paths_size() == 0) {
      const bool set = field->is_repeated()
                           ? reflection.FieldSize(incoming, field) > 0
                           : reflection.HasField(incoming, field);
      if (set) replaced.push_back(field);
    }
  }
  if (!all) {
    for (const std::string& path : mask.paths()) {
      if (path == "name" || path == "etag" || path == "update_time") continue;
      if (UpdatableFields().count(path) == 0) {
        return InvalidFieldError("update_mask",
                                 "names a field that cannot be updated");
      }
      replaced.push_back(descriptor.FindFieldByName(path));
    }
  }
  v1::Program merged = stored;
  for (const google::protobuf::FieldDescriptor* field : replaced) {
    reflection.ClearField(&merged, field);
    if (field->is_repeated()) {
      for (int i = 0; i < reflection.FieldSize(incoming, field); ++i) {
        reflection.AddMessage(&merged, field)
            ->CopyFrom(reflection.GetRepeatedMessage(incoming, field, i));
      }
    } else if (field->cpp_type() ==
               google::protobuf::FieldDescriptor::CPPTYPE_MESSAGE) {
      if (reflection.HasField(incoming, field)) {
        reflection.MutableMessage(&merged, field)
            ->CopyFrom(reflection.GetMessage(incoming, field));
      }
    } else if (field->cpp_type() ==
               google::protobuf::FieldDescriptor::CPPTYPE_ENUM) {
      reflection.SetEnumValue(&merged, field,
                              reflection.GetEnumValue(incoming, field));
    } else {
      reflection.SetInt32(&merged, field, reflection.GetInt32(incoming, field));
    }
  }
  merged.clear_name();
  merged.clear_etag();
  merged.clear_update_time();
  return merged;
}

bool IsTierId(absl::string_view id) {
  if (id.empty() || id.size() > kMaxTierIdLength) return false;
  for (char c : id) {
    if (!(absl::ascii_islower(static_cast<unsigned char>(c)) ||
          absl::ascii_isdigit(static_cast<unsigned char>(c)) || c == '_' ||
          c == '-')) {
      return false;
    }
  }
  return true;
}

}  // namespace crm::loyalty
