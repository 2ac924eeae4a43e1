// Product recommendations on MariaDB, from customer-profile's order events
// through the feed applier (set-based batches and one by one) to
// RecommendationManager::ListRecommendations: a planted association comes
// first with its reason; an order counts once however often its events
// come (redelivery, refunds); a merge gives the duplicate's purchases to the
// survivor; an erasure forgets the customer's purchases but keeps the counts,
// which name no one; bad requests name the field. Item views
// (INTERACTION_RECORDED page views naming a sku) form view baskets: a pair
// only ever co-viewed is recommended, a viewed item seeds its viewer's
// recommendations ("viewed with"), and merges and erasures move and delete
// views as they do purchases.
#include <memory>
#include <random>
#include <string>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "crm/customerprofile/v1/change_event.pb.h"
#include "services/common/mysql_unit_of_work.h"
#include "services/common/request_context.h"
#include "services/common/timestamps.h"
#include "services/segmentation/customer_data_exporter.h"
#include "services/segmentation/migrations.h"
#include "services/segmentation/mysql_item_association_repository.h"
#include "services/segmentation/mysql_membership_repository.h"
#include "services/segmentation/mysql_read_model_repository.h"
#include "services/segmentation/mysql_score_repository.h"
#include "services/segmentation/mysql_segment_repository.h"
#include "services/segmentation/profile_feed_applier.h"
#include "services/segmentation/recommendation_manager.h"
#include "tests/testing/status_matchers.h"
#include "tests/testing/test_database.h"

namespace crm::segmentation {
namespace {

namespace cp = ::crm::customerprofile::v1;
using ::crm::common::RequestContext;
using ::crm::common::Transaction;
using ::crm::testing::IsOk;
using ::crm::testing::StatusIs;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;

const absl::Time kStart = absl::FromUnixSeconds(1767225600);  // 2026-01-01

cp::ChangeEvent Order(const std::string& customer, const std::string& order,
                      int hour, const std::vector<std::string>& skus,
                      int64_t refunded = 0) {
  cp::ChangeEvent event;
  event.set_type(refunded > 0 ? cp::ChangeEvent::ORDER_REFUNDED
                              : cp::ChangeEvent::ORDER_RECORDED);
  event.set_customer_name("customers/" + customer);
  cp::Order* o = event.mutable_order();
  o->set_name(absl::StrCat("customers/", customer, "/orders/", order));
  o->mutable_amount()->set_currency_code("CNY");
  o->mutable_amount()->set_amount_minor(1000);
  o->mutable_refunded_amount()->set_currency_code("CNY");
  o->mutable_refunded_amount()->set_amount_minor(refunded);
  *o->mutable_order_time() =
      crm::common::ToProtoTimestamp(kStart + absl::Hours(hour));
  for (const std::string& sku : skus) {
    cp::OrderLineItem* line = o->add_line_items();
    line->set_sku(sku);
    line->set_quantity(1);
    line->set_category(sku.substr(0, 3) == "sku" ? "grocery" : "treats");
  }
  return event;
}

cp::ChangeEvent View(
    const std::string& customer, const std::string& event_id, int hour,
    const std::string& sku,
    cp::InteractionEvent::Type type = cp::InteractionEvent::PAGE_VIEW) {
  cp::ChangeEvent event;
  event.set_type(cp::ChangeEvent::INTERACTION_RECORDED);
  event.set_customer_name("customers/" + customer);
  cp::InteractionEvent* interaction = event.mutable_interaction();
  interaction->set_name(
      absl::StrCat("customers/", customer, "/events/", event_id));
  interaction->set_customer("customers/" + customer);
  interaction->set_event_id(event_id);
  interaction->set_type(type);
  interaction->set_channel("web");
  *interaction->mutable_event_time() =
      crm::common::ToProtoTimestamp(kStart + absl::Hours(hour));
  if (!sku.empty()) (*interaction->mutable_properties())["sku"] = sku;
  return event;
}

cp::ChangeEvent Merge(const std::string& survivor,
                      const std::string& duplicate) {
  cp::ChangeEvent event;
  event.set_type(cp::ChangeEvent::CUSTOMER_MERGED);
  event.set_customer_name("customers/" + survivor);
  event.mutable_customer()->set_state(cp::Customer::ACTIVE);
  event.mutable_merge()->set_survivor("customers/" + survivor);
  event.mutable_merge()->set_duplicate("customers/" + duplicate);
  return event;
}

cp::ChangeEvent Erase(const std::string& id) {
  cp::ChangeEvent event;
  event.set_type(cp::ChangeEvent::CUSTOMER_ERASED);
  event.set_customer_name("customers/" + id);
  return event;
}

class RecommendationsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    CRM_ASSERT_OK_AND_ASSIGN(
        database_, crm::testing::TestDatabase::Create("seg_recommendations"));
    CRM_ASSERT_OK_AND_ASSIGN(pool_, database_->NewMigratedPool(Migrations()));
    unit_of_work_ = std::make_unique<crm::common::MySqlUnitOfWork>(*pool_);
    AssociationPolicy policy;
    policy.min_pair_baskets = 3;
    manager_ =
        std::make_unique<RecommendationManager>(*unit_of_work_, items_, policy);
    applier_ = std::make_unique<ProfileFeedApplier>(
        read_model_, manager_->FeedHook(read_model_),
        [](Transaction&, const std::vector<std::string>&,
           const std::vector<const CustomerAggregate*>&) {
          return absl::OkStatus();
        },
        manager_->OrdersHook(), manager_->InteractionsHook());
  }

