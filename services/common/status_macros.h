// Early-return helpers for absl::Status and absl::StatusOr.
//
//   absl::StatusOr<Customer> Load(...) {
//     CRM_RETURN_IF_ERROR(CheckName(name));
//     CRM_ASSIGN_OR_RETURN(auto row, repository.Find(id));
//     return row;
//   }
#pragma once

#include <utility>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

#define CRM_STATUS_CONCAT_INNER_(a, b) a##b
#define CRM_STATUS_CONCAT_(a, b) CRM_STATUS_CONCAT_INNER_(a, b)

// Evaluates `expr` (an absl::Status) once and returns it if it is not OK.
#define CRM_RETURN_IF_ERROR(expr)              \
  do {                                         \
    ::absl::Status crm_status_ = (expr);       \
    if (!crm_status_.ok()) return crm_status_; \
  } while (false)

// Evaluates `rexpr` (an absl::StatusOr<T>) once; returns its status if not OK,
// otherwise moves the value into `lhs` (which may be a declaration).
#define CRM_ASSIGN_OR_RETURN(lhs, rexpr)                                       \
  CRM_ASSIGN_OR_RETURN_IMPL_(CRM_STATUS_CONCAT_(crm_statusor_, __LINE__), lhs, \
                             rexpr)

#define CRM_ASSIGN_OR_RETURN_IMPL_(statusor, lhs, rexpr)   \
  auto statusor = (rexpr);                                 \
  if (!statusor.ok()) return std::move(statusor).status(); \
  lhs = std::move(statusor).value()
