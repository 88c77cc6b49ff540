#pragma once
// Loop helpers shared by the CPU kernels: one strided N-d loop over several operands
// at once (dims coalesced, a flat fast path when every operand is contiguous),
// contiguity helpers, a numeric dtype dispatch and the BLAS GEMM wrapper.
#include <algorithm>
#include <cmath>
#include <array>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <string>
#include <tuple>
#include <type_traits>
#include <utility>
#include <vector>

#include "tapedeck/core/DType.h"
#include "tapedeck/core/Parallel.h"
#include "tapedeck/core/Error.h"
#include "tapedeck/core/Tensor.h"

/// Like TD_DISPATCH_ALL for float32, float64 and int64; bool throws td::Error.
#define TD_CPU_DISPATCH_NUMERIC(DTYPE, NAME, ...)                                      \
  [&] {                                                                                \
    switch (DTYPE) {                                                                   \
      case ::td::DType::Float32: { using scalar_t = float; return __VA_ARGS__(); }     \
      case ::td::DType::Float64: { using scalar_t = double; return __VA_ARGS__(); }    \
      case ::td::DType::Int64: { using scalar_t = int64_t; return __VA_ARGS__(); }     \
      default: break;                                                                  \
    }                                                                                  \
    throw ::td::Error(std::string(NAME) + ": unsupported dtype " + ::td::dtypeName(DTYPE)); \
  }()