  void ApplyInBatches(const std::vector<cp::ChangeEvent>& events, size_t size) {
    for (size_t begin = 0; begin < events.size(); begin += size) {
      const std::vector<cp::ChangeEvent> batch(
          events.begin() + begin,
          events.begin() + std::min(events.size(), begin + size));
      ASSERT_THAT(unit_of_work_->Run(RequestContext(),
                                     [&](Transaction& tx) {
                                       return applier_->ApplyBatch(tx, batch);
                                     }),
                  IsOk());
    }
  }

  void ApplyOne(const cp::ChangeEvent& event) {
    ASSERT_THAT(unit_of_work_->Run(RequestContext(),
                                   [&](Transaction& tx) {
                                     return applier_->Apply(tx, event);
                                   }),
                IsOk());
  }

  // The item views ExportCustomerSegmentationData gives for `customer`.
  std::vector<std::string> ExportedViews(const std::string& customer) {
    CustomerDataExporter exporter(*unit_of_work_, read_model_, scores_,
                                  memberships_, segments_, "CNY");
    exporter.set_item_associations(&items_);
    v1::ExportCustomerSegmentationDataRequest request;
    request.set_name("customers/" + customer);
    absl::StatusOr<v1::CustomerSegmentationData> data =
        exporter.ExportCustomerSegmentationData(RequestContext(), request);
    EXPECT_THAT(data, IsOk());
    std::vector<std::string> skus;
    if (!data.ok()) return skus;
    for (const v1::ItemView& view : data->item_views()) {
      skus.push_back(view.sku());
    }
    return skus;
  }

  absl::StatusOr<v1::ListRecommendationsResponse> List(
      const std::string& customer, int count = 0,
      bool include_purchased = false) {
    v1::ListRecommendationsRequest request;
    request.set_customer("customers/" + customer);
    request.set_count(count);
    request.set_include_purchased(include_purchased);
    return manager_->ListRecommendations(RequestContext(), request);
  }

  std::string Query(const std::string& sql) {
    absl::StatusOr<std::vector<std::string>> rows = database_->QueryColumn(sql);
    EXPECT_THAT(rows, IsOk()) << sql;
    return rows.ok() && !rows->empty() ? rows->front() : "";
  }

