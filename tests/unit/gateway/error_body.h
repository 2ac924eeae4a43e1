// Parses Google's JSON error shape (services/common/http_json_error.h) for
// tests, checking the shape on the way:
//
//   ErrorBody error = ParseErrorBody(response.body);
//   EXPECT_EQ(error.status, "NOT_FOUND");
//   EXPECT_EQ(error.reason, "ROUTE_NOT_FOUND");
//   EXPECT_EQ(error.domain, "gateway");
//
// A body that is not the shape (no "error" object, a missing or mistyped
// code/status/message/details, a detail without "@type", not exactly one
// google.rpc.ErrorInfo) adds a test failure naming the problem.
#pragma once

#include <map>
#include <string>
#include <utility>
#include <vector>

namespace crm::testing {

struct ErrorBody {
  int code = 0;
  std::string status;
  std::string message;
  // From the google.rpc.ErrorInfo detail.
  std::string reason;
  std::string domain;
  std::map<std::string, std::string> metadata;
  // (field, description) of the google.rpc.BadRequest detail, if any.
  std::vector<std::pair<std::string, std::string>> field_violations;
  // The "@type" of every detail, in order.
  std::vector<std::string> detail_types;
};

ErrorBody ParseErrorBody(const std::string& json);

}  // namespace crm::testing
