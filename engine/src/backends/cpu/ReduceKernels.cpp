// CPU kernels of the reductions. Sum/Amax/Amin reduce over attrs.ints (sorted, unique
// dims of the input); Argmax/Argmin over the one dim attrs.ints[0]. The output is
// contiguous with numel = product of the kept dims, whatever its rank (keepdim or not).
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>
#include <type_traits>
#include <vector>

#include "CpuLoops.h"
#include "tapedeck/backends/Backend.h"
#include "tapedeck/core/Parallel.h"

namespace td {
namespace {

using cpu::detail::forEachElement;
using cpu::detail::strided;

using cpu::detail::isNan;

/// Where each input element accumulates: the output's strides over the input's dims
/// as if keepdim, with stride 0 along the reduced dims.
struct ReducePlan {
  IntList outStrides;
  int64_t outNumel = 1;
  bool reducesEmptyDim = false;  // some reduced dim has size 0
};

ReducePlan planReduction(const KernelContext& ctx) {
  const Tensor& in = ctx.in(0);
  const IntList& dims = ctx.attrs.ints;
  const std::string_view name = opName(ctx.op);
  TD_ASSERT(!dims.empty(), name, ": no dims to reduce");
  IntList keptShape = in.shape();
  ReducePlan plan;
  int64_t previous = -1;
  for (int64_t d : dims) {
    TD_ASSERT(d > previous && d < in.dim(), name, ": reduction dims must be sorted, unique and in range");
    previous = d;
    if (keptShape[d] == 0) plan.reducesEmptyDim = true;
    keptShape[d] = 1;
  }
  plan.outStrides = cpu::detail::rowMajorStrides(keptShape);
  for (int64_t d : dims) plan.outStrides[d] = 0;
  plan.outNumel = cpu::detail::product(keptShape);
  TD_ASSERT(ctx.out().numel() == plan.outNumel, name, ": output has ", ctx.out().numel(), " elements, expected ",
            plan.outNumel);
  return plan;
}

/// A 0-d input (dims {0} or {-1} name its only "dim"): nothing to reduce.
bool isScalarInput(const KernelContext& ctx) { return ctx.in(0).dim() == 0; }

/// acc (out's numel, in row-major order of the kept dims) = sums of `in` over the plan's dims.
template <typename In, typename Acc>
void accumulateSum(const Tensor& in, const ReducePlan& plan, Acc* acc) {
  for (int64_t i = 0; i < plan.outNumel; ++i) acc[i] = Acc(0);
  if (in.dim() == 0) {
    acc[0] = static_cast<Acc>(*in.data<In>());
    return;
  }
  forEachElement(
      in.shape(),
      [](Acc& a, const In& x) {
        if constexpr (std::is_integral_v<Acc>)  // wraps around instead of overflowing
          a = static_cast<Acc>(static_cast<uint64_t>(a) + static_cast<uint64_t>(x));
        else
          a += static_cast<Acc>(x);
      },
      strided(acc, plan.outStrides), strided<const In>(in));
}

/// Sum of a large contiguous tensor: fixed-size chunks summed in parallel, the chunk
/// sums then added in chunk order, so the result is the same for any thread count.
void fullSumChunked(const Tensor& in, const Tensor& out) {
  const int64_t n = in.numel();
  const int64_t grain = cpu::detail::kElementwiseGrain;
  const int64_t chunks = (n + grain - 1) / grain;
  TD_CPU_DISPATCH_NUMERIC(in.dtype(), "sum", [&] {
    using Acc = std::conditional_t<std::is_integral_v<scalar_t>, uint64_t, double>;
    std::vector<Acc> partial(static_cast<std::size_t>(chunks), Acc(0));
    const scalar_t* data = in.data<scalar_t>();
    ::td::detail::parallelFor(0, n, grain, [&](int64_t b, int64_t e) {
      Acc acc = Acc(0);
      for (int64_t i = b; i < e; ++i) acc += static_cast<Acc>(data[i]);
      partial[static_cast<std::size_t>(b / grain)] = acc;
    });
    Acc total = Acc(0);
    for (Acc p : partial) total += p;
    *out.data<scalar_t>() = static_cast<scalar_t>(total);
  });
}

/// Sums over trailing reduced dims of a contiguous input: each contiguous block is summed
/// in a register (the loop vectorises), then leading reduced dims, if any, are summed over
/// the block sums. Returns false when the trailing block is too small to be worth it.
bool trailingBlockSum(const Tensor& in, const IntList& dims, const Tensor& out) {
  const int64_t rank = in.dim();
  int64_t trailing = 0;
  while (trailing < static_cast<int64_t>(dims.size()) && dims[dims.size() - 1 - trailing] == rank - 1 - trailing)
    ++trailing;
  if (trailing == 0) return false;
  int64_t block = 1;
  for (int64_t d = rank - trailing; d < rank; ++d) block *= in.shape()[d];
  if (block < 8) return false;
  const int64_t blocks = in.numel() / block;
  IntList leading(in.shape().begin(), in.shape().begin() + (rank - trailing));
  IntList leadingDims(dims.begin(), dims.end() - trailing);
  TD_CPU_DISPATCH_NUMERIC(in.dtype(), "sum", [&] {
    using Acc = std::conditional_t<std::is_integral_v<scalar_t>, uint64_t, double>;
    const scalar_t* data = in.data<scalar_t>();
    std::vector<Acc> partial(static_cast<std::size_t>(blocks));
    const int64_t grain = std::max<int64_t>(1, cpu::detail::kElementwiseGrain / block);
    ::td::detail::parallelFor(0, blocks, grain, [&](int64_t b0, int64_t b1) {
      for (int64_t b = b0; b < b1; ++b) {
        const scalar_t* p = data + b * block;
        Acc acc = Acc(0);
        for (int64_t i = 0; i < block; ++i) acc += static_cast<Acc>(p[i]);
        partial[static_cast<std::size_t>(b)] = acc;
      }
    });
    scalar_t* result = out.data<scalar_t>();
    if (leadingDims.empty()) {
      for (int64_t b = 0; b < blocks; ++b) result[b] = static_cast<scalar_t>(partial[static_cast<std::size_t>(b)]);
      return;
    }
    IntList kept = leading;
    for (int64_t d : leadingDims) kept[d] = 1;
    IntList outStrides = cpu::detail::rowMajorStrides(kept);
    for (int64_t d : leadingDims) outStrides[d] = 0;
    std::vector<Acc> acc(static_cast<std::size_t>(out.numel()), Acc(0));
    IntList partialStrides = cpu::detail::rowMajorStrides(leading);
    forEachElement(
        leading, [](Acc& a, const Acc& x) { a += x; }, strided(acc.data(), outStrides),
        strided<const Acc>(partial.data(), partialStrides));
    for (int64_t i = 0; i < out.numel(); ++i) result[i] = static_cast<scalar_t>(acc[static_cast<std::size_t>(i)]);
  });
  return true;
}

void sumKernel(const KernelContext& ctx) {
  const Tensor& in = ctx.in(0);
  const Tensor& out = ctx.out();
  if (in.dtype() == DType::Bool)
    TD_ASSERT(out.dtype() == DType::Int64, "sum: a bool input sums into int64");
  else
    TD_ASSERT(out.dtype() == in.dtype(), "sum: output dtype differs from the input's");
  const ReducePlan plan = isScalarInput(ctx) ? ReducePlan{} : planReduction(ctx);
  if (plan.outNumel == 0) return;
  if (plan.outNumel == 1 && in.isContiguous() && in.numel() > cpu::detail::kElementwiseGrain &&
      in.dtype() != DType::Bool) {
    fullSumChunked(in, out);
    return;
  }
  if (in.dim() > 0 && in.isContiguous() && in.dtype() != DType::Bool && trailingBlockSum(in, ctx.attrs.ints, out))
    return;

  switch (in.dtype()) {
    case DType::Float32: {
      // Accumulate in double for accuracy; the common full reduction needs no allocation.
      double single = 0.0;
      std::vector<double> scratch;
      double* acc = &single;
      if (plan.outNumel > 1) {
        scratch.resize(static_cast<std::size_t>(plan.outNumel));
        acc = scratch.data();
      }
      accumulateSum<float>(in, plan, acc);
      float* result = out.data<float>();
      for (int64_t i = 0; i < plan.outNumel; ++i) result[i] = static_cast<float>(acc[i]);
      return;
    }
    case DType::Float64: return accumulateSum<double>(in, plan, out.data<double>());
    case DType::Int64: return accumulateSum<int64_t>(in, plan, out.data<int64_t>());
    case DType::Bool: return accumulateSum<bool>(in, plan, out.data<int64_t>());
  }
}

/// Amax (isMax) or Amin over the dims; NaN wins.
void extremumKernel(const KernelContext& ctx, bool isMax) {
  const Tensor& in = ctx.in(0);
  const Tensor& out = ctx.out();
  const std::string_view name = opName(ctx.op);
  TD_ASSERT(out.dtype() == in.dtype(), name, ": output dtype differs from the input's");
  TD_DISPATCH_ALL(in.dtype(), name, [&] {
    scalar_t* result = out.data<scalar_t>();
    if (isScalarInput(ctx)) {
      result[0] = *in.data<scalar_t>();
      return;
    }
    const ReducePlan plan = planReduction(ctx);
    TD_CHECK(!plan.reducesEmptyDim, name, "cannot reduce over a dim of size 0 (input shape ", shapeString(in.shape()),
             ")");
    using Limits = std::numeric_limits<scalar_t>;
    scalar_t init;
    if constexpr (std::is_floating_point_v<scalar_t>)
      init = isMax ? -Limits::infinity() : Limits::infinity();
    else
      init = isMax ? Limits::lowest() : Limits::max();
    for (int64_t i = 0; i < plan.outNumel; ++i) result[i] = init;
    auto reduce = [&](auto better) {
      forEachElement(
          in.shape(),
          [better](scalar_t& a, const scalar_t& x) {
            if (better(x, a) || isNan(x)) a = x;
          },
          strided(result, plan.outStrides), strided<const scalar_t>(in));
    };
    if (isMax)
      reduce([](scalar_t x, scalar_t a) { return x > a; });
    else
      reduce([](scalar_t x, scalar_t a) { return x < a; });
  });
}

/// Prod over the dims (an empty one gives 1), in the input's type.
void prodKernel(const KernelContext& ctx) {
  const Tensor& in = ctx.in(0);
  const Tensor& out = ctx.out();
  TD_ASSERT(out.dtype() == in.dtype(), "prod: output dtype differs from the input's");
  TD_CPU_DISPATCH_NUMERIC(in.dtype(), "prod", [&] {
    scalar_t* result = out.data<scalar_t>();
    if (isScalarInput(ctx)) {
      result[0] = *in.data<scalar_t>();
      return;
    }
    const ReducePlan plan = planReduction(ctx);
    for (int64_t i = 0; i < plan.outNumel; ++i) result[i] = scalar_t(1);
    if (in.numel() == 0) return;
    forEachElement(
        in.shape(), [](scalar_t& a, const scalar_t& x) { a *= x; }, strided(result, plan.outStrides),
        strided<const scalar_t>(in));
  });
}

void amaxKernel(const KernelContext& ctx) { extremumKernel(ctx, true); }
void aminKernel(const KernelContext& ctx) { extremumKernel(ctx, false); }

/// Argmax (isMax) or Argmin along attrs.ints[0]: the first extremum wins, the first NaN
/// beats everything.
void argExtremumKernel(const KernelContext& ctx, bool isMax) {
  const Tensor& in = ctx.in(0);
  const Tensor& out = ctx.out();
  const std::string_view name = opName(ctx.op);
  TD_ASSERT(ctx.attrs.ints.size() == 1, name, ": expected exactly one dim");
  TD_ASSERT(out.dtype() == DType::Int64, name, ": output must be int64");
  int64_t* result = out.data<int64_t>();
  if (in.dim() == 0) {
    result[0] = 0;
    return;
  }
  const int64_t dim = ctx.attrs.ints[0];
  TD_ASSERT(dim >= 0 && dim < in.dim(), name, ": dim out of range");
  const int64_t length = in.size(dim);
  TD_CHECK(length > 0, name, "cannot reduce over dim ", dim, " of size 0 (input shape ", shapeString(in.shape()), ")");
  const int64_t step = in.stride(dim);
  IntList outerShape = in.shape();
  outerShape[dim] = 1;
  const IntList outStrides = cpu::detail::rowMajorStrides(outerShape);
  TD_ASSERT(out.numel() == cpu::detail::product(outerShape), name, ": wrong output size");

  TD_CPU_DISPATCH_NUMERIC(in.dtype(), name, [&] {
    auto scan = [&](auto better) {
      forEachElement(
          outerShape,
          [better, length, step](int64_t& o, const scalar_t& first) {
            const scalar_t* p = &first;
            scalar_t best = p[0];
            int64_t bestIndex = 0;
            if (!isNan(best)) {
              for (int64_t k = 1; k < length; ++k) {
                const scalar_t v = p[k * step];
                if (isNan(v)) {
                  bestIndex = k;
                  break;
                }
                if (better(v, best)) {
                  best = v;
                  bestIndex = k;
                }
              }
            }
            o = bestIndex;
          },
          strided(result, outStrides), strided<const scalar_t>(in));
    };
    if (isMax)
      scan([](scalar_t v, scalar_t best) { return v > best; });
    else
      scan([](scalar_t v, scalar_t best) { return v < best; });
  });
}

void argmaxKernel(const KernelContext& ctx) { argExtremumKernel(ctx, true); }
void argminKernel(const KernelContext& ctx) { argExtremumKernel(ctx, false); }

/// Running sums along ints[0]: float32 accumulates in double, integers in int64 (wrapping).
void cumsumKernel(const KernelContext& ctx) {
  const Tensor& in = ctx.in(0);
  const Tensor& out = ctx.out();
  TD_ASSERT(ctx.attrs.ints.size() == 1 && out.shape() == in.shape() && out.dtype() == in.dtype() && out.isContiguous(),
            "cumsum: output does not match input");
  const int64_t dim = ctx.attrs.ints[0];
  const int64_t length = in.size(dim);
  const int64_t inStep = in.stride(dim);
  const int64_t outStep = out.stride(dim);
  IntList outerShape = in.shape();
  outerShape[dim] = 1;
  if (length == 0 || in.numel() == 0) return;
  TD_CPU_DISPATCH_NUMERIC(in.dtype(), "cumsum", [&] {
    using acc_t = std::conditional_t<std::is_floating_point_v<scalar_t>, double, uint64_t>;
    forEachElement(
        outerShape,
        [length, inStep, outStep](scalar_t& first, const scalar_t& from) {
          scalar_t* o = &first;
          const scalar_t* p = &from;
          acc_t total = 0;
          for (int64_t k = 0; k < length; ++k) {
            total += static_cast<acc_t>(p[k * inStep]);
            o[k * outStep] = static_cast<scalar_t>(total);
          }
        },
        strided(out.data<scalar_t>(), out.strides()), strided<const scalar_t>(in));
  });
}

/// Each lane along attrs.dim sorted stably into values and indices (attrs.step -1:
/// descending); NaN is larger than every number, as PyTorch orders it.
void sortKernel(const KernelContext& ctx) {
  const Tensor& in = ctx.in(0);
  const Tensor& values = ctx.out(0);
  const Tensor& indices = ctx.out(1);
  const int64_t dim = ctx.attrs.dim;
  TD_ASSERT(dim >= 0 && dim < in.dim() && values.shape() == in.shape() && indices.shape() == in.shape() &&
                values.isContiguous() && indices.isContiguous() && indices.dtype() == DType::Int64,
            "sort: outputs do not match the input");
  const bool descending = ctx.attrs.step < 0;
  const int64_t length = in.size(dim);
  const int64_t inStep = in.stride(dim);
  const int64_t outStep = values.stride(dim);
  IntList outerShape = in.shape();
  outerShape[dim] = 1;
  if (in.numel() == 0) return;
  TD_CPU_DISPATCH_NUMERIC(in.dtype(), "sort", [&] {
    std::vector<int64_t> order(static_cast<std::size_t>(length));
    forEachElement(
        outerShape,
        [&](scalar_t& valueOut, int64_t& indexOut, const scalar_t& from) {
          const scalar_t* p = &from;
          for (int64_t k = 0; k < length; ++k) order[static_cast<std::size_t>(k)] = k;
          auto key = [p, inStep](int64_t k) { return p[k * inStep]; };
          // NaN is the largest: ascending puts it last, descending first.
          auto less = [&](int64_t a, int64_t b) {
            const scalar_t x = key(a), y = key(b);
            if (isNan(x) || isNan(y)) return !isNan(x) && isNan(y);
            return x < y;
          };
          if (descending)
            std::stable_sort(order.begin(), order.end(), [&](int64_t a, int64_t b) { return less(b, a); });
          else
            std::stable_sort(order.begin(), order.end(), less);
          scalar_t* v = &valueOut;
          int64_t* i = &indexOut;
          for (int64_t k = 0; k < length; ++k) {
            v[k * outStep] = key(order[static_cast<std::size_t>(k)]);
            i[k * outStep] = order[static_cast<std::size_t>(k)];
          }
        },
        strided(values.data<scalar_t>(), values.strides()), strided(indices.data<int64_t>(), indices.strides()),
        strided<const scalar_t>(in));
  });
}

}  // namespace

TD_REGISTER_KERNEL(CPU, Sum, sumKernel);
TD_REGISTER_KERNEL(CPU, Sort, sortKernel);
TD_REGISTER_KERNEL(CPU, Cumsum, cumsumKernel);
TD_REGISTER_KERNEL(CPU, Prod, prodKernel);
TD_REGISTER_KERNEL(CPU, Amax, amaxKernel);
TD_REGISTER_KERNEL(CPU, Amin, aminKernel);
TD_REGISTER_KERNEL(CPU, Argmax, argmaxKernel);
TD_REGISTER_KERNEL(CPU, Argmin, argminKernel);

}  // namespace td
