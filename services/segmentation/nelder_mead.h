// Derivative-free minimisation (Nelder & Mead's simplex method), used to fit
// the CLV models by maximum likelihood (clv_model.h). Non-finite objective
// values count as +infinity, so the search stays where the model is defined.
//
//   NelderMeadResult best = MinimizeNelderMead(
//       [](const std::vector<double>& x) { return (x[0] - 1) * (x[0] - 1); },
//       {0.0});
#pragma once

#include <functional>
#include <vector>

namespace crm::segmentation {

struct NelderMeadOptions {
  double initial_step = 0.5;  // Simplex edge from the start point.
  // Converged when the objective values of the simplex differ by less than
  // f_tolerance · max(1, |best value|) and every vertex is within
  // x_tolerance of the best one. Relative, because a sum over a million
  // customers carries rounding far above any absolute 1e-11.
  double f_tolerance = 1e-11;
  double x_tolerance = 1e-9;
  int max_evaluations = 40000;
  // Restarts from the best point with a fresh simplex until a restart
  // improves the objective by less than the tolerance (guards against a
  // collapsed simplex); at most this many.
  int max_restarts = 8;
};

struct NelderMeadResult {
  std::vector<double> x;
  double value = 0;
  bool converged = false;
  int evaluations = 0;
};

NelderMeadResult MinimizeNelderMead(
    const std::function<double(const std::vector<double>&)>& objective,
    std::vector<double> start, const NelderMeadOptions& options = {});

}  // namespace crm::segmentation
