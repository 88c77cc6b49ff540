#pragma once
// Portable draws for the synthetic datasets: std::mt19937's sequence is fixed by the
// standard, but std::uniform_real_distribution and std::normal_distribution are not.
#include <cmath>
#include <cstdint>
#include <numbers>
#include <random>

namespace td::data::detail {

class SyntheticRandom {
 public:
  explicit SyntheticRandom(uint64_t seed)
      : m_engine(static_cast<std::mt19937::result_type>(seed ^ (seed >> 32))) {}
  /// Uniform in (0, 1).
  double uniform01() { return (static_cast<double>(m_engine()) + 0.5) / 4294967296.0; }
  double uniform(double low, double high) { return low + (high - low) * uniform01(); }
  /// Integer in [0, bound).
  int64_t below(int64_t bound) {
    return static_cast<int64_t>((static_cast<uint64_t>(m_engine()) * static_cast<uint64_t>(bound)) >> 32);
  }
  /// Standard normal (Box-Muller, both values used).
  double normal() {
    if (m_hasSpare) {
      m_hasSpare = false;
      return m_spare;
    }
    const double radius = std::sqrt(-2.0 * std::log(uniform01()));
    const double angle = 2.0 * std::numbers::pi * uniform01();
    m_spare = radius * std::sin(angle);
    m_hasSpare = true;
    return radius * std::cos(angle);
  }

 private:
  std::mt19937 m_engine;
  double m_spare = 0.0;
  bool m_hasSpare = false;
};

}  // namespace td::data::detail
