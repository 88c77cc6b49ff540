// One fused statistics pass. Contiguous float32 runs through 8 float lanes per block of
// 4096 values, flushed into double sums, so the compiler vectorises it without
// -ffast-math; values are shifted by the first finite one so that std keeps its digits
// when the mean is large next to the spread.
#include "tapedeck/debug/Stats.h"

#include <algorithm>
#include <cmath>
#include <limits>

#include "ops/OpUtils.h"
#include "tapedeck/backends/Backend.h"

namespace td::debug {
namespace {

struct Totals {
  double sum = 0.0, sumSquares = 0.0;  // of (x - pivot), finite x only
  double min = std::numeric_limits<double>::infinity();
  double max = -std::numeric_limits<double>::infinity();
  int64_t finite = 0, zeros = 0, nans = 0;
};

/// The lanes of one block of contiguous float32.
void floatBlock(const float* data, int64_t n, float pivot, Totals& totals) {
  constexpr int kLanes = 8;
  float sum[kLanes] = {}, squares[kLanes] = {};
  float lo[kLanes], hi[kLanes];
  int32_t finite[kLanes] = {}, zeros[kLanes] = {}, nans[kLanes] = {};
  for (int l = 0; l < kLanes; ++l) {
    lo[l] = std::numeric_limits<float>::infinity();
    hi[l] = -std::numeric_limits<float>::infinity();
  }
  const int64_t whole = n / kLanes * kLanes;
  for (int64_t i = 0; i < whole; i += kLanes) {
    for (int l = 0; l < kLanes; ++l) {
      const float x = data[i + l];
      const bool isFinite = (x - x) == 0.0f;  // false for NaN and +-Inf
      const float d = isFinite ? x - pivot : 0.0f;
      sum[l] += d;
      squares[l] += d * d;
      lo[l] = isFinite && x < lo[l] ? x : lo[l];
      hi[l] = isFinite && x > hi[l] ? x : hi[l];
      finite[l] += isFinite;
      zeros[l] += x == 0.0f;
      nans[l] += x != x;
    }
  }
  for (int64_t i = whole; i < n; ++i) {
    const float x = data[i];
    const bool isFinite = (x - x) == 0.0f;
    const float d = isFinite ? x - pivot : 0.0f;
    sum[0] += d;
    squares[0] += d * d;
    lo[0] = isFinite && x < lo[0] ? x : lo[0];
    hi[0] = isFinite && x > hi[0] ? x : hi[0];
    finite[0] += isFinite;
    zeros[0] += x == 0.0f;
    nans[0] += x != x;
  }
  for (int l = 0; l < kLanes; ++l) {
    totals.sum += sum[l];
    totals.sumSquares += squares[l];
    totals.min = std::min(totals.min, static_cast<double>(lo[l]));
    totals.max = std::max(totals.max, static_cast<double>(hi[l]));
    totals.finite += finite[l];
    totals.zeros += zeros[l];
    totals.nans += nans[l];
  }
}

template <typename T>
double firstFinite(const T* data, int64_t n) {
  for (int64_t i = 0; i < n; ++i)
    if (std::isfinite(static_cast<double>(data[i]))) return static_cast<double>(data[i]);
  return 0.0;
}

/// Any other dtype: one scalar pass in double.
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
    totals.sumSquares += d * d;
    totals.min = std::min(totals.min, x);
    totals.max = std::max(totals.max, x);
    ++totals.finite;
  }
}

}  // namespace

TensorStats computeStats(const Tensor& input) {
  TensorStats stats;
  if (!input.defined() || !input.device().isCpu()) return stats;
  stats.computed = true;
  stats.numel = input.numel();
  if (stats.numel == 0) return stats;
  Tensor t = input;
  if (!t.isContiguous()) {  // an unrecorded copy: the kernel, not the op
    t = detail::allocate(input.shape(), input.dtype(), input.device(), "statistics");
    copyInto(t, input);
  }
  const int64_t n = stats.numel;
  Totals totals;
  double pivot = 0.0;
  switch (t.dtype()) {
    case DType::Float32: {
      const float* data = t.data<float>();
      pivot = firstFinite(data, n);
      constexpr int64_t kBlock = 4096;
      for (int64_t start = 0; start < n; start += kBlock)
        floatBlock(data + start, std::min(kBlock, n - start), static_cast<float>(pivot), totals);
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
  stats.finite = totals.finite;
  stats.zeros = totals.zeros;
  stats.nans = totals.nans;
  stats.infs = n - totals.finite - totals.nans;
  if (totals.finite > 0) {
    const double count = static_cast<double>(totals.finite);
    const double shiftedMean = totals.sum / count;
    stats.mean = pivot + shiftedMean;
    stats.std = std::sqrt(std::max(0.0, totals.sumSquares / count - shiftedMean * shiftedMean));
    // sum x^2 = sum (d + p)^2 = sum d^2 + 2 p sum d + n p^2
    const double squares = totals.sumSquares + 2.0 * pivot * totals.sum + count * pivot * pivot;
    stats.norm = std::sqrt(std::max(0.0, squares));
    stats.min = totals.min;
    stats.max = totals.max;
  }
  return stats;
}

}  // namespace td::debug
