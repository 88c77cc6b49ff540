// The CPU pooling kernels called directly through td::runKernel, against naive loops
// written here: max pooling (values and indices, first max wins, NaN wins, the float 2×2
// vector path) and average pooling with its backward.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>
#include <random>
#include <string>
#include <vector>

#include "CpuKernelTestSupport.h"

namespace td {
namespace {

using namespace kerneltest;

// --- pooling -------------------------------------------------------------------------

/// PyTorch's pooling output size, ceil mode included.
int64_t poolOutputSize(int64_t in, int64_t k, int64_t s, int64_t p, int64_t d, bool ceilMode) {
  const int64_t span = in + 2 * p - d * (k - 1) - 1;
  int64_t out = (ceilMode ? (span + s - 1) / s : span / s) + 1;
  if (ceilMode && (out - 1) * s >= in + p) --out;
  return out;
}

struct PoolCase {
  int64_t kH, kW, sH, sW, pH, pW, dH, dW;
  bool ceilMode;
};

const std::vector<PoolCase> kPoolCases = {
    {2, 2, 2, 2, 0, 0, 1, 1, false}, {3, 2, 2, 2, 1, 1, 1, 1, false}, {3, 3, 2, 2, 1, 1, 1, 1, true},
    {2, 3, 3, 2, 1, 1, 2, 1, true},  {3, 3, 1, 1, 1, 0, 1, 1, false}, {2, 2, 2, 2, 1, 1, 1, 1, true},
};

TEST(CpuPoolKernels, MaxPoolMatchesNaiveLoops) {
  const int64_t N = 2, C = 3, H = 7, W = 8;
  const Tensor x = randomTensor({N, C, H, W}, 8);
  const std::vector<double> xs = x.toVector();
  for (const PoolCase& p : kPoolCases) {
    SCOPED_TRACE("kernel " + std::to_string(p.kH) + "x" + std::to_string(p.kW) + " ceil " + std::to_string(p.ceilMode));
    const int64_t oH = poolOutputSize(H, p.kH, p.sH, p.pH, p.dH, p.ceilMode);
    const int64_t oW = poolOutputSize(W, p.kW, p.sW, p.pW, p.dW, p.ceilMode);
    OpAttrs attrs;
    attrs.ints = {p.kH, p.kW, p.sH, p.sW, p.pH, p.pW, p.dH, p.dW};
    attrs.ceilMode = p.ceilMode;
    const auto outs = runOp(OpId::MaxPool2d, {x}, {empty({N, C, oH, oW}, DType::Float64), empty({N, C, oH, oW}, DType::Int64)},
                            attrs);
    std::vector<double> values, indices;
    for (int64_t plane = 0; plane < N * C; ++plane)
      for (int64_t oy = 0; oy < oH; ++oy)
        for (int64_t ox = 0; ox < oW; ++ox) {
          double best = -std::numeric_limits<double>::infinity();
          int64_t bestIndex = -1;
          for (int64_t ky = 0; ky < p.kH; ++ky)
            for (int64_t kx = 0; kx < p.kW; ++kx) {
              const int64_t iy = oy * p.sH - p.pH + ky * p.dH, ix = ox * p.sW - p.pW + kx * p.dW;
              if (iy < 0 || iy >= H || ix < 0 || ix >= W) continue;
              const double v = xs[(plane * H + iy) * W + ix];
              if (bestIndex < 0 || v > best) best = v, bestIndex = iy * W + ix;
            }
          values.push_back(best);
          indices.push_back(static_cast<double>(bestIndex));
        }
    expectNear(outs[0].toVector(), values, 0.0);
    expectNear(outs[1].toVector(), indices, 0.0);
  }
}

TEST(CpuPoolKernels, MaxPoolFirstMaxWins) {
  const Tensor x = fromVector(std::vector<double>{1, 5, 5, 2, 5, 0}, {1, 1, 2, 3}, DType::Float64);
  OpAttrs attrs;
  attrs.ints = {2, 3, 2, 3, 0, 0, 1, 1};
  const auto outs = runOp(OpId::MaxPool2d, {x}, {empty({1, 1, 1, 1}, DType::Float64), empty({1, 1, 1, 1}, DType::Int64)}, attrs);
  EXPECT_EQ(outs[0].toVector()[0], 5.0);
  EXPECT_EQ(outs[1].toVector()[0], 1.0);
}

TEST(CpuPoolKernels, Float32TwoByTwoPoolingKeepsTiesNansAndInfinities) {
  // The 2×2, stride-2 float path works four windows at a time: ties (first max wins), NaNs
  // (a later NaN wins), infinities, rows long enough for vector groups and a scalar tail,
  // and an odd width and height (the last row and column are not pooled).
  const int64_t planes = 3, H = 7, W = 21, oH = 3, oW = 10;
  std::vector<double> xs(static_cast<std::size_t>(planes * H * W));
  const double nan = std::numeric_limits<double>::quiet_NaN(), inf = std::numeric_limits<double>::infinity();
  const double pool[] = {1.0, 2.0, 2.0, -1.0, nan, inf, -inf, 0.0, 2.0};
  std::mt19937 random(42);
  for (double& v : xs) v = pool[random() % 9];
  const Tensor x = fromVector(xs, {1, planes, H, W}, DType::Float64).to(DType::Float32);
  OpAttrs attrs;
  attrs.ints = {2, 2, 2, 2, 0, 0, 1, 1};
  const auto outs = runOp(OpId::MaxPool2d, {x},
                          {empty({1, planes, oH, oW}, DType::Float32), empty({1, planes, oH, oW}, DType::Int64)}, attrs);
  const std::vector<double> values = outs[0].toVector(), indices = outs[1].toVector();
  for (int64_t p = 0; p < planes; ++p)
    for (int64_t oy = 0; oy < oH; ++oy)
      for (int64_t ox = 0; ox < oW; ++ox) {
        const int64_t base = 2 * oy * W + 2 * ox;
        const int64_t candidates[4] = {base, base + 1, base + W, base + W + 1};
        double best = xs[p * H * W + base];
        int64_t bestIndex = base;
        for (int k = 1; k < 4; ++k) {
          const double v = xs[p * H * W + candidates[k]];
          if (v > best || std::isnan(v)) best = v, bestIndex = candidates[k];
        }
        const std::size_t o = static_cast<std::size_t>((p * oH + oy) * oW + ox);
        SCOPED_TRACE("plane " + std::to_string(p) + " output " + std::to_string(oy) + "," + std::to_string(ox));
        if (std::isnan(best))
          EXPECT_TRUE(std::isnan(values[o]));
        else
          EXPECT_EQ(values[o], best);
        EXPECT_EQ(indices[o], static_cast<double>(bestIndex));
      }
}

/// Naive average pooling as a matrix: weights[out][in] (PyTorch's divisor rule).
std::vector<std::vector<double>> avgPoolMatrix(int64_t H, int64_t W, const PoolCase& p, bool countIncludePad,
                                               int64_t oH, int64_t oW) {
  std::vector<std::vector<double>> m(static_cast<std::size_t>(oH * oW), std::vector<double>(H * W, 0.0));
  for (int64_t oy = 0; oy < oH; ++oy)
    for (int64_t ox = 0; ox < oW; ++ox) {
      const int64_t y0 = oy * p.sH - p.pH, x0 = ox * p.sW - p.pW;
      // The window, clipped to the padded input, counts padding when countIncludePad.
      const int64_t y1 = std::min(y0 + p.kH, H + p.pH), x1 = std::min(x0 + p.kW, W + p.pW);
      int64_t inside = 0;
      for (int64_t iy = y0; iy < y1; ++iy)
        for (int64_t ix = x0; ix < x1; ++ix) inside += (iy >= 0 && iy < H && ix >= 0 && ix < W);
      const int64_t divisor = countIncludePad ? (y1 - y0) * (x1 - x0) : inside;
      for (int64_t iy = y0; iy < y1; ++iy)
        for (int64_t ix = x0; ix < x1; ++ix)
          if (iy >= 0 && iy < H && ix >= 0 && ix < W) m[oy * oW + ox][iy * W + ix] = 1.0 / static_cast<double>(divisor);
    }
  return m;
}

TEST(CpuPoolKernels, AvgPoolAndItsBackwardMatchNaiveLoops) {
  const int64_t N = 2, C = 2, H = 7, W = 6;
  const Tensor x = randomTensor({N, C, H, W}, 9);
  const std::vector<double> xs = x.toVector();
  for (const PoolCase& p : kPoolCases) {
    if (p.dH != 1 || p.dW != 1) continue;  // avg pooling has no dilation
    for (bool countIncludePad : {true, false}) {
      SCOPED_TRACE("kernel " + std::to_string(p.kH) + "x" + std::to_string(p.kW) + " ceil " +
                   std::to_string(p.ceilMode) + " countIncludePad " + std::to_string(countIncludePad));
      const int64_t oH = poolOutputSize(H, p.kH, p.sH, p.pH, 1, p.ceilMode);
      const int64_t oW = poolOutputSize(W, p.kW, p.sW, p.pW, 1, p.ceilMode);
      OpAttrs attrs;
      attrs.ints = {p.kH, p.kW, p.sH, p.sW, p.pH, p.pW};
      attrs.ceilMode = p.ceilMode;
      attrs.countIncludePad = countIncludePad;
      attrs.ints2 = x.shape();
      const Tensor y = runOne(OpId::AvgPool2d, {x}, empty({N, C, oH, oW}, DType::Float64), attrs);
      const Tensor gy = randomTensor({N, C, oH, oW}, 10);
      const Tensor dx = runOne(OpId::AvgPool2dBackward, {gy}, empty(x.shape(), DType::Float64), attrs);

      const auto m = avgPoolMatrix(H, W, p, countIncludePad, oH, oW);
      const std::vector<double> gys = gy.toVector();
      std::vector<double> yExpected, dxExpected(xs.size(), 0.0);
      for (int64_t plane = 0; plane < N * C; ++plane)
        for (int64_t o = 0; o < oH * oW; ++o) {
          double sum = 0.0;
          for (int64_t i = 0; i < H * W; ++i) {
            sum += m[o][i] * xs[plane * H * W + i];
            dxExpected[plane * H * W + i] += m[o][i] * gys[plane * oH * oW + o];
          }
          yExpected.push_back(sum);
        }
      expectNear(y.toVector(), yExpected);
      expectNear(dx.toVector(), dxExpected);
    }
  }
}

}  // namespace
}  // namespace td
