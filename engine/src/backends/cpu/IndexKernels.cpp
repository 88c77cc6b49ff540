// CPU indexing kernels along attrs.dim: IndexSelect, IndexAdd (1-D index of whole
// slices) and Gather, ScatterAdd (an index per element). Indices are int64 and must lie
// in [0, size of dim); anything else throws td::Error naming the op and the index.
#include <cstdint>

#include "CpuLoops.h"
#include "tapedeck/backends/Backend.h"

namespace td {
namespace {

using cpu::detail::dropDim;
using cpu::detail::forEachElement;
using cpu::detail::strided;

void checkIndexTensor(const char* name, const Tensor& index, int64_t dim, const Tensor& self) {
  TD_CHECK(index.dtype() == DType::Int64, name, "index must be int64, got ", dtypeName(index.dtype()));
  TD_ASSERT(self.dim() > 0 && dim >= 0 && dim < self.dim(), name, ": dim ", dim, " out of range for ",
            shapeString(self.shape()));
}

/// Element i of a 1-D (or 0-d, one-element) index tensor of any stride.
int64_t indexAt(const Tensor& index, int64_t i) {
  return index.dim() == 0 ? index.data<int64_t>()[0] : index.data<int64_t>()[i * index.stride(0)];
}

template <typename T>
void indexSelect(const KernelContext& ctx) {
  const Tensor& x = ctx.in(0);
  const Tensor& index = ctx.in(1);
  const Tensor& out = ctx.out();
  const int64_t dim = ctx.attrs.dim;
  const int64_t count = index.numel();
  const int64_t size = x.size(dim);
  IntList expected = x.shape();
  expected[dim] = count;
  TD_ASSERT(out.shape() == expected, "index_select: output shape ", shapeString(out.shape()), ", expected ",
            shapeString(expected));
  const IntList sliceShape = dropDim(x.shape(), dim);
  const int64_t sliceNumel = cpu::detail::product(sliceShape);
  const IntList xStrides = dropDim(x.strides(), dim);
  const IntList outStrides = dropDim(out.strides(), dim);
  const int64_t xStep = x.stride(dim), outStep = out.stride(dim);
  for (int64_t i = 0; i < count; ++i) {
    const int64_t v = indexAt(index, i);
    TD_CHECK(v >= 0 && v < size, "index_select", "index ", v, " is out of range for dim ", dim, " of size ", size);
    if (sliceNumel == 0) continue;
    forEachElement(
        sliceShape, [](T& o, const T& s) { o = s; }, strided(out.data<T>() + i * outStep, outStrides),
        strided(x.data<T>() + v * xStep, xStrides));
  }
}

/// out = self (any strides) copied into the contiguous output.
template <typename T>
void copySelf(const Tensor& self, const Tensor& out) {
  TD_ASSERT(out.shape() == self.shape() && out.dtype() == self.dtype(), "output does not match self");
  cpu::detail::copyStrided<T, T>(out.shape(), strided<T>(out), strided<const T>(self));
}

template <typename T>
void indexAdd(const KernelContext& ctx) {
  const Tensor& self = ctx.in(0);
  const Tensor& index = ctx.in(1);
  const Tensor& src = ctx.in(2);
  const Tensor& out = ctx.out();
  const int64_t dim = ctx.attrs.dim;
  copySelf<T>(self, out);
  const int64_t count = index.numel();
  const int64_t size = out.size(dim);
  IntList expected = self.shape();
  expected[dim] = count;
  TD_ASSERT(src.shape() == expected, "index_add: source shape ", shapeString(src.shape()), ", expected ",
            shapeString(expected));
  const IntList sliceShape = dropDim(out.shape(), dim);
  const int64_t sliceNumel = cpu::detail::product(sliceShape);
  const IntList srcStrides = dropDim(src.strides(), dim);
  const IntList outStrides = dropDim(out.strides(), dim);
  const int64_t srcStep = src.stride(dim), outStep = out.stride(dim);
  for (int64_t i = 0; i < count; ++i) {
    const int64_t v = indexAt(index, i);
    TD_CHECK(v >= 0 && v < size, "index_add", "index ", v, " is out of range for dim ", dim, " of size ", size);
    if (sliceNumel == 0) continue;
    forEachElement(
        sliceShape, [](T& o, const T& s) { o += s; }, strided(out.data<T>() + v * outStep, outStrides),
        strided(src.data<T>() + i * srcStep, srcStrides));
  }
}

/// Index and the other tensor have the same rank; index is no larger in any dim but `dim`.
void checkElementwiseIndex(const char* name, const Tensor& index, const Tensor& other, int64_t dim) {
  TD_ASSERT(index.dim() == other.dim(), name, ": index rank differs");
  for (int64_t d = 0; d < index.dim(); ++d)
    TD_ASSERT(d == dim || index.size(d) <= other.size(d), name, ": index ", shapeString(index.shape()),
              " is larger than ", shapeString(other.shape()), " outside dim ", dim);
}

template <typename T>
void gather(const KernelContext& ctx) {
  const Tensor& x = ctx.in(0);
  const Tensor& index = ctx.in(1);
  const Tensor& out = ctx.out();
  const int64_t dim = ctx.attrs.dim;
  TD_ASSERT(out.shape() == index.shape(), "gather: output must have the index's shape");
  checkElementwiseIndex("gather", index, x, dim);
  const int64_t size = x.size(dim);
  const int64_t step = x.stride(dim);
  if (size == 0 && index.numel() > 0) {  // every index is out of range; x has no element to point at
    const int64_t v = index.data<int64_t>()[0];
    TD_CHECK(false, "gather", "index ", v, " is out of range for dim ", dim, " of size 0");
  }
  IntList xStrides = x.strides();
  xStrides[dim] = 0;  // the loop points at x[..., 0, ...]; the index picks the row
  forEachElement(
      index.shape(),
      [size, step, dim](T& o, const int64_t& v, const T& row) {
        TD_CHECK(v >= 0 && v < size, "gather", "index ", v, " is out of range for dim ", dim, " of size ", size);
        o = (&row)[v * step];
      },
      strided<T>(out), strided<const int64_t>(index), strided<const T>(x, xStrides));
}

template <typename T>
void scatterAdd(const KernelContext& ctx) {
  const Tensor& self = ctx.in(0);
  const Tensor& index = ctx.in(1);
  const Tensor& src = ctx.in(2);
  const Tensor& out = ctx.out();
  const int64_t dim = ctx.attrs.dim;
  copySelf<T>(self, out);
  checkElementwiseIndex("scatter_add", index, out, dim);
  checkElementwiseIndex("scatter_add", index, src, -1);
  const int64_t size = out.size(dim);
  const int64_t step = out.stride(dim);
  if (size == 0 && index.numel() > 0) {  // every index is out of range; out has no element to point at
    const int64_t v = index.data<int64_t>()[0];
    TD_CHECK(false, "scatter_add", "index ", v, " is out of range for dim ", dim, " of size 0");
  }
  IntList outStrides = out.strides();
  outStrides[dim] = 0;
  forEachElement(
      index.shape(),
      [size, step, dim](T& row, const int64_t& v, const T& s) {
        TD_CHECK(v >= 0 && v < size, "scatter_add", "index ", v, " is out of range for dim ", dim, " of size ", size);
        (&row)[v * step] += s;
      },
      strided<T>(out, outStrides), strided<const int64_t>(index), strided<const T>(src));
}

void indexSelectKernel(const KernelContext& ctx) {
  checkIndexTensor("index_select", ctx.in(1), ctx.attrs.dim, ctx.in(0));
  TD_ASSERT(ctx.in(1).dim() <= 1, "index_select: index must be 1-D");
  TD_DISPATCH_ALL(ctx.in(0).dtype(), "index_select", [&] { indexSelect<scalar_t>(ctx); });
}
void indexAddKernel(const KernelContext& ctx) {
  checkIndexTensor("index_add", ctx.in(1), ctx.attrs.dim, ctx.in(0));
  TD_ASSERT(ctx.in(1).dim() <= 1, "index_add: index must be 1-D");
  TD_CPU_DISPATCH_NUMERIC(ctx.in(0).dtype(), "index_add", [&] { indexAdd<scalar_t>(ctx); });
}
void gatherKernel(const KernelContext& ctx) {
  checkIndexTensor("gather", ctx.in(1), ctx.attrs.dim, ctx.in(0));
  TD_DISPATCH_ALL(ctx.in(0).dtype(), "gather", [&] { gather<scalar_t>(ctx); });
}
void scatterAddKernel(const KernelContext& ctx) {
  checkIndexTensor("scatter_add", ctx.in(1), ctx.attrs.dim, ctx.in(0));
  TD_CPU_DISPATCH_NUMERIC(ctx.in(0).dtype(), "scatter_add", [&] { scatterAdd<scalar_t>(ctx); });
}

}  // namespace

TD_REGISTER_KERNEL(CPU, IndexSelect, indexSelectKernel);
TD_REGISTER_KERNEL(CPU, IndexAdd, indexAddKernel);
TD_REGISTER_KERNEL(CPU, Gather, gatherKernel);
TD_REGISTER_KERNEL(CPU, ScatterAdd, scatterAddKernel);

}  // namespace td
