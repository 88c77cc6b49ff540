// PyTorch's numeric ops with their Python semantics: remainder and floor division (the
// divisor's sign, Python's //), rounding, running sums, products (gradients with zeros),
// sorting and top-k.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cmath>
#include <vector>

#include "tapedeck/Tapedeck.h"

namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

std::vector<double> valuesOf(const td::Tensor& t) { return t.toVector(); }

TEST(TensorDtypes, PythonsRemainderFloorDivisionAndRounding) {
  // As Python (and PyTorch): the remainder takes the divisor's sign, // rounds down, and
  // integers stay integers.
  td::Tensor a = td::fromVector(std::vector<int64_t>{7, -7, 7, -7});
  td::Tensor b = td::fromVector(std::vector<int64_t>{2, 2, -2, -2});
  EXPECT_EQ(td::remainder(a, b).dtype(), td::DType::Int64);
  EXPECT_THAT(valuesOf(td::remainder(a, b)), ElementsAre(1, 1, -1, -1));
  EXPECT_THAT(valuesOf(td::floorDivide(a, b)), ElementsAre(3, -4, -4, 3));
  EXPECT_THAT(valuesOf(td::rremainder(b, 5.0)), ElementsAre(1, 1, -1, -1));
  EXPECT_THAT(valuesOf(td::rfloorDivide(b, 5.0)), ElementsAre(2, 2, -3, -3));
  // An integer divisor of 0 is refused, naming the op; a float one gives Inf or NaN.
  td::Tensor zero = td::fromVector(std::vector<int64_t>{1, 0, 1, 1});
  EXPECT_THROW(
      {
        try {
          td::floorDivide(a, zero);
        } catch (const td::Error& e) {
          EXPECT_THAT(e.what(), HasSubstr("floor_divide"));
          EXPECT_THAT(e.what(), HasSubstr("division by zero"));
          throw;
        }
      },
      td::Error);
  EXPECT_THROW(td::remainder(a, zero), td::Error);
  td::Tensor f = td::fromVector(std::vector<double>{1.0, -1.0, 5.5}, {3}, td::DType::Float64);
  // 1.0 // 0.1 is 9 in Python (0.1 is a little more than a tenth), not floor(1 / 0.1) = 10.
  EXPECT_THAT(valuesOf(td::floorDivide(f, 0.1)), ElementsAre(9, -10, 54));
  EXPECT_THAT(valuesOf(td::floorDivide(f, 0.0)), ElementsAre(INFINITY, -INFINITY, INFINITY));
  EXPECT_NEAR(td::remainder(f, 0.1).toVector()[0], 0.09999999999999995, 1e-15);
  EXPECT_EQ(td::floorDivide(f.to(td::DType::Int64), 2.5).dtype(), td::DType::Float32);  // an int by a fraction
  // Rounding: half to even; integers unchanged and still integers.
  td::Tensor halves = td::tensor({0.5, 1.5, 2.5, -0.5, -1.7});
  EXPECT_THAT(valuesOf(td::round(halves)), ElementsAre(0, 2, 2, 0, -2));
  EXPECT_THAT(valuesOf(td::floor(halves)), ElementsAre(0, 1, 2, -1, -2));
  EXPECT_THAT(valuesOf(td::ceil(halves)), ElementsAre(1, 2, 3, 0, -1));
  EXPECT_THAT(valuesOf(td::trunc(halves)), ElementsAre(0, 1, 2, 0, -1));
  EXPECT_EQ(td::floor(a).dtype(), td::DType::Int64);
  EXPECT_THAT(valuesOf(td::round(a)), ElementsAre(7, -7, 7, -7));
  // Their gradient is zero (as PyTorch's), not missing.
  td::Tensor x = td::tensor({0.3, 1.7}).setRequiresGrad();
  td::sum(td::mul(td::floor(x), 3.0)).backward();
  ASSERT_TRUE(x.grad().defined());
  EXPECT_THAT(valuesOf(x.grad()), ElementsAre(0, 0));
}

TEST(TensorDtypes, CumulativeSums) {
  td::Tensor i = td::fromVector(std::vector<int64_t>{1, 2, 3, 4, 5, 6}, {2, 3});
  EXPECT_EQ(td::cumsum(i, 1).dtype(), td::DType::Int64);
  EXPECT_THAT(valuesOf(td::cumsum(i, 1)), ElementsAre(1, 3, 6, 4, 9, 15));
  EXPECT_THAT(valuesOf(td::cumsum(i, 0)), ElementsAre(1, 2, 3, 5, 7, 9));
  EXPECT_THAT(valuesOf(td::cumsum(i.t(), -1)), ElementsAre(1, 5, 2, 7, 3, 9));  // a strided input
  td::Tensor b = td::fromVector(std::vector<double>{1, 0, 1}, {3}, td::DType::Bool);
  EXPECT_EQ(td::cumsum(b, 0).dtype(), td::DType::Int64);
  EXPECT_THAT(valuesOf(td::cumsum(b, 0)), ElementsAre(1, 1, 2));
  EXPECT_EQ(td::cumsum(td::scalarTensor(2.5), 0).item(), 2.5);
  EXPECT_THROW(td::cumsum(i, 2), td::Error);
  // The gradient of each input is the sum of the output gradients from its position on.
  td::Tensor x = td::tensor({1, 2, 3}).setRequiresGrad();
  td::sum(td::mul(td::cumsum(x, 0), td::tensor({1, 10, 100}))).backward();
  EXPECT_THAT(valuesOf(x.grad()), ElementsAre(111, 110, 100));
}

