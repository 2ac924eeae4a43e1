#include "services/segmentation/nelder_mead.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>
#include <utility>

namespace crm::segmentation {
namespace {

constexpr double kReflect = 1.0;
constexpr double kExpand = 2.0;
constexpr double kContract = 0.5;
constexpr double kShrink = 0.5;

struct Search {
  const std::function<double(const std::vector<double>&)>& objective;
  int evaluations = 0;

  double Eval(const std::vector<double>& x) {
    ++evaluations;
    const double value = objective(x);
    return std::isfinite(value) ? value
                                : std::numeric_limits<double>::infinity();
  }
};

// The objective tolerance at `value`: relative to its size beyond 1.
double FTolerance(const NelderMeadOptions& options, double value) {
  return options.f_tolerance * std::max(1.0, std::abs(value));
}

// One simplex run from `start`; returns the best vertex, its value, and
// whether the tolerances were met.
NelderMeadResult RunSimplex(Search& search, const std::vector<double>& start,
                            const NelderMeadOptions& options) {
  const size_t n = start.size();
  std::vector<std::vector<double>> points(n + 1, start);
  for (size_t i = 0; i < n; ++i) points[i + 1][i] += options.initial_step;
  std::vector<double> values(n + 1);
  for (size_t i = 0; i <= n; ++i) values[i] = search.Eval(points[i]);

  std::vector<size_t> order(n + 1);
  bool converged = false;
  while (search.evaluations < options.max_evaluations) {
    std::iota(order.begin(), order.end(), 0);
    std::sort(order.begin(), order.end(),
              [&](size_t l, size_t r) { return values[l] < values[r]; });
    const size_t best = order.front(), worst = order.back(),
                 second_worst = order[n - 1];
    double x_spread = 0;
    for (size_t i = 0; i <= n; ++i) {
      for (size_t j = 0; j < n; ++j) {
        x_spread = std::max(x_spread, std::abs(points[i][j] - points[best][j]));
      }
    }
    if (std::isfinite(values[worst]) &&
        values[worst] - values[best] < FTolerance(options, values[best]) &&
        x_spread < options.x_tolerance) {
      converged = true;
      break;
    }
    std::vector<double> centroid(n, 0.0);
    for (size_t i = 0; i <= n; ++i) {
      if (i == worst) continue;
      for (size_t j = 0; j < n; ++j) centroid[j] += points[i][j] / n;
    }
    auto along = [&](double t) {
      std::vector<double> x(n);
      for (size_t j = 0; j < n; ++j) {
        x[j] = centroid[j] + t * (points[worst][j] - centroid[j]);
      }
      return x;
    };
    std::vector<double> reflected = along(-kReflect);
    const double reflected_value = search.Eval(reflected);
    if (reflected_value < values[best]) {
      std::vector<double> expanded = along(-kExpand);
      const double expanded_value = search.Eval(expanded);
      if (expanded_value < reflected_value) {
        points[worst] = std::move(expanded);
        values[worst] = expanded_value;
      } else {
        points[worst] = std::move(reflected);
        values[worst] = reflected_value;
      }
      continue;
    }
    if (reflected_value < values[second_worst]) {
      points[worst] = std::move(reflected);
      values[worst] = reflected_value;
      continue;
    }
    const bool outside = reflected_value < values[worst];
    std::vector<double> contracted =
        along(outside ? -kContract * kReflect : kContract);
    const double contracted_value = search.Eval(contracted);
    if (contracted_value < (outside ? reflected_value : values[worst])) {
      points[worst] = std::move(contracted);
      values[worst] = contracted_value;
      continue;
    }
    for (size_t i = 0; i <= n; ++i) {
      if (i == best) continue;
      for (size_t j = 0; j < n; ++j) {
        points[i][j] =
            points[best][j] + kShrink * (points[i][j] - points[best][j]);
      }
      values[i] = search.Eval(points[i]);
    }
  }
  const size_t best = static_cast<size_t>(
      std::min_element(values.begin(), values.end()) - values.begin());
  return NelderMeadResult{.x = points[best],
                          .value = values[best],
                          .converged = converged,
                          .evaluations = search.evaluations};
}

}  // namespace

NelderMeadResult MinimizeNelderMead(
    const std::function<double(const std::vector<double>&)>& objective,
    std::vector<double> start, const NelderMeadOptions& options) {
  Search search{objective};
  NelderMeadResult result = RunSimplex(search, start, options);
  for (int restart = 0; restart < options.max_restarts; ++restart) {
    if (!result.converged) break;
    NelderMeadResult again = RunSimplex(search, result.x, options);
    const bool improved =
        again.value < result.value - FTolerance(options, result.value);
    if (again.value <= result.value) result = again;
    if (!improved) break;
  }
  result.evaluations = search.evaluations;
  return result;
}

}  // namespace crm::segmentation
