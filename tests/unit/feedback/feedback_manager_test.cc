// The feedback manager over in-memory fakes (no database): what it stores,
// idempotency, validation and filter reasons, and paging.
#include "services/feedback/feedback_manager.h"

#include <string>
#include <vector>

#include <gmock/gmock.h>
#include <google/protobuf/util/message_differencer.h>
#include <gtest/gtest.h>

#include "absl/time/time.h"
#include "crm/type/v1/error_reason.pb.h"
#include "services/common/clock.h"
#include "services/common/error_details.h"
#include "services/common/id_generator.h"
#include "services/common/request_context.h"
#include "services/common/timestamps.h"
#include "services/feedback/customer_profile_events.h"
#include "tests/testing/fakes/fake_unit_of_work.h"
#include "tests/testing/fakes/feedback/in_memory_feedback_repository.h"
#include "tests/testing/fakes/feedback/in_memory_survey_repository.h"
#include "tests/testing/fakes/feedback/in_memory_ticket_repository.h"
#include "tests/testing/fakes/in_memory_idempotency_repository.h"
#include "tests/testing/status_matchers.h"

namespace crm::feedback {
namespace {

using ::crm::common::ErrorMetadataOf;
using ::crm::common::ReasonOf;
using ::crm::common::RequestContext;
using ::crm::testing::IsOk;
using ::crm::testing::StatusIs;
using ::google::protobuf::util::MessageDifferencer;
using ::testing::ElementsAre;
namespace reason = ::crm::type::v1;

const absl::Time kStart = absl::FromUnixSeconds(1767225600);  // 2026-01-01

class FeedbackManagerTest : public ::testing::Test {
 protected:
  // A valid request for `customer` (a `customers/{customer}` name).
  static v1::SubmitFeedbackRequest NewRequest(const std::string& customer,
                                              const std::string& request_id) {
    v1::SubmitFeedbackRequest request;
    v1::Feedback* feedback = request.mutable_feedback();
    feedback->set_customer(customer);
    feedback->set_channel(" wechat ");
    feedback->set_type(v1::Feedback::COMPLAINT);
    feedback->set_rating(2);
    feedback->set_text("快递太慢了。");
    if (!customer.empty()) feedback->set_order(customer + "/orders/o-1001");
    feedback->add_attachment_uris("https://img.example.com/box.jpg");
    request.set_request_id(request_id);
    return request;
  }

  absl::StatusOr<v1::Feedback> Submit(const v1::SubmitFeedbackRequest& r) {
    return manager_.SubmitFeedback(context_, r);
  }

  absl::StatusOr<v1::ListFeedbackResponse> List(int page_size,
                                                const std::string& token,
                                                const std::string& filter) {
    v1::ListFeedbackRequest request;
    request.set_page_size(page_size);
    request.set_page_token(token);
    request.set_filter(filter);
    return manager_.ListFeedback(context_, request);
  }

