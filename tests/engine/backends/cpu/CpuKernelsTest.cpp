// The CPU kernels called directly through td::runKernel on small tensors, each against
// a naive loop written here: conv2d and its adjoints, matmul with transposed and
// expanded operands, reductions, indexing, cat, slice_backward, a few elementwise.
// Pooling: CpuPoolKernelsTest.cpp.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>
#include <string>
#include <utility>
#include <vector>

#include "CpuKernelTestSupport.h"

namespace td {
namespace {

using namespace kerneltest;

// --- conv2d --------------------------------------------------------------------------

struct ConvCase {
  int64_t N, C, H, W, O, kH, kW, sH, sW, pH, pW, dH, dW, groups;
  int64_t oH() const { return (H + 2 * pH - dH * (kH - 1) - 1) / sH + 1; }
  int64_t oW() const { return (W + 2 * pW - dW * (kW - 1) - 1) / sW + 1; }
  OpAttrs attrs() const {
    OpAttrs a;
    a.ints = {sH, sW, pH, pW, dH, dW};
    a.groups = groups;
    return a;
  }
};

/// Calls f(n, o, oy, ox, c, ky, kx, xIndex, wIndex, yIndex) for every in-range tap.
template <typename F>
void forEachConvTap(const ConvCase& k, F f) {
  const int64_t Cg = k.C / k.groups, Og = k.O / k.groups;
  for (int64_t n = 0; n < k.N; ++n)
    for (int64_t o = 0; o < k.O; ++o)
      for (int64_t oy = 0; oy < k.oH(); ++oy)
        for (int64_t ox = 0; ox < k.oW(); ++ox)
          for (int64_t c = 0; c < Cg; ++c)
            for (int64_t ky = 0; ky < k.kH; ++ky)
              for (int64_t kx = 0; kx < k.kW; ++kx) {
                const int64_t iy = oy * k.sH - k.pH + ky * k.dH, ix = ox * k.sW - k.pW + kx * k.dW;
                if (iy < 0 || iy >= k.H || ix < 0 || ix >= k.W) continue;
                const int64_t channel = (o / Og) * Cg + c;
                f(((n * k.C + channel) * k.H + iy) * k.W + ix, ((o * Cg + c) * k.kH + ky) * k.kW + kx,
                  ((n * k.O + o) * k.oH() + oy) * k.oW() + ox);
              }
}

const std::vector<ConvCase> kConvCases = {
    {2, 4, 7, 6, 6, 3, 2, 2, 1, 1, 2, 1, 2, 2},  // stride, padding, dilation, groups
    {1, 3, 5, 5, 4, 3, 3, 1, 1, 1, 1, 1, 1, 1},  // "same" 3x3
    {2, 3, 4, 5, 5, 1, 1, 1, 1, 0, 0, 1, 1, 1},  // pointwise (no im2col)
    {1, 4, 6, 6, 8, 3, 3, 2, 2, 0, 0, 1, 1, 4},  // depthwise-style, 2 filters per channel
    {2, 2, 3, 3, 2, 2, 2, 3, 3, 2, 2, 2, 2, 1},  // stride > kernel, big padding
};

TEST(CpuConvKernels, ForwardMatchesNaiveLoops) {
  for (const ConvCase& k : kConvCases) {
    SCOPED_TRACE("case N=" + std::to_string(k.N) + " C=" + std::to_string(k.C) + " groups=" + std::to_string(k.groups));
    // x is given as a permuted (non-contiguous) view to exercise the kernel's local copy.
    const Tensor xNhwc = randomTensor({k.N, k.H, k.W, k.C}, 1);
    const Tensor x = xNhwc.permute({0, 3, 1, 2});
    const Tensor w = randomTensor({k.O, k.C / k.groups, k.kH, k.kW}, 2);
    const Tensor y = runOne(OpId::Conv2d, {x, w}, empty({k.N, k.O, k.oH(), k.oW()}, DType::Float64), k.attrs());

    const std::vector<double> xs = x.contiguous().toVector(), ws = w.toVector();
    std::vector<double> expected(static_cast<std::size_t>(numelOf(y.shape())), 0.0);
    forEachConvTap(k, [&](int64_t xi, int64_t wi, int64_t yi) { expected[yi] += xs[xi] * ws[wi]; });
    expectNear(y.toVector(), expected);
  }
}

TEST(CpuConvKernels, BackwardKernelsAreTheNaiveAdjoints) {
  for (const ConvCase& k : kConvCases) {
    SCOPED_TRACE("case N=" + std::to_string(k.N) + " C=" + std::to_string(k.C) + " groups=" + std::to_string(k.groups));
    const Tensor x = randomTensor({k.N, k.C, k.H, k.W}, 3);
    const Tensor w = randomTensor({k.O, k.C / k.groups, k.kH, k.kW}, 4);
    const Tensor gy = randomTensor({k.N, k.O, k.oH(), k.oW()}, 5);
    OpAttrs attrs = k.attrs();

    attrs.ints2 = x.shape();
    const Tensor dx = runOne(OpId::ConvTranspose2d, {gy, w}, empty(x.shape(), DType::Float64), attrs);
    attrs.ints2 = w.shape();
    const Tensor dw = runOne(OpId::Conv2dBackwardWeight, {gy, x}, empty(w.shape(), DType::Float64), attrs);

    const std::vector<double> xs = x.toVector(), ws = w.toVector(), gys = gy.toVector();
    std::vector<double> dxExpected(xs.size(), 0.0), dwExpected(ws.size(), 0.0);
    forEachConvTap(k, [&](int64_t xi, int64_t wi, int64_t yi) {
      dxExpected[xi] += gys[yi] * ws[wi];
      dwExpected[wi] += gys[yi] * xs[xi];
    });
    expectNear(dx.toVector(), dxExpected);
    expectNear(dw.toVector(), dwExpected);
  }
}

TEST(CpuConvKernels, Float32Forward) {
  const ConvCase k = kConvCases[0];
  const Tensor x = randomTensor({k.N, k.C, k.H, k.W}, 6, DType::Float32);
  const Tensor w = randomTensor({k.O, k.C / k.groups, k.kH, k.kW}, 7, DType::Float32);
  const Tensor y = runOne(OpId::Conv2d, {x, w}, empty({k.N, k.O, k.oH(), k.oW()}, DType::Float32), k.attrs());
  const std::vector<double> xs = x.toVector(), ws = w.toVector();
  std::vector<double> expected(static_cast<std::size_t>(numelOf(y.shape())), 0.0);
  forEachConvTap(k, [&](int64_t xi, int64_t wi, int64_t yi) { expected[yi] += xs[xi] * ws[wi]; });
  expectNear(y.toVector(), expected, 1e-5);
}

// --- matmul --------------------------------------------------------------------------

/// Naive batched product of row-major [B, M, K] and [B, K, N] value arrays.
std::vector<double> naiveMatmul(const std::vector<double>& a, const std::vector<double>& b, int64_t B, int64_t M,
                                int64_t K, int64_t N) {
  std::vector<double> out(static_cast<std::size_t>(B * M * N), 0.0);
  for (int64_t p = 0; p < B; ++p)
    for (int64_t i = 0; i < M; ++i)
      for (int64_t j = 0; j < N; ++j)
        for (int64_t k = 0; k < K; ++k) out[(p * M + i) * N + j] += a[(p * M + i) * K + k] * b[(p * K + k) * N + j];
  return out;
}

TEST(CpuMatmulKernel, TransposedOperandsAreReadInPlace) {
  for (DType dtype : {DType::Float32, DType::Float64, DType::Int64}) {
    SCOPED_TRACE(dtypeName(dtype));
    const Tensor a = valuesTensor({4, 3}, 11, dtype).transpose(0, 1);  // [3, 4], column-major
    const Tensor b = valuesTensor({5, 4}, 12, dtype).transpose(0, 1);  // [4, 5], column-major
    const Tensor out = runOne(OpId::Matmul, {a, b}, empty({3, 5}, dtype));
    const double tolerance = dtype == DType::Float32 ? 1e-5 : 1e-12;
    expectNear(out.toVector(), naiveMatmul(a.contiguous().toVector(), b.contiguous().toVector(), 1, 3, 4, 5), tolerance);
    // One operand transposed, the other row-major.
    const Tensor c = valuesTensor({4, 5}, 13, dtype);
    const Tensor out2 = runOne(OpId::Matmul, {a, c}, empty({3, 5}, dtype));
    expectNear(out2.toVector(), naiveMatmul(a.contiguous().toVector(), c.toVector(), 1, 3, 4, 5), tolerance);
  }
}

TEST(CpuMatmulKernel, ExpandedBatchDims) {
  const Tensor a = randomTensor({2, 3, 4}, 13);
  const Tensor weight = randomTensor({5, 4}, 14);
  // b = weight.T expanded over the batch (stride 0), as linear() builds it.
  const Tensor b = weight.transpose(0, 1).unsqueeze(0).expand({2, 4, 5});
  const Tensor out = runOne(OpId::Matmul, {a, b}, empty({2, 3, 5}, DType::Float64));
  expectNear(out.toVector(), naiveMatmul(a.toVector(), b.contiguous().toVector(), 2, 3, 4, 5));

  // a expanded over the batch, b batched and transposed.
  const Tensor a2 = randomTensor({3, 4}, 15).unsqueeze(0).expand({2, 3, 4});
  const Tensor b2 = randomTensor({2, 5, 4}, 16).transpose(1, 2);
  const Tensor out2 = runOne(OpId::Matmul, {a2, b2}, empty({2, 3, 5}, DType::Float64));
  expectNear(out2.toVector(), naiveMatmul(a2.contiguous().toVector(), b2.contiguous().toVector(), 2, 3, 4, 5));
}

TEST(CpuMatmulKernel, StridedOperandsAreCopied) {
  // Every other row and column: neither row- nor column-contiguous.
  const Tensor a = randomTensor({6, 8}, 17).slice(0, 0, 6, 2).slice(1, 0, 8, 2);  // [3, 4]
  const Tensor b = randomTensor({4, 5}, 18);
  const Tensor out = runOne(OpId::Matmul, {a, b}, empty({3, 5}, DType::Float64));
  expectNear(out.toVector(), naiveMatmul(a.contiguous().toVector(), b.toVector(), 1, 3, 4, 5));
}

TEST(CpuMatmulKernel, EmptyInnerDimGivesZeros) {
  const Tensor out = runOne(OpId::Matmul, {zeros({2, 0}, DType::Float64), zeros({0, 3}, DType::Float64)},
                            fromVector(std::vector<double>(6, 7.0), {2, 3}, DType::Float64));
  expectNear(out.toVector(), std::vector<double>(6, 0.0));
}

// --- reductions ----------------------------------------------------------------------

TEST(CpuReduceKernels, SumAmaxAminOverSeveralDims) {
  // x is a permuted view: [3, 4, 5] read through strides of a [5, 3, 4] tensor.
  const Tensor x = randomTensor({5, 3, 4}, 19).permute({1, 2, 0});
  const std::vector<double> xs = x.contiguous().toVector();
  auto at = [&](int64_t i, int64_t j, int64_t k) { return xs[(i * 4 + j) * 5 + k]; };
  OpAttrs attrs;
  attrs.ints = {0, 2};
  const Tensor sum = runOne(OpId::Sum, {x}, empty({4}, DType::Float64), attrs);
  const Tensor amax = runOne(OpId::Amax, {x}, empty({1, 4, 1}, DType::Float64), attrs);
  const Tensor amin = runOne(OpId::Amin, {x}, empty({4}, DType::Float64), attrs);
  std::vector<double> sums(4, 0.0), maxes(4, -1e9), mins(4, 1e9);
  for (int64_t i = 0; i < 3; ++i)
    for (int64_t j = 0; j < 4; ++j)
      for (int64_t k = 0; k < 5; ++k) {
        sums[j] += at(i, j, k);
        maxes[j] = std::max(maxes[j], at(i, j, k));
        mins[j] = std::min(mins[j], at(i, j, k));
      }
  expectNear(sum.toVector(), sums);
  expectNear(amax.toVector(), maxes, 0.0);
  expectNear(amin.toVector(), mins, 0.0);

  attrs.ints = {0, 1, 2};
  const Tensor total = runOne(OpId::Sum, {x.to(DType::Float32)}, empty({}, DType::Float32), attrs);
  double expected = 0.0;
  for (double v : xs) expected += static_cast<float>(v);
  EXPECT_NEAR(total.toVector()[0], expected, 1e-5);

  attrs.ints = {1};
  const Tensor rowSums =
      runOne(OpId::Sum, {fromVector(std::vector<int64_t>{1, 2, 3, 4, 5, 6}, {2, 3})}, empty({2}, DType::Int64), attrs);
  expectNear(rowSums.toVector(), {6, 15}, 0.0);
}

TEST(CpuReduceKernels, EmptyReductions) {
  OpAttrs attrs;
  attrs.ints = {1};
  const Tensor sum = runOne(OpId::Sum, {zeros({3, 0}, DType::Float64)}, empty({3}, DType::Float64), attrs);
  expectNear(sum.toVector(), {0, 0, 0}, 0.0);
  EXPECT_THROW(runOne(OpId::Amax, {zeros({3, 0}, DType::Float64)}, empty({3}, DType::Float64), attrs), Error);
  EXPECT_THROW(runOne(OpId::Argmin, {zeros({3, 0}, DType::Float64)}, empty({3}, DType::Int64), attrs), Error);
}

TEST(CpuReduceKernels, ArgmaxArgminFirstOccurrenceAndNan) {
  const double nan = std::numeric_limits<double>::quiet_NaN();
  const Tensor x = fromVector(std::vector<double>{1, 3, 3, 0, 2, -1, 2, -1, 5, nan, 7, nan}, {2, 2, 3}, DType::Float64);
  OpAttrs attrs;
  attrs.ints = {2};
  expectNear(runOne(OpId::Argmax, {x}, empty({2, 2}, DType::Int64), attrs).toVector(), {1, 1, 2, 0}, 0.0);
  expectNear(runOne(OpId::Argmin, {x}, empty({2, 2}, DType::Int64), attrs).toVector(), {0, 2, 1, 0}, 0.0);
  attrs.ints = {0, 2};
  const std::vector<double> amax = runOne(OpId::Amax, {x}, empty({2}, DType::Float64), attrs).toVector();
  EXPECT_EQ(amax[0], 5.0);
  EXPECT_TRUE(std::isnan(amax[1]));
}

// --- indexing ------------------------------------------------------------------------

TEST(CpuIndexKernels, GatherAndScatterAddMatchNaiveLoops) {
  const Tensor x = randomTensor({3, 4}, 20);
  const std::vector<double> xs = x.toVector();
  const Tensor index = fromVector(std::vector<int64_t>{2, 0, 1, 3, 3, 1, 0, 0}, {2, 4});
  OpAttrs attrs;
  attrs.dim = 1;
  // Along dim 1, index [2, 4] picks within each of x's first 2 rows.
  const Tensor gathered = runOne(OpId::Gather, {x, index}, empty({2, 4}, DType::Float64), attrs);
  const std::vector<int64_t> idx = {2, 0, 1, 3, 3, 1, 0, 0};
  std::vector<double> expected;
  for (int64_t i = 0; i < 2; ++i)
    for (int64_t j = 0; j < 4; ++j) expected.push_back(xs[i * 4 + idx[i * 4 + j]]);
  expectNear(gathered.toVector(), expected, 0.0);

  attrs.dim = 0;
  const Tensor index0 = fromVector(std::vector<int64_t>{2, 0, 2, 1, 2, 2, 0, 1}, {2, 4});
  const Tensor src = randomTensor({2, 4}, 21);
  const Tensor scattered = runOne(OpId::ScatterAdd, {x, index0, src}, empty({3, 4}, DType::Float64), attrs);
  std::vector<double> scatterExpected = xs;
  const std::vector<double> srcs = src.toVector();
  const std::vector<int64_t> idx0 = {2, 0, 2, 1, 2, 2, 0, 1};
  for (int64_t i = 0; i < 2; ++i)
    for (int64_t j = 0; j < 4; ++j) scatterExpected[idx0[i * 4 + j] * 4 + j] += srcs[i * 4 + j];
  expectNear(scattered.toVector(), scatterExpected);
}

TEST(CpuIndexKernels, IndexSelectAndIndexAdd) {
  const Tensor x = randomTensor({4, 3}, 22).transpose(0, 1);  // [3, 4], non-contiguous
  const std::vector<double> xs = x.contiguous().toVector();
  const Tensor index = fromVector(std::vector<int64_t>{3, 0, 3});
  OpAttrs attrs;
  attrs.dim = 1;
  const Tensor selected = runOne(OpId::IndexSelect, {x, index}, empty({3, 3}, DType::Float64), attrs);
  std::vector<double> expected;
  for (int64_t i = 0; i < 3; ++i)
    for (int64_t j : {3, 0, 3}) expected.push_back(xs[i * 4 + j]);
  expectNear(selected.toVector(), expected, 0.0);

  const Tensor src = randomTensor({3, 3}, 23);
  const Tensor added = runOne(OpId::IndexAdd, {x, index, src}, empty({3, 4}, DType::Float64), attrs);
  std::vector<double> addExpected = xs;
  const std::vector<double> srcs = src.toVector();
  const int64_t idx[3] = {3, 0, 3};
  for (int64_t i = 0; i < 3; ++i)
    for (int64_t k = 0; k < 3; ++k) addExpected[i * 4 + idx[k]] += srcs[i * 3 + k];
  expectNear(added.toVector(), addExpected);
}

TEST(CpuIndexKernels, OutOfRangeIndexNamesOpAndValue) {
  const Tensor x = randomTensor({3, 4}, 24);
  OpAttrs attrs;
  attrs.dim = 1;
  try {
    runOne(OpId::Gather, {x, fromVector(std::vector<int64_t>{0, 7}, {1, 2})}, empty({1, 2}, DType::Float64), attrs);
    FAIL() << "expected td::Error";
  } catch (const Error& e) {
    const std::string message = e.what();
    EXPECT_NE(message.find("gather"), std::string::npos) << message;
    EXPECT_NE(message.find("index 7"), std::string::npos) << message;
    EXPECT_NE(message.find("size 4"), std::string::npos) << message;
  }
  attrs.dim = 0;
  EXPECT_THROW(runOne(OpId::IndexSelect, {x, fromVector(std::vector<int64_t>{-1})}, empty({1, 4}, DType::Float64), attrs),
               Error);
}

// --- copies --------------------------------------------------------------------------

TEST(CpuCopyKernels, CatAlongAMiddleDim) {
  const Tensor a = randomTensor({2, 1, 3}, 25);
  const Tensor bView = randomTensor({2, 3, 2}, 27).permute({0, 2, 1});  // [2, 2, 3], non-contiguous
  const Tensor c = zeros({2, 0, 3}, DType::Float64);
  OpAttrs attrs;
  attrs.dim = 1;
  const Tensor out = runOne(OpId::Cat, {a, bView, c}, empty({2, 3, 3}, DType::Float64), attrs);
  const std::vector<double> as = a.toVector(), bs = bView.contiguous().toVector();
  std::vector<double> expected;
  for (int64_t i = 0; i < 2; ++i) {
    for (int64_t k = 0; k < 3; ++k) expected.push_back(as[i * 3 + k]);
    for (int64_t j = 0; j < 2; ++j)
      for (int64_t k = 0; k < 3; ++k) expected.push_back(bs[(i * 2 + j) * 3 + k]);
  }
  expectNear(out.toVector(), expected, 0.0);
}

TEST(CpuCopyKernels, SliceBackwardScattersIntoZeros) {
  const Tensor grad = randomTensor({2, 3}, 28);
  OpAttrs attrs;
  attrs.ints = {2, 7};
  attrs.dim = 1;
  attrs.start = 1;
  attrs.end = 6;
  attrs.step = 2;
  const Tensor out = runOne(OpId::SliceBackward, {grad}, empty({2, 7}, DType::Float64), attrs);
  const std::vector<double> gs = grad.toVector();
  std::vector<double> expected(14, 0.0);
  for (int64_t i = 0; i < 2; ++i)
    for (int64_t j = 0; j < 3; ++j) expected[i * 7 + 1 + 2 * j] = gs[i * 3 + j];
  expectNear(out.toVector(), expected, 0.0);
}

TEST(CpuCopyKernels, CastAndCopyInto) {
  const Tensor x = fromVector(std::vector<double>{0.0, -2.5, 3.75, 1e-300}, {2, 2}, DType::Float64);
  OpAttrs attrs;
  attrs.dtype = DType::Bool;
  expectNear(runOne(OpId::Cast, {x}, empty({2, 2}, DType::Bool), attrs).toVector(), {0, 1, 1, 1}, 0.0);
  attrs.dtype = DType::Int64;
  expectNear(runOne(OpId::Cast, {x.transpose(0, 1)}, empty({2, 2}, DType::Int64), attrs).toVector(), {0, 3, -2, 0}, 0.0);

  // Overlapping source and destination: an in-place transpose reads before it writes.
  const Tensor square = fromVector(std::vector<double>{1, 2, 3, 4}, {2, 2}, DType::Float64);
  copyInto(square, square.transpose(0, 1));
  expectNear(square.toVector(), {1, 3, 2, 4}, 0.0);
}

// --- elementwise ---------------------------------------------------------------------

TEST(CpuElementwiseKernels, BroadcastBinaryAndNanRules) {
  const double nan = std::numeric_limits<double>::quiet_NaN();
  const Tensor a = fromVector(std::vector<double>{1, nan, 3}, {1, 3}, DType::Float64).expand({2, 3});
  const Tensor b = fromVector(std::vector<double>{2, 0}, {2, 1}, DType::Float64).expand({2, 3});
  const std::vector<double> maxes = runOne(OpId::Maximum, {a, b}, empty({2, 3}, DType::Float64)).toVector();
  EXPECT_EQ(maxes[0], 2.0);
  EXPECT_TRUE(std::isnan(maxes[1]));
  EXPECT_EQ(maxes[2], 3.0);
  EXPECT_EQ(maxes[3], 1.0);
  expectNear(runOne(OpId::Lt, {a, b}, empty({2, 3}, DType::Bool)).toVector(), {1, 0, 0, 0, 0, 0}, 0.0);
  const std::vector<double> sums = runOne(OpId::Add, {a, b}, empty({2, 3}, DType::Float64)).toVector();
  EXPECT_EQ(sums[5], 3.0);
}

TEST(CpuElementwiseKernels, SigmoidIsStableAndClampFollowsPyTorch) {
  const Tensor x = fromVector(std::vector<double>{-1000, -1, 0, 1, 1000}, {5}, DType::Float64);
  const std::vector<double> s = runOne(OpId::Sigmoid, {x}, empty({5}, DType::Float64)).toVector();
  expectNear(s, {0.0, 1 / (1 + std::exp(1.0)), 0.5, 1 / (1 + std::exp(-1.0)), 1.0}, 1e-15);
  OpAttrs attrs;
  attrs.hasMin = true;
  attrs.scalar = -0.5;
  attrs.hasMax = true;
  attrs.scalar2 = 2;
  expectNear(runOne(OpId::Clamp, {x}, empty({5}, DType::Float64), attrs).toVector(), {-0.5, -0.5, 0, 1, 2}, 0.0);
  attrs.scalar = 3.0;
  attrs.hasMax = true;  // min > max: everything becomes max
  expectNear(runOne(OpId::Clamp, {x}, empty({5}, DType::Float64), attrs).toVector(), {2, 2, 2, 2, 2}, 0.0);
}

TEST(CpuElementwiseKernels, EmptyTensorsAreFine) {
  const Tensor x = zeros({0, 3}, DType::Float64);
  EXPECT_NO_THROW(runOne(OpId::Exp, {x}, empty({0, 3}, DType::Float64)));
  EXPECT_NO_THROW(runOne(OpId::Add, {x, x}, empty({0, 3}, DType::Float64)));
  EXPECT_NO_THROW(runOne(OpId::Matmul, {zeros({0, 3}, DType::Float64), zeros({3, 2}, DType::Float64)},
                         empty({0, 2}, DType::Float64)));
}

}  // namespace
}  // namespace td
