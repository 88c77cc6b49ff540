// CPU copies: Cast, Clone, Copy, Cat, SliceBackward, and td::copyInto (the engine's strided,
// converting copy behind copy_, contiguous and in-place writes).
#include <cstdint>
#include <cstring>
#include <memory>

#include "CpuLoops.h"
#include "tapedeck/backends/Backend.h"

namespace td {
namespace {

using cpu::detail::Strided;
using cpu::detail::strided;

/// Copies src into the elements of dst at `dstData` laid out with `dstStrides` over
/// src's shape, converting between any two dtypes.
void convertCopy(void* dstData, DType dstType, const IntList& dstStrides, const void* srcData, DType srcType,
                 const IntList& srcStrides, const IntList& shape) {
  if (dstType == srcType && cpu::detail::isRowMajor(shape, dstStrides.data()) &&
      cpu::detail::isRowMajor(shape, srcStrides.data())) {
    std::memcpy(dstData, srcData, static_cast<std::size_t>(cpu::detail::product(shape)) * elementSize(dstType));
    return;
  }
  TD_DISPATCH_ALL(dstType, "copy", [&] {
    using To = scalar_t;
    TD_DISPATCH_ALL(srcType, "copy", [&] {
      using From = scalar_t;
      cpu::detail::copyStrided<To, From>(shape, Strided<To>{static_cast<To*>(dstData), dstStrides.data()},
                                         Strided<const From>{static_cast<const From*>(srcData), srcStrides.data()});
    });
  });
}

void copyTensor(const Tensor& dst, const Tensor& src) {
  if (dst.numel() == 0) return;
  convertCopy(dst.rawData(), dst.dtype(), dst.strides(), src.rawData(), src.dtype(), src.strides(), src.shape());
}

/// The bytes [first, last) a tensor's elements can touch.
struct ByteSpan {
  const char* first;
  const char* last;
};

ByteSpan byteSpan(const Tensor& t) {
  const char* base = static_cast<const char*>(t.rawData());
  const auto itemSize = static_cast<int64_t>(elementSize(t.dtype()));
  int64_t low = 0, high = 0;
  for (int64_t d = 0; d < t.dim(); ++d) {
    const int64_t extent = (t.size(d) - 1) * t.stride(d);
    (extent < 0 ? low : high) += extent;
  }
  return {base + low * itemSize, base + (high + 1) * itemSize};
}

void castKernel(const KernelContext& ctx) {
  TD_ASSERT(ctx.out().dtype() == ctx.attrs.dtype, "to: output dtype differs from attrs.dtype");
  TD_ASSERT(ctx.out().shape() == ctx.in(0).shape(), "to: output shape differs from the input's");
  copyTensor(ctx.out(), ctx.in(0));
}

void cloneKernel(const KernelContext& ctx) {
  TD_ASSERT(ctx.out().dtype() == ctx.in(0).dtype() && ctx.out().shape() == ctx.in(0).shape(),
            "clone: output does not match the input");
  copyTensor(ctx.out(), ctx.in(0));
}

void copyKernel(const KernelContext& ctx) {
  TD_ASSERT(ctx.out().dtype() == ctx.in(1).dtype() && ctx.out().shape() == ctx.in(1).shape(),
            "copy: the source is not expanded and cast to the output");
  copyTensor(ctx.out(), ctx.in(1));
}

void catKernel(const KernelContext& ctx) {
  const Tensor& out = ctx.out();
  const int64_t dim = ctx.attrs.dim;
  TD_ASSERT(dim >= 0 && dim < out.dim(), "cat: dim ", dim, " out of range for ", shapeString(out.shape()));
  const int64_t step = out.stride(dim);
  const auto itemSize = static_cast<int64_t>(elementSize(out.dtype()));
  int64_t offset = 0;
  for (std::size_t i = 0; i < ctx.numInputs; ++i) {
    const Tensor& in = ctx.in(i);
    if (in.dim() != out.dim()) {  // the legacy 1-D empty tensor, which cat skips
      TD_ASSERT(in.numel() == 0, "cat: input ", i, " has rank ", in.dim(), ", expected ", out.dim());
      continue;
    }
    for (int64_t d = 0; d < out.dim(); ++d)
      TD_ASSERT(d == dim || in.size(d) == out.size(d), "cat: input ", i, " has shape ", shapeString(in.shape()),
                ", output ", shapeString(out.shape()));
    TD_ASSERT(in.dtype() == out.dtype(), "cat: input ", i, " has dtype ", dtypeName(in.dtype()));
    if (in.numel() > 0) {
      void* dst = static_cast<char*>(out.rawData()) + offset * step * itemSize;
      convertCopy(dst, out.dtype(), out.strides(), in.rawData(), in.dtype(), in.strides(), in.shape());
    }
    offset += in.size(dim);
  }
  TD_ASSERT(offset == out.size(dim), "cat: inputs cover ", offset, " of ", out.size(dim), " along dim ", dim);
}

void sliceBackwardKernel(const KernelContext& ctx) {
  const Tensor& grad = ctx.in(0);
  const Tensor& out = ctx.out();
  const OpAttrs& a = ctx.attrs;
  TD_ASSERT(a.ints == out.shape(), "slice_backward: output shape differs from ints");
  TD_ASSERT(grad.dtype() == out.dtype() && grad.dim() == out.dim(), "slice_backward: grad does not match");
  TD_ASSERT(a.dim >= 0 && a.dim < out.dim() && a.step >= 1 && 0 <= a.start && a.start <= a.end &&
                a.end <= out.size(a.dim),
            "slice_backward: bad slice ", a.start, ":", a.end, ":", a.step, " of dim ", a.dim);
  for (int64_t d = 0; d < out.dim(); ++d) {
    const int64_t expected = d == a.dim ? (a.end - a.start + a.step - 1) / a.step : out.size(d);
    TD_ASSERT(grad.size(d) == expected, "slice_backward: grad shape ", shapeString(grad.shape()), " does not fit");
  }
  if (out.numel() == 0) return;
  std::memset(out.rawData(), 0, static_cast<std::size_t>(out.numel()) * elementSize(out.dtype()));
  if (grad.numel() == 0) return;
  IntList sliceStrides = out.strides();
  sliceStrides[a.dim] *= a.step;
  void* dst = static_cast<char*>(out.rawData()) +
              a.start * out.stride(a.dim) * static_cast<int64_t>(elementSize(out.dtype()));
  convertCopy(dst, out.dtype(), sliceStrides, grad.rawData(), grad.dtype(), grad.strides(), grad.shape());
}

}  // namespace

void copyInto(const Tensor& dst, const Tensor& src) {
  TD_CHECK(dst.device().isCpu() && src.device().isCpu(), "copy", "only CPU tensors are supported, got ",
           dst.device().str(), " and ", src.device().str());
  TD_CHECK(dst.shape() == src.shape(), "copy", "shapes differ: ", shapeString(dst.shape()), " and ",
           shapeString(src.shape()));
  if (dst.numel() == 0) return;
  const ByteSpan d = byteSpan(dst), s = byteSpan(src);
  if (d.first < s.last && s.first < d.last) {  // overlapping memory
    if (dst.rawData() == src.rawData() && dst.dtype() == src.dtype() && dst.strides() == src.strides()) return;
    // Read everything before writing anything: copy src aside first.
    const std::size_t bytes = static_cast<std::size_t>(src.numel()) * elementSize(src.dtype());
    std::unique_ptr<unsigned char[]> staging(new unsigned char[bytes]);
    const IntList dense = cpu::detail::rowMajorStrides(src.shape());
    convertCopy(staging.get(), src.dtype(), dense, src.rawData(), src.dtype(), src.strides(), src.shape());
    convertCopy(dst.rawData(), dst.dtype(), dst.strides(), staging.get(), src.dtype(), dense, src.shape());
    return;
  }
  copyTensor(dst, src);
}

TD_REGISTER_KERNEL(CPU, Cast, castKernel);
TD_REGISTER_KERNEL(CPU, Clone, cloneKernel);
TD_REGISTER_KERNEL(CPU, Copy, copyKernel);
TD_REGISTER_KERNEL(CPU, Cat, catKernel);
TD_REGISTER_KERNEL(CPU, SliceBackward, sliceBackwardKernel);

}  // namespace td