namespace td::cpu::detail {

/// One operand of a strided loop: its element at the loop's origin, and one stride
/// (in elements) per dim of the loop's shape. `strides` must outlive the loop.
template <typename T>
struct Strided {
  T* data;
  const int64_t* strides;
};

/// The tensor as a loop operand over its own shape; T may be const-qualified.
template <typename T>
Strided<T> strided(const Tensor& t) {
  return {t.data<std::remove_const_t<T>>(), t.strides().data()};
}
/// The tensor's data with other strides (a stride-0 dim, a dim dropped, ...).
template <typename T>
Strided<T> strided(const Tensor& t, const IntList& strides) {
  return {t.data<std::remove_const_t<T>>(), strides.data()};
}
template <typename T>
Strided<T> strided(T* data, const IntList& strides) {
  return {data, strides.data()};
}

inline int64_t product(const IntList& sizes) {
  int64_t n = 1;
  for (int64_t s : sizes) n *= s;
  return n;
}

/// Row-major strides of `shape`.
inline IntList rowMajorStrides(const IntList& shape) {
  IntList strides(shape.size(), 1);
  int64_t running = 1;
  for (std::size_t d = shape.size(); d-- > 0;) {
    strides[d] = running;
    running *= shape[d];
  }
  return strides;
}

/// Whether elements laid out with `strides` are dense and in row-major order
/// (strides of size-1 dims do not matter).
inline bool isRowMajor(const IntList& shape, const int64_t* strides) {
  int64_t expected = 1;
  for (std::size_t d = shape.size(); d-- > 0;) {
    if (shape[d] == 1) continue;
    if (strides[d] != expected) return false;
    expected *= shape[d];
  }
  return true;
}

/// `shape` without dim `dim`.
inline IntList dropDim(const IntList& shape, int64_t dim) {
  IntList result;
  for (std::size_t d = 0; d < shape.size(); ++d)
    if (static_cast<int64_t>(d) != dim) result.push_back(shape[d]);
  return result;
}

// One row of forEachElement: n elements, unit strides or per-operand strides.
template <typename Fn, typename... P>
inline void unitRow(Fn& fn, int64_t n, P*... p) {
  for (int64_t k = 0; k < n; ++k) fn(p[k]...);
}
template <typename Fn, std::size_t... I, typename... P>
inline void stridedRow(Fn& fn, int64_t n, const int64_t* strides, std::index_sequence<I...>, P*... p) {
  for (int64_t k = 0; k < n; ++k) fn(p[k * strides[I]]...);
}

/// Calls fn(a, b, ...) with references to the elements of every operand at each index
/// of `shape`, in row-major order. Adjacent dims are merged when all operands allow it;
/// when all operands are row-major contiguous the loop is one flat loop (no allocation).
template <typename Fn, typename... T>
void forEachElement(const IntList& shape, Fn&& fn, Strided<T>... operands) {
  constexpr std::size_t N = sizeof...(T);
  static_assert(N > 0, "forEachElement needs an operand");
  const int64_t numel = product(shape);
  if (numel == 0) return;
  const std::tuple<T*...> base{operands.data...};
  const std::array<const int64_t*, N> strides{operands.strides...};

  bool contiguous = true;
  for (std::size_t i = 0; i < N && contiguous; ++i) contiguous = isRowMajor(shape, strides[i]);
  if (contiguous) {
    std::apply([&](T*... p) { unitRow(fn, numel, p...); }, base);
    return;
  }

  // Coalesce: sizes[0] is the innermost group; a dim joins the group inside it when
  // every operand's stride continues that group's stride.
  IntList sizes;
  std::array<IntList, N> groupStrides;
  for (std::size_t d = shape.size(); d-- > 0;) {
    if (shape[d] == 1) continue;
    bool merge = !sizes.empty();
    for (std::size_t i = 0; i < N && merge; ++i)
      merge = groupStrides[i].back() * sizes.back() == strides[i][d];
    if (merge) {
      sizes.back() *= shape[d];
    } else {
      sizes.push_back(shape[d]);
      for (std::size_t i = 0; i < N; ++i) groupStrides[i].push_back(strides[i][d]);
    }
  }
  if (sizes.empty()) {  // every dim has size 1
    std::apply([&](T*... p) { fn(*p...); }, base);
    return;
  }

  const int64_t inner = sizes[0];
  std::array<int64_t, N> innerStride{};
  bool unitInner = true;
  for (std::size_t i = 0; i < N; ++i) {
    innerStride[i] = groupStrides[i][0];
    unitInner = unitInner && innerStride[i] == 1;
  }
  std::array<int64_t, N> offsets{};
  IntList counter(sizes.size(), 0);
  const int64_t outer = numel / inner;
  for (int64_t row = 0; row < outer; ++row) {
    [&]<std::size_t... I>(std::index_sequence<I...> seq) {
      if (unitInner)
        unitRow(fn, inner, (std::get<I>(base) + offsets[I])...);
      else
        stridedRow(fn, inner, innerStride.data(), seq, (std::get<I>(base) + offsets[I])...);
    }(std::make_index_sequence<N>{});
    for (std::size_t d = 1; d < sizes.size(); ++d) {
      for (std::size_t i = 0; i < N; ++i) offsets[i] += groupStrides[i][d];
      if (++counter[d] < sizes[d]) break;
      for (std::size_t i = 0; i < N; ++i) offsets[i] -= groupStrides[i][d] * sizes[d];
      counter[d] = 0;
    }
  }
}

/// Elements per chunk of a parallel elementwise loop. Fixed, so chunk boundaries (and any
/// result that could depend on them) never change with the thread count.
inline constexpr int64_t kElementwiseGrain = 32768;

/// forEachElement split across the intra-op pool for large loops. Only for loops whose
/// elements are independent (no operand with stride 0 that is written to).
template <typename Fn, typename... T>
void parallelForEachElement(const IntList& shape, Fn&& fn, Strided<T>... operands) {
  const int64_t numel = product(shape);
  if (numel < 2 * kElementwiseGrain || shape.empty() || ::td::detail::inParallelRegion() ||
      ::td::getNumThreads() == 1) {
    forEachElement(shape, fn, operands...);
    return;
  }
  if ((isRowMajor(shape, operands.strides) && ...)) {
    ::td::detail::parallelFor(0, numel, kElementwiseGrain,
                              [&](int64_t b, int64_t e) { unitRow(fn, e - b, (operands.data + b)...); });
    return;
  }
  const int64_t rows = shape[0];
  if (rows < 2) {
    forEachElement(shape, fn, operands...);
    return;
  }
  const int64_t grain = std::max<int64_t>(1, kElementwiseGrain / std::max<int64_t>(1, numel / rows));
  ::td::detail::parallelFor(0, rows, grain, [&](int64_t b, int64_t e) {
    IntList part = shape;
    part[0] = e - b;
    forEachElement(part, fn, Strided<T>{operands.data + b * operands.strides[0], operands.strides}...);
  });
}

/// NaN test that is false for integer types (kernels shared by all dtypes use it).
template <typename T>
inline bool isNan(T x) {
  if constexpr (std::is_floating_point_v<T>)
    return std::isnan(x);
  else
    return false;
}

/// Value conversion as Tapedeck defines it: to bool is `value != 0`; float to int64
/// truncates, and NaN or out-of-range values give INT64_MIN (no undefined behaviour).
template <typename To, typename From>
inline To convertValue(From value) {
  if constexpr (std::is_same_v<To, bool>) {
    return value != From(0);
  } else if constexpr (std::is_integral_v<To> && std::is_floating_point_v<From>) {
    constexpr double limit = 9223372036854775808.0;  // 2^63
    const double v = static_cast<double>(value);
    if (!(v >= -limit && v < limit)) return std::numeric_limits<To>::min();
    return static_cast<To>(value);
  } else {
    return static_cast<To>(value);
  }
}

/// Copies (and converts) `src` into `dst`, both laid out over `shape`.
template <typename To, typename From>
void copyStrided(const IntList& shape, Strided<To> dst, Strided<const From> src) {
  parallelForEachElement(shape, [](To& d, const From& s) { d = convertValue<To>(s); }, dst, src);
}

/// The tensor's elements in row-major order: its own data when contiguous, otherwise
/// a copy in `scratch`.
template <typename T>
const T* contiguousData(const Tensor& t, std::vector<T>& scratch) {
  if (t.isContiguous()) return t.data<T>();
  scratch.resize(static_cast<std::size_t>(t.numel()));
  const IntList dense = rowMajorStrides(t.shape());
  copyStrided<T, T>(t.shape(), strided(scratch.data(), dense), strided<const T>(t));
  return scratch.data();
}

/// Row-major C[M,N] = alpha * op(A) * op(B) + beta * C through BLAS, where op(A) is
/// A [M,K] (lda ≥ K) or, when transA, A stored as [K,M] (lda ≥ M); likewise B.
/// K = 0 scales C by beta. Defined in MatmulKernels.cpp.
void gemm(bool transA, bool transB, int64_t M, int64_t N, int64_t K, float alpha, const float* A, int64_t lda,
          const float* B, int64_t ldb, float beta, float* C, int64_t ldc);
void gemm(bool transA, bool transB, int64_t M, int64_t N, int64_t K, double alpha, const double* A, int64_t lda,
          const double* B, int64_t ldb, double beta, double* C, int64_t ldc);

}  // namespace td::cpu::detail
