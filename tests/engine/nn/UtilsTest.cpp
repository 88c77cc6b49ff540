// Gradient clipping against hand-computed norms (as torch.nn.utils.clip_grad_norm_).
#include <gtest/gtest.h>

#include <cmath>
#include <limits>

#include "tapedeck/Tapedeck.h"
#include "tapedeck/nn/NN.h"

namespace {

/// A leaf requiring grad whose gradient is `grad`.
td::Tensor withGrad(const std::vector<double>& grad) {
  td::Tensor p = td::zeros({static_cast<int64_t>(grad.size())}, td::DType::Float64);
  p.setRequiresGrad();
  p.setGrad(td::fromVector(grad, {}, td::DType::Float64));
  return p;
}

TEST(NnUtils, ClipGradNormScalesAllGradientsTogether) {
  td::Tensor a = withGrad({3, 0}), b = withGrad({0, 4});
  td::Tensor none = td::zeros({2}, td::DType::Float64);
  none.setRequiresGrad();
  double total = td::nn::clipGradNorm({a, b, none}, 1.0);
  EXPECT_DOUBLE_EQ(total, 5.0);
  double scale = 1.0 / (5.0 + 1e-6);
  EXPECT_NEAR(a.grad().toVector()[0], 3 * scale, 1e-12);
  EXPECT_NEAR(b.grad().toVector()[1], 4 * scale, 1e-12);
  EXPECT_FALSE(none.grad().defined());

  // Under the limit: unchanged, the norm still reported.
  EXPECT_NEAR(td::nn::clipGradNorm({a, b}, 10.0), 1.0, 1e-6);
  EXPECT_NEAR(a.grad().toVector()[0], 3 * scale, 1e-12);
}

TEST(NnUtils, ClipGradNormOtherNorms) {
  td::Tensor a = withGrad({-3, 1}), b = withGrad({2});
  EXPECT_DOUBLE_EQ(td::nn::clipGradNorm({a, b}, 100.0, 1.0), 6.0);
  EXPECT_DOUBLE_EQ(td::nn::clipGradNorm({a, b}, 100.0, std::numeric_limits<double>::infinity()), 3.0);
  td::nn::clipGradNorm({a, b}, 1.5, std::numeric_limits<double>::infinity());
  EXPECT_NEAR(a.grad().toVector()[0], -1.5, 1e-6);
  EXPECT_THROW(td::nn::clipGradNorm({a}, -1.0), td::Error);
}

TEST(NnUtils, ClipGradValueClamps) {
  td::Tensor a = withGrad({-3, 0.5, 2});
  td::nn::clipGradValue({a}, 1.0);
  EXPECT_EQ(a.grad().toVector(), (std::vector<double>{-1.0, 0.5, 1.0}));
}

TEST(NnUtils, ClipsAModelsGradients) {
  auto fc = td::nn::make<td::nn::Linear>(4, 3);
  td::sum(td::mul((*fc)(td::randn({8, 4})), 100.0)).backward();
  double before = td::nn::clipGradNorm(fc->parameters(), 0.5);
  EXPECT_GT(before, 0.5);
  EXPECT_NEAR(td::nn::clipGradNorm(fc->parameters(), 1e9), 0.5, 1e-5);
}

}  // namespace
