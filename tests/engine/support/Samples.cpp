#include "Samples.h"

#include <algorithm>
#include <cmath>
#include <numeric>

#include "tapedeck/ops/Ops.h"

namespace tdtest {

double Rng::uniform(double lo, double hi) {
  // From the raw bits, so the values do not depend on the standard library's distributions.
  double unit = static_cast<double>(m_engine() >> 11) * 0x1.0p-53;
  return lo + (hi - lo) * unit;
}

int64_t Rng::integer(int64_t lo, int64_t hi) {
  return lo + static_cast<int64_t>(m_engine() % static_cast<uint64_t>(hi - lo));
}

td::Tensor makeTensor(const std::vector<double>& values, const Shape& shape, td::DType dtype) {
  if (shape.empty()) return td::scalarTensor(values.at(0), td::TensorOptions(dtype));
  return td::fromVector(values, td::IntList(shape), td::TensorOptions(dtype));
}

td::Tensor uniform(Rng& rng, const Shape& shape, double lo, double hi) {
  std::vector<double> values(static_cast<std::size_t>(numelOf(shape)));
  for (double& v : values) v = rng.uniform(lo, hi);
  return makeTensor(values, shape);
}

td::Tensor awayFrom(Rng& rng, const Shape& shape, double lo, double hi, const std::vector<double>& kinks, double margin) {
  std::vector<double> values(static_cast<std::size_t>(numelOf(shape)));
  for (double& v : values) {
    bool near = true;
    while (near) {
      v = rng.uniform(lo, hi);
      near = std::any_of(kinks.begin(), kinks.end(), [&](double k) { return std::abs(v - k) < margin; });
    }
  }
  return makeTensor(values, shape);
}

td::Tensor distinct(Rng& rng, const Shape& shape, double lo, double hi) {
  std::size_t n = static_cast<std::size_t>(numelOf(shape));
  std::vector<std::size_t> order(n);
  std::iota(order.begin(), order.end(), 0);
  for (std::size_t i = n; i > 1; --i) std::swap(order[i - 1], order[static_cast<std::size_t>(rng.integer(0, static_cast<int64_t>(i)))]);
  double step = (hi - lo) / static_cast<double>(std::max<std::size_t>(n, 1));
  std::vector<double> values(n);
  for (std::size_t i = 0; i < n; ++i)
    values[i] = lo + step * (static_cast<double>(order[i]) + 0.25 + 0.5 * rng.uniform(0.0, 1.0));
  return makeTensor(values, shape);
}

td::Tensor phased(Rng& rng, const Shape& shape, int64_t lo, int64_t hi, double phase) {
  std::vector<double> values(static_cast<std::size_t>(numelOf(shape)));
  for (double& v : values) v = static_cast<double>(rng.integer(lo, hi)) + phase + rng.uniform(0.0, 0.1);
  return makeTensor(values, shape);
}

td::Tensor integers(Rng& rng, const Shape& shape, int64_t lo, int64_t hi) {
  std::vector<double> values(static_cast<std::size_t>(numelOf(shape)));
  for (double& v : values) v = static_cast<double>(rng.integer(lo, hi));
  return makeTensor(values, shape, td::DType::Int64);
}

td::Tensor integerValued(Rng& rng, const Shape& shape, int64_t lo, int64_t hi) {
  std::vector<double> values(static_cast<std::size_t>(numelOf(shape)));
  for (double& v : values) v = static_cast<double>(rng.integer(lo, hi));
  return makeTensor(values, shape);
}

td::Tensor bools(Rng& rng, const Shape& shape) {
  std::vector<double> values(static_cast<std::size_t>(numelOf(shape)));
  for (double& v : values) v = static_cast<double>(rng.integer(0, 2));
  return makeTensor(values, shape, td::DType::Bool);
}

}  // namespace tdtest
