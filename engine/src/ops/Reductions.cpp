// Reductions and the softmax family.
#include <limits>

#include "ops/OpUtils.h"
#include "tapedeck/autograd/Autograd.h"
#include "tapedeck/ops/Ops.h"

namespace td {
using namespace detail;

namespace {

IntList reducedShape(const IntList& shape, const IntList& dims, bool keepdim) {
  IntList out;
  std::size_t next = 0;
  for (std::size_t d = 0; d < shape.size(); ++d) {
    bool reduced = next < dims.size() && dims[next] == static_cast<int64_t>(d);
    if (reduced) ++next;
    if (!reduced) out.push_back(shape[d]);
    else if (keepdim) out.push_back(1);
  }
  return out;
}

Tensor reduce(OpId op, const Tensor& input, const IntList& dims, bool keepdim) {
  const char* name = opName(op).data();
  checkDefined(input, name, "input");
  Tensor x = input;
  const bool emptyIsIdentity = op == OpId::Sum || op == OpId::Prod;  // an empty dim sums to 0, multiplies to 1
  if (emptyIsIdentity && x.dtype() == DType::Bool) x = castTo(x, DType::Int64);
  TD_CHECK(x.dtype() != DType::Bool, name, "expected a numeric tensor, got ", describe(x));
  if (x.dim() == 0) {
    for (int64_t d : dims) wrapDim(d, 0, name);
    return reduce(op, x.view({1}), {0}, false);  // a 0-dim result either way
  }
  IntList rdims = reductionDims(dims, x.shape(), name);
  if (!emptyIsIdentity)
    for (int64_t d : rdims)
      TD_CHECK(x.shape()[d] > 0, name, "cannot reduce over dim ", d, " of size 0 (tensor of shape ",
               shapeString(x.shape()), ")");
  OpAttrs attrs;
  attrs.ints = rdims;
  attrs.keepdim = keepdim;
  DType outType = (op == OpId::Argmax || op == OpId::Argmin) ? DType::Int64 : x.dtype();
  Tensor out = allocate(reducedShape(x.shape(), rdims, keepdim), outType, x.device(), name);
  return runUnary(op, x, out, attrs);
}

}  // namespace

Tensor sum(const Tensor& x, const IntList& dims, bool keepdim, SourceLoc loc) {
  ApiScope api(loc);
  return reduce(OpId::Sum, x, dims, keepdim);
}

Tensor prod(const Tensor& x, const IntList& dims, bool keepdim, SourceLoc loc) {
  ApiScope api(loc);
  return reduce(OpId::Prod, x, dims, keepdim);
}

Tensor mean(const Tensor& x, const IntList& dims, bool keepdim, SourceLoc loc) {
  ApiScope api(loc);
  CompositeScope scope("mean");
  checkDefined(x, "mean", "input");
  checkFloating(x, "mean");
  IntList rdims = reductionDims(dims, x.shape(), "mean");
  int64_t count = 1;
  for (int64_t d : rdims) count *= x.shape()[d];
  Tensor s = sum(x, dims, keepdim);
  return count == 0 ? mul(s, std::numeric_limits<double>::quiet_NaN()) : div(s, static_cast<double>(count));
}

Tensor var(const Tensor& x, const IntList& dims, int64_t correction, bool keepdim, SourceLoc loc) {
  ApiScope api(loc);
  CompositeScope scope("var");
  checkDefined(x, "var", "input");
  checkFloating(x, "var");
  IntList rdims = reductionDims(dims, x.shape(), "var");
  int64_t count = 1;
  for (int64_t d : rdims) count *= x.shape()[d];
  Tensor centered = sub(x, mean(x, dims, true));
  Tensor ss = sum(mul(centered, centered), dims, keepdim);
  double denom = static_cast<double>(count - correction);
  return div(ss, denom > 0 ? denom : 0.0);
}

Tensor stdDev(const Tensor& x, const IntList& dims, int64_t correction, bool keepdim, SourceLoc loc) {
  ApiScope api(loc);
  CompositeScope scope("std");
  checkDefined(x, "std", "input");
  checkFloating(x, "std");
  reductionDims(dims, x.shape(), "std");  // (bad dims are named as std's, not var's)
  const Tensor variance = var(x, dims, correction, keepdim);
  // A zero variance (a constant lane) takes the constant branch: its gradient is 0, as
  // PyTorch's std_backward masks it, where sqrt's 1 / (2 sqrt(0)) times var's 0 is NaN.
  const Tensor positive = ne(variance, 0.0);
  return where(positive, sqrt(where(positive, variance, 1.0)), 0.0);
}

Tensor amax(const Tensor& x, const IntList& dims, bool keepdim, SourceLoc loc) {
  ApiScope api(loc);
  return reduce(OpId::Amax, x, dims, keepdim);
}

Tensor amin(const Tensor& x, const IntList& dims, bool keepdim, SourceLoc loc) {
  ApiScope api(loc);
  return reduce(OpId::Amin, x, dims, keepdim);
}

Tensor max(const Tensor& x, SourceLoc loc) {
  ApiScope api(loc);
  return reduce(OpId::Amax, x, {}, false);
}

Tensor min(const Tensor& x, SourceLoc loc) {
  ApiScope api(loc);
  return reduce(OpId::Amin, x, {}, false);
}

namespace {
/// max(dim) / min(dim): the values are gathered at the returned indices, so the gradient
/// goes to that one element of a tie, as PyTorch's (amax/amin split it among the ties).
std::pair<Tensor, Tensor> extremumAlong(const Tensor& x, int64_t dim, bool keepdim, bool isMax) {
  const OpId valueOp = isMax ? OpId::Amax : OpId::Amin, indexOp = isMax ? OpId::Argmax : OpId::Argmin;
  const char* name = isMax ? "max" : "min";
  checkDefined(x, name, "input");
  const int64_t wrapped = wrapDim(dim, x, name);  // (a bad dim is named as this op's, not as argmax's)
  if (x.dim() > 0)
    TD_CHECK(x.shape()[static_cast<std::size_t>(wrapped)] > 0, name, "cannot reduce over dim ", dim, " of size 0 (",
             describe(x), ")");
  if (!isFloating(x.dtype()) || x.dim() == 0)
    return {reduce(valueOp, x, {dim}, keepdim), reduce(indexOp, x, {dim}, keepdim)};
  CompositeScope scope(isMax ? "max" : "min");
  const Tensor index = reduce(indexOp, x, {dim}, true);
  const Tensor values = gather(x, dim, index);
  if (keepdim) return {values, index};
  return {values.squeeze(dim), index.squeeze(dim)};
}
}  // namespace

std::pair<Tensor, Tensor> max(const Tensor& x, int64_t dim, bool keepdim, SourceLoc loc) {
  ApiScope api(loc);
  return extremumAlong(x, dim, keepdim, true);
}

std::pair<Tensor, Tensor> min(const Tensor& x, int64_t dim, bool keepdim, SourceLoc loc) {
  ApiScope api(loc);
  return extremumAlong(x, dim, keepdim, false);
}

Tensor argmax(const Tensor& x, std::optional<int64_t> dim, bool keepdim, SourceLoc loc) {
  ApiScope api(loc);
  checkDefined(x, "argmax", "input");
  if (!dim) return reduce(OpId::Argmax, x.reshape({-1}), {0}, false);
  return reduce(OpId::Argmax, x, {*dim}, keepdim);
}

Tensor argmin(const Tensor& x, std::optional<int64_t> dim, bool keepdim, SourceLoc loc) {
  ApiScope api(loc);
  checkDefined(x, "argmin", "input");
  if (!dim) return reduce(OpId::Argmin, x.reshape({-1}), {0}, false);
  return reduce(OpId::Argmin, x, {*dim}, keepdim);
}

Tensor cumsum(const Tensor& input, int64_t dim, SourceLoc loc) {
  ApiScope api(loc);
  checkDefined(input, "cumsum", "input");
  if (input.dim() == 0) {
    wrapDim(dim, 0, "cumsum");
    return cumsum(input.view({1}), 0).view({});
  }
  OpAttrs attrs;
  attrs.ints = {wrapDim(dim, input, "cumsum")};
  // As sum: bool counts as int64.
  const Tensor x = input.dtype() == DType::Bool ? castTo(input, DType::Int64) : input;
  return runUnary(OpId::Cumsum, x, allocate(x.shape(), x.dtype(), x.device(), "cumsum"), attrs);
}

std::pair<Tensor, Tensor> sort(const Tensor& x, int64_t dim, bool descending, SourceLoc loc) {
  ApiScope api(loc);
  checkDefined(x, "sort", "input");
  TD_CHECK(x.dtype() != DType::Bool, "sort", "expected a numeric tensor, got ", describe(x));
  if (x.dim() == 0) {
    wrapDim(dim, 0, "sort");
    auto [values, indices] = sort(x.view({1}), 0, descending);
    return {values.view({}), indices.view({})};
  }
  OpAttrs attrs;
  attrs.dim = wrapDim(dim, x, "sort");
  attrs.step = descending ? -1 : 1;
  Tensor outs[2] = {allocate(x.shape(), x.dtype(), x.device(), "sort"),
                    allocate(x.shape(), DType::Int64, x.device(), "sort")};
  runKernel(OpId::Sort, &x, 1, outs, 2, attrs);
  recordOp(OpId::Sort, &x, 1, outs, 1, attrs, &outs[1], 1);
  return {outs[0], outs[1]};
}

Tensor argsort(const Tensor& x, int64_t dim, bool descending, SourceLoc loc) {
  ApiScope api(loc);
  return sort(x, dim, descending).second;
}

std::pair<Tensor, Tensor> topk(const Tensor& x, int64_t k, int64_t dim, bool largest, SourceLoc loc) {
  ApiScope api(loc);
  CompositeScope scope("topk");
  checkDefined(x, "topk", "input");
  const int64_t d = x.dim() == 0 ? wrapDim(dim, 0, "topk") : wrapDim(dim, x, "topk");
  const int64_t size = x.dim() == 0 ? 1 : x.size(d);
  TD_CHECK(k >= 0 && k <= size, "topk", "k (", k, ") is out of range for dimension ", d, " of size ", size);
  auto [values, indices] = sort(x, d, largest);
  if (x.dim() == 0) return {values, indices};
  return {values.slice(d, 0, k), indices.slice(d, 0, k)};
}

Tensor logsumexp(const Tensor& x, const IntList& dims, bool keepdim, SourceLoc loc) {
  ApiScope api(loc);
  CompositeScope scope("logsumexp");
  checkDefined(x, "logsumexp", "input");
  checkFloating(x, "logsumexp");
  reductionDims(dims, x.shape(), "logsumexp");
  // Shift by the (constant) max for stability; an all -inf row keeps shift 0.
  Tensor shift = amax(x, dims, true).detach();
  shift = where(eq(abs(shift), std::numeric_limits<double>::infinity()), zerosLike(shift), shift);
  Tensor out = add(log(sum(exp(sub(x, shift)), dims, true)), shift);
  if (keepdim) return out;
  IntList rdims = reductionDims(dims, x.shape(), "logsumexp");
  IntList shape;
  for (int64_t d = 0, next = 0; d < x.dim(); ++d) {
    if (next < static_cast<int64_t>(rdims.size()) && rdims[next] == d) { ++next; continue; }
    shape.push_back(x.shape()[d]);
  }
  return out.view(shape);
}

Tensor softmax(const Tensor& x, int64_t dim, SourceLoc loc) {
  ApiScope api(loc);
  checkDefined(x, "softmax", "input");
  checkFloating(x, "softmax");
  OpAttrs attrs;
  attrs.dim = wrapDim(dim, x, "softmax");
  return runUnary(OpId::Softmax, x, allocate(x.shape(), x.dtype(), x.device(), "softmax"), attrs);
}

Tensor logSoftmax(const Tensor& x, int64_t dim, SourceLoc loc) {
  ApiScope api(loc);
  checkDefined(x, "log_softmax", "input");
  checkFloating(x, "log_softmax");
  OpAttrs attrs;
  attrs.dim = wrapDim(dim, x, "log_softmax");
  return runUnary(OpId::LogSoftmax, x, allocate(x.shape(), x.dtype(), x.device(), "log_softmax"), attrs);
}

}  // namespace td
