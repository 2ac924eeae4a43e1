// Everything segmentation holds on one customer, as one document
// (crm.segmentation.v1.CustomerSegmentationData), for the suite's
// data-subject access export (ExportCustomerSegmentationData): read-model
// facts and orders, the aggregate, the score and lifecycle history,
// memberships, the membership history of the customer and of the customers
// merged into it, and those customers' names.
//
//   CustomerDataExporter exporter(unit_of_work, read_model, scores,
//                                 memberships, segments, "CNY");
//   absl::StatusOr<v1::CustomerSegmentationData> data =
//       exporter.ExportCustomerSegmentationData(ctx, request);
//
// Read-only; thread-safe.
#pragma once

#include <string>
#include <utility>

#include "absl/status/statusor.h"
#include "crm/segmentation/v1/customer_segmentation_data.pb.h"
#include "crm/segmentation/v1/segmentation_service.pb.h"
#include "services/common/request_context.h"
#include "services/common/unit_of_work.h"
#include "services/segmentation/item_association_repository.h"
#include "services/segmentation/membership_repository.h"
#include "services/segmentation/read_model_repository.h"
#include "services/segmentation/referral_edge_repository.h"
#include "services/segmentation/score_repository.h"
#include "services/segmentation/segment_repository.h"

namespace crm::segmentation {

class CustomerDataExporter {
 public:
  // Every reference must outlive the exporter; `scoring_currency` is the
  // currency of the score's amounts.
  CustomerDataExporter(crm::common::UnitOfWork& unit_of_work,
                       ReadModelRepository& read_model, ScoreRepository& scores,
                       MembershipRepository& memberships,
                       SegmentRepository& segments,
                       std::string scoring_currency)
      : unit_of_work_(unit_of_work),
        read_model_(read_model),
        scores_(scores),
        memberships_(memberships),
        segments_(segments),
        scoring_currency_(std::move(scoring_currency)) {}
  CustomerDataExporter(const CustomerDataExporter&) = delete;
  CustomerDataExporter& operator=(const CustomerDataExporter&) = delete;

  // The referral edges whose value (referral_value.h) the exported score
  // carries; `edges` must outlive the exporter (null: none).
  void set_referral_edges(ReferralEdgeRepository* edges) {
    referral_edges_ = edges;
  }

  // The order items (recommendations' history) whose SKUs the exported
  // orders carry, and the item views exported as `item_views`; `items` must
  // outlive the exporter (null: none).
  void set_item_associations(ItemAssociationRepository* items) {
    items_ = items;
  }

  // The document for `request.name()` (`customers/{customer}`), read in one
  // unit of work. INVALID_ARGUMENT (field `name`) for a malformed name. A
  // customer segmentation holds nothing on (never seen, or erased) gives a
  // document with only `customer` set.
  absl::StatusOr<v1::CustomerSegmentationData> ExportCustomerSegmentationData(
      const crm::common::RequestContext& context,
      const v1::ExportCustomerSegmentationDataRequest& request);

 private:
  crm::common::UnitOfWork& unit_of_work_;
  ReadModelRepository& read_model_;
  ScoreRepository& scores_;
  MembershipRepository& memberships_;
  SegmentRepository& segments_;
  const std::string scoring_currency_;
  ReferralEdgeRepository* referral_edges_ = nullptr;
  ItemAssociationRepository* items_ = nullptr;
};

}  // namespace crm::segmentation
