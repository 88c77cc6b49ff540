// Views (view, permute, expand, slice and what is built from them), copies and
// concatenation. Views share storage and are recorded so gradients flow through them.
#include <algorithm>
#include <optional>

#include "ops/OpUtils.h"
#include "tapedeck/ops/Ops.h"

namespace td {
using namespace detail;

namespace {

Tensor recordView(OpId op, const Tensor& base, const IntList& shape, const IntList& strides, int64_t offset,
                  const OpAttrs& attrs) {
  Tensor out = makeView(base, shape, strides, offset);
  if (base.impl()->autograd) out.impl()->meta().isView = true;
  recordOp(op, &base, 1, &out, 1, attrs);
  return out;
}

/// Strides that let `newShape` view memory laid out as (oldShape, oldStrides), if any.
std::optional<IntList> viewStrides(const IntList& oldShape, const IntList& oldStrides, const IntList& newShape) {
  IntList newStrides(newShape.size(), 1);
  if (oldShape.empty()) return contiguousStrides(newShape);
  int64_t numel = 1;
  for (int64_t s : oldShape) numel *= s;
  if (numel == 0) return oldShape == newShape ? oldStrides : contiguousStrides(newShape);
  int64_t viewD = static_cast<int64_t>(newShape.size()) - 1;
  int64_t chunkBaseStride = oldStrides.back();
  int64_t tensorNumel = 1, viewNumel = 1;
  for (int64_t d = static_cast<int64_t>(oldShape.size()) - 1; d >= 0; --d) {
    tensorNumel *= oldShape[d];
    if (d == 0 || (oldShape[d - 1] != 1 && oldStrides[d - 1] != tensorNumel * chunkBaseStride)) {
      while (viewD >= 0 && (viewNumel < tensorNumel || newShape[viewD] == 1)) {
        newStrides[viewD] = viewNumel * chunkBaseStride;
        viewNumel *= newShape[viewD];
        --viewD;
      }
      if (viewNumel != tensorNumel) return std::nullopt;
      if (d > 0) {
        chunkBaseStride = oldStrides[d - 1];
        tensorNumel = 1;
        viewNumel = 1;
      }
    }
  }
  if (viewD != -1) return std::nullopt;
  return newStrides;
}

/// Resolves one -1 in `shape` and checks the element count matches `numel`.
IntList inferShape(const IntList& shape, int64_t numel, const char* op, const IntList& from) {
  IntList out = shape;
  int64_t known = 1;
  int64_t inferred = -1;
  for (std::size_t i = 0; i < out.size(); ++i) {
    if (out[i] == -1) {
      TD_CHECK(inferred < 0, op, "only one dimension can be -1 in shape ", shapeString(shape));
      inferred = static_cast<int64_t>(i);
    } else {
      TD_CHECK(out[i] >= 0, op, "invalid size ", out[i], " in shape ", shapeString(shape));
      TD_CHECK(!__builtin_mul_overflow(known, out[i], &known), op, "shape ", shapeString(shape),
               " has more elements than fit in 64 bits");
    }
  }
  if (inferred >= 0) {
    TD_CHECK(known != 0 && numel % known == 0, op, "shape ", shapeString(shape), " is invalid for input of shape ",
             shapeString(from));
    out[inferred] = numel / known;
  } else {
    TD_CHECK(known == numel, op, "shape ", shapeString(shape), " is invalid for input of shape ", shapeString(from),
             " (", numel, " elements)");
  }
  checkedNumel(out, op);  // an empty shape's strides must fit too
  return out;
}

}  // namespace

Tensor Tensor::view(const IntList& shape, SourceLoc loc) const {
  ApiScope api(loc);
  IntList s = inferShape(shape, numel(), "view", this->shape());
  auto strides = viewStrides(this->shape(), this->strides(), s);
  TD_CHECK(strides.has_value(), "view", "cannot view a tensor of shape ", shapeString(this->shape()),
           " and strides ", shapeString(this->strides()), " as ", shapeString(s), "; use reshape()");
  OpAttrs attrs;
  attrs.ints = s;
  return recordView(OpId::View, *this, s, *strides, offset(), attrs);
}

Tensor Tensor::reshape(const IntList& shape, SourceLoc loc) const {
  ApiScope api(loc);
  IntList s = inferShape(shape, numel(), "reshape", this->shape());
  if (viewStrides(this->shape(), this->strides(), s)) return view(s);
  return contiguous().view(s);
}

Tensor Tensor::permute(const IntList& dims, SourceLoc loc) const {
  ApiScope api(loc);
  TD_CHECK(static_cast<int64_t>(dims.size()) == dim(), "permute", "got ", dims.size(), " dims for a tensor of rank ",
           dim());
  IntList perm, shape, strides;
  std::vector<bool> seen(dims.size(), false);
  for (int64_t d : dims) {
    int64_t w = wrapDim(d, *this, "permute");
    TD_CHECK(!seen[w], "permute", "dim ", d, " repeats in ", shapeString(dims));
    seen[w] = true;
    perm.push_back(w);
    shape.push_back(this->shape()[w]);
    strides.push_back(this->strides()[w]);
  }
  OpAttrs attrs;
  attrs.ints = perm;
  return recordView(OpId::Permute, *this, shape, strides, offset(), attrs);
}

Tensor Tensor::transpose(int64_t dim0, int64_t dim1, SourceLoc loc) const {
  ApiScope api(loc);
  if (dim() == 0) return *this;
  IntList perm;
  for (int64_t d = 0; d < dim(); ++d) perm.push_back(d);
  std::swap(perm[wrapDim(dim0, *this, "transpose")], perm[wrapDim(dim1, *this, "transpose")]);
  return permute(perm);
}

Tensor Tensor::t(SourceLoc loc) const {
  ApiScope api(loc);
  TD_CHECK(dim() <= 2, "t", "expects a tensor of rank <= 2, got shape ", shapeString(shape()));
  return dim() < 2 ? *this : transpose(0, 1);
}

Tensor Tensor::expand(const IntList& shape, SourceLoc loc) const {
  ApiScope api(loc);
  TD_CHECK(shape.size() >= this->shape().size(), "expand", "cannot expand shape ", shapeString(this->shape()),
           " to fewer dims ", shapeString(shape));
  std::size_t lead = shape.size() - this->shape().size();
  IntList outShape(shape.size(), 0), outStrides(shape.size(), 0);
  for (std::size_t i = 0; i < shape.size(); ++i) {
    if (i < lead) {
      TD_CHECK(shape[i] >= 0, "expand", "invalid size ", shape[i], " for a new leading dim");
      outShape[i] = shape[i];
      continue;
    }
    int64_t have = this->shape()[i - lead];
    int64_t want = shape[i] == -1 ? have : shape[i];
    TD_CHECK(want == have || have == 1, "expand", "cannot expand shape ", shapeString(this->shape()), " to ",
             shapeString(shape), " (dim ", i, ": ", have, " to ", want, ")");
    outShape[i] = want;
    outStrides[i] = want == have ? this->strides()[i - lead] : 0;
  }
  OpAttrs attrs;
  attrs.ints = outShape;
  return recordView(OpId::Expand, *this, outShape, outStrides, offset(), attrs);
}

Tensor Tensor::slice(int64_t d, std::optional<int64_t> start, std::optional<int64_t> end, int64_t step,
                     SourceLoc loc) const {
  ApiScope api(loc);
  TD_CHECK(dim() > 0, "slice", "cannot slice a 0-dim tensor");
  int64_t w = wrapDim(d, *this, "slice");
  TD_CHECK(step > 0, "slice", "step must be positive, got ", step);
  int64_t size = shape()[w];
  auto clampIndex = [&](std::optional<int64_t> v, int64_t fallback) {
    if (!v) return fallback;
    int64_t i = *v < 0 ? *v + size : *v;
    return std::clamp<int64_t>(i, 0, size);
  };
  int64_t s = clampIndex(start, 0);
  int64_t e = std::max(s, clampIndex(end, size));
  IntList outShape = shape(), outStrides = strides();
  outShape[w] = (e - s + step - 1) / step;
  outStrides[w] *= step;
  OpAttrs attrs;
  attrs.dim = w;
  attrs.start = s;
  attrs.end = e;
  attrs.step = step;
  return recordView(OpId::Slice, *this, outShape, outStrides, offset() + s * strides()[w], attrs);
}

Tensor Tensor::narrow(int64_t d, int64_t start, int64_t length, SourceLoc loc) const {
  ApiScope api(loc);
  TD_CHECK(dim() > 0, "narrow", "cannot narrow a 0-dim tensor");
  int64_t w = wrapDim(d, *this, "narrow");
  int64_t size = shape()[w];
  if (start < 0) start += size;
  TD_CHECK(start >= 0 && length >= 0 && start + length <= size, "narrow", "start ", start, " and length ", length,
           " exceed dim ", w, " of size ", size);
  return slice(w, start, start + length, 1);
}

Tensor Tensor::select(int64_t d, int64_t index, SourceLoc loc) const {
  ApiScope api(loc);
  TD_CHECK(dim() > 0, "select", "cannot index a 0-dim tensor");
  int64_t w = wrapDim(d, *this, "select");
  int64_t size = shape()[w];
  TD_CHECK(index >= -size && index < size, "select", "index ", index, " is out of range for dim ", w, " of size ",
           size);
  if (index < 0) index += size;
  return slice(w, index, index + 1, 1).squeeze(w);
}

Tensor Tensor::squeeze(std::optional<int64_t> d, SourceLoc loc) const {
  ApiScope api(loc);
  IntList shape;
  if (d) {
    int64_t w = wrapDim(*d, *this, "squeeze");
    for (int64_t i = 0; i < dim(); ++i)
      if (i != w || this->shape()[i] != 1) shape.push_back(this->shape()[i]);
  } else {
    for (int64_t s : this->shape())
      if (s != 1) shape.push_back(s);
  }
  if (shape == this->shape()) return *this;
  return view(shape);
}

Tensor Tensor::unsqueeze(int64_t d, SourceLoc loc) const {
  ApiScope api(loc);
  int64_t w = wrapDim(d, dim() + 1, "unsqueeze");
  IntList shape = this->shape();
  shape.insert(shape.begin() + w, 1);
  return view(shape);
}

Tensor Tensor::flatten(int64_t startDim, int64_t endDim, SourceLoc loc) const {
  ApiScope api(loc);
  if (dim() == 0) return reshape({1});
  int64_t s = wrapDim(startDim, *this, "flatten");
  int64_t e = wrapDim(endDim, *this, "flatten");
  TD_CHECK(s <= e, "flatten", "start_dim ", startDim, " comes after end_dim ", endDim);
  IntList shape;
  for (int64_t i = 0; i < s; ++i) shape.push_back(this->shape()[i]);
  int64_t merged = 1;
  for (int64_t i = s; i <= e; ++i) merged *= this->shape()[i];
  shape.push_back(merged);
  for (int64_t i = e + 1; i < dim(); ++i) shape.push_back(this->shape()[i]);
  return reshape(shape);
}

Tensor Tensor::to(DType dtype, SourceLoc loc) const {
  ApiScope api(loc);
  if (dtype == this->dtype()) return *this;
  OpAttrs attrs;
  attrs.dtype = dtype;
  return runUnary(OpId::Cast, *this, allocate(shape(), dtype, device(), "to"), attrs);
}

Tensor Tensor::clone(SourceLoc loc) const {
  ApiScope api(loc);
  return runUnary(OpId::Clone, *this, allocate(shape(), dtype(), device(), "clone"), OpAttrs{});
}

Tensor Tensor::contiguous(SourceLoc loc) const {
  if (isContiguous()) return *this;
  ApiScope api(loc);
  return clone();
}

Tensor cat(const std::vector<Tensor>& tensors, int64_t dim, SourceLoc loc) {
  ApiScope api(loc);
  TD_CHECK(!tensors.empty(), "cat", "expected a non-empty list of tensors");
  DType t = tensors[0].dtype();
  for (std::size_t i = 0; i < tensors.size(); ++i) {
    checkDefined(tensors[i], "cat", "tensors");
    t = promoteTypes(t, tensors[i].dtype());
  }
  const Tensor& first = tensors[0];
  TD_CHECK(first.dim() > 0, "cat", "zero-dimensional tensor (at position 0) cannot be concatenated");
  int64_t w = wrapDim(dim, first, "cat");
  IntList shape = first.shape();
  shape[w] = 0;
  std::vector<Tensor> inputs;
  for (std::size_t i = 0; i < tensors.size(); ++i) {
    const Tensor& x = tensors[i];
    TD_CHECK(x.dim() == first.dim(), "cat", "tensor ", i, " has shape ", shapeString(x.shape()),
             ", expected rank ", first.dim(), " like tensor 0 of shape ", shapeString(first.shape()));
    for (int64_t d = 0; d < first.dim(); ++d)
      TD_CHECK(d == w || x.shape()[d] == first.shape()[d], "cat", "sizes must match except in dim ", w,
               ": tensor 0 has shape ", shapeString(first.shape()), ", tensor ", i, " has shape ",
               shapeString(x.shape()));
    shape[w] += x.shape()[w];
    inputs.push_back(castTo(x, t));
  }
  OpAttrs attrs;
  attrs.dim = w;
  Tensor out = allocate(shape, t, first.device(), "cat");
  runKernel(OpId::Cat, inputs.data(), inputs.size(), &out, 1, attrs);
  recordOp(OpId::Cat, inputs.data(), inputs.size(), &out, 1, attrs);
  return out;
}

Tensor stack(const std::vector<Tensor>& tensors, int64_t dim, SourceLoc loc) {
  ApiScope api(loc);
  CompositeScope scope("stack");
  TD_CHECK(!tensors.empty(), "stack", "expected a non-empty list of tensors");
  int64_t w = wrapDim(dim, tensors[0].dim() + 1, "stack");
  std::vector<Tensor> parts;
  for (std::size_t i = 0; i < tensors.size(); ++i) {
    checkDefined(tensors[i], "stack", "tensors");
    TD_CHECK(tensors[i].shape() == tensors[0].shape(), "stack", "expects each tensor to be equal size, but got ",
             shapeString(tensors[0].shape()), " at entry 0 and ", shapeString(tensors[i].shape()), " at entry ", i);
    parts.push_back(tensors[i].unsqueeze(w));
  }
  return cat(parts, w);
}

std::vector<Tensor> split(const Tensor& x, int64_t splitSize, int64_t dim, SourceLoc loc) {
  ApiScope api(loc);
  checkDefined(x, "split", "input");
  TD_CHECK(x.dim() > 0, "split", "cannot split a 0-dim tensor");
  TD_CHECK(splitSize > 0, "split", "split_size must be positive, got ", splitSize);
  int64_t w = wrapDim(dim, x, "split");
  int64_t size = x.shape()[w];
  // One Split entry with a view per piece: its backward is a single cat, however many
  // pieces there are (a slice per piece would make backward quadratic in their number).
  OpAttrs attrs;
  attrs.dim = w;
  std::vector<Tensor> out;
  for (int64_t s = 0; s < size || (size == 0 && out.empty()); s += splitSize) {
    int64_t length = std::min(splitSize, size - s);
    IntList shape = x.shape();
    shape[w] = length;
    out.push_back(makeView(x, shape, x.strides(), x.offset() + s * x.strides()[w]));
    if (x.impl()->autograd) out.back().impl()->meta().isView = true;
    attrs.ints.push_back(length);
  }
  recordOp(OpId::Split, &x, 1, out.data(), out.size(), attrs);
  return out;
}

std::vector<Tensor> chunk(const Tensor& x, int64_t chunks, int64_t dim, SourceLoc loc) {
  ApiScope api(loc);
  checkDefined(x, "chunk", "input");
  TD_CHECK(chunks > 0, "chunk", "number of chunks must be positive, got ", chunks);
  int64_t w = wrapDim(dim, x, "chunk");
  int64_t size = x.shape()[w];
  int64_t each = std::max<int64_t>(1, (size + chunks - 1) / chunks);
  return split(x, each, w);
}

}  // namespace td
