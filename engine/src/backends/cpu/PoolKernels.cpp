// CPU 2-d pooling: MaxPool2d (values and flat H*W indices), AvgPool2d and its adjoint.
// The last two dims are pooled; the leading ones are independent planes. Output sizes
// come from the preallocated outputs (the frontend applies ceil mode).
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>
#include <type_traits>
#include <vector>
#if defined(__SSE2__)
#include <emmintrin.h>
#endif

#include "CpuLoops.h"
#include "tapedeck/backends/Backend.h"
#include "tapedeck/core/Parallel.h"

namespace td {
namespace {

using cpu::detail::contiguousData;

/// Plane count and sizes of a pooling: input [..., H, W], output [..., oH, oW].
struct PoolGeometry {
  int64_t planes, H, W, oH, oW;
  int64_t kH, kW, sH, sW, pH, pW, dH = 1, dW = 1;
};

PoolGeometry makeGeometry(const char* name, const IntList& ints, const IntList& inShape, const IntList& outShape) {
  TD_ASSERT(inShape.size() >= 2 && inShape.size() == outShape.size(), name, ": expected [..., H, W] tensors");
  const std::size_t r = inShape.size();
  for (std::size_t d = 0; d + 2 < r; ++d) TD_ASSERT(inShape[d] == outShape[d], name, ": batch dims differ");
  PoolGeometry g{};
  g.H = inShape[r - 2], g.W = inShape[r - 1], g.oH = outShape[r - 2], g.oW = outShape[r - 1];
  g.planes = 1;
  for (std::size_t d = 0; d + 2 < r; ++d) g.planes *= inShape[d];
  g.kH = ints[0], g.kW = ints[1], g.sH = ints[2], g.sW = ints[3], g.pH = ints[4], g.pW = ints[5];
  if (ints.size() >= 8) g.dH = ints[6], g.dW = ints[7];
  TD_ASSERT(g.kH > 0 && g.kW > 0 && g.sH > 0 && g.sW > 0 && g.dH > 0 && g.dW > 0, name, ": bad pooling attributes");
  return g;
}

using cpu::detail::isNan;

#if defined(__SSE2__)
/// Four outputs of a float 2×2, stride-2 max pool from one pair of input rows (`top` and
/// `bottom` at the first window's column), with the scalar loop's rules: the candidates in
/// order top-left, top-right, bottom-left, bottom-right; a later one wins when greater or
/// NaN. Selects on masks: which candidate wins depends on the data, and a mispredicted
/// branch per candidate cost more than the pooling itself (12% of the CNN step).
inline void maxPool2x2Four(const float* top, const float* bottom, int32_t base, int32_t width, float* out,
                           int64_t* indices) {
  const __m128 t0 = _mm_loadu_ps(top), t1 = _mm_loadu_ps(top + 4);
  const __m128 b0 = _mm_loadu_ps(bottom), b1 = _mm_loadu_ps(bottom + 4);
  const __m128 a = _mm_shuffle_ps(t0, t1, _MM_SHUFFLE(2, 0, 2, 0));
  const __m128 b = _mm_shuffle_ps(t0, t1, _MM_SHUFFLE(3, 1, 3, 1));
  const __m128 c = _mm_shuffle_ps(b0, b1, _MM_SHUFFLE(2, 0, 2, 0));
  const __m128 d = _mm_shuffle_ps(b0, b1, _MM_SHUFFLE(3, 1, 3, 1));
  // Flat indices of the four windows' top-left candidates: base, base + 2, ...
  __m128i index = _mm_add_epi32(_mm_set1_epi32(base), _mm_setr_epi32(0, 2, 4, 6));
  __m128 best = a;
  auto consider = [&](__m128 v, int32_t offset) {
    const __m128 take = _mm_or_ps(_mm_cmpgt_ps(v, best), _mm_cmpunord_ps(v, v));
    best = _mm_or_ps(_mm_and_ps(take, v), _mm_andnot_ps(take, best));
    const __m128i takeI = _mm_castps_si128(take);
    const __m128i candidate = _mm_add_epi32(_mm_set1_epi32(base + offset), _mm_setr_epi32(0, 2, 4, 6));
    index = _mm_or_si128(_mm_and_si128(takeI, candidate), _mm_andnot_si128(takeI, index));
  };
  consider(b, 1);
  consider(c, width);
  consider(d, width + 1);
  _mm_storeu_ps(out, best);
  // Indices are non-negative: widen to int64 with zeros.
  const __m128i zero = _mm_setzero_si128();
  _mm_storeu_si128(reinterpret_cast<__m128i*>(indices), _mm_unpacklo_epi32(index, zero));
  _mm_storeu_si128(reinterpret_cast<__m128i*>(indices + 2), _mm_unpackhi_epi32(index, zero));
}
#endif

template <typename T>
void maxPool(const KernelContext& ctx) {
  TD_ASSERT(ctx.attrs.ints.size() == 8, "max_pool2d: expected ints = {kH, kW, sH, sW, pH, pW, dH, dW}");
  const Tensor& values = ctx.out(0);
  const Tensor& indices = ctx.out(1);
  TD_ASSERT(ctx.numOutputs == 2 && indices.dtype() == DType::Int64 && indices.shape() == values.shape(),
            "max_pool2d: expected values and int64 indices");
  const PoolGeometry g = makeGeometry("max_pool2d", ctx.attrs.ints, ctx.in(0).shape(), values.shape());
  if (values.numel() == 0) return;
  std::vector<T> scratch;
  const T* x = contiguousData(ctx.in(0), scratch);
  T* y = values.data<T>();
  int64_t* idx = indices.data<int64_t>();
  const T lowest = std::is_floating_point_v<T> ? -std::numeric_limits<T>::infinity() : std::numeric_limits<T>::lowest();
  // Planes are independent; each is done whole by one thread.
  const int64_t planeGrain = std::max<int64_t>(1, cpu::detail::kElementwiseGrain / std::max<int64_t>(1, g.H * g.W));

  // The common 2×2, stride-2 window without padding: four loads, same rules as below.
  if (g.kH == 2 && g.kW == 2 && g.sH == 2 && g.sW == 2 && g.pH == 0 && g.pW == 0 && g.dH == 1 && g.dW == 1 &&
      2 * g.oH <= g.H && 2 * g.oW <= g.W) {
    ::td::detail::parallelFor(0, g.planes, planeGrain, [&](int64_t p0, int64_t p1) {
    for (int64_t p = p0; p < p1; ++p) {
      const T* plane = x + p * g.H * g.W;
      T* yRow = y + p * g.oH * g.oW;
      int64_t* iRow = idx + p * g.oH * g.oW;
      for (int64_t oy = 0; oy < g.oH; ++oy) {
        int64_t ox = 0;
#if defined(__SSE2__)
        // Four windows read eight columns; planes of under 2^30 elements (int32 indices).
        if constexpr (std::is_same_v<T, float>) {
          if (g.H * g.W < (int64_t{1} << 30)) {
            const float* top = plane + 2 * oy * g.W;
            for (; ox + 4 <= g.oW && 2 * ox + 8 <= g.W; ox += 4)
              maxPool2x2Four(top + 2 * ox, top + g.W + 2 * ox, static_cast<int32_t>(2 * oy * g.W + 2 * ox),
                             static_cast<int32_t>(g.W), yRow + oy * g.oW + ox, iRow + oy * g.oW + ox);
          }
        }
#endif
        for (; ox < g.oW; ++ox) {
          const int64_t base = 2 * oy * g.W + 2 * ox;
          const int64_t candidates[4] = {base, base + 1, base + g.W, base + g.W + 1};
          T best = plane[base];
          int64_t bestIndex = base;
          for (int k = 1; k < 4; ++k) {
            const T v = plane[candidates[k]];
            if (v > best || isNan(v)) {
              best = v;
              bestIndex = candidates[k];
            }
          }
          yRow[oy * g.oW + ox] = best;
          iRow[oy * g.oW + ox] = bestIndex;
        }
      }
    }
    });
    return;
  }

  ::td::detail::parallelFor(0, g.planes, planeGrain, [&](int64_t p0, int64_t p1) {
  for (int64_t p = p0; p < p1; ++p) {
    const T* plane = x + p * g.H * g.W;
    for (int64_t oy = 0; oy < g.oH; ++oy) {
      // As PyTorch: the window clipped to the input (padding never wins), first max wins,
      // and a NaN always wins.
      int64_t y0 = oy * g.sH - g.pH;
      const int64_t y1 = std::min(y0 + (g.kH - 1) * g.dH + 1, g.H);
      while (y0 < 0) y0 += g.dH;
      for (int64_t ox = 0; ox < g.oW; ++ox) {
        int64_t x0 = ox * g.sW - g.pW;
        const int64_t x1 = std::min(x0 + (g.kW - 1) * g.dW + 1, g.W);
        while (x0 < 0) x0 += g.dW;
        T best = lowest;
        int64_t bestIndex = y0 * g.W + x0;
        for (int64_t iy = y0; iy < y1; iy += g.dH)
          for (int64_t ix = x0; ix < x1; ix += g.dW) {
            const T v = plane[iy * g.W + ix];
            if (v > best || isNan(v)) {
              best = v;
              bestIndex = iy * g.W + ix;
            }
          }
        y[(p * g.oH + oy) * g.oW + ox] = best;
        idx[(p * g.oH + oy) * g.oW + ox] = bestIndex;
      }
    }
  }
  });
}

/// One average-pooling window clipped to the input, and its divisor as PyTorch computes
/// it: the window is first clipped to the padded input (ceil mode's last window), and
/// that size is the divisor when countIncludePad.
struct AvgWindow {
  int64_t y0, y1, x0, x1;
  int64_t divisor;
  bool empty() const { return y0 >= y1 || x0 >= x1; }
};

AvgWindow avgWindow(const PoolGeometry& g, bool countIncludePad, int64_t oy, int64_t ox) {
  int64_t y0 = oy * g.sH - g.pH, x0 = ox * g.sW - g.pW;
  int64_t y1 = std::min(y0 + g.kH, g.H + g.pH), x1 = std::min(x0 + g.kW, g.W + g.pW);
  const int64_t padded = (y1 - y0) * (x1 - x0);
  y0 = std::max<int64_t>(y0, 0), x0 = std::max<int64_t>(x0, 0);
  y1 = std::min(y1, g.H), x1 = std::min(x1, g.W);
  return {y0, y1, x0, x1, countIncludePad ? padded : (y1 - y0) * (x1 - x0)};
}

template <typename T>
void avgPool(const KernelContext& ctx) {
  TD_ASSERT(ctx.attrs.ints.size() == 6, "avg_pool2d: expected ints = {kH, kW, sH, sW, pH, pW}");
  const Tensor& out = ctx.out();
  const PoolGeometry g = makeGeometry("avg_pool2d", ctx.attrs.ints, ctx.in(0).shape(), out.shape());
  if (out.numel() == 0) return;
  std::vector<T> scratch;
  const T* x = contiguousData(ctx.in(0), scratch);
  T* y = out.data<T>();
  for (int64_t p = 0; p < g.planes; ++p) {
    const T* plane = x + p * g.H * g.W;
    for (int64_t oy = 0; oy < g.oH; ++oy)
      for (int64_t ox = 0; ox < g.oW; ++ox) {
        const AvgWindow w = avgWindow(g, ctx.attrs.countIncludePad, oy, ox);
        T sum = 0;
        if (!w.empty())
          for (int64_t iy = w.y0; iy < w.y1; ++iy)
            for (int64_t ix = w.x0; ix < w.x1; ++ix) sum += plane[iy * g.W + ix];
        y[(p * g.oH + oy) * g.oW + ox] = w.empty() ? T(0) : sum / static_cast<T>(w.divisor);
      }
  }
}

template <typename T>
void avgPoolBackward(const KernelContext& ctx) {
  TD_ASSERT(ctx.attrs.ints.size() == 6, "avg_pool2d_backward: expected ints = {kH, kW, sH, sW, pH, pW}");
  const Tensor& out = ctx.out();
  TD_ASSERT(ctx.attrs.ints2 == out.shape(), "avg_pool2d_backward: output shape differs from ints2");
  const PoolGeometry g = makeGeometry("avg_pool2d_backward", ctx.attrs.ints, out.shape(), ctx.in(0).shape());
  if (out.numel() == 0) return;
  T* dx = out.data<T>();
  std::fill(dx, dx + out.numel(), T(0));
  std::vector<T> scratch;
  const T* dy = ctx.in(0).numel() == 0 ? nullptr : contiguousData(ctx.in(0), scratch);
  if (dy == nullptr) return;
  for (int64_t p = 0; p < g.planes; ++p) {
    T* plane = dx + p * g.H * g.W;
    for (int64_t oy = 0; oy < g.oH; ++oy)
      for (int64_t ox = 0; ox < g.oW; ++ox) {
        const AvgWindow w = avgWindow(g, ctx.attrs.countIncludePad, oy, ox);
        if (w.empty()) continue;
        const T share = dy[(p * g.oH + oy) * g.oW + ox] / static_cast<T>(w.divisor);
        for (int64_t iy = w.y0; iy < w.y1; ++iy)
          for (int64_t ix = w.x0; ix < w.x1; ++ix) plane[iy * g.W + ix] += share;
      }
  }
}

void maxPool2dKernel(const KernelContext& ctx) {
  TD_CPU_DISPATCH_NUMERIC(ctx.in(0).dtype(), "max_pool2d", [&] { maxPool<scalar_t>(ctx); });
}
void avgPool2dKernel(const KernelContext& ctx) {
  TD_DISPATCH_FLOATING(ctx.in(0).dtype(), "avg_pool2d", [&] { avgPool<scalar_t>(ctx); });
}
void avgPool2dBackwardKernel(const KernelContext& ctx) {
  TD_DISPATCH_FLOATING(ctx.in(0).dtype(), "avg_pool2d_backward", [&] { avgPoolBackward<scalar_t>(ctx); });
}

}  // namespace

TD_REGISTER_KERNEL(CPU, MaxPool2d, maxPool2dKernel);
TD_REGISTER_KERNEL(CPU, AvgPool2d, avgPool2dKernel);
TD_REGISTER_KERNEL(CPU, AvgPool2dBackward, avgPool2dBackwardKernel);

}  // namespace td
