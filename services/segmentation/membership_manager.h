// Segment memberships kept current: every time a customer is scored (each
// feed event that changes them, and every full recompute) the customer is
// evaluated against every segment's rule; memberships that start or end are
// stored with a history entry (entered/left, reason, time). A new segment is
// evaluated over the whole read model in its creating transaction, an
// updated rule in its updating transaction; a deleted segment's memberships
// and history go with it. Serves
// PreviewSegment, ListSegmentMembers and ListCustomerSegments.
//
//   MembershipManager memberships(unit_of_work, segments, membership_repo,
//                                 read_model, scores, clock, "CNY");
//   ScoringManager scoring(..., memberships.ScoredHook());
//   ProfileFeedApplier applier(read_model,
//       CombineHooks(scoring.FeedHook(), memberships.FeedHook()));
//
// A customer merged away leaves every segment (reason MERGED, history kept
// under their id until the survivor is erased); an erased customer's
// memberships and history are deleted. Serves GetSegmentSizeHistory. A
// stored rule that no longer parses
// (written before rules were checked) matches nobody. Thread-safe.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "crm/segmentation/v1/segmentation_service.pb.h"
#include "services/common/change_feed_writer.h"
#include "services/common/clock.h"
#include "services/common/filter/filter_ast.h"
#include "services/common/request_context.h"
#include "services/common/unit_of_work.h"
#include "services/segmentation/membership_repository.h"
#include "services/segmentation/profile_feed_applier.h"
#include "services/segmentation/read_model_repository.h"
#include "services/segmentation/referral_edge_repository.h"
#include "services/segmentation/score_repository.h"
#include "services/segmentation/scoring_manager.h"
#include "services/segmentation/segment_manager.h"
#include "services/segmentation/segment_repository.h"
#include "services/segmentation/segment_rule.h"

namespace crm::segmentation {

// A segment with its parsed rule.
struct ParsedSegment {
  SegmentRecord segment;
  std::shared_ptr<const crm::common::filter::Filter> rule;
};

// The segments of `segments` whose rule `subject` satisfies, by segment id
// (`segments` sorted by id).
std::vector<std::string> MatchingSegmentIds(
    const std::vector<ParsedSegment>& segments, const SegmentSubject& subject);

// What moves a customer from `current` to `target` memberships (both sorted
// segment ids): the segments entered and the segments left, sorted.
struct MembershipDelta {
  std::vector<std::string> entered;
  std::vector<std::string> left;
};
MembershipDelta DiffMemberships(const std::vector<std::string>& current,
                                const std::vector<std::string>& target);

class MembershipManager {
 public:
  // Every reference must outlive the manager. `scoring_currency` names the
  // currency of the scores ListCustomerSegments returns. `feed` (null: no
  // feed) receives SEGMENT_ENTERED / SEGMENT_LEFT for every history entry,
  // in the same transaction, after the operation's membership writes
  // (segmentation_change_feed.h).
  MembershipManager(crm::common::UnitOfWork& unit_of_work,
                    SegmentRepository& segments,
                    MembershipRepository& memberships,
                    ReadModelRepository& read_model, ScoreRepository& scores,
                    const crm::common::Clock& clock,
                    std::string scoring_currency,
                    crm::common::ChangeFeedWriter* feed = nullptr)
      : unit_of_work_(unit_of_work),
        segments_(segments),
        memberships_(memberships),
        read_model_(read_model),
        scores_(scores),
        clock_(clock),
        scoring_currency_(std::move(scoring_currency)),
        feed_(feed) {}
  MembershipManager(const MembershipManager&) = delete;
  MembershipManager& operator=(const MembershipManager&) = delete;

  // The referral edges whose value (referral_value.h) ListCustomerSegments
  // adds to `customer_score`; `edges` must outlive the manager. Without it,
  // the score carries no referral value.
  void set_referral_edges(ReferralEdgeRepository* edges) {
    referral_edges_ = edges;
  }

  // Brings `customer_id`'s memberships in line with `subject` (null: the
  // customer is gone, so none) as of `now`: each segment entered or left is
  // stored with a history entry (reason RULE).
  absl::Status EvaluateCustomer(crm::common::Transaction& tx,
                                absl::string_view customer_id, absl::Time now,
                                const SegmentSubject* subject);

  // EvaluateCustomer for each of `customers` (a batch of a full recompute)
  // as of `now`, with one read of the segments and of the batch's
  // memberships and multi-row writes; appends nothing to the feed: returns,
  // per customer (same positions), the feed records of its history entries
  // in the order EvaluateCustomer appends them (none without a feed).
  absl::StatusOr<std::vector<std::vector<crm::common::FeedEventRecord>>>
  EvaluateCustomers(crm::common::Transaction& tx, absl::Time now,
                    const std::vector<ScoredCustomer>& customers);

  // Loads `customer_id`'s facts, aggregate and score and evaluates them.
  absl::Status ReevaluateCustomer(crm::common::Transaction& tx,
                                  absl::string_view customer_id,
                                  absl::Time now);

  // Evaluates one segment over every customer of the read model (a new
  // segment): members enter it at `now` (reason RULE).
  absl::Status EvaluateSegment(crm::common::Transaction& tx,
                               const SegmentRecord& segment, absl::Time now);

