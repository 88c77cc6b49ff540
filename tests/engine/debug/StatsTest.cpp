// Statistics in one pass (td::debug::computeStats) and the NaN/Inf check (anyNonFinite):
// what the recorder keeps for every entry and what the debugger's checks read.
#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <vector>

#include "tapedeck/Tapedeck.h"
#include "tapedeck/debug/Stats.h"

namespace {

using td::debug::computeStats;
using td::debug::TensorStats;

constexpr double kNan = std::numeric_limits<double>::quiet_NaN();
constexpr double kInf = std::numeric_limits<double>::infinity();

td::Tensor f64(std::vector<double> values) { return td::fromVector(values, {}, td::DType::Float64); }

TEST(TensorStats, CountsAndMomentsOverTheFiniteValues) {
  const TensorStats s = computeStats(f64({1, -2, 0, kNan, kInf, 4, 0}));
  EXPECT_TRUE(s.computed);
  EXPECT_EQ(s.numel, 7);
  EXPECT_EQ(s.finite, 5);
  EXPECT_EQ(s.nans, 1);
  EXPECT_EQ(s.infs, 1);
  EXPECT_EQ(s.zeros, 2);
  EXPECT_DOUBLE_EQ(s.min, -2.0);
  EXPECT_DOUBLE_EQ(s.max, 4.0);
  EXPECT_DOUBLE_EQ(s.mean, 0.6);
  EXPECT_NEAR(s.std, std::sqrt((0.16 + 6.76 + 0.36 + 11.56 + 0.36) / 5.0), 1e-12);
  EXPECT_NEAR(s.norm, std::sqrt(1.0 + 4.0 + 16.0), 1e-12);
  EXPECT_TRUE(s.nonFinite());
}

TEST(TensorStats, Float32LanesMatchADoubleReferenceAcrossBlocks) {
  // 10,007 values: whole blocks of 4096, lanes of 8 and a tail; a large offset checks
  // that std keeps its digits.
  std::vector<float> values(10007);
  for (std::size_t i = 0; i < values.size(); ++i) values[i] = 1000.0f + static_cast<float>((i * 37) % 101) * 0.01f;
  values[5000] = -std::numeric_limits<float>::infinity();
  values[9000] = std::numeric_limits<float>::quiet_NaN();
  const TensorStats s = computeStats(td::fromVector(values));
  double sum = 0, lo = kInf, hi = -kInf;
  int64_t finite = 0;
  for (float v : values)
    if (std::isfinite(v)) sum += v, lo = std::min(lo, double(v)), hi = std::max(hi, double(v)), ++finite;
  const double mean = sum / finite;
  double var = 0, squares = 0;
  for (float v : values)
    if (std::isfinite(v)) var += (v - mean) * (v - mean), squares += double(v) * v;
  EXPECT_EQ(s.finite, finite);
  EXPECT_EQ(s.nans, 1);
  EXPECT_EQ(s.infs, 1);
  EXPECT_DOUBLE_EQ(s.min, lo);
  EXPECT_DOUBLE_EQ(s.max, hi);
  EXPECT_NEAR(s.mean, mean, 1e-6 * mean);
  EXPECT_NEAR(s.std, std::sqrt(var / finite), 1e-3 * std::sqrt(var / finite));
  EXPECT_NEAR(s.norm, std::sqrt(squares), 1e-6 * std::sqrt(squares));
}

TEST(TensorStats, HugeFiniteFloatsDoNotOverflowTheLanes) {
  std::vector<float> values(100, 3.0f);
  values[7] = 1e20f;
  values[60] = -1e20f;
  const TensorStats s = computeStats(td::fromVector(values));
  EXPECT_EQ(s.finite, 100);
  EXPECT_EQ(s.infs, 0);
  EXPECT_NEAR(s.norm, std::sqrt(2.0) * 1e20, 1e14);
  EXPECT_DOUBLE_EQ(s.max, static_cast<double>(1e20f));
}

TEST(TensorStats, IntegersBoolsViewsAndEmptyTensors) {
  const TensorStats ints = computeStats(td::fromVector(std::vector<int64_t>{3, 0, -5}));
  EXPECT_EQ(ints.zeros, 1);
  EXPECT_DOUBLE_EQ(ints.min, -5.0);
  EXPECT_DOUBLE_EQ(ints.mean, -2.0 / 3.0);
  const TensorStats bools = computeStats(td::gt(f64({1, -1, 2}), 0.0));
  EXPECT_EQ(bools.zeros, 1);
  EXPECT_DOUBLE_EQ(bools.max, 1.0);
  // A transposed view reads its own elements, not the storage order.
  const td::Tensor m = td::fromVector(std::vector<double>{1, 2, 3, 4, 5, 6}, {2, 3}, td::DType::Float64);
  const TensorStats column = computeStats(m.t().select(0, 2));
  EXPECT_EQ(column.numel, 2);
  EXPECT_DOUBLE_EQ(column.min, 3.0);
  EXPECT_DOUBLE_EQ(column.max, 6.0);
  // A broadcast (stride 0) counts every element it shows.
  const TensorStats broadcast = computeStats(f64({1.0, 2.0}).expand({3, 2}));
  EXPECT_EQ(broadcast.numel, 6);
  EXPECT_EQ(broadcast.finite, 6);
  EXPECT_DOUBLE_EQ(broadcast.mean, 1.5);
  EXPECT_NEAR(broadcast.norm, std::sqrt(15.0), 1e-12);
  const TensorStats empty = computeStats(td::zeros({0, 3}));
  EXPECT_TRUE(empty.computed);
  EXPECT_EQ(empty.numel, 0);
  EXPECT_EQ(empty.finite, 0);
}

TEST(TensorStats, AnyNonFiniteFindsEveryNanAndInfWhereverItIs) {
  using td::debug::anyNonFinite;
  // Every length around the vector blocks, a NaN or Inf at every position.
  for (int64_t n : {0, 1, 7, 31, 32, 33, 63, 64, 65, 200}) {
    std::vector<float> v(static_cast<std::size_t>(n), 1.5f);
    td::Tensor t = td::fromVector(v, {n});
    EXPECT_FALSE(anyNonFinite(t)) << n;
    for (int64_t at = 0; at < n; at += std::max<int64_t>(1, n / 9)) {
      for (float bad : {std::numeric_limits<float>::quiet_NaN(), std::numeric_limits<float>::infinity(),
                        -std::numeric_limits<float>::infinity()}) {
        std::vector<float> w = v;
        w[static_cast<std::size_t>(at)] = bad;
        EXPECT_TRUE(anyNonFinite(td::fromVector(w, {n}))) << n << " at " << at;
      }
    }
  }
  // Huge finite values are finite (x * 0 stays 0); float64, views, integers.
  EXPECT_FALSE(anyNonFinite(td::fromVector(std::vector<float>(100, 3.0e38f), {100})));
  EXPECT_TRUE(anyNonFinite(f64({1.0, kInf})));
  EXPECT_TRUE(anyNonFinite(td::fromVector(std::vector<double>{1, 2, kNan, 4, 5, 6}, {2, 3}, td::DType::Float64).t()));
  EXPECT_FALSE(anyNonFinite(td::fromVector(std::vector<int64_t>{1, 2})));
}

}  // namespace
