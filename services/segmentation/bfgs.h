// Quasi-Newton minimisation (BFGS with a backtracking line search, within
// optional box bounds) of a smooth objective with an analytic gradient, used
// to fit the CLV models by maximum likelihood (clv_model.h). Non-finite
// objective values count as +infinity (outside the domain), and the line
// search steps back from them.
//
//   BfgsResult best = MinimizeBfgs(
//       [](const std::vector<double>& x, std::vector<double>& gradient) {
//         gradient = {2 * (x[0] - 1)};
//         return (x[0] - 1) * (x[0] - 1);
//       },
//       {0.0});
#pragma once

#include <functional>
#include <limits>
#include <vector>

namespace crm::segmentation {

struct BfgsOptions {
  // Converged when every gradient component is within
  // gradient_tolerance · max(1, |value|) of zero: relative, as the
  // likelihood of a large customer base is a large sum.
  double gradient_tolerance = 1e-9;
  // Converged too when no step along the steepest descent lowers the value
  // any more (it is flat to rounding) and every gradient component is
  // within stalled_gradient_tolerance · max(1, |value|) of zero.
  double stalled_gradient_tolerance = 1e-6;
  // No step moves any coordinate by more than this: a long flat valley
  // (a likelihood whose supremum lies at infinity) is followed step by step
  // instead of jumped across.
  double max_step = 2;
  // Every coordinate stays within [−bound, bound]; at the bound, the
  // gradient components pushing outwards do not count against convergence
  // (the minimum within the box).
  double bound = std::numeric_limits<double>::infinity();
  int max_iterations = 200;
  int max_evaluations = 600;  // Checked between iterations.
};

struct BfgsResult {
  std::vector<double> x;
  double value = 0;
  bool converged = false;
  int evaluations = 0;  // Objective (with gradient) evaluations.
};

// `objective` returns the value at `x` and sets `gradient` (same size as x)
// when the value is finite.
BfgsResult MinimizeBfgs(
    const std::function<double(const std::vector<double>& x,
                               std::vector<double>& gradient)>& objective,
    std::vector<double> start, const BfgsOptions& options = {});

}  // namespace crm::segmentation
