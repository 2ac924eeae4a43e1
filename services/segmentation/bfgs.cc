#include "services/segmentation/bfgs.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <utility>

namespace crm::segmentation {
namespace {

constexpr double kArmijo = 1e-4;  // Sufficient decrease per unit of slope.
constexpr int kMaxBacktracks = 60;

double Dot(const std::vector<double>& u, const std::vector<double>& v) {
  double sum = 0;
  for (size_t i = 0; i < u.size(); ++i) sum += u[i] * v[i];
  return sum;
}

double MaxAbs(const std::vector<double>& v) {
  double largest = 0;
  for (double value : v) largest = std::max(largest, std::abs(value));
  return largest;
}

}  // namespace

BfgsResult MinimizeBfgs(
    const std::function<double(const std::vector<double>& x,
                               std::vector<double>& gradient)>& objective,
    std::vector<double> start, const BfgsOptions& options) {
  const size_t n = start.size();
  const double bound = options.bound;
  int evaluations = 0;
  auto evaluate = [&](const std::vector<double>& x,
                      std::vector<double>& gradient) {
    ++evaluations;
    gradient.assign(n, 0.0);
    const double value = objective(x, gradient);
    return std::isfinite(value) ? value
                                : std::numeric_limits<double>::infinity();
  };
  // The gradient without the components of the coordinates held at a
  // bound: on it, and their gradient not pointing inwards by more than the
  // convergence tolerance (so that rounding does not let a coordinate leave
  // and return step after step). Returns whether a coordinate was released.
  std::vector<double> projected(n);
  std::vector<bool> held(n);
  auto project = [&](const std::vector<double>& x,
                     const std::vector<double>& gradient, double value) {
    const double inwards =
        options.gradient_tolerance * std::max(1.0, std::abs(value));
    bool released = false;
    for (size_t i = 0; i < n; ++i) {
      const bool hold = (x[i] >= bound && gradient[i] < inwards) ||
                        (x[i] <= -bound && gradient[i] > -inwards);
      released = released || (held[i] && !hold);
      held[i] = hold;
      projected[i] = hold ? 0 : gradient[i];
    }
    return released;
  };
  auto small = [&](double value, double tolerance) {
    return std::isfinite(value) &&
           MaxAbs(projected) <= tolerance * std::max(1.0, std::abs(value));
  };

  std::vector<double> x = std::move(start), gradient;
  for (double& c : x) c = std::clamp(c, -bound, bound);
  double value = evaluate(x, gradient);
  BfgsResult result{.x = x, .value = value};
  if (!std::isfinite(value)) {
    result.evaluations = evaluations;
    return result;
  }
  // The inverse Hessian estimate, row-major; the identity until the first
  // step gives it a scale.
  std::vector<double> h(n * n, 0.0);
  bool identity = true, scaled = false;
  auto reset = [&] {
    std::fill(h.begin(), h.end(), 0.0);
    for (size_t i = 0; i < n; ++i) h[i * n + i] = 1;
    identity = true;
    scaled = false;
  };
  reset();
  project(x, gradient, value);
  std::vector<double> direction(n), next(n), next_gradient, s(n), y(n), hy(n);
  for (int iteration = 0; iteration < options.max_iterations &&
                          evaluations < options.max_evaluations;
       ++iteration) {
    if (small(value, options.gradient_tolerance)) {
      result.converged = true;
      break;
    }
    for (size_t i = 0; i < n; ++i) {
      direction[i] = 0;
      if (held[i]) continue;
      for (size_t j = 0; j < n; ++j) {
        direction[i] -= h[i * n + j] * projected[j];
      }
    }
    if (!(Dot(projected, direction) < 0)) {
      reset();
      for (size_t i = 0; i < n; ++i) direction[i] = -projected[i];
    }
    // The first step of unscaled steepest descent moves no coordinate by
    // more than 1; no step moves one by more than max_step. Steps stop at
    // the bounds.
    const double longest = MaxAbs(direction);
    double step = identity && !scaled ? std::min(1.0, 1.0 / longest) : 1.0;
    step = std::min(step, options.max_step / longest);
    double next_value = std::numeric_limits<double>::infinity();
    bool accepted = false;
    for (int k = 0; k < kMaxBacktracks; ++k, step *= 0.5) {
      for (size_t i = 0; i < n; ++i) {
        next[i] = std::clamp(x[i] + step * direction[i], -bound, bound);
        s[i] = next[i] - x[i];
      }
      next_value = evaluate(next, next_gradient);
      if (next_value <= value + kArmijo * Dot(gradient, s)) {
        accepted = true;
        break;
      }
    }
    if (!accepted) {
      // No decrease along this direction: start again from steepest
      // descent, or stop if that was it already.
      if (identity) {
        result.converged = small(value, options.stalled_gradient_tolerance);
        break;
      }
      reset();
      continue;
    }
    for (size_t i = 0; i < n; ++i) y[i] = next_gradient[i] - gradient[i];
    x = next;
    value = next_value;
    gradient = next_gradient;
    if (project(x, gradient, value)) {
      // A coordinate left a bound: the curvature learnt while it was held
      // leaves it out.
      reset();
      continue;
    }
    for (size_t i = 0; i < n; ++i) {
      if (!held[i]) continue;
      // Held: out of the estimate, so the step is the free coordinates'.
      s[i] = y[i] = 0;
      for (size_t j = 0; j < n; ++j) h[i * n + j] = h[j * n + i] = 0;
    }
    const double sy = Dot(s, y);
    if (sy > 1e-12 * std::sqrt(Dot(s, s) * Dot(y, y))) {
      if (!scaled) {
        // Shanno's scaling of the first estimate.
        const double scale = sy / Dot(y, y);
        for (double& entry : h) entry *= scale;
        scaled = true;
      }
      // H ← (I − ρ s yᵀ) H (I − ρ y sᵀ) + ρ s sᵀ, ρ = 1 / (yᵀ s).
      const double rho = 1 / sy;
      for (size_t i = 0; i < n; ++i) {
        hy[i] = 0;
        for (size_t j = 0; j < n; ++j) hy[i] += h[i * n + j] * y[j];
      }
      const double yhy = Dot(y, hy);
      for (size_t i = 0; i < n; ++i) {
        for (size_t j = 0; j < n; ++j) {
          h[i * n + j] += (1 + rho * yhy) * rho * s[i] * s[j] -
                          rho * (hy[i] * s[j] + s[i] * hy[j]);
        }
      }
      identity = false;
    }
  }
  if (!result.converged)
    result.converged = small(value, options.gradient_tolerance);
  result.x = x;
  result.value = value;
  result.evaluations = evaluations;
  return result;
}

}  // namespace crm::segmentation