  // 400 customers' baskets of random groceries; milk and cookies bought
  // together in every tenth.
  std::vector<cp::ChangeEvent> Population() {
    std::mt19937_64 rng(11);
    std::vector<cp::ChangeEvent> events;
    for (int n = 0; n < 400; ++n) {
      std::vector<std::string> skus;
      for (int k = 0; k < 3; ++k) {
        skus.push_back(absl::StrCat("sku", rng() % 60));
      }
      if (n % 10 == 0) {
        skus.push_back("milk");
        skus.push_back("cookies");
      }
      events.push_back(
          Order(absl::StrCat("c", n % 150), absl::StrCat("o", n), n, skus));
    }
    return events;
  }

  std::unique_ptr<crm::testing::TestDatabase> database_;
  std::unique_ptr<crm::common::MySqlPool> pool_;
  std::unique_ptr<crm::common::MySqlUnitOfWork> unit_of_work_;
  MySqlReadModelRepository read_model_;
  MySqlItemAssociationRepository items_;
  MySqlScoreRepository scores_;
  MySqlMembershipRepository memberships_;
  MySqlSegmentRepository segments_;
  std::unique_ptr<RecommendationManager> manager_;
  std::unique_ptr<ProfileFeedApplier> applier_;
};

TEST_F(RecommendationsTest, PlantedAssociationComesFirstWithItsReason) {
  ApplyInBatches(Population(), 37);
  ApplyOne(Order("target", "t1", 500, {"milk"}));
  absl::StatusOr<v1::ListRecommendationsResponse> list = List("target");
  ASSERT_THAT(list, IsOk());
  ASSERT_FALSE(list->recommendations().empty());
  const v1::ProductRecommendation& top = list->recommendations(0);
  EXPECT_EQ(top.sku(), "cookies");
  EXPECT_EQ(top.category(), "treats");
  EXPECT_EQ(top.because_sku(), "milk");
  // Every milk basket had cookies but the target's own.
  EXPECT_GT(top.confidence(), 0.95);
  EXPECT_LT(top.confidence(), 1.0);
  EXPECT_GT(top.lift(), 5);
  EXPECT_THAT(top.reason(), HasSubstr("bought with milk, lift "));
  EXPECT_LE(list->recommendations_size(), 10);
  // Milk itself is not recommended back unless asked for.
  for (const v1::ProductRecommendation& r : list->recommendations()) {
    EXPECT_NE(r.sku(), "milk");
  }
}

TEST_F(RecommendationsTest, AnOrderCountsOnceHoweverOftenItsEventsCome) {
  ApplyInBatches(Population(), 50);
  EXPECT_EQ(Query("SELECT baskets FROM basket_totals"), "400");
  const std::string cookies = Query(
      "SELECT baskets FROM item_pairs WHERE sku = 'milk' AND "
      "other_sku = 'cookies'");
  EXPECT_EQ(cookies, "40");
  // Redelivered in a batch and alone, then refunded: nothing counts again.
  std::vector<cp::ChangeEvent> again = Population();
  again.resize(20);
  ApplyInBatches(again, 7);
  ApplyOne(Population().front());
  ApplyOne(Order("c0", "o0", 0, {"milk", "cookies"}, /*refunded=*/500));
  EXPECT_EQ(Query("SELECT baskets FROM basket_totals"), "400");
  EXPECT_EQ(Query("SELECT baskets FROM item_pairs WHERE sku = 'milk' AND "
                  "other_sku = 'cookies'"),
            cookies);
}

