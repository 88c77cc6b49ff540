#include "core/Generator.h"

#include <cmath>
#include <sstream>

#include "tapedeck/core/Error.h"
#include "tapedeck/core/RandomState.h"

namespace td::detail {

Generator& Generator::global() {
  static Generator generator;
  return generator;
}

void Generator::seed(uint64_t s) {
  std::lock_guard<std::mutex> lock(m_mutex);
  m_engine.seed(s);
  m_seed = s;
}

uint64_t Generator::initialSeed() {
  std::lock_guard<std::mutex> lock(m_mutex);
  return m_seed;
}

std::string Generator::state() {
  std::lock_guard<std::mutex> lock(m_mutex);
  std::ostringstream out;
  out << m_engine;
  return out.str();
}

void Generator::setState(const std::string& text) {
  std::mt19937_64 parsed;
  std::istringstream in(text);
  in >> parsed;
  TD_CHECK(!in.fail(), "set_rng_state", "the state is not one get_rng_state returned (", text.size(),
           " characters that do not parse as a generator state)");
  std::lock_guard<std::mutex> lock(m_mutex);
  m_engine = parsed;
}

void Generator::uniform(double* out, int64_t n) {
  std::lock_guard<std::mutex> lock(m_mutex);
  for (int64_t i = 0; i < n; ++i) out[i] = static_cast<double>(m_engine() >> 11) * 0x1.0p-53;
}

void Generator::normal(double* out, int64_t n) {
  std::lock_guard<std::mutex> lock(m_mutex);
  // Box-Muller in pairs: the same seed gives the same values on every platform.
  for (int64_t i = 0; i < n; i += 2) {
    double u1 = (static_cast<double>(m_engine() >> 11) + 1.0) * 0x1.0p-53;
    double u2 = static_cast<double>(m_engine() >> 11) * 0x1.0p-53;
    double r = std::sqrt(-2.0 * std::log(u1));
    out[i] = r * std::cos(2.0 * M_PI * u2);
    if (i + 1 < n) out[i + 1] = r * std::sin(2.0 * M_PI * u2);
  }
}

void Generator::integers(int64_t* out, int64_t n, int64_t low, int64_t high) {
  std::lock_guard<std::mutex> lock(m_mutex);
  uint64_t range = static_cast<uint64_t>(high - low);
  for (int64_t i = 0; i < n; ++i) out[i] = low + static_cast<int64_t>(m_engine() % range);
}

}  // namespace td::detail

namespace td {

std::string rngState() { return detail::Generator::global().state(); }
void setRngState(const std::string& state) { detail::Generator::global().setState(state); }
uint64_t initialSeed() { return detail::Generator::global().initialSeed(); }

}  // namespace td
