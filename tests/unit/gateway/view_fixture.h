// The gateway over HTTP with segmentation, loyalty and feedback served by
// the fakes of view_fakes.h (customer-profile stays FakeCustomerProfile):
// the fixture of customer_view_test.cc and customer_export_test.cc.
#pragma once

#include <gtest/gtest.h>

#include <memory>

#include "tests/unit/gateway/gateway_fixture.h"
#include "tests/unit/gateway/view_fakes.h"

namespace crm::gateway {

class ViewBackendsTest : public GatewayTest {
 protected:
  void SetUp() override {
    GatewayTest::SetUp();
    segment_server_ =
        std::make_unique<crm::testing::FakeServer>(&view_segmentation_);
    loyalty_server_ =
        std::make_unique<crm::testing::FakeServer>(&view_loyalty_);
    feedback_server_ =
        std::make_unique<crm::testing::FakeServer>(&view_feedback_);
    config_.segmentation_addr = segment_server_->address();
    config_.loyalty_addr = loyalty_server_->address();
    config_.feedback_addr = feedback_server_->address();
  }

  void TearDown() override {
    GatewayTest::TearDown();
    // The servers stop before the services they serve are destroyed.
    segment_server_.reset();
    loyalty_server_.reset();
    feedback_server_.reset();
  }

  crm::testing::ViewSegmentation view_segmentation_;
  crm::testing::ViewLoyalty view_loyalty_;
  crm::testing::ViewFeedback view_feedback_;
};

}  // namespace crm::gateway
