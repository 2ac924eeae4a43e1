#include "services/loyalty/program_statistics_rules.h"

#include <set>

#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "absl/time/civil_time.h"
#include "services/common/error_details.h"
#include "services/common/timestamps.h"
#include "services/loyalty/program_rules.h"

namespace crm::loyalty {
namespace {

constexpr char kStatisticsSuffix[] = "/statistics";

}  // namespace

std::string ProgramStatisticsName(absl::string_view program_id) {
  return absl::StrCat(ProgramName(program_id), kStatisticsSuffix);
}

absl::StatusOr<std::string> ParseProgramStatisticsName(
    absl::string_view name, absl::string_view field) {
  const absl::string_view full_name = name;
  if (!absl::ConsumeSuffix(&name, kStatisticsSuffix)) {
    return crm::common::InvalidFieldError(
        field, "must be of the form programs/{program}/statistics");
  }
  absl::StatusOr<std::string> id = ParseProgramName(name, field);
  if (absl::IsInvalidArgument(id.status())) {
    return crm::common::InvalidFieldError(
        field, "must be of the form programs/{program}/statistics");
  }
  if (absl::IsNotFound(id.status())) {
    return crm::common::NotFoundError(full_name);
  }
  if (!id.ok()) return id.status();
  return id;
}

absl::Time ExpiringPointsHorizon(absl::Time now) {
  const absl::CivilMonth month = absl::ToCivilMonth(now, absl::UTCTimeZone());
  return absl::FromCivil(month + kExpiringPointsMonths, absl::UTCTimeZone());
}

v1::ProgramStatistics BuildProgramStatistics(
    absl::string_view program_id, const v1::Program& program,
    const std::map<std::string, int64_t>& members_by_tier,
    const OutstandingPointsRecord& points, absl::Time now) {
  v1::ProgramStatistics statistics;
  statistics.set_name(ProgramStatisticsName(program_id));
  auto members_of = [&](const std::string& tier) -> int64_t {
    auto it = members_by_tier.find(tier);
    return it == members_by_tier.end() ? 0 : it->second;
  };
  int64_t member_count = 0;
  for (const auto& [tier, count] : members_by_tier) member_count += count;
  statistics.set_member_count(member_count);

  std::set<std::string> listed = {""};
  auto add_tier = [&](const std::string& tier) {
    v1::ProgramStatistics::TierMembers* members = statistics.add_tier_members();
    members->set_tier_id(tier);
    members->set_member_count(members_of(tier));
  };
  add_tier("");
  for (const v1::Tier& tier : program.tiers()) {
    if (!listed.insert(tier.tier_id()).second) continue;
    add_tier(tier.tier_id());
  }
  for (const auto& [tier, count] : members_by_tier) {
    if (listed.insert(tier).second) add_tier(tier);
  }

  statistics.set_outstanding_points(points.outstanding_points);
  const absl::CivilMonth first = absl::ToCivilMonth(now, absl::UTCTimeZone());
  const absl::CivilMonth end = first + kExpiringPointsMonths;
  for (const auto& [month, expiring] : points.expiring_by_month) {
    if (month < first || month >= end || expiring == 0) continue;
    v1::ProgramStatistics::ExpiringPoints* row =
        statistics.add_expiring_points();
    *row->mutable_month_start_time() = crm::common::ToProtoTimestamp(
        absl::FromCivil(month, absl::UTCTimeZone()));
    row->set_points(expiring);
  }
  *statistics.mutable_compute_time() = crm::common::ToProtoTimestamp(now);
  return statistics;
}

}  // namespace crm::loyalty
