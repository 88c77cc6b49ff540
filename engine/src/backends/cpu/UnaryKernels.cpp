// CPU kernels of the unary elementwise ops: out (contiguous, the input's shape and
// dtype) = f(input) element by element; the input may have any strides.
#include <cmath>
#include <cstdint>
#include <limits>
#include <type_traits>

#include "CpuLoops.h"
#include "tapedeck/backends/Backend.h"

namespace td {
namespace {

using cpu::detail::forEachElement;
using cpu::detail::parallelForEachElement;
using cpu::detail::strided;

/// out[i] = f(in[i]) for the dtypes chosen by the caller's dispatch.
template <typename T, typename F>
void mapInto(const KernelContext& ctx, F f) {
  const Tensor& in = ctx.in(0);
  const Tensor& out = ctx.out();
  TD_ASSERT(in.shape() == out.shape() && in.dtype() == out.dtype(), opName(ctx.op), ": output does not match input");
  parallelForEachElement(out.shape(), [f](T& o, const T& x) { o = f(x); }, strided<T>(out), strided<const T>(in));
}

// Negation and absolute value wrap around for INT64_MIN instead of overflowing.
template <typename T>
T negate(T x) {
  if constexpr (std::is_integral_v<T>)
    return static_cast<T>(0ULL - static_cast<uint64_t>(x));
  else
    return -x;
}

template <typename T>
T stableSigmoid(T x) {
  if (x >= T(0)) return T(1) / (T(1) + std::exp(-x));
  const T e = std::exp(x);  // x < 0: exp(-x) could overflow
  return e / (T(1) + e);
}

/// double to T; for int64, bounds beyond the type's range clamp to it.
template <typename T>
T saturatingCast(double v) {
  if constexpr (std::is_integral_v<T>) {
    if (v >= 9223372036854775807.0) return std::numeric_limits<T>::max();
    if (v <= -9223372036854775808.0) return std::numeric_limits<T>::min();
    if (std::isnan(v)) return T(0);
  }
  return static_cast<T>(v);
}

void negKernel(const KernelContext& ctx) {
  TD_CPU_DISPATCH_NUMERIC(ctx.in(0).dtype(), "neg", [&] { mapInto<scalar_t>(ctx, [](scalar_t x) { return negate(x); }); });
}

void absKernel(const KernelContext& ctx) {
  TD_CPU_DISPATCH_NUMERIC(ctx.in(0).dtype(), "abs", [&] {
    mapInto<scalar_t>(ctx, [](scalar_t x) {
      if constexpr (std::is_floating_point_v<scalar_t>)
        return std::abs(x);
      else
        return x < 0 ? negate(x) : x;
    });
  });
}

void signKernel(const KernelContext& ctx) {
  // As PyTorch: (0 < x) - (x < 0), so NaN gives 0.
  TD_CPU_DISPATCH_NUMERIC(ctx.in(0).dtype(), "sign", [&] {
    mapInto<scalar_t>(ctx, [](scalar_t x) {
      return static_cast<scalar_t>(static_cast<int>(scalar_t(0) < x) - static_cast<int>(x < scalar_t(0)));
    });
  });
}

/// floor, ceil, round (half to even under the default rounding mode), trunc: integers are
/// already whole.
template <typename F>
void roundingKernel(const KernelContext& ctx, const char* name, F f) {
  TD_CPU_DISPATCH_NUMERIC(ctx.in(0).dtype(), name, [&] {
    mapInto<scalar_t>(ctx, [f](scalar_t x) -> scalar_t {
      if constexpr (std::is_floating_point_v<scalar_t>)
        return f(x);
      else
        return x;
    });
  });
}
void floorKernel(const KernelContext& ctx) { roundingKernel(ctx, "floor", [](auto x) { return std::floor(x); }); }
void ceilKernel(const KernelContext& ctx) { roundingKernel(ctx, "ceil", [](auto x) { return std::ceil(x); }); }
void roundKernel(const KernelContext& ctx) { roundingKernel(ctx, "round", [](auto x) { return std::nearbyint(x); }); }
void truncKernel(const KernelContext& ctx) { roundingKernel(ctx, "trunc", [](auto x) { return std::trunc(x); }); }

void reluKernel(const KernelContext& ctx) {
  // NaN propagates (x < 0 is false for NaN).
  TD_CPU_DISPATCH_NUMERIC(ctx.in(0).dtype(), "relu",
                          [&] { mapInto<scalar_t>(ctx, [](scalar_t x) { return x < scalar_t(0) ? scalar_t(0) : x; }); });
}

void clampKernel(const KernelContext& ctx) {
  const OpAttrs& attrs = ctx.attrs;
  TD_CPU_DISPATCH_NUMERIC(ctx.in(0).dtype(), "clamp", [&] {
    const bool hasMin = attrs.hasMin;
    const bool hasMax = attrs.hasMax;
    const scalar_t lo = saturatingCast<scalar_t>(attrs.scalar);
    const scalar_t hi = saturatingCast<scalar_t>(attrs.scalar2);
    // min first, then max: when min > max every element becomes max (as PyTorch).
    // A NaN element stays NaN because both comparisons are false.
    mapInto<scalar_t>(ctx, [=](scalar_t x) {
      if (hasMin && x < lo) x = lo;
      if (hasMax && x > hi) x = hi;
      return x;
    });
  });
}

void fillKernel(const KernelContext& ctx) {
  const Tensor& out = ctx.out();
  TD_ASSERT(ctx.in(0).shape() == out.shape() && ctx.in(0).dtype() == out.dtype(), "fill: output does not match input");
  TD_DISPATCH_ALL(out.dtype(), "fill", [&] {
    const auto value = cpu::detail::convertValue<scalar_t>(ctx.attrs.scalar);
    scalar_t* data = out.data<scalar_t>();
    const int64_t n = out.numel();
    for (int64_t i = 0; i < n; ++i) data[i] = value;
  });
}

/// The floating-only ops: F is called as f(x) on scalar_t.
#define TD_CPU_FLOAT_UNARY(NAME, DISPLAY, EXPR)                                                     \
  void NAME(const KernelContext& ctx) {                                                             \
    TD_DISPATCH_FLOATING(ctx.in(0).dtype(), DISPLAY, [&] {                                          \
      mapInto<scalar_t>(ctx, [](scalar_t x) -> scalar_t { return EXPR; });                         \
    });                                                                                             \
  }

TD_CPU_FLOAT_UNARY(expKernel, "exp", std::exp(x))
TD_CPU_FLOAT_UNARY(logKernel, "log", std::log(x))
TD_CPU_FLOAT_UNARY(sqrtKernel, "sqrt", std::sqrt(x))
TD_CPU_FLOAT_UNARY(rsqrtKernel, "rsqrt", scalar_t(1) / std::sqrt(x))
TD_CPU_FLOAT_UNARY(sinKernel, "sin", std::sin(x))
TD_CPU_FLOAT_UNARY(cosKernel, "cos", std::cos(x))
TD_CPU_FLOAT_UNARY(tanhKernel, "tanh", std::tanh(x))
TD_CPU_FLOAT_UNARY(sigmoidKernel, "sigmoid", stableSigmoid(x))
TD_CPU_FLOAT_UNARY(erfKernel, "erf", std::erf(x))
TD_CPU_FLOAT_UNARY(log1pKernel, "log1p", std::log1p(x))
TD_CPU_FLOAT_UNARY(expm1Kernel, "expm1", std::expm1(x))
TD_CPU_FLOAT_UNARY(tanKernel, "tan", std::tan(x))
TD_CPU_FLOAT_UNARY(asinKernel, "asin", std::asin(x))
TD_CPU_FLOAT_UNARY(acosKernel, "acos", std::acos(x))
TD_CPU_FLOAT_UNARY(atanKernel, "atan", std::atan(x))
TD_CPU_FLOAT_UNARY(sinhKernel, "sinh", std::sinh(x))
TD_CPU_FLOAT_UNARY(coshKernel, "cosh", std::cosh(x))
TD_CPU_FLOAT_UNARY(asinhKernel, "asinh", std::asinh(x))
TD_CPU_FLOAT_UNARY(acoshKernel, "acosh", std::acosh(x))
TD_CPU_FLOAT_UNARY(atanhKernel, "atanh", std::atanh(x))

#undef TD_CPU_FLOAT_UNARY

void powScalarKernel(const KernelContext& ctx) {
  const double exponent = ctx.attrs.scalar;
  TD_DISPATCH_FLOATING(ctx.in(0).dtype(), "pow_scalar", [&] {
    const auto e = static_cast<scalar_t>(exponent);
    if (exponent == 2.0)
      mapInto<scalar_t>(ctx, [](scalar_t x) { return x * x; });
    else if (exponent == 1.0)
      mapInto<scalar_t>(ctx, [](scalar_t x) { return x; });
    else
      mapInto<scalar_t>(ctx, [e](scalar_t x) { return std::pow(x, e); });
  });
}

}  // namespace

TD_REGISTER_KERNEL(CPU, Neg, negKernel);
TD_REGISTER_KERNEL(CPU, Exp, expKernel);
TD_REGISTER_KERNEL(CPU, Log, logKernel);
TD_REGISTER_KERNEL(CPU, Sqrt, sqrtKernel);
TD_REGISTER_KERNEL(CPU, Rsqrt, rsqrtKernel);
TD_REGISTER_KERNEL(CPU, Abs, absKernel);
TD_REGISTER_KERNEL(CPU, Sign, signKernel);
TD_REGISTER_KERNEL(CPU, Floor, floorKernel);
TD_REGISTER_KERNEL(CPU, Ceil, ceilKernel);
TD_REGISTER_KERNEL(CPU, Round, roundKernel);
TD_REGISTER_KERNEL(CPU, Trunc, truncKernel);
TD_REGISTER_KERNEL(CPU, Sin, sinKernel);
TD_REGISTER_KERNEL(CPU, Cos, cosKernel);
TD_REGISTER_KERNEL(CPU, Tanh, tanhKernel);
TD_REGISTER_KERNEL(CPU, Sigmoid, sigmoidKernel);
TD_REGISTER_KERNEL(CPU, Relu, reluKernel);
TD_REGISTER_KERNEL(CPU, Erf, erfKernel);
TD_REGISTER_KERNEL(CPU, Log1p, log1pKernel);
TD_REGISTER_KERNEL(CPU, Expm1, expm1Kernel);
TD_REGISTER_KERNEL(CPU, Tan, tanKernel);
TD_REGISTER_KERNEL(CPU, Asin, asinKernel);
TD_REGISTER_KERNEL(CPU, Acos, acosKernel);
TD_REGISTER_KERNEL(CPU, Atan, atanKernel);
TD_REGISTER_KERNEL(CPU, Sinh, sinhKernel);
TD_REGISTER_KERNEL(CPU, Cosh, coshKernel);
TD_REGISTER_KERNEL(CPU, Asinh, asinhKernel);
TD_REGISTER_KERNEL(CPU, Acosh, acoshKernel);
TD_REGISTER_KERNEL(CPU, Atanh, atanhKernel);
void softplusKernel(const KernelContext& ctx) {
  const double beta = ctx.attrs.scalar;
  const double threshold = ctx.attrs.scalar2;
  TD_DISPATCH_FLOATING(ctx.in(0).dtype(), "softplus", [&] {
    // Linear above the threshold; below it log1p(exp(bx)) computed without overflow.
    mapInto<scalar_t>(ctx, [=](scalar_t x) {
      double bx = beta * static_cast<double>(x);
      if (bx > threshold) return x;
      return static_cast<scalar_t>((std::max(bx, 0.0) + std::log1p(std::exp(-std::fabs(bx)))) / beta);
    });
  });
}

TD_REGISTER_KERNEL(CPU, Clamp, clampKernel);
TD_REGISTER_KERNEL(CPU, Softplus, softplusKernel);
TD_REGISTER_KERNEL(CPU, PowScalar, powScalarKernel);
TD_REGISTER_KERNEL(CPU, Fill, fillKernel);

}  // namespace td
