#pragma once
// What the CPU kernel tests share: deterministic inputs, running one kernel on
// preallocated outputs, and comparing values.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <utility>
#include <vector>

#include "tapedeck/backends/Backend.h"
#include "tapedeck/ops/Ops.h"

namespace td::kerneltest {

/// Deterministic values in [-1, 1).
inline std::vector<double> pseudoRandom(int64_t n, uint64_t seed) {
  std::vector<double> values(static_cast<std::size_t>(n));
  uint64_t state = seed * 6364136223846793005ULL + 1442695040888963407ULL;
  for (double& v : values) {
    state = state * 6364136223846793005ULL + 1442695040888963407ULL;
    v = static_cast<double>(state >> 11) / static_cast<double>(1ULL << 53) * 2.0 - 1.0;
  }
  return values;
}

inline int64_t numelOf(const IntList& shape) {
  int64_t n = 1;
  for (int64_t s : shape) n *= s;
  return n;
}

inline Tensor randomTensor(const IntList& shape, uint64_t seed, DType dtype = DType::Float64) {
  return fromVector(pseudoRandom(numelOf(shape), seed), shape, dtype);
}

/// Like randomTensor; int64 values are small integers.
inline Tensor valuesTensor(const IntList& shape, uint64_t seed, DType dtype) {
  if (dtype != DType::Int64) return randomTensor(shape, seed, dtype);
  std::vector<int64_t> values;
  for (double v : pseudoRandom(numelOf(shape), seed)) values.push_back(static_cast<int64_t>(std::lround(v * 10)));
  return fromVector(values, shape);
}

/// Runs `op` with preallocated outputs and returns them.
inline std::vector<Tensor> runOp(OpId op, std::vector<Tensor> inputs, std::vector<Tensor> outputs, const OpAttrs& attrs) {
  runKernel(op, inputs.data(), inputs.size(), outputs.data(), outputs.size(), attrs);
  return outputs;
}

inline Tensor runOne(OpId op, std::vector<Tensor> inputs, const Tensor& output, const OpAttrs& attrs = OpAttrs{}) {
  return runOp(op, std::move(inputs), {output}, attrs)[0];
}

inline void expectNear(const std::vector<double>& actual, const std::vector<double>& expected, double tolerance = 1e-10) {
  ASSERT_EQ(actual.size(), expected.size());
  for (std::size_t i = 0; i < actual.size(); ++i)
    EXPECT_NEAR(actual[i], expected[i], tolerance) << "at flat index " << i;
}

}  // namespace td::kerneltest
