#pragma once
// The process-wide random generator (one engine, one generator), seeded by manualSeed.
#include <cstdint>
#include <mutex>
#include <random>
#include <string>

namespace td::detail {

class Generator {
 public:
  static Generator& global();
  void seed(uint64_t s);
  /// The seed last set (manualSeed), or the default one.
  uint64_t initialSeed();
  /// The whole state as text (std::mt19937_64's stream form), and back; setState refuses a
  /// text that is not one (the state is left as it was).
  std::string state();
  void setState(const std::string& text);
  /// Fills with uniform [0, 1).
  void uniform(double* out, int64_t n);
  /// Fills with standard normal values.
  void normal(double* out, int64_t n);
  /// Integers in [low, high).
  void integers(int64_t* out, int64_t n, int64_t low, int64_t high);

 private:
  std::mutex m_mutex;
  std::mt19937_64 m_engine{5489u};
  uint64_t m_seed = 5489u;
};

}  // namespace td::detail
