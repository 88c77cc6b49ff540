// One fused statistics pass. Contiguous float32 runs through float lanes (GNU vectors,
// as wide as the CPU allows) per block of 4096 values; values are shifted by the first
// finite one so that std keeps its digits when the mean is large next to the spread.
#include "tapedeck/debug/Stats.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>
#include <vector>

#include "ops/OpUtils.h"
#include "tapedeck/backends/Backend.h"

namespace td::debug {
namespace {

struct Totals {
  double sum = 0.0, squares = 0.0;  // of (x - pivot), finite x only
  double min = std::numeric_limits<double>::infinity();
  double max = -std::numeric_limits<double>::infinity();
  int64_t finite = 0, zeros = 0, nans = 0;
};

/// One scalar pass in double: other dtypes, tiny tensors and the tails of the lanes.
template <typename T>
void scalarPass(const T* data, int64_t n, double pivot, Totals& totals) {
  for (int64_t i = 0; i < n; ++i) {
    const double x = static_cast<double>(data[i]);
    if (x != x) {
      ++totals.nans;
      continue;
    }
    if (x == 0.0) ++totals.zeros;
    if (!std::isfinite(x)) continue;
    const double d = x - pivot;
    totals.sum += d;
    totals.squares += d * d;
    totals.min = std::min(totals.min, x);
    totals.max = std::max(totals.max, x);
    ++totals.finite;
  }
}

// Float lanes as GNU vectors (GCC and Clang): 4 lanes are one SSE register at the x86-64
// baseline; 8 and 16 lanes are compiled in functions targeting AVX2 and AVX-512 and
// chosen at run time. Comparisons give all-ones masks, so nothing branches. A block holds
// at most 4096 values, so float lane sums keep their digits and int32 counts cannot
// overflow; it is flushed into double totals.
using Floats4 = float __attribute__((vector_size(16)));
using Masks4 = int32_t __attribute__((vector_size(16)));
using Floats8 = float __attribute__((vector_size(32)));
using Masks8 = int32_t __attribute__((vector_size(32)));
using Floats16 = float __attribute__((vector_size(64)));
using Masks16 = int32_t __attribute__((vector_size(64)));

/// Values beyond this take the double pass: 4096 squares of them could overflow a float.
constexpr float kLaneLimit = 1e17f;

/// A block of finite values needs no masks: min and max are single instructions and a
/// NaN or Inf shows as a NaN in x * 0. Returns false (and adds nothing) when the block
/// holds one, or huge values; the scalar double pass then does it.
template <typename Floats, typename Masks>
[[gnu::always_inline]] inline bool finiteLanes(const float* data, int64_t n, float pivot, Totals& totals) {
  constexpr int kLanes = sizeof(Floats) / sizeof(float);
  const int64_t whole = n / kLanes * kLanes;
  if (whole == 0) return false;
  const Floats zero = Floats{}, pivots = zero + pivot;
  Floats sum = zero, squares = zero, poison = zero, lo, hi;
  std::memcpy(&lo, data, sizeof lo);
  hi = lo;
  Masks zeros = {};
  for (int64_t i = 0; i < whole; i += kLanes) {
    Floats x;
    std::memcpy(&x, data + i, sizeof x);
    const Floats d = x - pivots;
    sum += d;
    squares += d * d;
    lo = x < lo ? x : lo;
    hi = x > hi ? x : hi;
    zeros -= x == zero;
    poison += x * zero;
  }
  for (int l = 0; l < kLanes; ++l)  // a NaN or Inf, or values whose squares would overflow a float lane
    if (poison[l] != poison[l] || lo[l] < -kLaneLimit || hi[l] > kLaneLimit) return false;
  for (int l = 0; l < kLanes; ++l) {
    totals.sum += sum[l];
    totals.squares += squares[l];
    totals.min = std::min(totals.min, static_cast<double>(lo[l]));
    totals.max = std::max(totals.max, static_cast<double>(hi[l]));
    totals.zeros += zeros[l];
  }
  totals.finite += whole;
  scalarPass(data + whole, n - whole, static_cast<double>(pivot), totals);  // the tail
  return true;
}

using FloatBlockFn = void (*)(const float*, int64_t, float, Totals&);

void floatBlockBaseline(const float* data, int64_t n, float pivot, Totals& totals) {
  if (!finiteLanes<Floats4, Masks4>(data, n, pivot, totals)) scalarPass(data, n, static_cast<double>(pivot), totals);
}

#if defined(__x86_64__)
__attribute__((target("avx2"))) void floatBlockAvx2(const float* data, int64_t n, float pivot, Totals& totals) {
  if (!finiteLanes<Floats8, Masks8>(data, n, pivot, totals)) scalarPass(data, n, static_cast<double>(pivot), totals);
}
__attribute__((target("avx512f"))) void floatBlockAvx512(const float* data, int64_t n, float pivot, Totals& totals) {
  if (!finiteLanes<Floats16, Masks16>(data, n, pivot, totals)) scalarPass(data, n, static_cast<double>(pivot), totals);
}
#endif

/// The widest vector lanes this CPU runs (asked once): the statistics and the finiteness
/// check each pick their kernel by it.
enum class Lanes { Four, Eight, Sixteen };
Lanes widestLanes() {
  static const Lanes chosen = [] {
#if defined(__x86_64__)
    __builtin_cpu_init();
    if (__builtin_cpu_supports("avx512f")) return Lanes::Sixteen;
    if (__builtin_cpu_supports("avx2")) return Lanes::Eight;
#endif
    return Lanes::Four;
  }();
  return chosen;
}

FloatBlockFn floatBlock() {
#if defined(__x86_64__)
  switch (widestLanes()) {
    case Lanes::Sixteen: return &floatBlockAvx512;
    case Lanes::Eight: return &floatBlockAvx2;
    case Lanes::Four: break;
  }
#endif
  return &floatBlockBaseline;
}

template <typename T>
double firstFinite(const T* data, int64_t n) {
  for (int64_t i = 0; i < n; ++i)
    if (std::isfinite(static_cast<double>(data[i]))) return static_cast<double>(data[i]);
  return 0.0;
}

/// Non-contiguous tensors up to this many elements are read in place.
constexpr int64_t kGatherLimit = 1 << 16;

/// The elements of a strided tensor, in order, as doubles.
void gather(const Tensor& t, std::vector<double>& out) {
  const int64_t n = t.numel();
  out.resize(static_cast<std::size_t>(n));
  const IntList& shape = t.shape();
  const IntList& strides = t.strides();
  const int rank = static_cast<int>(shape.size());
  IntList index(shape.size(), 0);
  TD_DISPATCH_ALL(t.dtype(), "statistics", [&] {
    const scalar_t* base = t.data<scalar_t>();
    int64_t offset = 0;
    for (int64_t k = 0; k < n; ++k) {
      out[static_cast<std::size_t>(k)] = static_cast<double>(base[offset]);
      for (int d = rank - 1; d >= 0; --d) {  // odometer: the last dimension moves fastest
        if (++index[d] < shape[d]) {
          offset += strides[d];
          break;
        }
        offset -= strides[d] * (shape[d] - 1);
        index[d] = 0;
      }
    }
  });
}

/// The moments and counts from the totals of a pass.
TensorStats finish(TensorStats stats, const Totals& totals, double pivot) {
  stats.finite = totals.finite;
  stats.zeros = totals.zeros;
  stats.nans = totals.nans;
  stats.infs = stats.numel - totals.finite - totals.nans;
  if (totals.finite > 0) {
    const double count = static_cast<double>(totals.finite);
    const double shiftedMean = totals.sum / count;
    stats.mean = pivot + shiftedMean;
    stats.std = std::sqrt(std::max(0.0, totals.squares / count - shiftedMean * shiftedMean));
    // sum x^2 = sum (d + p)^2 = sum d^2 + 2 p sum d + n p^2
    const double squares = totals.squares + 2.0 * pivot * totals.sum + count * pivot * pivot;
    stats.norm = std::sqrt(std::max(0.0, squares));
    stats.min = totals.min;
    stats.max = totals.max;
  }
  return stats;
}

/// Any NaN or Inf in `n` floats: x * 0 is 0 for a finite x and NaN otherwise, so the
/// lanes' sum is NaN exactly when one is not finite (no branch in the loop).
template <typename Floats>
[[gnu::always_inline]] inline bool anyNonFiniteLanes(const float* data, int64_t n) {
  constexpr int kLanes = sizeof(Floats) / sizeof(float);
  const Floats zero = Floats{};
  Floats a0 = zero, a1 = zero, a2 = zero, a3 = zero;
  int64_t i = 0;
  for (; i + 4 * kLanes <= n; i += 4 * kLanes) {
    Floats x0, x1, x2, x3;
    std::memcpy(&x0, data + i, sizeof x0);
    std::memcpy(&x1, data + i + kLanes, sizeof x1);
    std::memcpy(&x2, data + i + 2 * kLanes, sizeof x2);
    std::memcpy(&x3, data + i + 3 * kLanes, sizeof x3);
    a0 += x0 * zero;
    a1 += x1 * zero;
    a2 += x2 * zero;
    a3 += x3 * zero;
  }
  const Floats a = a0 + a1 + a2 + a3;
  for (int l = 0; l < kLanes; ++l)
    if (a[l] != a[l]) return true;
  for (; i < n; ++i)
    if (!std::isfinite(data[i])) return true;
  return false;
}

using NonFiniteFn = bool (*)(const float*, int64_t);
bool nonFiniteBaseline(const float* d, int64_t n) { return anyNonFiniteLanes<Floats4>(d, n); }
#if defined(__x86_64__)
__attribute__((target("avx2"))) bool nonFiniteAvx2(const float* d, int64_t n) { return anyNonFiniteLanes<Floats8>(d, n); }
__attribute__((target("avx512f"))) bool nonFiniteAvx512(const float* d, int64_t n) {
  return anyNonFiniteLanes<Floats16>(d, n);
}
#endif

NonFiniteFn nonFiniteFn() {
#if defined(__x86_64__)
  switch (widestLanes()) {
    case Lanes::Sixteen: return &nonFiniteAvx512;
    case Lanes::Eight: return &nonFiniteAvx2;
    case Lanes::Four: break;
  }
#endif
  return &nonFiniteBaseline;
}

}  // namespace

bool anyNonFinite(const Tensor& t) {
  if (!t.defined() || !t.device().isCpu() || !isFloating(t.dtype())) return false;
  if (t.dtype() == DType::Float32 && t.isContiguous()) {
    const float* d = t.data<float>();
    const int64_t n = t.numel();
    if (n <= 32) {
      for (int64_t i = 0; i < n; ++i)
        if (!std::isfinite(d[i])) return true;
      return false;
    }
    return nonFiniteFn()(d, n);
  }
  return computeStats(t).nonFinite();
}

TensorStats computeStats(const Tensor& input) {
  TensorStats stats;
  if (!input.defined() || !input.device().isCpu()) return stats;
  stats.computed = true;
  stats.numel = input.numel();
  if (stats.numel == 0) return stats;
  const int64_t n = stats.numel;
  Totals totals;
  double pivot = 0.0;
  Tensor t = input;
  if (!t.isContiguous()) {
    if (n <= kGatherLimit) {  // a broadcast gradient, a small view: read in place, no allocation
      thread_local std::vector<double> values;
      gather(t, values);
      pivot = firstFinite(values.data(), n);
      scalarPass(values.data(), n, pivot, totals);
      return finish(stats, totals, pivot);
    }
    t = detail::allocate(input.shape(), input.dtype(), input.device(), "statistics");
    copyInto(t, input);  // an unrecorded copy: the kernel, not the op
  }
  switch (t.dtype()) {
    case DType::Float32: {
      const float* data = t.data<float>();
      pivot = firstFinite(data, n);
      if (n <= 32) {  // a scalar, a bias: no lanes to fill
        scalarPass(data, n, pivot, totals);
        break;
      }
      constexpr int64_t kBlock = 4096;
      const FloatBlockFn block = floatBlock();
      for (int64_t start = 0; start < n; start += kBlock)
        block(data + start, std::min(kBlock, n - start), static_cast<float>(pivot), totals);
      pivot = static_cast<float>(pivot);
      break;
    }
    case DType::Float64:
      pivot = firstFinite(t.data<double>(), n);
      scalarPass(t.data<double>(), n, pivot, totals);
      break;
    case DType::Int64:
      pivot = firstFinite(t.data<int64_t>(), n);
      scalarPass(t.data<int64_t>(), n, pivot, totals);
      break;
    case DType::Bool:
      scalarPass(t.data<bool>(), n, 0.0, totals);
      break;
  }
  return finish(stats, totals, pivot);
}

}  // namespace td::debug
