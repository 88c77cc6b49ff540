#pragma once
// Deterministic sample inputs for the OpInfo rows: a seeded generator that does not
// touch the engine's own generator, and makers for the domains ops need (positive,
// away from a kink, pairwise distinct, valid indices).
#include <cstdint>
#include <random>
#include <vector>

#include "Reference.h"
#include "tapedeck/core/Tensor.h"

namespace tdtest {

/// A seeded generator independent of td::manualSeed.
class Rng {
 public:
  explicit Rng(uint64_t seed) : m_engine(seed) {}
  /// Uniform in [lo, hi).
  double uniform(double lo, double hi);
  /// Uniform integer in [lo, hi).
  int64_t integer(int64_t lo, int64_t hi);

 private:
  std::mt19937_64 m_engine;
};

/// A tensor of `dtype` holding `values` (row-major); a 0-dim tensor for an empty shape.
td::Tensor makeTensor(const std::vector<double>& values, const Shape& shape, td::DType dtype = td::DType::Float64);

/// float64, uniform in [lo, hi).
td::Tensor uniform(Rng& rng, const Shape& shape, double lo, double hi);
/// float64 in [lo, hi), each value at least `margin` away from every point in `kinks`.
td::Tensor awayFrom(Rng& rng, const Shape& shape, double lo, double hi, const std::vector<double>& kinks,
                    double margin = 0.05);
/// float64 in [lo, hi), pairwise at least (hi - lo) / (2 numel) apart (no ties for max/min).
td::Tensor distinct(Rng& rng, const Shape& shape, double lo, double hi);
/// float64 k + phase + [0, 0.1) for integers k in [lo, hi): two tensors with phases 0.2 apart
/// never come within 0.1 of each other (no ties for maximum/minimum, even broadcast).
td::Tensor phased(Rng& rng, const Shape& shape, int64_t lo, int64_t hi, double phase);
/// int64, uniform in [lo, hi).
td::Tensor integers(Rng& rng, const Shape& shape, int64_t lo, int64_t hi);
/// Integer-valued float64 in [lo, hi) (ties on purpose, for comparisons).
td::Tensor integerValued(Rng& rng, const Shape& shape, int64_t lo, int64_t hi);
/// bool, each true with probability 1/2.
td::Tensor bools(Rng& rng, const Shape& shape);

}  // namespace tdtest
