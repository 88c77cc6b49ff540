#pragma once
// Side-by-side timing: two callables run interleaved (A B A B ...), so that drift in the
// machine (frequency, other load) hits both sides alike and their ratio stays honest.
#include <chrono>
#include <cstdint>
#include <functional>
#include <string>
#include <utility>
#include <vector>

namespace td::bench {

enum class Unit { Nanoseconds, Microseconds, Milliseconds, Seconds };
/// "ns", "us", "ms", "s".
const char* unitName(Unit unit);
/// How many of `unit` make one second.
double unitsPerSecond(Unit unit);

struct PairOptions {
  /// Measured pairs (at least 10; fewer are raised to 10).
  int pairs = 15;
  /// Pairs run and discarded before measuring (after the calibration, which warms up too).
  int warmupPairs = 2;
  /// One sample repeats its callable until it takes at least this long.
  double minSampleSeconds = 0.02;
  Unit unit = Unit::Microseconds;
};

/// Per-call times of the two sides, and the spread of the per-pair ratios.
struct PairResult {
  Unit unit = Unit::Microseconds;
  double medianA = 0.0;   // per call, in `unit`
  double medianB = 0.0;
  double ratio = 0.0;     // medianA / medianB
  double ratioMin = 0.0;  // min and max over pairs of (A's sample / B's sample), per call
  double ratioMax = 0.0;
  int pairs = 0;
  int64_t repetitionsA = 0;  // calls per sample, from calibration
  int64_t repetitionsB = 0;
};

/// Per-call time of one side with nothing to pair with (user-facing ceilings).
struct SingleResult {
  Unit unit = Unit::Microseconds;
  double median = 0.0;
  double min = 0.0;
  double max = 0.0;
  int samples = 0;
  int64_t repetitions = 0;
};

/// Runs `reps` calls and returns the seconds they took.
using SampleFn = std::function<double(int64_t reps)>;

/// Wraps a callable into a SampleFn whose loop calls it directly (no indirect call per rep).
template <typename F>
SampleFn timed(F body) {
  return [body = std::move(body)](int64_t reps) mutable {
    const auto start = std::chrono::steady_clock::now();
    for (int64_t i = 0; i < reps; ++i) body();
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  };
}

class PairRunner {
 public:
  explicit PairRunner(PairOptions options = {});

  /// Calibrates each side's repetition count so one sample takes >= minSampleSeconds,
  /// runs the warm-up pairs, then `pairs` measured pairs, A before B in each.
  PairResult runSamples(const SampleFn& a, const SampleFn& b) const;
  template <typename A, typename B>
  PairResult run(A a, B b) const {
    return runSamples(timed(std::move(a)), timed(std::move(b)));
  }

  /// One side alone: median, min and max over `pairs` samples (at least 10).
  SingleResult runSingleSamples(const SampleFn& body) const;
  template <typename F>
  SingleResult runSingle(F body) const {
    return runSingleSamples(timed(std::move(body)));
  }

  const PairOptions& options() const { return m_options; }

 private:
  int64_t calibrate(const SampleFn& body) const;

  PairOptions m_options;
};

/// Reads TAPEDECK_BENCH_PAIRS (if set) into `options.pairs`; keeps the default otherwise.
PairOptions pairOptionsFromEnvironment(PairOptions options = {});

/// Keeps the optimiser from deleting a computation whose result is unused.
template <typename T>
inline void doNotOptimize(const T& value) {
  asm volatile("" : : "r,m"(value) : "memory");
}

}  // namespace td::bench
