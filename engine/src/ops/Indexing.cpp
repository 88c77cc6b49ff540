// Indexing ops: index_select, index_add, gather, scatter_add, and the composites
// built on them (masked_fill, one_hot, embedding).
#include "ops/OpUtils.h"
#include "tapedeck/ops/Ops.h"

namespace td {
using namespace detail;

namespace {
void checkIndex(const Tensor& index, const char* op) {
  checkDefined(index, op, "index");
  TD_CHECK(index.dtype() == DType::Int64, op, "index must be an int64 tensor, got ", describe(index));
}
}  // namespace

Tensor indexSelect(const Tensor& x, int64_t dim, const Tensor& index, SourceLoc loc) {
  ApiScope api(loc);
  checkDefined(x, "index_select", "input");
  checkIndex(index, "index_select");
  TD_CHECK(index.dim() <= 1, "index_select", "index must be 0-D or 1-D, got shape ", shapeString(index.shape()));
  TD_CHECK(x.dim() > 0, "index_select", "input must have at least 1 dim");
  int64_t w = wrapDim(dim, x, "index_select");
  Tensor idx = index.dim() == 0 ? index.view({1}) : index;
  IntList shape = x.shape();
  shape[w] = idx.numel();
  OpAttrs attrs;
  attrs.dim = w;
  Tensor out = allocate(shape, x.dtype(), x.device(), "index_select");
  runAndRecord(OpId::IndexSelect, {x, idx}, {x, idx}, &out, 1, attrs);
  return out;
}

Tensor indexAdd(const Tensor& self, int64_t dim, const Tensor& index, const Tensor& source, SourceLoc loc) {
  ApiScope api(loc);
  checkDefined(self, "index_add", "input");
  checkDefined(source, "index_add", "source");
  checkIndex(index, "index_add");
  TD_CHECK(index.dim() == 1, "index_add", "index must be 1-D, got shape ", shapeString(index.shape()));
  TD_CHECK(self.dim() > 0 && source.dim() == self.dim(), "index_add", "source of shape ",
           shapeString(source.shape()), " does not match input of shape ", shapeString(self.shape()));
  int64_t w = wrapDim(dim, self, "index_add");
  for (int64_t d = 0; d < self.dim(); ++d)
    TD_CHECK(d == w ? source.shape()[d] == index.numel() : source.shape()[d] == self.shape()[d], "index_add",
             "source of shape ", shapeString(source.shape()), " does not fit input of shape ",
             shapeString(self.shape()), " with ", index.numel(), " indices along dim ", w);
  TD_CHECK(source.dtype() == self.dtype(), "index_add", "dtypes differ: ", describe(self), " and ", describe(source));
  OpAttrs attrs;
  attrs.dim = w;
  Tensor out = allocate(self.shape(), self.dtype(), self.device(), "index_add");
  runAndRecord(OpId::IndexAdd, {self, index, source}, {self, index, source}, &out, 1, attrs);
  return out;
}

Tensor gather(const Tensor& x, int64_t dim, const Tensor& index, SourceLoc loc) {
  ApiScope api(loc);
  checkDefined(x, "gather", "input");
  checkIndex(index, "gather");
  TD_CHECK(index.dim() == x.dim(), "gather", "index of shape ", shapeString(index.shape()),
           " must have the same rank as input of shape ", shapeString(x.shape()));
  int64_t w = wrapDim(dim, x, "gather");
  if (x.dim() == 0) return gather(x.reshape({1}), 0, index.reshape({1})).reshape({});  // as PyTorch: a 0-d gather
  for (int64_t d = 0; d < x.dim(); ++d)
    TD_CHECK(d == w || index.shape()[d] <= x.shape()[d], "gather", "index of shape ", shapeString(index.shape()),
             " is larger than input of shape ", shapeString(x.shape()), " in dim ", d);
  OpAttrs attrs;
  attrs.dim = w;
  Tensor out = allocate(index.shape(), x.dtype(), x.device(), "gather");
  runAndRecord(OpId::Gather, {x, index}, {x, index}, &out, 1, attrs);
  return out;
}

Tensor scatterAdd(const Tensor& self, int64_t dim, const Tensor& index, const Tensor& source, SourceLoc loc) {
  ApiScope api(loc);
  checkDefined(self, "scatter_add", "input");
  checkDefined(source, "scatter_add", "source");
  checkIndex(index, "scatter_add");
  TD_CHECK(index.dim() == self.dim() && source.dim() == self.dim(), "scatter_add", "input ",
           shapeString(self.shape()), ", index ", shapeString(index.shape()), " and source ",
           shapeString(source.shape()), " must have the same rank");
  int64_t w = wrapDim(dim, self, "scatter_add");
  for (int64_t d = 0; d < self.dim(); ++d)
    TD_CHECK(index.shape()[d] <= source.shape()[d] && (d == w || index.shape()[d] <= self.shape()[d]),
             "scatter_add", "index of shape ", shapeString(index.shape()), " is larger than source ",
             shapeString(source.shape()), " or input ", shapeString(self.shape()), " in dim ", d);
  TD_CHECK(source.dtype() == self.dtype(), "scatter_add", "dtypes differ: ", describe(self), " and ",
           describe(source));
  OpAttrs attrs;
  attrs.dim = w;
  Tensor out = allocate(self.shape(), self.dtype(), self.device(), "scatter_add");
  runAndRecord(OpId::ScatterAdd, {self, index, source}, {self, index, source}, &out, 1, attrs);
  return out;
}

namespace {
/// where(mask, filled, x), after the checks; `filled` broadcasts to x.
Tensor fillWhere(const Tensor& x, const Tensor& mask, const Tensor& filled) {
  Tensor out = where(mask, filled, x);
  TD_CHECK(out.shape() == x.shape(), "masked_fill", "mask of shape ", shapeString(mask.shape()),
           " would broadcast input of shape ", shapeString(x.shape()), " to ", shapeString(out.shape()));
  return out;
}

void checkMaskedFill(const Tensor& x, const Tensor& mask) {
  checkDefined(x, "masked_fill", "input");
  checkDefined(mask, "masked_fill", "mask");
  TD_CHECK(mask.dtype() == DType::Bool, "masked_fill", "mask must be a bool tensor, got ", describe(mask));
}
}  // namespace

Tensor maskedFill(const Tensor& x, const Tensor& mask, double value, SourceLoc loc) {
  ApiScope api(loc);
  CompositeScope scope("masked_fill");
  checkMaskedFill(x, mask);
  return fillWhere(x, mask, fullLike(x, value));
}

Tensor maskedFill(const Tensor& x, const Tensor& mask, const Tensor& value, SourceLoc loc) {
  ApiScope api(loc);
  CompositeScope scope("masked_fill");
  checkMaskedFill(x, mask);
  checkDefined(value, "masked_fill", "value");
  TD_CHECK(value.dim() == 0, "masked_fill", "the value must be a number or a 0-dim tensor, got ", describe(value));
  // The value itself (cast to x's dtype), so its gradient is the sum over the filled places.
  return fillWhere(x, mask, castTo(value, x.dtype()));
}

Tensor oneHot(const Tensor& index, int64_t numClasses, SourceLoc loc) {
  ApiScope api(loc);
  CompositeScope scope("one_hot");
  checkIndex(index, "one_hot");
  if (numClasses < 0) {
    TD_CHECK(index.numel() > 0, "one_hot", "cannot infer the number of classes from an empty tensor");
    numClasses = static_cast<int64_t>(valueRange(index).second) + 1;
  }
  if (index.numel() > 0) {
    auto [loValue, hiValue] = valueRange(index);
    int64_t lo = static_cast<int64_t>(loValue), hi = static_cast<int64_t>(hiValue);
    TD_CHECK(lo >= 0 && hi < numClasses, "one_hot", "class values must be in [0, ", numClasses, "), got ", lo,
             " to ", hi);
  }
  Tensor classes = arange(static_cast<double>(numClasses), DType::Int64);
  return eq(index.unsqueeze(-1), classes).to(DType::Int64);
}

Tensor embedding(const Tensor& weight, const Tensor& indices, SourceLoc loc) {
  ApiScope api(loc);
  CompositeScope scope("embedding");
  checkDefined(weight, "embedding", "weight");
  checkIndex(indices, "embedding");
  TD_CHECK(weight.dim() == 2, "embedding", "weight must be 2-D [num_embeddings, dim], got ",
           shapeString(weight.shape()));
  IntList shape = indices.shape();
  shape.push_back(weight.shape()[1]);
  return indexSelect(weight, 0, indices.reshape({-1})).view(shape);
}

}  // namespace td