TEST_F(RecommendationsTest, MergesAndErasuresFollowTheCustomer) {
  ApplyInBatches(Population(), 50);
  ApplyInBatches(
      {Order("keep", "k1", 600, {"sku1"}), Order("dupe", "d1", 601, {"milk"})},
      2);
  ApplyOne(Merge("keep", "dupe"));
  absl::StatusOr<v1::ListRecommendationsResponse> survivor = List("keep");
  ASSERT_THAT(survivor, IsOk());
  ASSERT_FALSE(survivor->recommendations().empty());
  EXPECT_EQ(survivor->recommendations(0).sku(), "cookies");
  absl::StatusOr<v1::ListRecommendationsResponse> duplicate = List("dupe");
  ASSERT_THAT(duplicate, IsOk());
  EXPECT_THAT(duplicate->recommendations(), IsEmpty());

  const std::string totals = Query("SELECT baskets FROM basket_totals");
  ApplyOne(Erase("keep"));
  absl::StatusOr<v1::ListRecommendationsResponse> erased = List("keep");
  ASSERT_THAT(erased, IsOk());
  EXPECT_THAT(erased->recommendations(), IsEmpty());
  EXPECT_EQ(Query("SELECT COUNT(*) FROM order_items WHERE customer_id IN "
                  "('keep', 'dupe')"),
            "0");
  EXPECT_EQ(Query("SELECT baskets FROM basket_totals"), totals);
}

// Five customers each view tea and honey on one day (view baskets; never
// bought together), one buys tea with jam on three orders.
std::vector<cp::ChangeEvent> TeaViews() {
  std::vector<cp::ChangeEvent> events;
  for (int n = 0; n < 5; ++n) {
    const std::string customer = absl::StrCat("v", n);
    events.push_back(View(customer, "e1", 24 * n + 1, "tea"));
    events.push_back(View(customer, "e2", 24 * n + 2, "honey"));
    events.push_back(View(customer, "e3", 24 * n + 3, "tea"));  // Again.
  }
  for (int n = 0; n < 3; ++n) {
    events.push_back(
        Order("jammer", absl::StrCat("j", n), 200 + n, {"tea", "jam"}));
  }
  return events;
}

TEST_F(RecommendationsTest, ViewsAreAWeakerSignalAndSeedTheViewer) {
  ApplyInBatches(Population(), 50);
  const std::string totals = Query("SELECT baskets FROM basket_totals");
  ApplyInBatches(TeaViews(), 4);
  // Five view baskets; each SKU counted once per basket.
  EXPECT_EQ(Query("SELECT baskets FROM basket_totals"),
            std::to_string(std::stoi(totals) + 5 + 3));
  EXPECT_EQ(Query("SELECT baskets FROM item_pairs WHERE sku = 'tea' AND "
                  "other_sku = 'honey'"),
            "5");
  EXPECT_EQ(Query("SELECT COUNT(*) FROM item_views"), "10");

  // A customer who bought nothing and viewed tea: honey and jam through
  // the viewed seed; jam (bought with tea) outweighs honey (viewed with it)
  // per basket, honey has more baskets.
  absl::StatusOr<v1::ListRecommendationsResponse> none = List("viewer");
  ASSERT_THAT(none, IsOk());
  EXPECT_THAT(none->recommendations(), IsEmpty());
  ApplyOne(View("viewer", "w1", 300, "tea"));
  ApplyOne(View("viewer", "w2", 301, "", cp::InteractionEvent::PAGE_VIEW));
  ApplyOne(View("viewer", "w3", 302, "milk", cp::InteractionEvent::CALL));
  EXPECT_EQ(Query("SELECT COUNT(*) FROM item_views WHERE customer_id = "
                  "'viewer'"),
            "1");
  absl::StatusOr<v1::ListRecommendationsResponse> list = List("viewer");
  ASSERT_THAT(list, IsOk());
  ASSERT_EQ(list->recommendations_size(), 2);
  for (const v1::ProductRecommendation& r : list->recommendations()) {
    EXPECT_EQ(r.because_sku(), "tea");
    EXPECT_TRUE(r.because_viewed());
    EXPECT_THAT(r.reason(), HasSubstr("viewed with tea, lift "));
  }
  const v1::ProductRecommendation& jam = list->recommendations(0);
  const v1::ProductRecommendation& honey = list->recommendations(1);
  EXPECT_EQ(jam.sku(), "jam");
  EXPECT_EQ(honey.sku(), "honey");
  // 3 purchase baskets outweigh 5 view baskets at a quarter weight (their
  // time weights differ by under 5%).
  EXPECT_GT(jam.confidence(), honey.confidence());
  EXPECT_NEAR(honey.confidence() / jam.confidence(), 5 * 0.25 / 3, 0.03);
  // A viewed seed weighs a quarter of a bought one.
  EXPECT_NEAR(jam.score(), 0.25 * jam.confidence(), 1e-9);

  // Once bought, tea seeds as a purchase.
  ApplyOne(Order("viewer", "w-o1", 310, {"tea"}));
  list = List("viewer");
  ASSERT_THAT(list, IsOk());
  ASSERT_FALSE(list->recommendations().empty());
  EXPECT_FALSE(list->recommendations(0).because_viewed());
  EXPECT_THAT(list->recommendations(0).reason(), HasSubstr("bought with tea"));
}

