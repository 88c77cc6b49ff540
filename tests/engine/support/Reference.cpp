#include "Reference.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <sstream>

#include "tapedeck/core/Tensor.h"

namespace tdtest {

RefTensor::RefTensor(Shape s, std::vector<double> v, td::DType t) : shape(std::move(s)), values(std::move(v)), dtype(t) {}

RefTensor RefTensor::filled(Shape s, double value, td::DType t) {
  int64_t n = numelOf(s);
  return RefTensor(std::move(s), std::vector<double>(static_cast<std::size_t>(n), value), t);
}

int64_t RefTensor::numel() const { return numelOf(shape); }

int64_t RefTensor::size(int64_t d) const { return shape[static_cast<std::size_t>(wrapDim(d, dim()))]; }

double RefTensor::at(const Shape& index) const { return values[static_cast<std::size_t>(ravel(index, shape))]; }

double& RefTensor::at(const Shape& index) { return values[static_cast<std::size_t>(ravel(index, shape))]; }

RefTensor fromTensor(const td::Tensor& t) {
  Shape shape(t.shape().begin(), t.shape().end());
  return RefTensor(shape, t.toVector(), t.dtype());
}

std::string shapeText(const Shape& shape) {
  std::ostringstream out;
  out << "[";
  for (std::size_t i = 0; i < shape.size(); ++i) out << (i ? ", " : "") << shape[i];
  out << "]";
  return out.str();
}

int64_t numelOf(const Shape& shape) {
  int64_t n = 1;
  for (int64_t s : shape) n *= s;
  return n;
}

Shape stridesOf(const Shape& shape) {
  Shape strides(shape.size(), 1);
  for (int64_t d = static_cast<int64_t>(shape.size()) - 2; d >= 0; --d)
    strides[static_cast<std::size_t>(d)] = strides[static_cast<std::size_t>(d + 1)] * shape[static_cast<std::size_t>(d + 1)];
  return strides;
}

Shape unravel(int64_t flat, const Shape& shape) {
  Shape index(shape.size(), 0);
  for (int64_t d = static_cast<int64_t>(shape.size()) - 1; d >= 0; --d) {
    int64_t size = shape[static_cast<std::size_t>(d)];
    if (size == 0) return index;
    index[static_cast<std::size_t>(d)] = flat % size;
    flat /= size;
  }
  return index;
}

int64_t ravel(const Shape& index, const Shape& shape) {
  int64_t flat = 0;
  for (std::size_t d = 0; d < shape.size(); ++d) flat = flat * shape[d] + index[d];
  return flat;
}

int64_t wrapDim(int64_t d, int64_t rank) { return d < 0 ? d + rank : d; }

Shape broadcastShapes(const Shape& a, const Shape& b) {
  std::size_t rank = std::max(a.size(), b.size());
  Shape out(rank, 1);
  for (std::size_t i = 0; i < rank; ++i) {
    int64_t sa = i < a.size() ? a[a.size() - 1 - i] : 1;
    int64_t sb = i < b.size() ? b[b.size() - 1 - i] : 1;
    out[rank - 1 - i] = sa == 1 ? sb : sa;
  }
  return out;
}

double broadcastAt(const RefTensor& t, const Shape& outIndex) {
  Shape index(t.shape.size(), 0);
  std::size_t shift = outIndex.size() - t.shape.size();
  for (std::size_t d = 0; d < t.shape.size(); ++d) index[d] = t.shape[d] == 1 ? 0 : outIndex[d + shift];
  return t.at(index);
}

RefTensor map(const RefTensor& x, const std::function<double(double)>& fn, td::DType dtype) {
  RefTensor out(x.shape, x.values, dtype);
  for (double& v : out.values) v = fn(v);
  return out;
}

RefTensor zip(const RefTensor& a, const RefTensor& b, const std::function<double(double, double)>& fn, td::DType dtype) {
  RefTensor out = RefTensor::filled(broadcastShapes(a.shape, b.shape), 0.0, dtype);
  for (int64_t i = 0; i < out.numel(); ++i) {
    Shape index = unravel(i, out.shape);
    out.values[static_cast<std::size_t>(i)] = fn(broadcastAt(a, index), broadcastAt(b, index));
  }
  return out;
}

RefTensor zip3(const RefTensor& a, const RefTensor& b, const RefTensor& c,
               const std::function<double(double, double, double)>& fn, td::DType dtype) {
  RefTensor out = RefTensor::filled(broadcastShapes(broadcastShapes(a.shape, b.shape), c.shape), 0.0, dtype);
  for (int64_t i = 0; i < out.numel(); ++i) {
    Shape index = unravel(i, out.shape);
    out.values[static_cast<std::size_t>(i)] = fn(broadcastAt(a, index), broadcastAt(b, index), broadcastAt(c, index));
  }
  return out;
}

RefTensor reduceDims(const RefTensor& x, Shape dims, bool keepdim, const std::function<double(const std::vector<double>&)>& fn,
                 td::DType dtype) {
  std::vector<bool> reduced(x.shape.size(), dims.empty());
  for (int64_t d : dims) reduced[static_cast<std::size_t>(wrapDim(d, x.dim()))] = true;
  Shape groupShape;  // the output shape with kept reduced dims as 1
  Shape outShape;
  for (std::size_t d = 0; d < x.shape.size(); ++d) {
    groupShape.push_back(reduced[d] ? 1 : x.shape[d]);
    if (!reduced[d] || keepdim) outShape.push_back(reduced[d] ? 1 : x.shape[d]);
  }
  std::vector<std::vector<double>> groups(static_cast<std::size_t>(numelOf(groupShape)));
  for (int64_t i = 0; i < x.numel(); ++i) {
    Shape index = unravel(i, x.shape);
    for (std::size_t d = 0; d < index.size(); ++d)
      if (reduced[d]) index[d] = 0;
    groups[static_cast<std::size_t>(ravel(index, groupShape))].push_back(x.values[static_cast<std::size_t>(i)]);
  }
  RefTensor out(outShape, {}, dtype);
  for (const auto& group : groups) out.values.push_back(fn(group));
  return out;
}

std::vector<std::vector<int64_t>> lanes(const Shape& shape, int64_t dim) {
  dim = wrapDim(dim, static_cast<int64_t>(shape.size()));
  std::vector<std::vector<int64_t>> result;
  int64_t total = numelOf(shape);
  int64_t length = shape[static_cast<std::size_t>(dim)];
  if (length == 0) return result;
  for (int64_t i = 0; i < total; ++i) {
    Shape index = unravel(i, shape);
    if (index[static_cast<std::size_t>(dim)] != 0) continue;
    std::vector<int64_t> lane;
    for (int64_t k = 0; k < length; ++k) {
      index[static_cast<std::size_t>(dim)] = k;
      lane.push_back(ravel(index, shape));
    }
    result.push_back(lane);
  }
  return result;
}

RefTensor permute(const RefTensor& x, const Shape& perm) {
  Shape outShape;
  for (int64_t p : perm) outShape.push_back(x.shape[static_cast<std::size_t>(wrapDim(p, x.dim()))]);
  RefTensor out = RefTensor::filled(outShape, 0.0, x.dtype);
  for (int64_t i = 0; i < out.numel(); ++i) {
    Shape outIndex = unravel(i, outShape);
    Shape inIndex(x.shape.size(), 0);
    for (std::size_t d = 0; d < perm.size(); ++d) inIndex[static_cast<std::size_t>(wrapDim(perm[d], x.dim()))] = outIndex[d];
    out.values[static_cast<std::size_t>(i)] = x.at(inIndex);
  }
  return out;
}

RefTensor slice(const RefTensor& x, int64_t dim, int64_t start, int64_t count, int64_t step) {
  dim = wrapDim(dim, x.dim());
  Shape outShape = x.shape;
  outShape[static_cast<std::size_t>(dim)] = count;
  RefTensor out = RefTensor::filled(outShape, 0.0, x.dtype);
  for (int64_t i = 0; i < out.numel(); ++i) {
    Shape index = unravel(i, outShape);
    index[static_cast<std::size_t>(dim)] = start + index[static_cast<std::size_t>(dim)] * step;
    out.values[static_cast<std::size_t>(i)] = x.at(index);
  }
  return out;
}

RefTensor concat(const std::vector<RefTensor>& parts, int64_t dim) {
  dim = wrapDim(dim, parts.front().dim());
  Shape outShape = parts.front().shape;
  outShape[static_cast<std::size_t>(dim)] = 0;
  for (const RefTensor& p : parts) outShape[static_cast<std::size_t>(dim)] += p.shape[static_cast<std::size_t>(dim)];
  RefTensor out = RefTensor::filled(outShape, 0.0, parts.front().dtype);
  int64_t base = 0;
  for (const RefTensor& p : parts) {
    for (int64_t i = 0; i < p.numel(); ++i) {
      Shape index = unravel(i, p.shape);
      double v = p.values[static_cast<std::size_t>(i)];
      index[static_cast<std::size_t>(dim)] += base;
      out.at(index) = v;
    }
    base += p.shape[static_cast<std::size_t>(dim)];
  }
  return out;
}

RefTensor reshape(const RefTensor& x, Shape shape) {
  int64_t known = 1;
  int64_t inferred = -1;
  for (std::size_t d = 0; d < shape.size(); ++d) {
    if (shape[d] == -1) inferred = static_cast<int64_t>(d);
    else known *= shape[d];
  }
  if (inferred >= 0) shape[static_cast<std::size_t>(inferred)] = known == 0 ? 0 : x.numel() / known;
  return RefTensor(shape, x.values, x.dtype);
}

RefTensor broadcastTo(const RefTensor& x, const Shape& shape) {
  RefTensor out = RefTensor::filled(shape, 0.0, x.dtype);
  for (int64_t i = 0; i < out.numel(); ++i) out.values[static_cast<std::size_t>(i)] = broadcastAt(x, unravel(i, shape));
  return out;
}

int64_t poolOutputSize(int64_t input, int64_t kernel, int64_t stride, int64_t pad, int64_t dilation, bool ceilMode) {
  int64_t numerator = input + 2 * pad - dilation * (kernel - 1) - 1 + (ceilMode ? stride - 1 : 0);
  int64_t out = numerator / stride + 1;  // numerator >= 0 for every sample in the table
  if (ceilMode && (out - 1) * stride >= input + pad) --out;
  return out;
}

double sumOf(const std::vector<double>& v) {
  double s = 0.0;
  for (double x : v) s += x;
  return s;
}

double meanOf(const std::vector<double>& v) { return sumOf(v) / static_cast<double>(v.size()); }

double varOf(const std::vector<double>& v, int64_t correction) {
  double mean = meanOf(v);
  double squares = 0.0;
  for (double x : v) squares += (x - mean) * (x - mean);
  double divisor = std::max<double>(0.0, static_cast<double>(static_cast<int64_t>(v.size()) - correction));
  return squares / divisor;
}

double maxOf(const std::vector<double>& v) {
  double m = -std::numeric_limits<double>::infinity();
  for (double x : v) m = std::max(m, x);
  return m;
}

double minOf(const std::vector<double>& v) {
  double m = std::numeric_limits<double>::infinity();
  for (double x : v) m = std::min(m, x);
  return m;
}

double argmaxOf(const std::vector<double>& v) {
  std::size_t best = 0;
  for (std::size_t i = 1; i < v.size(); ++i)
    if (v[i] > v[best]) best = i;
  return static_cast<double>(best);
}

double argminOf(const std::vector<double>& v) {
  std::size_t best = 0;
  for (std::size_t i = 1; i < v.size(); ++i)
    if (v[i] < v[best]) best = i;
  return static_cast<double>(best);
}

double logSumExpOf(const std::vector<double>& v) {
  if (v.empty()) return -std::numeric_limits<double>::infinity();
  double m = maxOf(v);
  double s = 0.0;
  for (double x : v) s += std::exp(x - m);
  return m + std::log(s);
}

}  // namespace tdtest
