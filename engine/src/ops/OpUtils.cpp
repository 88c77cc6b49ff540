#include "ops/OpUtils.h"

#include <algorithm>
#include <new>

#include "tapedeck/core/Error.h"
#include "tapedeck/ops/Ops.h"

namespace td::detail {

Tensor allocate(const IntList& shape, DType dtype, Device device, const char* op) {
  int64_t n = checkedNumel(shape, op);
  int64_t esize = static_cast<int64_t>(elementSize(dtype));
  TD_CHECK(n <= (int64_t(1) << 62) / esize, op, "shape ", shapeString(shape), " needs more bytes than can be addressed");
  std::shared_ptr<Storage> storage;
  try {
    storage = std::make_shared<Storage>(static_cast<std::size_t>(n * esize), device);
  } catch (const std::bad_alloc&) {
    throw Error(withLocation(concat(op, ": out of memory allocating a ", dtypeName(dtype), " tensor of shape ",
                                    shapeString(shape))));
  } catch (const Error& e) {
    throw Error(withLocation(concat(op, ": cannot allocate a ", dtypeName(dtype), " tensor of shape ",
                                    shapeString(shape), ": out of memory")));
  }
  return Tensor(std::make_shared<TensorImpl>(std::move(storage), shape, contiguousStrides(shape), 0, dtype));
}

int64_t wrapDim(int64_t dim, int64_t rank, const char* op) {
  int64_t r = rank == 0 ? 1 : rank;
  TD_CHECK(dim >= -r && dim < r, op, "dim ", dim, " is out of range for a tensor of rank ", rank, " (expected ",
           -r, " to ", r - 1, ")");
  return dim < 0 ? dim + r : dim;
}

int64_t wrapDim(int64_t dim, const Tensor& t, const char* op) {
  int64_t rank = t.dim();
  int64_t r = rank == 0 ? 1 : rank;
  TD_CHECK(dim >= -r && dim < r, op, "dim ", dim, " is out of range for a tensor of shape ", shapeString(t.shape()),
           " (expected ", -r, " to ", r - 1, ")");
  return dim < 0 ? dim + r : dim;
}

IntList reductionDims(const IntList& dims, const IntList& shape, const char* op) {
  int64_t rank = static_cast<int64_t>(shape.size());
  IntList out;
  if (dims.empty()) {
    for (int64_t d = 0; d < rank; ++d) out.push_back(d);
    return out;
  }
  int64_t r = rank == 0 ? 1 : rank;
  for (int64_t d : dims) {
    TD_CHECK(d >= -r && d < r, op, "dim ", d, " is out of range for a tensor of shape ", shapeString(shape),
             " (expected ", -r, " to ", r - 1, ")");
    int64_t w = d < 0 ? d + r : d;
    TD_CHECK(std::find(out.begin(), out.end(), w) == out.end(), op, "dim ", d, " appears more than once");
    out.push_back(w);
  }
  std::sort(out.begin(), out.end());
  return out;
}

IntList broadcastShapes(const IntList& a, const IntList& b, const char* op) {
  std::size_t n = std::max(a.size(), b.size());
  IntList out(n, 1);
  for (std::size_t i = 0; i < n; ++i) {
    int64_t sa = i < n - a.size() ? 1 : a[i - (n - a.size())];
    int64_t sb = i < n - b.size() ? 1 : b[i - (n - b.size())];
    TD_CHECK(sa == sb || sa == 1 || sb == 1, op, "shapes ", shapeString(a), " and ", shapeString(b),
             " are not broadcastable (dim ", i, ": ", sa, " vs ", sb, ")");
    out[i] = sa == 1 ? sb : sa;
  }
  return out;
}

Tensor expandTo(const Tensor& t, const IntList& shape) {
  if (t.shape() == shape) return t;
  std::size_t n = shape.size();
  std::size_t offset = n - t.shape().size();
  IntList strides(n, 0);
  for (std::size_t i = 0; i < t.shape().size(); ++i)
    strides[i + offset] = t.shape()[i] == 1 && shape[i + offset] != 1 ? 0 : t.strides()[i];
  return makeView(t, shape, strides, t.offset());
}

Tensor makeView(const Tensor& t, const IntList& shape, const IntList& strides, int64_t offset) {
  return Tensor(std::make_shared<TensorImpl>(t.impl()->storage, shape, strides, offset, t.dtype()));
}

Tensor onStorage(const Tensor& t, std::shared_ptr<Storage> storage) {
  return Tensor(std::make_shared<TensorImpl>(std::move(storage), t.shape(), t.strides(), t.offset(), t.dtype()));
}

bool coversStorage(const Tensor& t) {
  return t.offset() == 0 && t.isContiguous() &&
         static_cast<std::size_t>(t.numel()) * elementSize(t.dtype()) == t.storage().nbytes();
}

void checkDefined(const Tensor& t, const char* op, const char* arg) {
  TD_CHECK(t.defined(), op, "argument '", arg, "' is an undefined tensor");
}

void checkFloating(const Tensor& t, const char* op) {
  TD_CHECK(isFloating(t.dtype()), op, "expected a floating tensor, got ", describe(t));
}

std::string describe(const Tensor& t) {
  return concat(dtypeName(t.dtype()), " tensor of shape ", shapeString(t.shape()));
}

void runAndRecord(OpId op, std::initializer_list<Tensor> kernelInputs, std::initializer_list<Tensor> recorded,
                  Tensor* outputs, std::size_t numOutputs, const OpAttrs& attrs) {
  runKernel(op, kernelInputs.begin(), kernelInputs.size(), outputs, numOutputs, attrs);
  recordOp(op, recorded.begin(), recorded.size(), outputs, numOutputs, attrs);
}

Tensor runUnary(OpId op, const Tensor& x, const Tensor& out, const OpAttrs& attrs) {
  Tensor result = out;
  runKernel(op, &x, 1, &result, 1, attrs);
  recordOp(op, &x, 1, &result, 1, attrs);
  return result;
}

Tensor castTo(const Tensor& t, DType dtype) { return t.dtype() == dtype ? t : t.to(dtype); }

std::pair<double, double> valueRange(const Tensor& t) {
  std::vector<double> values = t.detach().toVector();
  TD_ASSERT(!values.empty(), "valueRange of an empty tensor");
  auto [lo, hi] = std::minmax_element(values.begin(), values.end());
  return {*lo, *hi};
}

CompositeScope::CompositeScope(const char* name) : m_previous(Tape::currentScope()) {
  pushScopeLiteral(name);
}

CompositeScope::~CompositeScope() {
  restoreScope(m_previous);
}

}  // namespace td::detail
