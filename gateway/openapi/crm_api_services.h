// The gRPC services whose HTTP bindings make up the crm HTTP API, and the
// embedded descriptor set (with comments) of every crm .proto.
//
//   std::string json = BuildOpenApiDocument(CrmApiServices(), options);
#pragma once

#include <google/protobuf/descriptor.h>

#include <vector>

#include "absl/strings/string_view.h"

namespace crm::gateway::openapi {

// CustomerProfileService, SegmentationService, LoyaltyService and
// FeedbackService from the generated pool, in that order.
std::vector<const google::protobuf::ServiceDescriptor*> CrmApiServices();

// A serialized google.protobuf.FileDescriptorSet of protos/crm/**.proto and
// their imports, with source info (comments), generated at build time
// (gateway/openapi/CMakeLists.txt).
absl::string_view CrmApiDescriptorSet();

}  // namespace crm::gateway::openapi