TEST_F(RecommendationsTest, MergesAndErasuresFollowTheViews) {
  ApplyInBatches(TeaViews(), 100);
  ApplyOne(View("dupe", "d1", 400, "tea"));
  ApplyOne(Merge("keep", "dupe"));
  EXPECT_EQ(Query("SELECT COUNT(*) FROM item_views WHERE customer_id = "
                  "'dupe'"),
            "0");
  absl::StatusOr<v1::ListRecommendationsResponse> survivor = List("keep");
  ASSERT_THAT(survivor, IsOk());
  ASSERT_FALSE(survivor->recommendations().empty());
  EXPECT_EQ(survivor->recommendations(0).because_sku(), "tea");
  // A late view of the duplicate counts for the survivor.
  ApplyOne(View("dupe", "d2", 401, "honey"));
  EXPECT_EQ(Query("SELECT COUNT(*) FROM item_views WHERE customer_id = "
                  "'keep'"),
            "2");
  EXPECT_THAT(ExportedViews("keep"), ElementsAre("honey", "tea"));

  const std::string totals = Query("SELECT baskets FROM basket_totals");
  const std::string pairs = Query(
      "SELECT baskets FROM item_pairs WHERE sku = 'tea' AND other_sku = "
      "'honey'");
  ApplyOne(Erase("keep"));
  ApplyOne(Erase("v0"));
  absl::StatusOr<v1::ListRecommendationsResponse> erased = List("keep");
  ASSERT_THAT(erased, IsOk());
  EXPECT_THAT(erased->recommendations(), IsEmpty());
  EXPECT_EQ(Query("SELECT COUNT(*) FROM item_views WHERE customer_id IN "
                  "('keep', 'dupe', 'v0')"),
            "0");
  EXPECT_EQ(Query("SELECT COUNT(*) FROM item_views"), "8");  // v1..v4.
  EXPECT_THAT(ExportedViews("keep"), IsEmpty());
  // The counts name no one and stay.
  EXPECT_EQ(Query("SELECT baskets FROM basket_totals"), totals);
  EXPECT_EQ(Query("SELECT baskets FROM item_pairs WHERE sku = 'tea' AND "
                  "other_sku = 'honey'"),
            pairs);
}

TEST_F(RecommendationsTest, BadRequestsNameTheField) {
  EXPECT_THAT(List("target", -1),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("count")));
  EXPECT_THAT(List("target", 101),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("count")));
  v1::ListRecommendationsRequest request;
  request.set_customer("shops/1");
  EXPECT_THAT(
      manager_->ListRecommendations(RequestContext(), request),
      StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("customer")));
  absl::StatusOr<v1::ListRecommendationsResponse> none = List("nobody");
  ASSERT_THAT(none, IsOk());
  EXPECT_THAT(none->recommendations(), IsEmpty());
}

}  // namespace
}  // namespace crm::segmentation
