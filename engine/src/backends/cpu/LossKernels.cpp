// CPU kernels of the class losses' primitives: LogSoftmax and Softmax along attrs.dim, and
// NllLoss (the negative log-likelihood of class targets, reduced per attrs.ints[0]). All
// read inputs of any strides; sums run in double.
#include <cmath>
#include <cstdint>
#include <limits>

#include "CpuLoops.h"
#include "tapedeck/backends/Backend.h"

namespace td {
namespace {

using cpu::detail::dropDim;
using cpu::detail::forEachElement;
using cpu::detail::strided;

/// One row of `size` values at `x` (stride xStep) into `out` (stride outStep): its
/// log_softmax (`Log`) or softmax, shifted by the row's max. As PyTorch: a NaN or a +inf
/// makes the row NaN, -inf values get probability 0 (log-probability -inf), and an all
/// -inf row is NaN (0 / 0).
template <typename T, bool Log>
void softmaxRow(const T* x, int64_t xStep, T* out, int64_t outStep, int64_t size) {
  double shift = -std::numeric_limits<double>::infinity();
  bool nan = false;
  for (int64_t k = 0; k < size; ++k) {
    const double v = static_cast<double>(x[k * xStep]);
    if (std::isnan(v)) nan = true;
    else if (v > shift) shift = v;
  }
  if (nan || shift == std::numeric_limits<double>::infinity()) {
    for (int64_t k = 0; k < size; ++k) out[k * outStep] = std::numeric_limits<T>::quiet_NaN();
    return;
  }
  if (std::isinf(shift)) shift = 0.0;  // all -inf: exp gives 0s, and the row 0 / 0
  double total = 0.0;
  for (int64_t k = 0; k < size; ++k) total += std::exp(static_cast<double>(x[k * xStep]) - shift);
  if constexpr (Log) {
    const double offset = shift + std::log(total);
    for (int64_t k = 0; k < size; ++k) out[k * outStep] = static_cast<T>(static_cast<double>(x[k * xStep]) - offset);
  } else {
    for (int64_t k = 0; k < size; ++k)
      out[k * outStep] = static_cast<T>(std::exp(static_cast<double>(x[k * xStep]) - shift) / total);
  }
}

template <typename T, bool Log>
void softmaxAlong(const KernelContext& ctx) {
  const char* name = Log ? "log_softmax" : "softmax";
  const Tensor& x = ctx.in(0);
  const Tensor& out = ctx.out();
  TD_ASSERT(out.shape() == x.shape(), name, ": output shape ", shapeString(out.shape()), ", expected ",
            shapeString(x.shape()));
  if (x.dim() == 0) {
    softmaxRow<T, Log>(x.data<T>(), 1, out.data<T>(), 1, 1);
    return;
  }
  const int64_t dim = ctx.attrs.dim;
  TD_ASSERT(dim >= 0 && dim < x.dim(), name, ": dim ", dim, " out of range");
  const int64_t size = x.size(dim);
  const int64_t xStep = x.stride(dim), outStep = out.stride(dim);
  if (size == 0) return;
  if (dim == x.dim() - 1 && x.isContiguous()) {  // rows one after another: the common case
    const int64_t rows = x.numel() / size;
    const T* in = x.data<T>();
    T* o = out.data<T>();
    for (int64_t r = 0; r < rows; ++r) softmaxRow<T, Log>(in + r * size, 1, o + r * size, 1, size);
    return;
  }
  forEachElement(
      dropDim(x.shape(), dim), [&](T& o, const T& in) { softmaxRow<T, Log>(&in, xStep, &o, outStep, size); },
      strided(out.data<T>(), dropDim(out.strides(), dim)), strided(x.data<T>(), dropDim(x.strides(), dim)));
}

template <typename T>
void nllLoss(const KernelContext& ctx) {
  const Tensor& x = ctx.in(0);
  const Tensor& target = ctx.in(1);
  const Tensor& out = ctx.out();
  TD_ASSERT(x.dim() >= 2 && target.dim() == x.dim() - 1 && !ctx.attrs.ints.empty(),
            "nll_loss: input must be [N, C, d...] and target [N, d...]");
  const int64_t classes = x.size(1);
  const int64_t ignore = ctx.attrs.start;
  const int64_t reduction = ctx.attrs.ints[0];
  const int64_t classStep = x.stride(1);
  const auto pick = [classes, ignore, classStep](const int64_t& t, const T& row, bool& counted) {
    counted = t != ignore;
    if (!counted) return 0.0;
    TD_CHECK(t >= 0 && t < classes, "nll_loss", "target class ", t, " is out of bounds for ", classes, " classes");
    return -static_cast<double>((&row)[t * classStep]);
  };
  const IntList rowStrides = dropDim(x.strides(), 1);
  const auto rows = strided(x.data<T>(), rowStrides);  // x[n, 0, d...]
  if (reduction == 0) {
    TD_ASSERT(out.shape() == target.shape(), "nll_loss: output must have the target's shape");
    forEachElement(
        target.shape(),
        [&pick](T& o, const int64_t& t, const T& row) {
          bool counted = false;
          o = static_cast<T>(pick(t, row, counted));
        },
        strided(out.data<T>(), out.strides()), strided<const int64_t>(target), rows);
    return;
  }
  TD_ASSERT(out.dim() == 0, "nll_loss: a reduced loss is 0-d");
  double total = 0.0;
  int64_t count = 0;
  forEachElement(
      target.shape(),
      [&](const int64_t& t, const T& row) {
        bool counted = false;
        total += pick(t, row, counted);
        count += counted ? 1 : 0;
      },
      strided<const int64_t>(target), rows);
  // Mean over no counted target is 0 / 0: NaN, as PyTorch.
  *out.data<T>() = static_cast<T>(reduction == 1 ? total / static_cast<double>(count) : total);
}

void logSoftmaxKernel(const KernelContext& ctx) {
  TD_DISPATCH_FLOATING(ctx.in(0).dtype(), "log_softmax", [&] { softmaxAlong<scalar_t, true>(ctx); });
}
void softmaxKernel(const KernelContext& ctx) {
  TD_DISPATCH_FLOATING(ctx.in(0).dtype(), "softmax", [&] { softmaxAlong<scalar_t, false>(ctx); });
}
void nllLossKernel(const KernelContext& ctx) {
  TD_CHECK(ctx.in(1).dtype() == DType::Int64, "nll_loss", "target must be int64, got ", dtypeName(ctx.in(1).dtype()));
  TD_DISPATCH_FLOATING(ctx.in(0).dtype(), "nll_loss", [&] { nllLoss<scalar_t>(ctx); });
}

}  // namespace

TD_REGISTER_KERNEL(CPU, LogSoftmax, logSoftmaxKernel);
TD_REGISTER_KERNEL(CPU, Softmax, softmaxKernel);
TD_REGISTER_KERNEL(CPU, NllLoss, nllLossKernel);

}  // namespace td
