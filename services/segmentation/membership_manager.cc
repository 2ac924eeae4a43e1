#include "services/segmentation/membership_manager.h"

#include <algorithm>
#include <functional>
#include <iterator>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/algorithm/container.h"
#include "absl/container/flat_hash_set.h"
#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/time/civil_time.h"
#include "services/common/error_details.h"
#include "services/common/field_behavior.h"
#include "services/common/keyset_page.h"
#include "services/common/resource_name.h"
#include "services/common/status_macros.h"
#include "services/common/timestamps.h"
#include "services/segmentation/referral_value.h"
#include "services/segmentation/segment_size_history.h"
#include "services/segmentation/segment_validation.h"
#include "services/segmentation/segmentation_change_feed.h"

namespace crm::segmentation {
namespace {

using ::crm::common::RequestContext;
using ::crm::common::Transaction;
using ::crm::common::filter::Filter;

// Customers read per batch when a rule is evaluated over the read model.
constexpr int kScanBatch = 500;
constexpr int kDefaultSampleSize = 10;
constexpr int kMaxSampleSize = 100;

// A customer's facts, aggregate and score, owned.
struct LoadedSubject {
  std::optional<CustomerFacts> facts;
  std::optional<CustomerAggregate> aggregate;
  std::optional<CustomerScoreRecord> score;

