#include "PairRunner.h"

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <stdexcept>

namespace td::bench {

namespace {

constexpr int kMinPairs = 10;

double median(std::vector<double> values) {
  if (values.empty()) return 0.0;
  std::sort(values.begin(), values.end());
  const std::size_t mid = values.size() / 2;
  return values.size() % 2 ? values[mid] : 0.5 * (values[mid - 1] + values[mid]);
}

}  // namespace

const char* unitName(Unit unit) {
  switch (unit) {
    case Unit::Nanoseconds: return "ns";
    case Unit::Microseconds: return "us";
    case Unit::Milliseconds: return "ms";
    case Unit::Seconds: return "s";
  }
  return "?";
}

double unitsPerSecond(Unit unit) {
  switch (unit) {
    case Unit::Nanoseconds: return 1e9;
    case Unit::Microseconds: return 1e6;
    case Unit::Milliseconds: return 1e3;
    case Unit::Seconds: return 1.0;
  }
  return 1.0;
}

PairRunner::PairRunner(PairOptions options) : m_options(options) {
  m_options.pairs = std::max(m_options.pairs, kMinPairs);
  m_options.warmupPairs = std::max(m_options.warmupPairs, 0);
  if (!(m_options.minSampleSeconds > 0.0)) throw std::invalid_argument("PairRunner: minSampleSeconds must be > 0");
}

int64_t PairRunner::calibrate(const SampleFn& body) const {
  // Double the repetitions (or jump by the measured shortfall, at most 100x) until one
  // sample is long enough; the calls made here double as warm-up.
  int64_t reps = 1;
  for (;;) {
    const double seconds = body(reps);
    if (seconds >= m_options.minSampleSeconds) return reps;
    const double wanted = seconds > 0.0 ? 1.2 * m_options.minSampleSeconds / seconds : 100.0;
    const double factor = std::clamp(wanted, 2.0, 100.0);
    if (reps > (int64_t{1} << 40)) throw std::runtime_error("PairRunner: the callable takes no measurable time");
    reps = static_cast<int64_t>(std::ceil(static_cast<double>(reps) * factor));
  }
}

PairResult PairRunner::runSamples(const SampleFn& a, const SampleFn& b) const {
  PairResult result;
  result.unit = m_options.unit;
  result.pairs = m_options.pairs;
  result.repetitionsA = calibrate(a);
  result.repetitionsB = calibrate(b);
  for (int i = 0; i < m_options.warmupPairs; ++i) {
    a(result.repetitionsA);
    b(result.repetitionsB);
  }

  const double scale = unitsPerSecond(m_options.unit);
  std::vector<double> perCallA, perCallB, ratios;
  for (int i = 0; i < m_options.pairs; ++i) {
    const double timeA = a(result.repetitionsA) / static_cast<double>(result.repetitionsA) * scale;
    const double timeB = b(result.repetitionsB) / static_cast<double>(result.repetitionsB) * scale;
    perCallA.push_back(timeA);
    perCallB.push_back(timeB);
    ratios.push_back(timeA / timeB);
  }
  result.medianA = median(perCallA);
  result.medianB = median(perCallB);
  result.ratio = result.medianA / result.medianB;
  const auto [low, high] = std::minmax_element(ratios.begin(), ratios.end());
  result.ratioMin = *low;
  result.ratioMax = *high;
  return result;
}

SingleResult PairRunner::runSingleSamples(const SampleFn& body) const {
  SingleResult result;
  result.unit = m_options.unit;
  result.samples = m_options.pairs;
  result.repetitions = calibrate(body);
  for (int i = 0; i < m_options.warmupPairs; ++i) body(result.repetitions);

  const double scale = unitsPerSecond(m_options.unit);
  std::vector<double> perCall;
  for (int i = 0; i < m_options.pairs; ++i) {
    perCall.push_back(body(result.repetitions) / static_cast<double>(result.repetitions) * scale);
  }
  result.median = median(perCall);
  const auto [low, high] = std::minmax_element(perCall.begin(), perCall.end());
  result.min = *low;
  result.max = *high;
  return result;
}

PairOptions pairOptionsFromEnvironment(PairOptions options) {
  if (const char* text = std::getenv("TAPEDECK_BENCH_PAIRS")) {
    char* end = nullptr;
    const long pairs = std::strtol(text, &end, 10);
    if (end != text && *end == '\0' && pairs > 0 && pairs < 100000) options.pairs = static_cast<int>(pairs);
  }
  return options;
}

}  // namespace td::bench
