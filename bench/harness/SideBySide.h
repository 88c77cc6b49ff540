#pragma once
// What every side-by-side benchmark against libtorch shares: host data drawn once and
// copied into both libraries, value comparison, the result checks that turn a wrong
// answer into a skipped row, and argument parsing.
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <functional>
#include <iostream>
#include <random>
#include <stdexcept>
#include <string>
#include <vector>

#ifdef TAPEDECK_BENCH_WITH_TORCH
#include <torch/torch.h>
#endif

#include "harness/PairRunner.h"
#include "harness/ResultsWriter.h"
#include "tapedeck/Tapedeck.h"

namespace td::bench {

/// A float32 tensor's values and shape, drawn once and copied into both libraries.
struct HostTensor {
  std::vector<int64_t> shape;
  std::vector<float> values;
};

inline HostTensor uniform(std::mt19937& rng, std::vector<int64_t> shape, float low, float high) {
  int64_t n = 1;
  for (int64_t s : shape) n *= s;
  std::uniform_real_distribution<float> dist(low, high);
  HostTensor t{std::move(shape), std::vector<float>(static_cast<std::size_t>(n))};
  for (float& v : t.values) v = dist(rng);
  return t;
}

/// PyTorch's default init for a layer with `fanIn` inputs: U(-1/sqrt(fanIn), 1/sqrt(fanIn)).
inline HostTensor layerInit(std::mt19937& rng, std::vector<int64_t> shape, int64_t fanIn) {
  const float bound = 1.0f / std::sqrt(static_cast<float>(fanIn));
  return uniform(rng, std::move(shape), -bound, bound);
}

/// Largest |x - y| and largest |y| over two value lists of the same length.
struct Difference {
  double maxAbs = 0.0;
  double scale = 0.0;
};

inline Difference compare(const std::vector<float>& x, const std::vector<float>& y) {
  if (x.size() != y.size()) throw std::runtime_error("compare: sizes differ");
  Difference d;
  for (std::size_t i = 0; i < x.size(); ++i) {
    d.maxAbs = std::max(d.maxAbs, std::fabs(double(x[i]) - double(y[i])));
    d.scale = std::max(d.scale, std::fabs(double(y[i])));
  }
  return d;
}

inline td::Tensor tdTensor(const HostTensor& t, bool requiresGrad = false) {
  td::Tensor result = td::fromVector(t.values, td::IntList(t.shape.begin(), t.shape.end()));
  if (requiresGrad) result.setRequiresGrad();
  return result;
}

inline std::vector<float> tdValues(const td::Tensor& t) {
  const td::Tensor c = t.contiguous();
  return std::vector<float>(c.data<float>(), c.data<float>() + c.numel());
}

/// Thrown when the two sides disagree: the row is skipped and the binary fails.
struct Mismatch : std::runtime_error {
  using std::runtime_error::runtime_error;
};

inline void checkClose(const std::string& what, const std::vector<float>& x, const std::vector<float>& y,
                double relative) {
  const Difference d = compare(x, y);
  const double tolerance = relative * std::max(d.scale, 1e-3);
  if (!(d.maxAbs <= tolerance)) {
    throw Mismatch(what + " differs by " + std::to_string(d.maxAbs) + " (tolerance " + std::to_string(tolerance) +
                   ")");
  }
}

/// Runs one measurement, turning a mismatch or an exception into a skipped row and a
/// failing exit status.
inline void measureRow(ResultsWriter& writer, int& status, const std::string& name, Unit unit,
                const std::function<void()>& body) {
  try {
    body();
  } catch (const Mismatch& error) {
    std::cerr << name << ": WRONG RESULT: " << error.what() << "\n";
    writer.addSkipped(name, std::string("wrong result: ") + error.what(), unitName(unit));
    status = 1;
  } catch (const std::exception& error) {
    std::cerr << name << ": " << error.what() << "\n";
    writer.addSkipped(name, std::string("failed: ") + error.what(), unitName(unit));
    status = 1;
  }
}

/// The value after `flag` in the arguments, or `fallback`.
inline std::string argument(int argc, char** argv, const char* flag, const std::string& fallback) {
  for (int i = 1; i + 1 < argc; ++i)
    if (std::strcmp(argv[i], flag) == 0) return argv[i + 1];
  return fallback;
}

#ifdef TAPEDECK_BENCH_WITH_TORCH

inline torch::Tensor torchTensor(const HostTensor& t, bool requiresGrad = false) {
  torch::Tensor result =
      torch::from_blob(const_cast<float*>(t.values.data()), t.shape, torch::dtype(torch::kFloat32)).clone();
  if (requiresGrad) result.set_requires_grad(true);
  return result;
}

inline std::vector<float> torchValues(const torch::Tensor& t) {
  const torch::Tensor c = t.detach().contiguous();
  return std::vector<float>(c.data_ptr<float>(), c.data_ptr<float>() + c.numel());
}

#endif  // TAPEDECK_BENCH_WITH_TORCH

}  // namespace td::bench