  bool held() const { return facts.has_value() || aggregate.has_value(); }
  SegmentSubject view() const {
    return SegmentSubject{
        .facts = facts.has_value() ? &*facts : nullptr,
        .aggregate = aggregate.has_value() ? &*aggregate : nullptr,
        .score = score.has_value() ? &*score : nullptr};
  }
};

absl::StatusOr<LoadedSubject> LoadSubject(Transaction& tx,
                                          ReadModelRepository& read_model,
                                          ScoreRepository& scores,
                                          absl::string_view customer_id) {
  LoadedSubject subject;
  CRM_ASSIGN_OR_RETURN(subject.facts, read_model.FindCustomer(tx, customer_id));
  CRM_ASSIGN_OR_RETURN(subject.aggregate,
                       read_model.FindAggregate(tx, customer_id));
  CRM_ASSIGN_OR_RETURN(subject.score, scores.Find(tx, customer_id));
  return subject;
}

// Calls `visit` with every customer of the read model, by id.
absl::Status ForEachSubject(
    Transaction& tx, ReadModelRepository& read_model, ScoreRepository& scores,
    const std::function<absl::Status(absl::string_view customer_id,
                                     const SegmentSubject&)>& visit) {
  std::string after;
  while (true) {
    CRM_ASSIGN_OR_RETURN(std::vector<std::string> ids,
                         read_model.ListCustomerIds(tx, after, kScanBatch));
    for (const std::string& id : ids) {
      CRM_ASSIGN_OR_RETURN(LoadedSubject subject,
                           LoadSubject(tx, read_model, scores, id));
      if (!subject.held()) continue;
      CRM_RETURN_IF_ERROR(visit(id, subject.view()));
    }
    if (ids.size() < static_cast<size_t>(kScanBatch)) return absl::OkStatus();
    after = ids.back();
  }
}

absl::StatusOr<std::string> ParentId(absl::string_view parent,
                                     absl::string_view collection) {
  absl::StatusOr<std::string> id =
      crm::common::ParseResourceName(parent, collection, "parent");
  if (!id.ok()) {
    return crm::common::InvalidFieldError(
        "parent",
        absl::StrCat("must be of the form ", collection, "/{",
                     collection.substr(0, collection.size() - 1), "}"));
  }
  return id;
}

}  // namespace

std::vector<std::string> MatchingSegmentIds(
    const std::vector<ParsedSegment>& segments, const SegmentSubject& subject) {
  std::vector<std::string> ids;
  for (const ParsedSegment& segment : segments) {
    if (segment.rule != nullptr && MatchesSegmentRule(*segment.rule, subject)) {
      ids.push_back(segment.segment.id);
    }
  }
  return ids;
}

MembershipDelta DiffMemberships(const std::vector<std::string>& current,
                                const std::vector<std::string>& target) {
  MembershipDelta delta;
  std::set_difference(target.begin(), target.end(), current.begin(),
                      current.end(), std::back_inserter(delta.entered));
  std::set_difference(current.begin(), current.end(), target.begin(),
                      target.end(), std::back_inserter(delta.left));
  return delta;
}

std::string SegmentMemberName(absl::string_view segment_id,
                              absl::string_view customer_id) {
  return absl::StrCat(SegmentName(segment_id), "/members/", customer_id);
}

v1::SegmentMember ToSegmentMemberProto(const MembershipRecord& membership,
                                       absl::string_view display_name) {
  v1::SegmentMember proto;
  proto.set_name(
      SegmentMemberName(membership.segment_id, membership.customer_id));
  proto.set_segment(SegmentName(membership.segment_id));
  proto.set_segment_display_name(std::string(display_name));
  proto.set_customer(crm::common::CustomerResourceName(membership.customer_id));
  *proto.mutable_enter_time() =
      crm::common::ToProtoTimestamp(membership.enter_time);
  return proto;
}

std::shared_ptr<const Filter> MembershipManager::ParsedRule(
    const SegmentRecord& segment) {
  {
    absl::MutexLock lock(&mu_);
    auto it = rules_.find(segment.id);
    if (it != rules_.end() && it->second.version == segment.version &&
        it->second.text == segment.rule) {
      return it->second.rule;
    }
  }
  absl::StatusOr<Filter> parsed = ParseSegmentRule(segment.rule);
  std::shared_ptr<const Filter> rule =
      parsed.ok() ? std::make_shared<const Filter>(*std::move(parsed))
                  : nullptr;
  absl::MutexLock lock(&mu_);
  rules_[segment.id] = CachedRule{segment.version, segment.rule, rule};
  return rule;
}

absl::StatusOr<std::vector<ParsedSegment>> MembershipManager::LoadSegments(
    Transaction& tx) {
  CRM_ASSIGN_OR_RETURN(std::vector<SegmentRecord> all, segments_.ListAll(tx));
  std::vector<ParsedSegment> parsed;
  parsed.reserve(all.size());
  for (SegmentRecord& segment : all) {
    std::shared_ptr<const Filter> rule = ParsedRule(segment);
    if (rule == nullptr) continue;
    parsed.push_back(ParsedSegment{std::move(segment), std::move(rule)});
  }
  std::sort(parsed.begin(), parsed.end(),
            [](const ParsedSegment& a, const ParsedSegment& b) {
              return a.segment.id < b.segment.id;
            });
  return parsed;
}

absl::Status MembershipManager::EvaluateCustomer(
    Transaction& tx, absl::string_view customer_id, absl::Time now,
    const SegmentSubject* subject) {
  now = crm::common::TruncateToMicros(now);
  std::vector<std::string> target;
  if (subject != nullptr) {
    CRM_ASSIGN_OR_RETURN(std::vector<ParsedSegment> segments, LoadSegments(tx));
    target = MatchingSegmentIds(segments, *subject);
  }
  CRM_ASSIGN_OR_RETURN(std::vector<MembershipRecord> stored,
                       memberships_.ListOfCustomer(tx, customer_id));
  std::vector<std::string> current;
  current.reserve(stored.size());
  for (const MembershipRecord& membership : stored) {
    current.push_back(membership.segment_id);
  }
  std::sort(current.begin(), current.end());
  const MembershipDelta delta = DiffMemberships(current, target);
  std::vector<MembershipChangeRecord> changes;
  for (const std::string& segment_id : delta.left) {
    CRM_RETURN_IF_ERROR(memberships_.Remove(tx, customer_id, segment_id));
    CRM_RETURN_IF_ERROR(RecordChange(
        tx, changes,
        MembershipChangeRecord{.customer_id = std::string(customer_id),
                               .segment_id = segment_id,
                               .kind = MembershipChangeKind::kLeft,
                               .reason = MembershipChangeReason::kRule,
                               .time = now}));
  }
  for (const std::string& segment_id : delta.entered) {
    CRM_RETURN_IF_ERROR(memberships_.Insert(
        tx, MembershipRecord{.segment_id = segment_id,
                             .customer_id = std::string(customer_id),
                             .enter_time = now}));
    CRM_RETURN_IF_ERROR(RecordChange(
        tx, changes,
        MembershipChangeRecord{.customer_id = std::string(customer_id),
                               .segment_id = segment_id,
                               .kind = MembershipChangeKind::kEntered,
                               .reason = MembershipChangeReason::kRule,
                               .time = now}));
  }
  return PublishChanges(tx, changes);
}

absl::StatusOr<std::vector<std::vector<crm::common::FeedEventRecord>>>
MembershipManager::EvaluateCustomers(
    Transaction& tx, absl::Time now,
    const std::vector<ScoredCustomer>& customers) {
  now = crm::common::TruncateToMicros(now);
  std::vector<std::vector<crm::common::FeedEventRecord>> events(
      customers.size());
  if (customers.empty()) return events;
  std::vector<ParsedSegment> segments;
  if (absl::c_any_of(customers, [](const ScoredCustomer& customer) {
        return customer.subject != nullptr;
      })) {
    CRM_ASSIGN_OR_RETURN(segments, LoadSegments(tx));
  }
  std::vector<std::string> ids;
  ids.reserve(customers.size());
  for (const ScoredCustomer& customer : customers) {
    ids.emplace_back(customer.customer_id);
  }
  CRM_ASSIGN_OR_RETURN(std::vector<std::vector<MembershipRecord>> stored,
                       memberships_.ListOfCustomers(tx, ids));
  std::vector<MembershipRecord> removed;
  std::vector<MembershipRecord> inserted;
  std::vector<MembershipChangeRecord> history;
  for (size_t i = 0; i < customers.size(); ++i) {
    const std::vector<std::string> target =
        customers[i].subject != nullptr
            ? MatchingSegmentIds(segments, *customers[i].subject)
            : std::vector<std::string>();
    std::vector<std::string> current;
    current.reserve(stored[i].size());
    for (const MembershipRecord& membership : stored[i]) {
      current.push_back(membership.segment_id);
    }
    std::sort(current.begin(), current.end());
    const MembershipDelta delta = DiffMemberships(current, target);
    // As EvaluateCustomer: the segments left, then those entered.
    auto record = [&](const std::string& segment_id,
                      MembershipChangeKind kind) {
      MembershipChangeRecord change{.customer_id = ids[i],
                                    .segment_id = segment_id,
                                    .kind = kind,
                                    .reason = MembershipChangeReason::kRule,
                                    .time = now};
      if (feed_ != nullptr) {
        events[i].push_back(MembershipChangeFeedRecord(change));
      }
      history.push_back(std::move(change));
    };
    for (const std::string& segment_id : delta.left) {
      removed.push_back(MembershipRecord{
          .segment_id = segment_id, .customer_id = ids[i], .enter_time = now});
      record(segment_id, MembershipChangeKind::kLeft);
    }
    for (const std::string& segment_id : delta.entered) {
      inserted.push_back(MembershipRecord{
          .segment_id = segment_id, .customer_id = ids[i], .enter_time = now});
      record(segment_id, MembershipChangeKind::kEntered);
    }
  }
  CRM_RETURN_IF_ERROR(memberships_.RemoveMany(tx, removed));
  CRM_RETURN_IF_ERROR(memberships_.InsertMany(tx, inserted));
  CRM_RETURN_IF_ERROR(memberships_.AppendChanges(tx, history));
  return events;
}

absl::Status MembershipManager::ReevaluateCustomer(
    Transaction& tx, absl::string_view customer_id, absl::Time now) {
  CRM_ASSIGN_OR_RETURN(LoadedSubject subject,
                       LoadSubject(tx, read_model_, scores_, customer_id));
  if (!subject.held()) return EvaluateCustomer(tx, customer_id, now, nullptr);
  const SegmentSubject view = subject.view();
  return EvaluateCustomer(tx, customer_id, now, &view);
}

absl::Status MembershipManager::EvaluateSegment(Transaction& tx,
                                                const SegmentRecord& segment,
                                                absl::Time now) {
  now = crm::common::TruncateToMicros(now);
  std::shared_ptr<const Filter> rule = ParsedRule(segment);
  if (rule == nullptr) return absl::OkStatus();
  std::vector<MembershipChangeRecord> changes;
  CRM_RETURN_IF_ERROR(ForEachSubject(
      tx, read_model_, scores_,
      [&](absl::string_view customer_id,
          const SegmentSubject& subject) -> absl::Status {
        if (!MatchesSegmentRule(*rule, subject)) return absl::OkStatus();
        CRM_RETURN_IF_ERROR(memberships_.Insert(
            tx, MembershipRecord{.segment_id = segment.id,
                                 .customer_id = std::string(customer_id),
                                 .enter_time = now}));
        return RecordChange(
            tx, changes,
            MembershipChangeRecord{.customer_id = std::string(customer_id),
                                   .segment_id = segment.id,
                                   .kind = MembershipChangeKind::kEntered,
                                   .reason = MembershipChangeReason::kRule,
                                   .time = now});
      }));
  return PublishChanges(tx, changes);
}

absl::Status MembershipManager::ReevaluateSegment(Transaction& tx,
                                                  const SegmentRecord& segment,
                                                  absl::Time now) {
  now = crm::common::TruncateToMicros(now);
  // A rule that does not parse matches nobody (as in LoadSegments).
  std::shared_ptr<const Filter> rule = ParsedRule(segment);
  absl::flat_hash_set<std::string> members;
  std::string after;
  while (true) {
    CRM_ASSIGN_OR_RETURN(
        std::vector<MembershipRecord> batch,
        memberships_.ListOfSegment(tx, segment.id, after, kScanBatch));
    for (MembershipRecord& membership : batch) {
      members.insert(std::move(membership.customer_id));
    }
    if (batch.size() < static_cast<size_t>(kScanBatch)) break;
    after = batch.back().customer_id;
  }
  std::vector<MembershipChangeRecord> changes;
  auto change = [&](absl::string_view customer_id, MembershipChangeKind kind) {
    return RecordChange(
        tx, changes,
        MembershipChangeRecord{.customer_id = std::string(customer_id),
                               .segment_id = segment.id,
                               .kind = kind,
                               .reason = MembershipChangeReason::kRule,
                               .time = now});
  };
  auto leave = [&](absl::string_view customer_id) -> absl::Status {
    CRM_RETURN_IF_ERROR(memberships_.Remove(tx, customer_id, segment.id));
    return change(customer_id, MembershipChangeKind::kLeft);
  };
  CRM_RETURN_IF_ERROR(ForEachSubject(
      tx, read_model_, scores_,
      [&](absl::string_view customer_id,
          const SegmentSubject& subject) -> absl::Status {
        const bool member = members.erase(customer_id) > 0;
        const bool matches =
            rule != nullptr && MatchesSegmentRule(*rule, subject);
        if (member && !matches) return leave(customer_id);
        if (!member && matches) {
          CRM_RETURN_IF_ERROR(memberships_.Insert(
              tx, MembershipRecord{.segment_id = segment.id,
                                   .customer_id = std::string(customer_id),
                                   .enter_time = now}));
          return change(customer_id, MembershipChangeKind::kEntered);
        }
        return absl::OkStatus();
      }));
  // Members the read model no longer holds match nothing.
  std::vector<std::string> gone(members.begin(), members.end());
  std::sort(gone.begin(), gone.end());
  for (const std::string& customer_id : gone) {
    CRM_RETURN_IF_ERROR(leave(customer_id));
  }
  return PublishChanges(tx, changes);
}

absl::Status MembershipManager::RemoveSegment(Transaction& tx,
                                              absl::string_view segment_id) {
  CRM_RETURN_IF_ERROR(memberships_.DeleteSegment(tx, segment_id));
  absl::MutexLock lock(&mu_);
  rules_.erase(segment_id);
  return absl::OkStatus();
}

SegmentHooks MembershipManager::SegmentChangeHooks() {
  SegmentHooks hooks;
  hooks.created = [this](Transaction& tx, const SegmentRecord& segment) {
    return EvaluateSegment(tx, segment, segment.create_time);
  };
  hooks.rule_changed = [this](Transaction& tx, const SegmentRecord& segment) {
    return ReevaluateSegment(tx, segment, segment.update_time);
  };
  hooks.deleted = [this](Transaction& tx, absl::string_view segment_id) {
    return RemoveSegment(tx, segment_id);
  };
  return hooks;
}

absl::Status MembershipManager::LeaveAll(Transaction& tx,
                                         absl::string_view customer_id,
                                         MembershipChangeReason reason,
                                         absl::Time now) {
  now = crm::common::TruncateToMicros(now);
  CRM_ASSIGN_OR_RETURN(std::vector<MembershipRecord> stored,
                       memberships_.ListOfCustomer(tx, customer_id));
  std::vector<MembershipChangeRecord> changes;
  for (const MembershipRecord& membership : stored) {
    CRM_RETURN_IF_ERROR(
        memberships_.Remove(tx, customer_id, membership.segment_id));
    CRM_RETURN_IF_ERROR(RecordChange(
        tx, changes,
        MembershipChangeRecord{.customer_id = std::string(customer_id),
                               .segment_id = membership.segment_id,
                               .kind = MembershipChangeKind::kLeft,
                               .reason = reason,
                               .time = now}));
  }
  return PublishChanges(tx, changes);
}

absl::Status MembershipManager::RecordChange(
    Transaction& tx, std::vector<MembershipChangeRecord>& changes,
    MembershipChangeRecord change) {
  CRM_RETURN_IF_ERROR(memberships_.AppendChange(tx, change));
  if (feed_ != nullptr) changes.push_back(std::move(change));
  return absl::OkStatus();
}

absl::Status MembershipManager::PublishChanges(
    Transaction& tx, const std::vector<MembershipChangeRecord>& changes) {
  for (const MembershipChangeRecord& change : changes) {
    CRM_RETURN_IF_ERROR(AppendMembershipChange(feed_, tx, change));
  }
  return absl::OkStatus();
}

CustomerScoredHook MembershipManager::ScoredHook() {
  return [this](Transaction& tx, absl::string_view customer_id, absl::Time now,
                const SegmentSubject* subject) {
    return EvaluateCustomer(tx, customer_id, now, subject);
  };
}

CustomersScoredHook MembershipManager::BatchScoredHook() {
  return [this](Transaction& tx, absl::Time now,
                const std::vector<ScoredCustomer>& customers) {
    return EvaluateCustomers(tx, now, customers);
  };
}

ReadModelChangeHook MembershipManager::FeedHook() {
  return [this](Transaction& tx, absl::string_view customer_id,
                ReadModelChange change) -> absl::Status {
    switch (change) {
      case ReadModelChange::kUpdated:
        return absl::OkStatus();
      case ReadModelChange::kMergedAway:
        return LeaveAll(tx, customer_id, MembershipChangeReason::kMerged,
                        clock_.Now());
      case ReadModelChange::kErased:
        return memberships_.DeleteCustomer(tx, customer_id);
    }
    return absl::OkStatus();
  };
}

absl::StatusOr<v1::PreviewSegmentResponse> MembershipManager::PreviewSegment(
    const RequestContext& context, const v1::PreviewSegmentRequest& request) {
  CRM_RETURN_IF_ERROR(crm::common::CheckRequiredFields(request));
  const std::string text(absl::StripAsciiWhitespace(request.rule()));
  if (text.empty()) return crm::common::RequiredFieldError("rule");
  if (text.size() > kMaxRuleLength) {
    return crm::common::InvalidFieldError(
        "rule", absl::StrCat("must be at most ", kMaxRuleLength, " bytes"));
  }
  if (request.sample_size() < 0) {
    return crm::common::InvalidFieldError("sample_size",
                                          "must not be negative");
  }
  const int sample_size = request.sample_size() == 0
                              ? kDefaultSampleSize
                              : std::min(request.sample_size(), kMaxSampleSize);
  CRM_ASSIGN_OR_RETURN(Filter rule, ParseSegmentRule(text, "rule"));
  return unit_of_work_.Read<v1::PreviewSegmentResponse>(
      context,
      [&](Transaction& tx) -> absl::StatusOr<v1::PreviewSegmentResponse> {
        v1::PreviewSegmentResponse response;
        CRM_RETURN_IF_ERROR(ForEachSubject(
            tx, read_model_, scores_,
            [&](absl::string_view customer_id, const SegmentSubject& subject) {
              response.set_customer_count(response.customer_count() + 1);
              if (MatchesSegmentRule(rule, subject)) {
                response.set_member_count(response.member_count() + 1);
                if (response.sample_size() < sample_size) {
                  response.add_sample(
                      crm::common::CustomerResourceName(customer_id));
                }
              }
              return absl::OkStatus();
            }));
        return response;
      });
}

absl::StatusOr<v1::ListSegmentMembersResponse>
MembershipManager::ListSegmentMembers(
    const RequestContext& context,
    const v1::ListSegmentMembersRequest& request) {
  CRM_RETURN_IF_ERROR(crm::common::CheckRequiredFields(request));
  CRM_ASSIGN_OR_RETURN(std::string segment_id,
                       ParentId(request.parent(), kSegmentsCollection));
  const std::string query = absl::StrCat(request.parent(), "/members");
  CRM_ASSIGN_OR_RETURN(crm::common::PageRequest page,
                       crm::common::ParsePageRequest(
                           request.page_size(), request.page_token(), query));
  const std::string after = page.after.has_value() ? page.after->id : "";
  return unit_of_work_.Read<v1::ListSegmentMembersResponse>(
      context,
      [&](Transaction& tx) -> absl::StatusOr<v1::ListSegmentMembersResponse> {
        CRM_ASSIGN_OR_RETURN(std::optional<SegmentRecord> segment,
                             segments_.Find(tx, segment_id));
        if (!segment.has_value()) {
          return crm::common::NotFoundError(SegmentName(segment_id));
        }
        CRM_ASSIGN_OR_RETURN(std::vector<MembershipRecord> rows,
                             memberships_.ListOfSegment(tx, segment_id, after,
                                                        page.page_size + 1));
        crm::common::Page<MembershipRecord> result =
            crm::common::MakePage<MembershipRecord>(
                std::move(rows), page.page_size,
                [](const MembershipRecord& membership) {
                  return crm::common::KeysetPosition{absl::UnixEpoch(),
                                                     membership.customer_id};
                });
        v1::ListSegmentMembersResponse response;
        for (const MembershipRecord& membership : result.items) {
          *response.add_segment_members() =
              ToSegmentMemberProto(membership, segment->display_name);
        }
        response.set_next_page_token(
            crm::common::NextPageToken(result.next, query));
        return response;
      });
}

absl::StatusOr<v1::SegmentSizeHistory> MembershipManager::GetSegmentSizeHistory(
    const RequestContext& context,
    const v1::GetSegmentSizeHistoryRequest& request) {
  CRM_RETURN_IF_ERROR(crm::common::CheckRequiredFields(request));
  CRM_ASSIGN_OR_RETURN(std::string segment_id,
                       ParseSegmentSizeHistoryName(request.name()));
  CRM_ASSIGN_OR_RETURN(int days, NormalizeSizeHistoryDays(request.days()));
  const absl::CivilDay today =
      absl::ToCivilDay(clock_.Now(), absl::UTCTimeZone());
  const absl::CivilDay first = today - (days - 1);
  struct SizeReads {
    int64_t current = 0;
    std::vector<DailyNetChange> net;
  };
  CRM_ASSIGN_OR_RETURN(
      SizeReads read,
      unit_of_work_.Read<SizeReads>(
          context, [&](Transaction& tx) -> absl::StatusOr<SizeReads> {
            CRM_ASSIGN_OR_RETURN(std::optional<SegmentRecord> segment,
                                 segments_.Find(tx, segment_id));
            if (!segment.has_value()) {
              return crm::common::NotFoundError(SegmentName(segment_id));
            }
            SizeReads result;
            CRM_ASSIGN_OR_RETURN(result.current,
                                 memberships_.CountOfSegment(tx, segment_id));
            // The changes after the first day's end, up to today's end.
            CRM_ASSIGN_OR_RETURN(
                result.net,
                memberships_.NetChangesByDay(
                    tx, segment_id,
                    absl::FromCivil(first + 1, absl::UTCTimeZone()),
                    absl::FromCivil(today + 1, absl::UTCTimeZone())));
            return result;
          }));
  const std::vector<int64_t> sizes =
      DailySegmentSizes(read.current, first, today, read.net);
  v1::SegmentSizeHistory history;
  history.set_name(SegmentSizeHistoryName(segment_id));
  for (int i = 0; i < days; ++i) {
    v1::SegmentSizeHistory::DailySize* out = history.add_daily_sizes();
    *out->mutable_day_start_time() = crm::common::ToProtoTimestamp(
        absl::FromCivil(first + i, absl::UTCTimeZone()));
    out->set_member_count(sizes[static_cast<size_t>(i)]);
  }
  return history;
}

absl::StatusOr<v1::ListCustomerSegmentsResponse>
MembershipManager::ListCustomerSegments(
    const RequestContext& context,
    const v1::ListCustomerSegmentsRequest& request) {
  CRM_RETURN_IF_ERROR(crm::common::CheckRequiredFields(request));
  CRM_ASSIGN_OR_RETURN(std::string customer_id,
                       ParentId(request.parent(), "customers"));
  const std::string query = absl::StrCat(request.parent(), "/segmentMembers");
  CRM_ASSIGN_OR_RETURN(crm::common::PageRequest page,
                       crm::common::ParsePageRequest(
                           request.page_size(), request.page_token(), query));
  return unit_of_work_.Read<v1::ListCustomerSegmentsResponse>(
      context,
      [&](Transaction& tx) -> absl::StatusOr<v1::ListCustomerSegmentsResponse> {
        CRM_ASSIGN_OR_RETURN(std::vector<MembershipRecord> all,
                             memberships_.ListOfCustomer(tx, customer_id));
        std::vector<MembershipRecord> rows;
        for (MembershipRecord& membership : all) {
          if (page.after.has_value() &&
              membership.segment_id <= page.after->id) {
            continue;
          }
          rows.push_back(std::move(membership));
          if (rows.size() > static_cast<size_t>(page.page_size)) break;
        }
        crm::common::Page<MembershipRecord> result =
            crm::common::MakePage<MembershipRecord>(
                std::move(rows), page.page_size,
                [](const MembershipRecord& membership) {
                  return crm::common::KeysetPosition{absl::UnixEpoch(),
                                                     membership.segment_id};
                });
        v1::ListCustomerSegmentsResponse response;
        for (const MembershipRecord& membership : result.items) {
          CRM_ASSIGN_OR_RETURN(std::optional<SegmentRecord> segment,
                               segments_.Find(tx, membership.segment_id));
          // A segment deleted while a feed transaction that had read it
          // still wrote a membership of it is listed no more.
          if (!segment.has_value()) continue;
          *response.add_segment_members() =
              ToSegmentMemberProto(membership, segment->display_name);
        }
        response.set_next_page_token(
            crm::common::NextPageToken(result.next, query));
        CRM_ASSIGN_OR_RETURN(std::optional<CustomerScoreRecord> score,
                             scores_.Find(tx, customer_id));
        if (score.has_value()) {
          *response.mutable_customer_score() =
              ToCustomerScoreProto(*score, scoring_currency_,
                                   score->clv_model_id.empty()
                                       ? ""
                                       : crm::common::FormatResourceName(
                                             "clvModels", score->clv_model_id));
          CRM_RETURN_IF_ERROR(
              AddReferralValues(referral_edges_, tx, scoring_currency_,
                                {response.mutable_customer_score()}));
        }
        return response;
      });
}

}  // namespace crm::segmentation