  // Re-evaluates an existing segment (its rule changed) over every customer
  // of the read model as of `now`: customers that match and are not
  // members enter, members that no longer match (or are no longer in the
  // read model) leave, each with a history entry (reason RULE); the others
  // are left alone, enter times and history included.
  absl::Status ReevaluateSegment(crm::common::Transaction& tx,
                                 const SegmentRecord& segment, absl::Time now);

  // Removes every membership and history entry of a segment being deleted.
  absl::Status RemoveSegment(crm::common::Transaction& tx,
                             absl::string_view segment_id);

  // The hooks for SegmentManager: EvaluateSegment on create (at the create
  // time), ReevaluateSegment when an update changes the rule (at the update
  // time), RemoveSegment on delete.
  SegmentHooks SegmentChangeHooks();

  // The hook for ScoringManager: EvaluateCustomer after every scoring.
  CustomerScoredHook ScoredHook();
  // The batch hook for ScoringManager's full recompute
  // (set_customers_scored_hook): EvaluateCustomers. Its records are for the
  // feed this manager was given, which the ScoringManager must share.
  CustomersScoredHook BatchScoredHook();

  // The hook for ProfileFeedApplier: a customer merged away leaves every
  // segment (reason MERGED); an erased customer's memberships and history
  // are deleted. Updated customers are evaluated through ScoredHook.
  ReadModelChangeHook FeedHook();

  // Evaluates `request.rule()` over every customer without writing.
  // INVALID_ARGUMENT: FIELD_REQUIRED (`rule` unset or only whitespace),
  // FIELD_INVALID (`rule` over 4000 characters, negative `sample_size`),
  // FILTER_INVALID (field `rule`, `position`) for a rule that does not parse
  // or type-check.
  absl::StatusOr<v1::PreviewSegmentResponse> PreviewSegment(
      const crm::common::RequestContext& context,
      const v1::PreviewSegmentRequest& request);

  // A page of a segment's members by customer id. INVALID_ARGUMENT for a
  // malformed parent, negative page_size or bad page_token; NOT_FOUND
  // (RESOURCE_NOT_FOUND) when the segment does not exist.
  absl::StatusOr<v1::ListSegmentMembersResponse> ListSegmentMembers(
      const crm::common::RequestContext& context,
      const v1::ListSegmentMembersRequest& request);

  // The segment's size at the end of each of the last `request.days()` UTC
  // days (0 -> 30, above 366 -> 366), oldest first, today last as of the
  // clock (segment_size_history.h: today's is the current member count, the
  // earlier days follow from the membership history). Two aggregate reads
  // in one unit of work. INVALID_ARGUMENT (FIELD_INVALID) naming `name` when
  // malformed, `days` when negative; NOT_FOUND (RESOURCE_NOT_FOUND) when the
  // segment does not exist.
  absl::StatusOr<v1::SegmentSizeHistory> GetSegmentSizeHistory(
      const crm::common::RequestContext& context,
      const v1::GetSegmentSizeHistoryRequest& request);

  // A page of a customer's memberships by segment id, with the customer's
  // score. A customer segmentation holds nothing on has no memberships (an
  // empty page, not NOT_FOUND: customers live in customer-profile).
  absl::StatusOr<v1::ListCustomerSegmentsResponse> ListCustomerSegments(
      const crm::common::RequestContext& context,
      const v1::ListCustomerSegmentsRequest& request);

 private:
  // Every segment with its parsed rule (cached per segment id, version and
  // rule text), without those whose rule does not parse.
  absl::StatusOr<std::vector<ParsedSegment>> LoadSegments(
      crm::common::Transaction& tx);
  std::shared_ptr<const crm::common::filter::Filter> ParsedRule(
      const SegmentRecord& segment);
  // Stores `change` in the history and, with a feed, keeps it in `changes`
  // for PublishChanges.
  absl::Status RecordChange(crm::common::Transaction& tx,
                            std::vector<MembershipChangeRecord>& changes,
                            MembershipChangeRecord change);
  // Appends the feed event of each of `changes`, in order (last in the
  // operation: the outbox's writer contract).
  absl::Status PublishChanges(
      crm::common::Transaction& tx,
      const std::vector<MembershipChangeRecord>& changes);
  absl::Status LeaveAll(crm::common::Transaction& tx,
                        absl::string_view customer_id,
                        MembershipChangeReason reason, absl::Time now);

  crm::common::UnitOfWork& unit_of_work_;
  SegmentRepository& segments_;
  MembershipRepository& memberships_;
  ReadModelRepository& read_model_;
  ScoreRepository& scores_;
  const crm::common::Clock& clock_;
  const std::string scoring_currency_;
  crm::common::ChangeFeedWriter* const feed_;
  ReferralEdgeRepository* referral_edges_ = nullptr;

  // The text is compared too: a rule parsed in a transaction that rolled
  // back may share its version with the one another transaction commits.
  struct CachedRule {
    int64_t version = 0;
    std::string text;
    std::shared_ptr<const crm::common::filter::Filter> rule;  // Null: invalid.
  };
  absl::Mutex mu_;
  absl::flat_hash_map<std::string, CachedRule> rules_ ABSL_GUARDED_BY(mu_);
};

// `segments/{segment}/members/{customer}`.
std::string SegmentMemberName(absl::string_view segment_id,
                              absl::string_view customer_id);

// The API form of a membership.
v1::SegmentMember ToSegmentMemberProto(const MembershipRecord& membership,
                                       absl::string_view display_name);

}  // namespace crm::segmentation
