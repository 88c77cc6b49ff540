#pragma once
// Building blocks of the naive reference implementations in the OpInfo table:
// row-major values in a std::vector<double>, walked with plain loops. Nothing here
// calls the engine's ops; the only bridge is fromTensor (reads values).
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "tapedeck/core/DType.h"

namespace td {
class Tensor;
}

namespace tdtest {

using Shape = std::vector<int64_t>;

/// A reference tensor: shape, row-major values and the dtype the op must produce.
struct RefTensor {
  Shape shape;
  std::vector<double> values;
  td::DType dtype = td::DType::Float64;

  RefTensor() = default;
  RefTensor(Shape s, std::vector<double> v, td::DType t = td::DType::Float64);
  /// Every element equal to `value`.
  static RefTensor filled(Shape s, double value, td::DType t = td::DType::Float64);

  int64_t numel() const;
  int64_t dim() const { return static_cast<int64_t>(shape.size()); }
  /// Size of `d` (negative counts from the end).
  int64_t size(int64_t d) const;
  double at(const Shape& index) const;
  double& at(const Shape& index);
};

/// Values and shape of an engine tensor (any layout, any dtype).
RefTensor fromTensor(const td::Tensor& t);
std::string shapeText(const Shape& shape);

int64_t numelOf(const Shape& shape);
Shape stridesOf(const Shape& shape);
Shape unravel(int64_t flat, const Shape& shape);
int64_t ravel(const Shape& index, const Shape& shape);
/// A dim in [-rank, rank) mapped to [0, rank).
int64_t wrapDim(int64_t d, int64_t rank);

/// NumPy broadcasting of two shapes (the caller guarantees they broadcast).
Shape broadcastShapes(const Shape& a, const Shape& b);
/// t's value at `outIndex`, an index into a shape that t broadcasts to.
double broadcastAt(const RefTensor& t, const Shape& outIndex);

RefTensor map(const RefTensor& x, const std::function<double(double)>& fn, td::DType dtype = td::DType::Float64);
RefTensor zip(const RefTensor& a, const RefTensor& b, const std::function<double(double, double)>& fn,
              td::DType dtype = td::DType::Float64);
RefTensor zip3(const RefTensor& a, const RefTensor& b, const RefTensor& c,
               const std::function<double(double, double, double)>& fn, td::DType dtype = td::DType::Float64);
/// Reduces `dims` (empty: every dim); `fn` gets each group's values in row-major order,
/// so the position in the group is the flat index (all dims) or the index along a single dim.
RefTensor reduceDims(const RefTensor& x, Shape dims, bool keepdim, const std::function<double(const std::vector<double>&)>& fn,
                 td::DType dtype = td::DType::Float64);
/// For each lane along `dim`, the flat indices of its elements in order along dim.
std::vector<std::vector<int64_t>> lanes(const Shape& shape, int64_t dim);

RefTensor permute(const RefTensor& x, const Shape& perm);
/// Elements start, start+step, ... (count of them) along dim.
RefTensor slice(const RefTensor& x, int64_t dim, int64_t start, int64_t count, int64_t step = 1);
RefTensor concat(const std::vector<RefTensor>& parts, int64_t dim);
/// Same values, new shape (one -1 is inferred).
RefTensor reshape(const RefTensor& x, Shape shape);
/// Broadcasts x to `shape` (copying values).
RefTensor broadcastTo(const RefTensor& x, const Shape& shape);

/// PyTorch's pooling_output_shape (ceil mode drops a window that starts in the padding).
int64_t poolOutputSize(int64_t input, int64_t kernel, int64_t stride, int64_t pad, int64_t dilation, bool ceilMode);

double sumOf(const std::vector<double>& v);
double meanOf(const std::vector<double>& v);
/// Variance with Bessel's correction (NaN when count - correction <= 0, as PyTorch gives).
double varOf(const std::vector<double>& v, int64_t correction);
double maxOf(const std::vector<double>& v);
double minOf(const std::vector<double>& v);
/// Index of the first maximum / minimum.
double argmaxOf(const std::vector<double>& v);
double argminOf(const std::vector<double>& v);
double logSumExpOf(const std::vector<double>& v);

}  // namespace tdtest
