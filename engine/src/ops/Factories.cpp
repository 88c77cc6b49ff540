// Tensor factories: constants, ranges, random tensors, tensors from data.
#include <cmath>

#include "core/Generator.h"
#include "ops/OpUtils.h"
#include "tapedeck/ops/Ops.h"

namespace td {
using detail::allocate;

namespace {
template <typename Fn>
Tensor fillWith(const IntList& shape, const TensorOptions& options, const char* op, Fn&& valueAt) {
  Tensor out = allocate(shape, options.dtype_, options.device_, op);
  int64_t n = out.numel();
  TD_DISPATCH_ALL(out.dtype(), op, [&] {
    scalar_t* p = out.data<scalar_t>();
    for (int64_t i = 0; i < n; ++i) p[i] = static_cast<scalar_t>(valueAt(i));
  });
  if (options.requiresGrad_) out.setRequiresGrad(true);
  return out;
}

Tensor fromDoubles(const std::vector<double>& values, const IntList& shape, const TensorOptions& options,
                   const char* op) {
  IntList s = shape.empty() ? IntList{static_cast<int64_t>(values.size())} : shape;
  int64_t n = checkedNumel(s, op);
  TD_CHECK(n == static_cast<int64_t>(values.size()), op, "shape ", shapeString(s), " needs ", n, " values, got ",
           values.size());
  return fillWith(s, options, op, [&](int64_t i) { return values[static_cast<std::size_t>(i)]; });
}
}  // namespace

Tensor empty(const IntList& shape, TensorOptions options, SourceLoc loc) {
  ApiScope api(loc);
  Tensor out = allocate(shape, options.dtype_, options.device_, "empty");
  if (options.requiresGrad_) out.setRequiresGrad(true);
  return out;
}

Tensor zeros(const IntList& shape, TensorOptions options, SourceLoc loc) {
  ApiScope api(loc);
  return fillWith(shape, options, "zeros", [](int64_t) { return 0.0; });
}

Tensor ones(const IntList& shape, TensorOptions options, SourceLoc loc) {
  ApiScope api(loc);
  return fillWith(shape, options, "ones", [](int64_t) { return 1.0; });
}

Tensor full(const IntList& shape, double value, TensorOptions options, SourceLoc loc) {
  ApiScope api(loc);
  return fillWith(shape, options, "full", [&](int64_t) { return value; });
}

Tensor zerosLike(const Tensor& like, SourceLoc loc) { return zeros(like.shape(), TensorOptions(like.dtype()), loc); }
Tensor onesLike(const Tensor& like, SourceLoc loc) { return ones(like.shape(), TensorOptions(like.dtype()), loc); }
Tensor fullLike(const Tensor& like, double value, SourceLoc loc) {
  return full(like.shape(), value, TensorOptions(like.dtype()), loc);
}

Tensor scalarTensor(double value, TensorOptions options, SourceLoc loc) {
  ApiScope api(loc);
  return fillWith({}, options, "scalar_tensor", [&](int64_t) { return value; });
}

Tensor arange(double end, TensorOptions options, SourceLoc loc) { return arange(0, end, 1, options, loc); }

Tensor arange(double start, double end, double step, TensorOptions options, SourceLoc loc) {
  ApiScope api(loc);
  TD_CHECK(step != 0, "arange", "step must be nonzero");
  TD_CHECK(std::isfinite(start) && std::isfinite(end) && std::isfinite(step), "arange", "bounds must be finite");
  TD_CHECK((end - start) / step >= 0, "arange", "upper bound ", end, " and step ", step, " are inconsistent with start ",
           start);
  double count = std::ceil((end - start) / step);
  TD_CHECK(count < 9e15, "arange", "too many elements (", count, ")");
  return fillWith({static_cast<int64_t>(count)}, options, "arange", [&](int64_t i) { return start + step * i; });
}

Tensor linspace(double start, double end, int64_t steps, TensorOptions options, SourceLoc loc) {
  ApiScope api(loc);
  TD_CHECK(steps >= 0, "linspace", "number of steps must be non-negative, got ", steps);
  double delta = steps > 1 ? (end - start) / static_cast<double>(steps - 1) : 0.0;
  return fillWith({steps}, options, "linspace", [&](int64_t i) {
    // Fill from both ends, as PyTorch does, so the last value is exactly `end`.
    if (steps == 1) return start;  // as PyTorch: one step is the start
    return i < steps / 2 ? start + delta * i : end - delta * (steps - 1 - i);
  });
}

Tensor eye(int64_t n, int64_t m, TensorOptions options, SourceLoc loc) {
  ApiScope api(loc);
  if (m < 0) m = n;
  return fillWith({n, m}, options, "eye", [&](int64_t i) { return i / m == i % m ? 1.0 : 0.0; });
}

Tensor rand(const IntList& shape, TensorOptions options, SourceLoc loc) {
  ApiScope api(loc);
  detail::checkFloating(empty({0}, options), "rand");
  std::vector<double> values(static_cast<std::size_t>(checkedNumel(shape, "rand")));
  detail::Generator::global().uniform(values.data(), static_cast<int64_t>(values.size()));
  return fillWith(shape, options, "rand", [&](int64_t i) { return values[static_cast<std::size_t>(i)]; });
}

Tensor randn(const IntList& shape, TensorOptions options, SourceLoc loc) {
  ApiScope api(loc);
  detail::checkFloating(empty({0}, options), "randn");
  std::vector<double> values(static_cast<std::size_t>(checkedNumel(shape, "randn")));
  detail::Generator::global().normal(values.data(), static_cast<int64_t>(values.size()));
  return fillWith(shape, options, "randn", [&](int64_t i) { return values[static_cast<std::size_t>(i)]; });
}

Tensor randint(int64_t low, int64_t high, const IntList& shape, TensorOptions options, SourceLoc loc) {
  ApiScope api(loc);
  TD_CHECK(high > low, "randint", "high (", high, ") must be greater than low (", low, ")");
  std::vector<int64_t> values(static_cast<std::size_t>(checkedNumel(shape, "randint")));
  detail::Generator::global().integers(values.data(), static_cast<int64_t>(values.size()), low, high);
  return fillWith(shape, options, "randint", [&](int64_t i) { return static_cast<double>(values[i]); });
}

Tensor fromVector(const std::vector<double>& values, const IntList& shape, TensorOptions options, SourceLoc loc) {
  ApiScope api(loc);
  return fromDoubles(values, shape, options, "from_vector");
}

Tensor fromVector(const std::vector<float>& values, const IntList& shape, TensorOptions options, SourceLoc loc) {
  ApiScope api(loc);
  return fromDoubles(std::vector<double>(values.begin(), values.end()), shape, options, "from_vector");
}

Tensor fromVector(const std::vector<int64_t>& values, const IntList& shape, TensorOptions options, SourceLoc loc) {
  ApiScope api(loc);
  IntList s = shape.empty() ? IntList{static_cast<int64_t>(values.size())} : shape;
  int64_t n = checkedNumel(s, "from_vector");
  TD_CHECK(n == static_cast<int64_t>(values.size()), "from_vector", "shape ", shapeString(s), " needs ", n,
           " values, got ", values.size());
  return fillWith(s, options, "from_vector", [&](int64_t i) { return values[static_cast<std::size_t>(i)]; });
}

Tensor fromBlob(void* data, const IntList& shape, const IntList& strides, DType dtype, std::function<void()> release,
                SourceLoc loc) {
  ApiScope api(loc);
  TD_CHECK(shape.size() == strides.size(), "from_blob", "shape ", shapeString(shape), " and strides ",
           shapeString(strides), " differ in rank");
  const int64_t n = checkedNumel(shape, "from_blob");
  int64_t last = 0;  // the highest element offset any index reaches
  for (std::size_t d = 0; d < shape.size(); ++d) {
    TD_CHECK(strides[d] >= 0, "from_blob", "negative stride ", strides[d], " (copy the data instead)");
    if (shape[d] > 0) last += (shape[d] - 1) * strides[d];
  }
  const std::size_t nbytes = n == 0 ? 0 : static_cast<std::size_t>(last + 1) * elementSize(dtype);
  auto storage = std::make_shared<Storage>(data, nbytes, kCPU, std::move(release));
  return Tensor(std::make_shared<TensorImpl>(std::move(storage), shape, strides, 0, dtype));
}

Tensor tensor(std::initializer_list<double> values, TensorOptions options, SourceLoc loc) {
  ApiScope api(loc);
  return fromDoubles(std::vector<double>(values), {}, options, "tensor");
}

void manualSeed(uint64_t seed) { detail::Generator::global().seed(seed); }

}  // namespace td
