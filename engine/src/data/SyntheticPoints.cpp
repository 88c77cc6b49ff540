// Synthetic 2-D classification and 1-D regression datasets.
#include <cmath>
#include <numbers>

#include "SyntheticRandom.h"
#include "tapedeck/core/Error.h"
#include "tapedeck/data/Synthetic.h"
#include "tapedeck/ops/Ops.h"

namespace td::data::synthetic {
namespace {

using detail::SyntheticRandom;
constexpr double kPi = std::numbers::pi;

void checkArguments(const char* name, int64_t n, double noise) {
  TD_CHECK(n > 0, name, "n must be positive, got ", n);
  TD_CHECK(noise >= 0.0 && std::isfinite(noise), name, "noise must be finite and >= 0, got ", noise);
}

/// Builds a 2-D classification set: `point(i, class, rng, x, y)` places example i.
template <typename PointFn>
TensorDataset points2d(int64_t n, int64_t classes, double noise, uint64_t seed, PointFn point) {
  SyntheticRandom rng(seed);
  std::vector<float> inputs(static_cast<size_t>(n * 2));
  std::vector<int64_t> targets(static_cast<size_t>(n));
  for (int64_t i = 0; i < n; ++i) {
    const int64_t label = i % classes;
    double x = 0.0;
    double y = 0.0;
    point(i, label, rng, x, y);
    inputs[static_cast<size_t>(2 * i)] = static_cast<float>(x + noise * rng.normal());
    inputs[static_cast<size_t>(2 * i + 1)] = static_cast<float>(y + noise * rng.normal());
    targets[static_cast<size_t>(i)] = label;
  }
  return TensorDataset(fromVector(inputs, {n, 2}), fromVector(targets, {n}));
}

template <typename Fn>
TensorDataset regression1d(int64_t n, double noise, uint64_t seed, double low, double high, Fn fn) {
  SyntheticRandom rng(seed);
  std::vector<float> inputs(static_cast<size_t>(n));
  std::vector<float> targets(static_cast<size_t>(n));
  for (size_t i = 0; i < inputs.size(); ++i) {
    const double x = rng.uniform(low, high);
    inputs[i] = static_cast<float>(x);
    targets[i] = static_cast<float>(fn(x) + noise * rng.normal());
  }
  return TensorDataset(fromVector(inputs, {n, 1}), fromVector(targets, {n}));
}

}  // namespace

TensorDataset xorDataset(int64_t n, double noise, uint64_t seed) {
  checkArguments("synthetic::xorDataset", n, noise);
  return points2d(n, 2, noise, seed, [](int64_t, int64_t label, SyntheticRandom& rng, double& x, double& y) {
    const double sx = rng.below(2) == 0 ? 1.0 : -1.0;
    const double sy = label == 0 ? sx : -sx;
    x = sx * rng.uniform(0.05, 1.0);
    y = sy * rng.uniform(0.05, 1.0);
  });
}

TensorDataset twoMoons(int64_t n, double noise, uint64_t seed) {
  checkArguments("synthetic::twoMoons", n, noise);
  return points2d(n, 2, noise, seed, [](int64_t, int64_t label, SyntheticRandom& rng, double& x, double& y) {
    const double t = rng.uniform(0.0, kPi);
    x = label == 0 ? std::cos(t) : 1.0 - std::cos(t);
    y = label == 0 ? std::sin(t) : 0.5 - std::sin(t);
  });
}

TensorDataset circles(int64_t n, double noise, uint64_t seed, double factor) {
  checkArguments("synthetic::circles", n, noise);
  TD_CHECK(factor > 0.0 && factor < 1.0, "synthetic::circles", "factor must be in (0, 1), got ", factor);
  return points2d(n, 2, noise, seed, [factor](int64_t, int64_t label, SyntheticRandom& rng, double& x, double& y) {
    const double t = rng.uniform(0.0, 2.0 * kPi);
    const double radius = label == 0 ? 1.0 : factor;
    x = radius * std::cos(t);
    y = radius * std::sin(t);
  });
}

TensorDataset spirals(int64_t n, double noise, uint64_t seed, int64_t classes) {
  checkArguments("synthetic::spirals", n, noise);
  TD_CHECK(classes >= 2, "synthetic::spirals", "classes must be >= 2, got ", classes);
  // The noise perturbs the angle (as in CS231n's spiral data) rather than the coordinates.
  SyntheticRandom rng(seed);
  std::vector<float> inputs(static_cast<size_t>(n * 2));
  std::vector<int64_t> targets(static_cast<size_t>(n));
  for (int64_t i = 0; i < n; ++i) {
    const int64_t label = i % classes;
    const double radius = rng.uniform(0.0, 1.0);
    const double angle = 2.0 * kPi * static_cast<double>(label) / static_cast<double>(classes) + 4.0 * radius +
                         noise * rng.normal();
    inputs[static_cast<size_t>(2 * i)] = static_cast<float>(radius * std::cos(angle));
    inputs[static_cast<size_t>(2 * i + 1)] = static_cast<float>(radius * std::sin(angle));
    targets[static_cast<size_t>(i)] = label;
  }
  return TensorDataset(fromVector(inputs, {n, 2}), fromVector(targets, {n}));
}

TensorDataset blobs(int64_t n, double noise, uint64_t seed, int64_t centers, int64_t dims) {
  checkArguments("synthetic::blobs", n, noise);
  TD_CHECK(centers >= 1 && dims >= 1, "synthetic::blobs", "centers and dims must be >= 1, got ", centers, " and ",
           dims);
  SyntheticRandom rng(seed);
  std::vector<double> centres(static_cast<size_t>(centers * dims));
  for (double& c : centres) c = rng.uniform(-5.0, 5.0);
  std::vector<float> inputs(static_cast<size_t>(n * dims));
  std::vector<int64_t> targets(static_cast<size_t>(n));
  for (int64_t i = 0; i < n; ++i) {
    const int64_t label = i % centers;
    for (int64_t d = 0; d < dims; ++d)
      inputs[static_cast<size_t>(i * dims + d)] =
          static_cast<float>(centres[static_cast<size_t>(label * dims + d)] + noise * rng.normal());
    targets[static_cast<size_t>(i)] = label;
  }
  return TensorDataset(fromVector(inputs, {n, dims}), fromVector(targets, {n}));
}

TensorDataset sine(int64_t n, double noise, uint64_t seed) {
  checkArguments("synthetic::sine", n, noise);
  return regression1d(n, noise, seed, -kPi, kPi, [](double x) { return std::sin(x); });
}

TensorDataset polynomial(int64_t n, double noise, uint64_t seed, const std::vector<double>& coefficients) {
  checkArguments("synthetic::polynomial", n, noise);
  TD_CHECK(!coefficients.empty(), "synthetic::polynomial", "no coefficients");
  return regression1d(n, noise, seed, -2.0, 2.0, [&coefficients](double x) {
    double value = 0.0;  // Horner
    for (auto it = coefficients.rbegin(); it != coefficients.rend(); ++it) value = value * x + *it;
    return value;
  });
}

}  // namespace td::data::synthetic