TEST(TensorDtypes, ProductsAndTheirGradientWithZeros) {
  td::Tensor i = td::fromVector(std::vector<int64_t>{1, 2, 3, 4, 5, 6}, {2, 3});
  EXPECT_EQ(td::prod(i).dtype(), td::DType::Int64);
  EXPECT_EQ(td::prod(i).item(), 720);
  EXPECT_THAT(valuesOf(td::prod(i, {1})), ElementsAre(6, 120));
  td::Tensor b = td::fromVector(std::vector<double>{1, 0, 1}, {3}, td::DType::Bool);
  EXPECT_EQ(td::prod(b).dtype(), td::DType::Int64);
  EXPECT_EQ(td::prod(b).item(), 0);
  EXPECT_EQ(td::prod(td::zeros({0, 3}), {0}).toVector(), (std::vector<double>{1, 1, 1})) << "an empty product is 1";
  // Each value's gradient is the product of the others in its lane: with one zero, only the
  // zero gets one (the product of the rest); with two, none does.
  td::Tensor x = td::tensor({1, 0, 3, 0, 0, 2, 2, 3, 4}).view({3, 3}).setRequiresGrad();
  td::Tensor p = td::prod(x, {1});
  EXPECT_THAT(valuesOf(p), ElementsAre(0, 0, 24));
  td::sum(p).backward();
  EXPECT_THAT(valuesOf(x.grad()), ElementsAre(0, 3, 0, 0, 0, 0, 12, 8, 6));
  td::Tensor y = td::tensor({2, 0, 5}).setRequiresGrad();
  td::prod(y).backward();
  EXPECT_THAT(valuesOf(y.grad()), ElementsAre(0, 10, 0));
}

TEST(TensorDtypes, StandardDeviationOfAConstantLaneHasZeroGradient) {
  // As PyTorch's std_backward: 0 where the result is 0 (not sqrt's infinity times 0).
  td::Tensor x = td::fromVector(std::vector<double>{1, 2, 4, 3, 3, 3}, {2, 3}, td::DType::Float64).setRequiresGrad();
  td::Tensor s = td::stdDev(x, {1}, 0);
  EXPECT_NEAR(s.toVector()[0], std::sqrt(14.0 / 9.0), 1e-12);
  EXPECT_EQ(s.toVector()[1], 0.0);
  td::sum(s).backward();
  const std::vector<double> g = x.grad().toVector();
  for (int i = 3; i < 6; ++i) EXPECT_EQ(g[static_cast<std::size_t>(i)], 0.0) << i;
  // Row 0: (x - mean) / (n std).
  EXPECT_NEAR(g[0], (1.0 - 7.0 / 3.0) / (3.0 * std::sqrt(14.0 / 9.0)), 1e-12);
  // A NaN still gives NaN.
  EXPECT_TRUE(std::isnan(td::stdDev(td::tensor({1, NAN})).item()));
}

TEST(TensorDtypes, SortTopkAndArgsort) {
  // Stable (ties keep their order) and NaN as the largest value, as PyTorch.
  td::Tensor x = td::tensor({3, NAN, 1, 3, -2});
  auto [up, upIndex] = td::sort(x);
  EXPECT_THAT(valuesOf(upIndex), ElementsAre(4, 2, 0, 3, 1));
  EXPECT_TRUE(std::isnan(up.toVector()[4]));
  auto [down, downIndex] = td::sort(x, 0, true);
  EXPECT_THAT(valuesOf(downIndex), ElementsAre(1, 0, 3, 2, 4));
  EXPECT_EQ(downIndex.dtype(), td::DType::Int64);
  auto [top, topIndex] = td::topk(td::tensor({0.5, 2, -1, 7}), 2);
  EXPECT_THAT(valuesOf(top), ElementsAre(7, 2));
  EXPECT_THAT(valuesOf(topIndex), ElementsAre(3, 1));
  auto [bottom, bottomIndex] = td::topk(td::fromVector(std::vector<int64_t>{4, 1, 3}), 1, 0, false);
  EXPECT_EQ(bottom.dtype(), td::DType::Int64);
  EXPECT_THAT(valuesOf(bottomIndex), ElementsAre(1));
  EXPECT_THAT(valuesOf(td::argsort(td::tensor({2, 0, 1}))), ElementsAre(1, 2, 0));
  EXPECT_EQ(td::sort(td::scalarTensor(4)).first.item(), 4.0);
  EXPECT_EQ(td::topk(td::tensor({1, 2}), 0).first.numel(), 0);
  EXPECT_THROW(td::topk(td::tensor({1, 2}), 3), td::Error);
  EXPECT_THROW(td::sort(td::tensor({1, 2}), 1), td::Error);
  // The gradient goes back to where each value came from.
  td::Tensor w = td::tensor({3, 1, 2}).setRequiresGrad();
  td::sum(td::mul(td::topk(w, 2).first, td::tensor({10, 1}))).backward();
  EXPECT_THAT(valuesOf(w.grad()), ElementsAre(10, 0, 1));
}

}  // namespace
