// Synthetic datasets: shapes, dtypes, class balance, determinism for a seed, and a few
// geometric facts (radii of circles, bars' orientation).
#include <gtest/gtest.h>

#include <cmath>
#include <functional>
#include <map>
#include <string>
#include <vector>

#include "tapedeck/Tapedeck.h"
#include "tapedeck/data/Synthetic.h"

namespace {

using td::data::TensorDataset;
namespace synthetic = td::data::synthetic;

struct Case {
  std::string name;
  std::function<TensorDataset(int64_t, double, uint64_t)> make;
  td::IntList exampleShape;
  int64_t classes;  // 0: regression
};

std::vector<Case> cases() {
  return {
      {"xor", [](int64_t n, double s, uint64_t seed) { return synthetic::xorDataset(n, s, seed); }, {2}, 2},
      {"twoMoons", [](int64_t n, double s, uint64_t seed) { return synthetic::twoMoons(n, s, seed); }, {2}, 2},
      {"circles", [](int64_t n, double s, uint64_t seed) { return synthetic::circles(n, s, seed); }, {2}, 2},
      {"spirals4", [](int64_t n, double s, uint64_t seed) { return synthetic::spirals(n, s, seed, 4); }, {2}, 4},
      {"blobs", [](int64_t n, double s, uint64_t seed) { return synthetic::blobs(n, s, seed, 5, 3); }, {3}, 5},
      {"sine", [](int64_t n, double s, uint64_t seed) { return synthetic::sine(n, s, seed); }, {1}, 0},
      {"polynomial", [](int64_t n, double s, uint64_t seed) { return synthetic::polynomial(n, s, seed); }, {1}, 0},
      {"bars", [](int64_t n, double s, uint64_t seed) { return synthetic::bars(n, s, seed, 6); }, {1, 6, 6}, 2},
      {"shapes", [](int64_t n, double s, uint64_t seed) { return synthetic::shapes(n, s, seed); }, {1, 12, 12}, 3},
  };
}

TEST(SyntheticTest, ShapesDtypesAndClassBalance) {
  for (const Case& c : cases()) {
    SCOPED_TRACE(c.name);
    const TensorDataset data = c.make(101, 0.1, 3);
    td::IntList expected = {101};
    for (int64_t s : c.exampleShape) expected.push_back(s);
    EXPECT_EQ(data.inputs().shape(), expected);
    EXPECT_EQ(data.inputs().dtype(), td::DType::Float32);
    EXPECT_EQ(data.targets().shape(), (td::IntList{101}));
    if (c.classes == 0) {
      EXPECT_EQ(data.targets().dtype(), td::DType::Float32);
      continue;
    }
    EXPECT_EQ(data.targets().dtype(), td::DType::Int64);
    std::map<int64_t, int64_t> counts;
    for (double t : data.targets().toVector()) ++counts[static_cast<int64_t>(t)];
    ASSERT_EQ(static_cast<int64_t>(counts.size()), c.classes);
    for (const auto& [label, count] : counts) {
      EXPECT_GE(label, 0);
      EXPECT_LT(label, c.classes);
      EXPECT_LE(std::abs(count - 101 / c.classes), 1);
    }
  }
}

TEST(SyntheticTest, DeterministicForASeed) {
  for (const Case& c : cases()) {
    SCOPED_TRACE(c.name);
    const TensorDataset a = c.make(40, 0.2, 11);
    const TensorDataset b = c.make(40, 0.2, 11);
    const TensorDataset other = c.make(40, 0.2, 12);
    EXPECT_EQ(a.inputs().toVector(), b.inputs().toVector());
    EXPECT_EQ(a.targets().toVector(), b.targets().toVector());
    EXPECT_NE(a.inputs().toVector(), other.inputs().toVector());
  }
}

TEST(SyntheticTest, CirclesWithoutNoiseLieOnTheirRadii) {
  const TensorDataset data = synthetic::circles(20, 0.0, 1, 0.3);
  const std::vector<double> x = data.inputs().toVector();
  const std::vector<double> y = data.targets().toVector();
  for (size_t i = 0; i < y.size(); ++i)
    EXPECT_NEAR(std::hypot(x[2 * i], x[2 * i + 1]), y[i] == 0 ? 1.0 : 0.3, 1e-5);
}

TEST(SyntheticTest, XorLabelsFollowTheSigns) {
  const TensorDataset data = synthetic::xorDataset(64, 0.0, 5);
  const std::vector<double> x = data.inputs().toVector();
  const std::vector<double> y = data.targets().toVector();
  for (size_t i = 0; i < y.size(); ++i) EXPECT_EQ((x[2 * i] > 0) != (x[2 * i + 1] > 0), y[i] == 1.0);
}

TEST(SyntheticTest, SineTargetsFollowTheCurve) {
  const TensorDataset data = synthetic::sine(30, 0.0, 2);
  const std::vector<double> x = data.inputs().toVector();
  const std::vector<double> y = data.targets().toVector();
  for (size_t i = 0; i < y.size(); ++i) EXPECT_NEAR(y[i], std::sin(x[i]), 1e-6);
}

TEST(SyntheticTest, BarsAreVerticalOrHorizontal) {
  const int64_t s = 5;
  const TensorDataset data = synthetic::bars(10, 0.0, 4, s);
  const std::vector<double> pixels = data.inputs().toVector();
  const std::vector<double> labels = data.targets().toVector();
  for (size_t i = 0; i < labels.size(); ++i) {
    const double* image = pixels.data() + i * s * s;
    double total = 0;
    for (int64_t p = 0; p < s * s; ++p) total += image[p];
    EXPECT_EQ(total, static_cast<double>(s));
    // A vertical bar lights one pixel in every row; a horizontal one fills one row.
    int64_t fullRows = 0;
    for (int64_t row = 0; row < s; ++row) {
      double rowSum = 0;
      for (int64_t col = 0; col < s; ++col) rowSum += image[row * s + col];
      if (labels[i] == 0) {
        EXPECT_EQ(rowSum, 1.0);
      }
      fullRows += rowSum == static_cast<double>(s) ? 1 : 0;
    }
    if (labels[i] == 1) {
      EXPECT_EQ(fullRows, 1);
    }
  }
}

TEST(SyntheticTest, ShapesDifferByClass) {
  const TensorDataset data = synthetic::shapes(30, 0.0, 9, 12);
  const std::vector<double> pixels = data.inputs().toVector();
  for (size_t i = 0; i < 30; ++i) {
    double lit = 0;
    for (size_t p = 0; p < 144; ++p) lit += pixels[i * 144 + p];
    EXPECT_GT(lit, 8.0) << "image " << i;
  }
}

TEST(SyntheticTest, RejectsBadArguments) {
  EXPECT_THROW(synthetic::twoMoons(0, 0.1, 0), td::Error);
  EXPECT_THROW(synthetic::circles(10, -1.0, 0), td::Error);
  EXPECT_THROW(synthetic::spirals(10, 0.1, 0, 1), td::Error);
  EXPECT_THROW(synthetic::shapes(10, 0.1, 0, 4), td::Error);
}

}  // namespace
