// CPU kernels of the binary elementwise ops, the comparisons and where. Inputs come
// expanded (stride-0 views) to out's shape; out is contiguous.
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <type_traits>

#include "CpuLoops.h"
#include "tapedeck/backends/Backend.h"

namespace td {
namespace {

using cpu::detail::forEachElement;
using cpu::detail::parallelForEachElement;
using cpu::detail::strided;

void checkBinary(const KernelContext& ctx, bool boolOut) {
  const Tensor& out = ctx.out();
  for (std::size_t i = 0; i < 2; ++i)
    TD_ASSERT(ctx.in(i).shape() == out.shape(), opName(ctx.op), ": input ", i, " is not expanded to the output");
  TD_ASSERT(ctx.in(0).dtype() == ctx.in(1).dtype(), opName(ctx.op), ": inputs of different dtypes");
  TD_ASSERT(out.dtype() == (boolOut ? DType::Bool : ctx.in(0).dtype()), opName(ctx.op), ": wrong output dtype");
}

/// out[i] = f(a[i], b[i]) with out, a and b of type T.
template <typename T, typename F>
void zipInto(const KernelContext& ctx, F f) {
  // A broadcast scalar operand (every stride 0): a flat loop with the value in a register.
  const Tensor& out = ctx.out();
  const Tensor& a = ctx.in(0);
  const Tensor& b = ctx.in(1);
  auto allZero = [](const Tensor& t) {
    for (int64_t s : t.strides())
      if (s != 0) return false;
    return t.dim() > 0;
  };
  if (out.isContiguous() && a.isContiguous() && allZero(b)) {
    const T s = *b.data<T>();
    parallelForEachElement(out.shape(), [f, s](T& o, const T& x) { o = f(x, s); }, strided<T>(out),
                           strided<const T>(a));
    return;
  }
  if (out.isContiguous() && b.isContiguous() && allZero(a)) {
    const T s = *a.data<T>();
    parallelForEachElement(out.shape(), [f, s](T& o, const T& x) { o = f(s, x); }, strided<T>(out),
                           strided<const T>(b));
    return;
  }
  parallelForEachElement(
      ctx.out().shape(), [f](T& o, const T& a, const T& b) { o = f(a, b); }, strided<T>(ctx.out()),
      strided<const T>(ctx.in(0)), strided<const T>(ctx.in(1)));
}

/// Integer power by squaring, with ATen's rule for negative exponents (1 and -1 keep
/// their powers, every other base gives 0). Wraps around on overflow.
int64_t integerPow(int64_t base, int64_t exponent) {
  if (exponent < 0) {
    if (base == 1) return 1;
    if (base == -1) return (exponent % 2 == 0) ? 1 : -1;
    return 0;
  }
  uint64_t result = 1;
  auto b = static_cast<uint64_t>(base);
  for (auto e = static_cast<uint64_t>(exponent); e != 0; e >>= 1) {
    if (e & 1) result *= b;
    b *= b;
  }
  return static_cast<int64_t>(result);
}

// Integer add, sub and mul wrap around (two's complement) instead of overflowing.
template <typename T, typename Op>
T wrapping(T a, T b, Op op) {
  if constexpr (std::is_integral_v<T>)
    return static_cast<T>(op(static_cast<uint64_t>(a), static_cast<uint64_t>(b)));
  else
    return op(a, b);
}

void addKernel(const KernelContext& ctx) {
  checkBinary(ctx, false);
  if (ctx.attrs.hasAlpha) {  // a + alpha * b in one pass (add_ with alpha: optimizers)
    TD_DISPATCH_FLOATING(ctx.out().dtype(), "add", [&] {
      const scalar_t alpha = static_cast<scalar_t>(ctx.attrs.scalar);
      zipInto<scalar_t>(ctx, [alpha](scalar_t a, scalar_t b) { return a + alpha * b; });
    });
    return;
  }
  TD_CPU_DISPATCH_NUMERIC(ctx.out().dtype(), "add", [&] {
    zipInto<scalar_t>(ctx, [](scalar_t a, scalar_t b) { return wrapping(a, b, [](auto x, auto y) { return x + y; }); });
  });
}

void subKernel(const KernelContext& ctx) {
  checkBinary(ctx, false);
  TD_CPU_DISPATCH_NUMERIC(ctx.out().dtype(), "sub", [&] {
    zipInto<scalar_t>(ctx, [](scalar_t a, scalar_t b) { return wrapping(a, b, [](auto x, auto y) { return x - y; }); });
  });
}

void mulKernel(const KernelContext& ctx) {
  checkBinary(ctx, false);
  TD_CPU_DISPATCH_NUMERIC(ctx.out().dtype(), "mul", [&] {
    zipInto<scalar_t>(ctx, [](scalar_t a, scalar_t b) { return wrapping(a, b, [](auto x, auto y) { return x * y; }); });
  });
}

void divKernel(const KernelContext& ctx) {
  checkBinary(ctx, false);
  // True division of integers has a float result: the frontend promotes first.
  TD_DISPATCH_FLOATING(ctx.out().dtype(), "div", [&] { zipInto<scalar_t>(ctx, [](scalar_t a, scalar_t b) { return a / b; }); });
}

void powKernel(const KernelContext& ctx) {
  checkBinary(ctx, false);
  TD_CPU_DISPATCH_NUMERIC(ctx.out().dtype(), "pow", [&] {
    zipInto<scalar_t>(ctx, [](scalar_t a, scalar_t b) -> scalar_t {
      if constexpr (std::is_integral_v<scalar_t>)
        return integerPow(a, b);
      else
        return std::pow(a, b);
    });
  });
}

// maximum/minimum: a NaN in either operand gives NaN (as PyTorch).
void maximumKernel(const KernelContext& ctx) {
  checkBinary(ctx, false);
  TD_CPU_DISPATCH_NUMERIC(ctx.out().dtype(), "maximum", [&] {
    zipInto<scalar_t>(ctx, [](scalar_t a, scalar_t b) -> scalar_t {
      if constexpr (std::is_floating_point_v<scalar_t>)
        if (std::isnan(a) || std::isnan(b)) return a + b;
      return a < b ? b : a;
    });
  });
}

void minimumKernel(const KernelContext& ctx) {
  checkBinary(ctx, false);
  TD_CPU_DISPATCH_NUMERIC(ctx.out().dtype(), "minimum", [&] {
    zipInto<scalar_t>(ctx, [](scalar_t a, scalar_t b) -> scalar_t {
      if constexpr (std::is_floating_point_v<scalar_t>)
        if (std::isnan(a) || std::isnan(b)) return a + b;
      return b < a ? b : a;
    });
  });
}

// Python's % and // (as PyTorch computes them): the remainder takes the divisor's sign,
// the quotient rounds down, and for floats a // b is (a - a % b) / b rounded to the
// nearest whole number, so 1.0 // 0.1 is 9 as in Python, not floor(10.000000000000002).
template <typename T>
T floorRemainder(T a, T b) {
  if constexpr (std::is_floating_point_v<T>) {
    T mod = std::fmod(a, b);
    if (mod != 0 && ((b < 0) != (mod < 0))) mod += b;
    return mod;
  } else {
    if (b == 0 || b == -1) return 0;  // (0: refused before the loop; INT64_MIN % -1 overflows)
    T mod = a % b;
    if (mod != 0 && ((b < 0) != (mod < 0))) mod += b;
    return mod;
  }
}

template <typename T>
T floorQuotient(T a, T b) {
  if constexpr (std::is_floating_point_v<T>) {
    if (b == 0) return a / b;
    const T mod = std::fmod(a, b);
    T div = (a - mod) / b;
    if (mod != 0 && ((b < 0) != (mod < 0))) div -= T(1);
    if (div == 0) return std::copysign(T(0), a / b);
    T floored = std::floor(div);
    if (div - floored > T(0.5)) floored += T(1);
    return floored;
  } else {
    if (b == 0) return 0;  // (refused before the loop)
    if (b == -1) return wrapping(a, b, [](auto x, auto y) { return x * y; });  // (INT64_MIN / -1 wraps)
    T q = a / b;
    if ((a % b != 0) && ((a < 0) != (b < 0))) q -= 1;
    return q;
  }
}

/// An integer divisor of 0 is refused before any element is computed (as Python's
/// ZeroDivisionError; PyTorch raises too).
template <typename T>
void refuseIntegerZero(const Tensor& divisor, const char* name) {
  if constexpr (std::is_integral_v<T>) {
    bool zero = false;
    forEachElement(divisor.shape(), [&zero](const T& v) { zero = zero || v == 0; }, strided<const T>(divisor));
    TD_CHECK(!zero, name, "integer division by zero (ZeroDivisionError)");
  }
}

void remainderKernel(const KernelContext& ctx) {
  checkBinary(ctx, false);
  TD_CPU_DISPATCH_NUMERIC(ctx.out().dtype(), "remainder", [&] {
    refuseIntegerZero<scalar_t>(ctx.in(1), "remainder");
    zipInto<scalar_t>(ctx, [](scalar_t a, scalar_t b) { return floorRemainder(a, b); });
  });
}

void atan2Kernel(const KernelContext& ctx) {
  checkBinary(ctx, false);
  TD_DISPATCH_FLOATING(ctx.out().dtype(), "atan2", [&] {
    zipInto<scalar_t>(ctx, [](scalar_t y, scalar_t x) { return std::atan2(y, x); });
  });
}

void floorDivideKernel(const KernelContext& ctx) {
  checkBinary(ctx, false);
  TD_CPU_DISPATCH_NUMERIC(ctx.out().dtype(), "floor_divide", [&] {
    refuseIntegerZero<scalar_t>(ctx.in(1), "floor_divide");
    zipInto<scalar_t>(ctx, [](scalar_t a, scalar_t b) { return floorQuotient(a, b); });
  });
}

/// out (bool)[i] = cmp(a[i], b[i]) for inputs of any dtype.
template <typename Cmp>
void compareKernel(const KernelContext& ctx, Cmp cmp) {
  checkBinary(ctx, true);
  TD_DISPATCH_ALL(ctx.in(0).dtype(), opName(ctx.op), [&] {
    parallelForEachElement(
        ctx.out().shape(), [cmp](bool& o, const scalar_t& a, const scalar_t& b) { o = cmp(a, b); },
        strided<bool>(ctx.out()), strided<const scalar_t>(ctx.in(0)), strided<const scalar_t>(ctx.in(1)));
  });
}

void eqKernel(const KernelContext& ctx) {
  compareKernel(ctx, [](auto a, auto b) { return a == b; });
}
void neKernel(const KernelContext& ctx) {
  compareKernel(ctx, [](auto a, auto b) { return a != b; });
}
void ltKernel(const KernelContext& ctx) {
  compareKernel(ctx, [](auto a, auto b) { return a < b; });
}
void leKernel(const KernelContext& ctx) {
  compareKernel(ctx, [](auto a, auto b) { return a <= b; });
}
void gtKernel(const KernelContext& ctx) {
  compareKernel(ctx, [](auto a, auto b) { return a > b; });
}
void geKernel(const KernelContext& ctx) {
  compareKernel(ctx, [](auto a, auto b) { return a >= b; });
}

void reluBackwardKernel(const KernelContext& ctx) {
  checkBinary(ctx, false);
  TD_DISPATCH_FLOATING(ctx.out().dtype(), "relu_backward", [&] {
    zipInto<scalar_t>(ctx, [](scalar_t g, scalar_t r) { return r > scalar_t(0) ? g : scalar_t(0); });
  });
}

void binaryCrossEntropyKernel(const KernelContext& ctx) {
  checkBinary(ctx, false);
  TD_DISPATCH_FLOATING(ctx.out().dtype(), "binary_cross_entropy", [&] {
    zipInto<scalar_t>(ctx, [](scalar_t p, scalar_t t) {
      const scalar_t logP = std::max(std::log(p), scalar_t(-100));
      const scalar_t logQ = std::max(std::log(scalar_t(1) - p), scalar_t(-100));
      return (t - scalar_t(1)) * logQ - t * logP;
    });
  });
}

void whereKernel(const KernelContext& ctx) {
  const Tensor& out = ctx.out();
  const Tensor& cond = ctx.in(0);
  TD_ASSERT(cond.dtype() == DType::Bool, "where: condition must be bool");
  for (std::size_t i = 0; i < 3; ++i)
    TD_ASSERT(ctx.in(i).shape() == out.shape(), "where: input ", i, " is not expanded to the output");
  TD_ASSERT(ctx.in(1).dtype() == out.dtype() && ctx.in(2).dtype() == out.dtype(), "where: wrong value dtypes");
  TD_DISPATCH_ALL(out.dtype(), "where", [&] {
    parallelForEachElement(
        out.shape(), [](scalar_t& o, const bool& c, const scalar_t& a, const scalar_t& b) { o = c ? a : b; },
        strided<scalar_t>(out), strided<const bool>(cond), strided<const scalar_t>(ctx.in(1)),
        strided<const scalar_t>(ctx.in(2)));
  });
}

}  // namespace

TD_REGISTER_KERNEL(CPU, Add, addKernel);
TD_REGISTER_KERNEL(CPU, ReluBackward, reluBackwardKernel);
TD_REGISTER_KERNEL(CPU, BinaryCrossEntropy, binaryCrossEntropyKernel);
TD_REGISTER_KERNEL(CPU, Sub, subKernel);
TD_REGISTER_KERNEL(CPU, Mul, mulKernel);
TD_REGISTER_KERNEL(CPU, Div, divKernel);
TD_REGISTER_KERNEL(CPU, Pow, powKernel);
TD_REGISTER_KERNEL(CPU, Maximum, maximumKernel);
TD_REGISTER_KERNEL(CPU, Minimum, minimumKernel);
TD_REGISTER_KERNEL(CPU, Remainder, remainderKernel);
TD_REGISTER_KERNEL(CPU, Atan2, atan2Kernel);
TD_REGISTER_KERNEL(CPU, FloorDivide, floorDivideKernel);
TD_REGISTER_KERNEL(CPU, Eq, eqKernel);
TD_REGISTER_KERNEL(CPU, Ne, neKernel);
TD_REGISTER_KERNEL(CPU, Lt, ltKernel);
TD_REGISTER_KERNEL(CPU, Le, leKernel);
TD_REGISTER_KERNEL(CPU, Gt, gtKernel);
TD_REGISTER_KERNEL(CPU, Ge, geKernel);
TD_REGISTER_KERNEL(CPU, Where, whereKernel);

}  // namespace td
