// CPU 2-d convolution and its two backward kernels, by im2col + GEMM per (image, group).
// attrs.ints = {sH, sW, pH, pW, dH, dW}; attrs.groups. float32 and float64.
#include <algorithm>
#include <cstdint>
#include <utility>
#include <vector>

#include "CpuLoops.h"
#include "tapedeck/backends/Backend.h"
#include "tapedeck/core/Parallel.h"

namespace td {
namespace {

using cpu::detail::contiguousData;
using cpu::detail::gemm;

/// Sizes of one convolution. K and L are the im2col matrix's rows and columns.
struct ConvGeometry {
  int64_t N, C, H, W;   // input
  int64_t O, kH, kW;    // weight [O, C/groups, kH, kW]
  int64_t oH, oW;       // output
  int64_t sH, sW, pH, pW, dH, dW;
  int64_t groups, Cg, Og;
  int64_t K() const { return Cg * kH * kW; }
  int64_t L() const { return oH * oW; }
  /// The im2col matrix is the input plane itself.
  bool isPointwise() const {
    return kH == 1 && kW == 1 && sH == 1 && sW == 1 && pH == 0 && pW == 0 && oH == H && oW == W;
  }
};

ConvGeometry makeGeometry(const char* name, const OpAttrs& attrs, const IntList& xShape, const IntList& wShape,
                          const IntList& yShape) {
  TD_ASSERT(attrs.ints.size() == 6, name, ": expected ints = {sH, sW, pH, pW, dH, dW}");
  TD_ASSERT(xShape.size() == 4 && wShape.size() == 4 && yShape.size() == 4, name, ": expected 4-d tensors");
  ConvGeometry g{};
  g.N = xShape[0], g.C = xShape[1], g.H = xShape[2], g.W = xShape[3];
  g.O = wShape[0], g.kH = wShape[2], g.kW = wShape[3];
  g.oH = yShape[2], g.oW = yShape[3];
  g.sH = attrs.ints[0], g.sW = attrs.ints[1], g.pH = attrs.ints[2], g.pW = attrs.ints[3];
  g.dH = attrs.ints[4], g.dW = attrs.ints[5];
  g.groups = attrs.groups;
  TD_ASSERT(g.groups >= 1 && g.C % g.groups == 0 && g.O % g.groups == 0, name, ": bad groups");
  g.Cg = g.C / g.groups;
  g.Og = g.O / g.groups;
  TD_ASSERT(wShape[1] == g.Cg && yShape[0] == g.N && yShape[1] == g.O, name, ": shapes do not match");
  TD_ASSERT(g.oH == (g.H + 2 * g.pH - g.dH * (g.kH - 1) - 1) / g.sH + 1 &&
                g.oW == (g.W + 2 * g.pW - g.dW * (g.kW - 1) - 1) / g.sW + 1,
            name, ": output size does not match the geometry");
  return g;
}

/// The output columns ox whose input column ix = ox*sW + off lies inside [0, W).
inline std::pair<int64_t, int64_t> validColumns(int64_t off, int64_t sW, int64_t W, int64_t oW) {
  int64_t lo = off >= 0 ? 0 : (-off + sW - 1) / sW;
  int64_t hi = W - 1 - off < 0 ? 0 : (W - 1 - off) / sW + 1;
  lo = std::min(lo, oW);
  hi = std::max(lo, std::min(hi, oW));
  return {lo, hi};
}

/// col [Cg*kH*kW, oH*oW] from one group's input planes x [Cg, H, W]; padding reads 0.
template <typename T>
void im2col(const ConvGeometry& g, const T* x, T* col) {
  const int64_t L = g.L();
  // Channels are independent: split them across the pool (BLAS runs later, on the caller).
  const int64_t grain = std::max<int64_t>(1, cpu::detail::kElementwiseGrain / std::max<int64_t>(1, g.kH * g.kW * L));
  ::td::detail::parallelFor(0, g.Cg, grain, [&](int64_t c0, int64_t c1) {
  for (int64_t c = c0; c < c1; ++c)
    for (int64_t ky = 0; ky < g.kH; ++ky)
      for (int64_t kx = 0; kx < g.kW; ++kx) {
        T* row = col + ((c * g.kH + ky) * g.kW + kx) * L;
        const T* plane = x + c * g.H * g.W;
        const int64_t off = kx * g.dW - g.pW;
        const auto [lo, hi] = validColumns(off, g.sW, g.W, g.oW);
        for (int64_t oy = 0; oy < g.oH; ++oy) {
          const int64_t iy = oy * g.sH - g.pH + ky * g.dH;
          T* dst = row + oy * g.oW;
          if (iy < 0 || iy >= g.H) {
            std::fill(dst, dst + g.oW, T(0));
            continue;
          }
          const T* src = plane + iy * g.W + off;
          std::fill(dst, dst + lo, T(0));
          if (g.sW == 1)
            std::copy(src + lo, src + hi, dst + lo);
          else
            for (int64_t ox = lo; ox < hi; ++ox) dst[ox] = src[ox * g.sW];
          std::fill(dst + hi, dst + g.oW, T(0));
        }
      }
  });
}

/// The adjoint of im2col: adds col's entries back into x [Cg, H, W].
template <typename T>
void col2imAdd(const ConvGeometry& g, const T* col, T* x) {
  const int64_t L = g.L();
  // Each channel adds into its own plane only, so channels split across the pool safely.
  const int64_t grain = std::max<int64_t>(1, cpu::detail::kElementwiseGrain / std::max<int64_t>(1, g.kH * g.kW * L));
  ::td::detail::parallelFor(0, g.Cg, grain, [&](int64_t c0, int64_t c1) {
  for (int64_t c = c0; c < c1; ++c)
    for (int64_t ky = 0; ky < g.kH; ++ky)
      for (int64_t kx = 0; kx < g.kW; ++kx) {
        const T* row = col + ((c * g.kH + ky) * g.kW + kx) * L;
        T* plane = x + c * g.H * g.W;
        const int64_t off = kx * g.dW - g.pW;
        const auto [lo, hi] = validColumns(off, g.sW, g.W, g.oW);
        for (int64_t oy = 0; oy < g.oH; ++oy) {
          const int64_t iy = oy * g.sH - g.pH + ky * g.dH;
          if (iy < 0 || iy >= g.H) continue;
          const T* src = row + oy * g.oW;
          T* dst = plane + iy * g.W + off;
          if (g.sW == 1)
            for (int64_t ox = lo; ox < hi; ++ox) dst[ox] += src[ox];
          else
            for (int64_t ox = lo; ox < hi; ++ox) dst[ox * g.sW] += src[ox];
        }
      }
  });
}

template <typename T>
void convForward(const KernelContext& ctx) {
  const Tensor& out = ctx.out();
  const ConvGeometry g = makeGeometry("conv2d", ctx.attrs, ctx.in(0).shape(), ctx.in(1).shape(), out.shape());
  if (out.numel() == 0) return;
  std::vector<T> xScratch, wScratch, col;
  const T* x = contiguousData(ctx.in(0), xScratch);
  const T* w = contiguousData(ctx.in(1), wScratch);
  T* y = out.data<T>();
  const int64_t K = g.K(), L = g.L();
  const bool pointwise = g.isPointwise();
  if (!pointwise) col.resize(static_cast<std::size_t>(K * L));
  for (int64_t n = 0; n < g.N; ++n)
    for (int64_t grp = 0; grp < g.groups; ++grp) {
      const T* xg = x + (n * g.C + grp * g.Cg) * g.H * g.W;
      if (!pointwise) im2col(g, xg, col.data());
      // y_g [Og, L] = w_g [Og, K] @ col [K, L]
      gemm(false, false, g.Og, L, K, T(1), w + grp * g.Og * K, K, pointwise ? xg : col.data(), L, T(0),
           y + (n * g.O + grp * g.Og) * L, L);
    }
}

template <typename T>
void convBackwardInput(const KernelContext& ctx) {
  const Tensor& out = ctx.out();
  TD_ASSERT(ctx.attrs.ints2 == out.shape(), "conv_transpose2d: output shape differs from ints2");
  const ConvGeometry g =
      makeGeometry("conv_transpose2d", ctx.attrs, out.shape(), ctx.in(1).shape(), ctx.in(0).shape());
  if (out.numel() == 0) return;
  T* dx = out.data<T>();
  std::fill(dx, dx + out.numel(), T(0));
  if (ctx.in(0).numel() == 0) return;
  std::vector<T> gradScratch, wScratch, col;
  const T* dy = contiguousData(ctx.in(0), gradScratch);
  const T* w = contiguousData(ctx.in(1), wScratch);
  const int64_t K = g.K(), L = g.L();
  const bool pointwise = g.isPointwise();
  if (!pointwise) col.resize(static_cast<std::size_t>(K * L));
  for (int64_t n = 0; n < g.N; ++n)
    for (int64_t grp = 0; grp < g.groups; ++grp) {
      T* dxg = dx + (n * g.C + grp * g.Cg) * g.H * g.W;
      // col [K, L] = w_g^T [K, Og] @ dy_g [Og, L], then scattered back onto the planes.
      gemm(true, false, K, L, g.Og, T(1), w + grp * g.Og * K, K, dy + (n * g.O + grp * g.Og) * L, L, T(0),
           pointwise ? dxg : col.data(), L);
      if (!pointwise) col2imAdd(g, col.data(), dxg);
    }
}

template <typename T>
void convBackwardWeight(const KernelContext& ctx) {
  const Tensor& out = ctx.out();
  TD_ASSERT(ctx.attrs.ints2 == out.shape(), "conv2d_backward_weight: output shape differs from ints2");
  const ConvGeometry g =
      makeGeometry("conv2d_backward_weight", ctx.attrs, ctx.in(1).shape(), out.shape(), ctx.in(0).shape());
  if (out.numel() == 0) return;
  T* dw = out.data<T>();
  std::fill(dw, dw + out.numel(), T(0));
  if (ctx.in(0).numel() == 0) return;
  std::vector<T> gradScratch, xScratch, col;
  const T* dy = contiguousData(ctx.in(0), gradScratch);
  const T* x = contiguousData(ctx.in(1), xScratch);
  const int64_t K = g.K(), L = g.L();
  const bool pointwise = g.isPointwise();
  if (!pointwise) col.resize(static_cast<std::size_t>(K * L));
  for (int64_t n = 0; n < g.N; ++n)
    for (int64_t grp = 0; grp < g.groups; ++grp) {
      const T* xg = x + (n * g.C + grp * g.Cg) * g.H * g.W;
      if (!pointwise) im2col(g, xg, col.data());
      // dw_g [Og, K] += dy_g [Og, L] @ col^T [L, K]
      gemm(false, true, g.Og, K, L, T(1), dy + (n * g.O + grp * g.Og) * L, L, pointwise ? xg : col.data(), L, T(1),
           dw + grp * g.Og * K, K);
    }
}

void conv2dKernel(const KernelContext& ctx) {
  TD_DISPATCH_FLOATING(ctx.out().dtype(), "conv2d", [&] { convForward<scalar_t>(ctx); });
}
void convTranspose2dKernel(const KernelContext& ctx) {
  TD_DISPATCH_FLOATING(ctx.out().dtype(), "conv_transpose2d", [&] { convBackwardInput<scalar_t>(ctx); });
}
void conv2dBackwardWeightKernel(const KernelContext& ctx) {
  TD_DISPATCH_FLOATING(ctx.out().dtype(), "conv2d_backward_weight", [&] { convBackwardWeight<scalar_t>(ctx); });
}

}  // namespace

TD_REGISTER_KERNEL(CPU, Conv2d, conv2dKernel);
TD_REGISTER_KERNEL(CPU, ConvTranspose2d, convTranspose2dKernel);
TD_REGISTER_KERNEL(CPU, Conv2dBackwardWeight, conv2dBackwardWeightKernel);

}  // namespace td
