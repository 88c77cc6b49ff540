// Fused activations that are primitives because their composite forms have kinks
// or overflow (softplus: the composite's gradient at 0 would be a subgradient).
#include <cmath>

#include "tapedeck/backends/Backend.h"

namespace td::cpu {
namespace {

template <typename T>
void softplusLoop(const Tensor& x, Tensor& out, double beta, double threshold) {
  // x may be strided: walk it with an index counter over its shape.
  const IntList& shape = x.shape();
  const IntList& strides = x.strides();
  int64_t n = out.numel();
  const T* in = x.data<T>();
  T* o = out.data<T>();
  IntList index(shape.size(), 0);
  int64_t offset = 0;
  for (int64_t i = 0; i < n; ++i) {
    double v = static_cast<double>(in[offset]);
    double bv = beta * v;
    o[i] = static_cast<T>(bv > threshold ? v : (std::max(bv, 0.0) + std::log1p(std::exp(-std::fabs(bv)))) / beta);
    for (std::size_t d = shape.size(); d-- > 0;) {
      if (++index[d] < shape[d]) {
        offset += strides[d];
        break;
      }
      offset -= strides[d] * (shape[d] - 1);
      index[d] = 0;
    }
  }
}

void softplusKernel(const KernelContext& ctx) {
  const Tensor& x = ctx.in(0);
  Tensor& out = ctx.out(0);
  TD_DISPATCH_FLOATING(x.dtype(), "softplus",
                       [&] { softplusLoop<scalar_t>(x, out, ctx.attrs.scalar, ctx.attrs.scalar2); });
}

}  // namespace

TD_REGISTER_KERNEL(CPU, Softplus, softplusKernel);

}  // namespace td::cpu