  RequestContext context_;
  crm::common::FakeClock clock_{kStart};
  crm::common::SequentialIdGenerator ids_{"fb"};
  crm::testing::FakeUnitOfWork unit_of_work_{clock_};
  crm::testing::InMemoryFeedbackRepository feedback_{&unit_of_work_};
  crm::testing::InMemorySurveyRepository surveys_{&unit_of_work_};
  crm::testing::InMemoryTicketRepository tickets_{&unit_of_work_};
  CustomerDataStores stores_{feedback_, surveys_, tickets_};
  crm::testing::InMemoryIdempotencyRepository keys_{&unit_of_work_};
  FeedbackManager manager_{unit_of_work_, feedback_, keys_, clock_, ids_};
};

TEST_F(FeedbackManagerTest, StoresTheNormalisedItemUnderANewName) {
  v1::SubmitFeedbackRequest request = NewRequest("customers/cust1", "f-1");
  request.mutable_feedback()->set_name("feedback/forged");
  CRM_ASSERT_OK_AND_ASSIGN(v1::Feedback stored, Submit(request));
  EXPECT_EQ(stored.name(), "feedback/fb0000000001");
  EXPECT_EQ(stored.customer(), "customers/cust1");
  EXPECT_EQ(stored.channel(), "wechat");
  EXPECT_EQ(crm::common::FromProtoTimestamp(stored.create_time()), kStart);
  ASSERT_EQ(feedback_.items().size(), 1u);
  const FeedbackRecord& record = feedback_.items()[0];
  EXPECT_EQ(record.id, "fb0000000001");
  EXPECT_EQ(record.customer_id, "cust1");
  EXPECT_EQ(record.channel, "wechat");
  EXPECT_EQ(record.type, v1::Feedback::COMPLAINT);
  EXPECT_EQ(record.rating, 2);
  EXPECT_EQ(record.text, "快递太慢了。");
  EXPECT_EQ(record.order_id, "o-1001");
  EXPECT_THAT(record.attachment_uris,
              ElementsAre("https://img.example.com/box.jpg"));
  EXPECT_EQ(record.language, v1::Feedback::CHINESE);
  EXPECT_EQ(stored.order(), "customers/cust1/orders/o-1001");
  EXPECT_FALSE(stored.anonymous());
  EXPECT_TRUE(MessageDifferencer::Equals(ToFeedbackProto(record), stored));

  v1::GetFeedbackRequest get;
  get.set_name(stored.name());
  CRM_ASSERT_OK_AND_ASSIGN(v1::Feedback got,
                           manager_.GetFeedback(context_, get));
  EXPECT_TRUE(MessageDifferencer::Equals(got, stored));
  get.set_name("feedback/none");
  absl::StatusOr<v1::Feedback> missing = manager_.GetFeedback(context_, get);
  EXPECT_THAT(missing, StatusIs(absl::StatusCode::kNotFound));
  EXPECT_EQ(ReasonOf(missing.status()), reason::RESOURCE_NOT_FOUND);
}

TEST_F(FeedbackManagerTest, AnonymousFeedbackHasNoCustomer) {
  CRM_ASSERT_OK_AND_ASSIGN(v1::Feedback stored, Submit(NewRequest("", "a-1")));
  EXPECT_EQ(stored.customer(), "");
  EXPECT_TRUE(stored.anonymous());
  EXPECT_EQ(stored.order(), "");
  ASSERT_EQ(feedback_.items().size(), 1u);
  EXPECT_EQ(feedback_.items()[0].customer_id, "");
}

TEST_F(FeedbackManagerTest, RepeatedRequestIdReturnsTheFirstResponse) {
  const v1::SubmitFeedbackRequest request =
      NewRequest("customers/cust1", "same");
  CRM_ASSERT_OK_AND_ASSIGN(v1::Feedback first, Submit(request));
  clock_.Advance(absl::Seconds(2));
  CRM_ASSERT_OK_AND_ASSIGN(v1::Feedback second, Submit(request));
  EXPECT_TRUE(MessageDifferencer::Equals(first, second));
  EXPECT_EQ(feedback_.items().size(), 1u);

  v1::SubmitFeedbackRequest changed = request;
  changed.mutable_feedback()->set_rating(5);
  absl::StatusOr<v1::Feedback> reused = Submit(changed);
  EXPECT_THAT(reused, StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_EQ(ReasonOf(reused.status()), reason::REQUEST_ID_REUSED);
  EXPECT_EQ(feedback_.items().size(), 1u);

  // Without a request id every submission is a new item.
  ASSERT_THAT(Submit(NewRequest("customers/cust1", "")), IsOk());
  ASSERT_THAT(Submit(NewRequest("customers/cust1", "")), IsOk());
  EXPECT_EQ(feedback_.items().size(), 3u);
  EXPECT_EQ(keys_.size(), 1u);
}

TEST_F(FeedbackManagerTest, InvalidRequestsNameTheFieldAndStoreNothing) {
  // A bare id is not a reference: clients send the customer's full name.
  absl::StatusOr<v1::Feedback> bare_id = Submit(NewRequest("cust1", "r"));
  EXPECT_THAT(bare_id, StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_EQ(ReasonOf(bare_id.status()), reason::FIELD_INVALID);
  EXPECT_EQ(ErrorMetadataOf(bare_id.status())["field"], "feedback.customer");

  absl::StatusOr<v1::Feedback> long_id =
      Submit(NewRequest("customers/cust1", std::string(65, 'r')));
  EXPECT_THAT(long_id, StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_EQ(ReasonOf(long_id.status()), reason::FIELD_INVALID);
  EXPECT_EQ(ErrorMetadataOf(long_id.status())["field"], "request_id");

  EXPECT_TRUE(feedback_.items().empty());
  EXPECT_EQ(unit_of_work_.runs(), 0);
}

TEST_F(FeedbackManagerTest, RequiredFieldsComeFromTheAnnotations) {
  absl::StatusOr<v1::Feedback> no_feedback =
      Submit(v1::SubmitFeedbackRequest());
  EXPECT_THAT(no_feedback, StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_EQ(ReasonOf(no_feedback.status()), reason::FIELD_REQUIRED);
  EXPECT_EQ(ErrorMetadataOf(no_feedback.status())["field"], "feedback");

  v1::SubmitFeedbackRequest no_type = NewRequest("customers/cust1", "r");
  no_type.mutable_feedback()->set_type(v1::Feedback::TYPE_UNSPECIFIED);
  absl::StatusOr<v1::Feedback> unspecified = Submit(no_type);
  EXPECT_EQ(ReasonOf(unspecified.status()), reason::FIELD_REQUIRED);
  EXPECT_EQ(ErrorMetadataOf(unspecified.status())["field"], "feedback.type");

  v1::SubmitFeedbackRequest no_channel = NewRequest("customers/cust1", "r");
  no_channel.mutable_feedback()->clear_channel();
  absl::StatusOr<v1::Feedback> missing = Submit(no_channel);
  EXPECT_EQ(ReasonOf(missing.status()), reason::FIELD_REQUIRED);
  EXPECT_EQ(ErrorMetadataOf(missing.status())["field"], "feedback.channel");

  EXPECT_TRUE(feedback_.items().empty());
  EXPECT_EQ(unit_of_work_.runs(), 0);
}

TEST_F(FeedbackManagerTest, OutputOnlyValuesAreIgnoredAlsoOnARetry) {
  v1::SubmitFeedbackRequest request = NewRequest("customers/cust1", "k1");
  request.mutable_feedback()->set_name("feedback/forged");
  request.mutable_feedback()->mutable_create_time()->set_seconds(1);
  CRM_ASSERT_OK_AND_ASSIGN(v1::Feedback first, Submit(request));
  EXPECT_NE(first.name(), "feedback/forged");
  EXPECT_EQ(crm::common::FromProtoTimestamp(first.create_time()), kStart);
  // A retry differing only in an ignored value is the same request.
  request.mutable_feedback()->mutable_create_time()->set_seconds(2);
  CRM_ASSERT_OK_AND_ASSIGN(v1::Feedback second, Submit(request));
  EXPECT_EQ(second.name(), first.name());
  EXPECT_EQ(feedback_.items().size(), 1u);
}

TEST_F(FeedbackManagerTest, FailedCommitStoresNothing) {
  unit_of_work_.FailNextCommit(absl::UnavailableError("database went away"));
  EXPECT_THAT(Submit(NewRequest("customers/cust1", "r")),
              StatusIs(absl::StatusCode::kUnavailable));
  EXPECT_TRUE(feedback_.items().empty());
  EXPECT_EQ(keys_.size(), 0u);
}

TEST_F(FeedbackManagerTest, ListsNewestFirstInPagesAndByCustomer) {
  std::vector<std::string> all;
  std::vector<std::string> alice;
  for (int i = 0; i < 5; ++i) {
    if (i % 2 == 0) clock_.Advance(absl::Milliseconds(3));
    const std::string customer =
        i % 2 == 0 ? "customers/alice" : "customers/bob";
    CRM_ASSERT_OK_AND_ASSIGN(v1::Feedback f, Submit(NewRequest(customer, "")));
    all.insert(all.begin(), f.name());
    if (customer == "customers/alice") alice.insert(alice.begin(), f.name());
  }

  std::vector<std::string> listed;
  std::vector<int> sizes;
  std::string token;
  do {
    CRM_ASSERT_OK_AND_ASSIGN(v1::ListFeedbackResponse page, List(2, token, ""));
    sizes.push_back(page.feedback_size());
    for (const v1::Feedback& f : page.feedback()) listed.push_back(f.name());
    token = page.next_page_token();
  } while (!token.empty() && sizes.size() < 10);
  EXPECT_THAT(sizes, ElementsAre(2, 2, 1));
  EXPECT_EQ(listed, all);

  CRM_ASSERT_OK_AND_ASSIGN(v1::ListFeedbackResponse only_alice,
                           List(10, "", "customer = \"customers/alice\""));
  std::vector<std::string> alice_listed;
  for (const v1::Feedback& f : only_alice.feedback()) {
    alice_listed.push_back(f.name());
  }
  EXPECT_EQ(alice_listed, alice);
  EXPECT_TRUE(only_alice.next_page_token().empty());
  for (const v1::Feedback& f : only_alice.feedback()) {
    EXPECT_EQ(f.customer(), "customers/alice");
  }

  CRM_ASSERT_OK_AND_ASSIGN(
      v1::ListFeedbackResponse complaints,
      List(10, "", "type = COMPLAINT AND channel = \"wechat\" AND rating = 2"));
  EXPECT_EQ(complaints.feedback_size(), 5);
  CRM_ASSERT_OK_AND_ASSIGN(v1::ListFeedbackResponse praise,
                           List(10, "", "type = PRAISE"));
  EXPECT_EQ(praise.feedback_size(), 0);

  // The bare-id alias selects the same items.
  CRM_ASSERT_OK_AND_ASSIGN(v1::ListFeedbackResponse by_id,
                           List(10, "", "customer_id = \"alice\""));
  EXPECT_EQ(by_id.feedback_size(), static_cast<int>(alice.size()));
}

TEST_F(FeedbackManagerTest, ListRejectsBadFiltersAndTokens) {
  absl::StatusOr<v1::ListFeedbackResponse> bad_filter =
      List(10, "", "password = \"x\"");
  EXPECT_THAT(bad_filter, StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_EQ(ReasonOf(bad_filter.status()), reason::FILTER_INVALID);

  EXPECT_THAT(List(-1, "", ""), StatusIs(absl::StatusCode::kInvalidArgument));

  ASSERT_THAT(Submit(NewRequest("customers/alice", "")), IsOk());
  ASSERT_THAT(Submit(NewRequest("customers/alice", "")), IsOk());
  CRM_ASSERT_OK_AND_ASSIGN(v1::ListFeedbackResponse first,
                           List(1, "", "customer = \"customers/alice\""));
  ASSERT_FALSE(first.next_page_token().empty());
  // A token only works with the filter it was issued for.
  EXPECT_THAT(List(1, first.next_page_token(), ""),
              StatusIs(absl::StatusCode::kInvalidArgument));
}

TEST_F(FeedbackManagerTest, ErasureAnonymisesAndMergeMovesItems) {
  namespace cp = ::crm::customerprofile::v1;
  ASSERT_THAT(Submit(NewRequest("customers/alice", "")), IsOk());
  ASSERT_THAT(Submit(NewRequest("customers/bob", "")), IsOk());
  ASSERT_THAT(Submit(NewRequest("customers/carol", "")), IsOk());

  auto apply = [&](const cp::ChangeEvent& event) {
    return unit_of_work_.Run(context_, [&](crm::common::Transaction& tx) {
      return ApplyCustomerProfileEvent(stores_, tx, event.SerializeAsString());
    });
  };
  cp::ChangeEvent erased;
  erased.set_type(cp::ChangeEvent::CUSTOMER_ERASED);
  erased.set_customer_name("customers/alice");
  ASSERT_THAT(apply(erased), IsOk());
  // Applying it again changes nothing more.
  ASSERT_THAT(apply(erased), IsOk());

  cp::ChangeEvent merged;
  merged.set_type(cp::ChangeEvent::CUSTOMER_MERGED);
  merged.set_customer_name("customers/carol");
  merged.mutable_merge()->set_survivor("customers/carol");
  merged.mutable_merge()->set_duplicate("customers/bob");
  ASSERT_THAT(apply(merged), IsOk());

  const std::vector<FeedbackRecord>& items = feedback_.items();
  ASSERT_EQ(items.size(), 3u);
  EXPECT_EQ(items[0].customer_id, "");
  EXPECT_EQ(items[0].order_id, "");
  EXPECT_TRUE(items[0].attachment_uris.empty());
  EXPECT_EQ(items[0].text, "快递太慢了。");  // Kept for the statistics.
  EXPECT_EQ(items[1].customer_id, "carol");
  EXPECT_EQ(items[2].customer_id, "carol");
  const v1::Feedback shown = ToFeedbackProto(items[0]);
  EXPECT_TRUE(shown.anonymous());
  EXPECT_EQ(shown.customer(), "");
  EXPECT_EQ(shown.order(), "");

  EXPECT_THAT(apply(cp::ChangeEvent()), IsOk());  // Other types: ignored.
  EXPECT_THAT(unit_of_work_.Run(context_,
                                [&](crm::common::Transaction& tx) {
                                  return ApplyCustomerProfileEvent(
                                      stores_, tx, "\xff not a message");
                                }),
              StatusIs(absl::StatusCode::kDataLoss));
}

}  // namespace
}  // namespace crm::feedback
