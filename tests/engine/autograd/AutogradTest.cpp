// Autograd: requires_grad propagation, backward and accumulation into leaves,
// autograd::grad, create_graph (higher-order), hooks, retain_grad, detach, grad mode.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cmath>
#include <thread>

#include "tapedeck/Tapedeck.h"

namespace {

using ::testing::ElementsAre;

td::Tensor leaf(std::vector<double> values) {
  td::IntList shape{static_cast<int64_t>(values.size())};
  td::Tensor x = td::fromVector(values, shape, td::DType::Float64);
  x.setRequiresGrad();
  return x;
}

MATCHER_P(NearlyEquals, expected, "") {
  std::vector<double> actual = arg.toVector();
  if (actual.size() != expected.size()) return false;
  for (std::size_t i = 0; i < actual.size(); ++i)
    if (std::abs(actual[i] - expected[i]) > 1e-10 * (1.0 + std::abs(expected[i]))) return false;
  return true;
}

// --- requires_grad --------------------------------------------------------------------

TEST(Autograd, RequiresGradPropagates) {
  td::Tensor x = leaf({1, 2});
  td::Tensor c = td::ones({2}, td::DType::Float64);
  EXPECT_TRUE(x.requiresGrad());
  EXPECT_TRUE(x.isLeaf());
  EXPECT_FALSE(c.requiresGrad());
  EXPECT_TRUE(c.isLeaf());
  EXPECT_EQ(x.gradFn(), nullptr);

  td::Tensor y = x * c;
  EXPECT_TRUE(y.requiresGrad());
  EXPECT_FALSE(y.isLeaf());
  EXPECT_NE(y.gradFn(), nullptr);
  EXPECT_FALSE((c + c).requiresGrad());
  EXPECT_FALSE(td::argmax(y).requiresGrad());  // integer results carry no gradient
  EXPECT_FALSE(td::gt(y, c).requiresGrad());

  td::Tensor d = y.detach();
  EXPECT_FALSE(d.requiresGrad());
  EXPECT_TRUE(d.isLeaf());
  EXPECT_EQ(&d.storage(), &y.storage());
}

TEST(Autograd, GradModeGuards) {
  td::Tensor x = leaf({1, 2});
  EXPECT_TRUE(td::GradMode::enabled());
  {
    td::NoGradGuard noGrad;
    EXPECT_FALSE(td::GradMode::enabled());
    td::Tensor y = x * 2.0;
    EXPECT_FALSE(y.requiresGrad());
    EXPECT_EQ(y.gradFn(), nullptr);
    {
      td::EnableGradGuard enable;
      EXPECT_TRUE(td::GradMode::enabled());
      EXPECT_TRUE((x * 2.0).requiresGrad());
    }
    EXPECT_FALSE(td::GradMode::enabled());
  }
  EXPECT_TRUE(td::GradMode::enabled());
  td::GradMode::setEnabled(false);
  EXPECT_FALSE((x * 2.0).requiresGrad());
  td::GradMode::setEnabled(true);
  EXPECT_TRUE((x * 2.0).requiresGrad());
}

TEST(Autograd, GradModeIsPerThread) {
  td::NoGradGuard noGrad;
  bool otherThreadEnabled = false;
  std::thread worker([&] { otherThreadEnabled = td::GradMode::enabled(); });
  worker.join();
  EXPECT_TRUE(otherThreadEnabled);
  EXPECT_FALSE(td::GradMode::enabled());
}

// --- backward and accumulation ------------------------------------------------------------

TEST(Autograd, BackwardOfAScalar) {
  td::Tensor x = leaf({1, 2, 3});
  td::Tensor loss = (x * x).sum();  // d/dx = 2x
  loss.backward();
  ASSERT_TRUE(x.grad().defined());
  EXPECT_EQ(x.grad().dtype(), td::DType::Float64);
  EXPECT_THAT(x.grad(), NearlyEquals(std::vector<double>{2, 4, 6}));
}

TEST(Autograd, BackwardWithAnExplicitGradient) {
  td::Tensor x = leaf({1, 2, 3});
  td::Tensor y = x * 3.0;
  y.backward(td::fromVector(std::vector<double>{1, 10, 100}, {3}, td::DType::Float64));
  EXPECT_THAT(x.grad(), NearlyEquals(std::vector<double>{3, 30, 300}));
}

TEST(Autograd, GradientsAccumulateIntoLeaves) {
  td::Tensor x = leaf({1, 2});
  td::Tensor loss = (x * x).sum();
  loss.backward(td::Tensor(), /*retainGraph=*/true);
  loss.backward();  // through the retained graph: adds
  EXPECT_THAT(x.grad(), NearlyEquals(std::vector<double>{4, 8}));

  (x * 5.0).sum().backward();  // a separate graph: adds too
  EXPECT_THAT(x.grad(), NearlyEquals(std::vector<double>{9, 13}));

  x.grad().zero_();
  (x * 5.0).sum().backward();
  EXPECT_THAT(x.grad(), NearlyEquals(std::vector<double>{5, 5}));

  x.setGrad(td::Tensor());
  EXPECT_FALSE(x.grad().defined());
  (x * 2.0).sum().backward();
  EXPECT_THAT(x.grad(), NearlyEquals(std::vector<double>{2, 2}));
}

TEST(Autograd, ALeafUsedTwiceGetsBothContributions) {
  td::Tensor x = leaf({3});
  td::Tensor y = x * x * x + x;  // 3x^2 + 1 = 28
  y.sum().backward();
  EXPECT_THAT(x.grad(), NearlyEquals(std::vector<double>{28}));
}

TEST(Autograd, SeveralRoots) {
  td::Tensor x = leaf({1, 2});
  td::Tensor a = (x * 2.0).sum();
  td::Tensor b = (x * x).sum();
  td::autograd::backward({a, b});
  EXPECT_THAT(x.grad(), NearlyEquals(std::vector<double>{4, 6}));
}

TEST(Autograd, NonLeavesKeepNoGradUnlessRetained) {
  td::Tensor x = leaf({1, 2});
  td::Tensor y = x * 2.0;
  td::Tensor z = x * 3.0;
  y.retainGrad();
  td::Tensor loss = (y * y + z).sum();
  loss.backward();
  ASSERT_TRUE(y.grad().defined());
  EXPECT_THAT(y.grad(), NearlyEquals(std::vector<double>{4, 8}));  // 2y
  EXPECT_FALSE(z.grad().defined());
  EXPECT_THAT(x.grad(), NearlyEquals(std::vector<double>{11, 19}));  // 2y * 2 + 3
}

TEST(Autograd, DetachCutsTheGraph) {
  td::Tensor x = leaf({2});
  td::Tensor y = x * x;
  td::Tensor loss = (y.detach() * x).sum();  // y is a constant here: d/dx = y = 4
  loss.backward();
  EXPECT_THAT(x.grad(), NearlyEquals(std::vector<double>{4}));
}

TEST(Autograd, InPlaceOnANonLeafIsDifferentiated) {
  td::Tensor x = leaf({1, -2});
  td::Tensor y = x * 1.0;
  y.mul_(3.0);
  y.relu_();  // 3x where positive
  y.sum().backward();
  EXPECT_THAT(x.grad(), NearlyEquals(std::vector<double>{3, 0}));
}

TEST(Autograd, GradientsFlowThroughViews) {
  td::Tensor x = td::fromVector(std::vector<double>{1, 2, 3, 4, 5, 6}, {2, 3}, td::DType::Float64);
  x.setRequiresGrad();
  td::Tensor picked = x.t().slice(0, 1, std::nullopt).select(1, 0);  // x[0, 1:]
  (picked * picked).sum().backward();
  EXPECT_THAT(x.grad(), NearlyEquals(std::vector<double>{0, 4, 6, 0, 0, 0}));
}

TEST(Autograd, BroadcastGradientsReduceToTheInputShape) {
  td::Tensor bias = leaf({1, 2, 3});
  td::Tensor rows = td::ones({4, 3}, td::DType::Float64);
  (rows + bias).sum().backward();
  EXPECT_EQ(bias.grad().shape().vec(), (std::vector<int64_t>{3}));
  EXPECT_THAT(bias.grad(), NearlyEquals(std::vector<double>{4, 4, 4}));
}

// --- autograd::grad and higher order -----------------------------------------------------

TEST(Autograd, GradReturnsWithoutTouchingDotGrad) {
  td::Tensor x = leaf({1, 2});
  td::Tensor y = leaf({3, 4});
  td::Tensor loss = (x * y).sum();
  std::vector<td::Tensor> grads = td::autograd::grad({loss}, {x, y});
  ASSERT_EQ(grads.size(), 2u);
  EXPECT_THAT(grads[0], NearlyEquals(std::vector<double>{3, 4}));
  EXPECT_THAT(grads[1], NearlyEquals(std::vector<double>{1, 2}));
  EXPECT_FALSE(x.grad().defined());
  EXPECT_FALSE(y.grad().defined());
  EXPECT_FALSE(grads[0].requiresGrad());
}

TEST(Autograd, GradOfANonLeaf) {
  td::Tensor x = leaf({1, 2});
  td::Tensor h = x * 2.0;
  td::Tensor loss = (h * h).sum();
  std::vector<td::Tensor> grads = td::autograd::grad({loss}, {h});
  EXPECT_THAT(grads[0], NearlyEquals(std::vector<double>{4, 8}));
}

TEST(Autograd, SecondDerivativeOfACube) {
  td::Tensor x = leaf({1, 2, -3});
  td::Tensor y = (x * x * x).sum();
  std::vector<td::Tensor> first = td::autograd::grad({y}, {x}, {}, std::nullopt, /*createGraph=*/true);
  EXPECT_THAT(first[0], NearlyEquals(std::vector<double>{3, 12, 27}));  // 3x^2
  EXPECT_TRUE(first[0].requiresGrad());
  std::vector<td::Tensor> second = td::autograd::grad({first[0].sum()}, {x}, {}, std::nullopt, true);
  EXPECT_THAT(second[0], NearlyEquals(std::vector<double>{6, 12, -18}));  // 6x
  std::vector<td::Tensor> third = td::autograd::grad({second[0].sum()}, {x});
  EXPECT_THAT(third[0], NearlyEquals(std::vector<double>{6, 6, 6}));
}

TEST(Autograd, SecondDerivativeThroughPowAndBackwardCreateGraph) {
  td::Tensor x = leaf({2, 0.5});
  td::Tensor y = td::pow(x, 3.0).sum();
  y.backward(td::Tensor(), false, /*createGraph=*/true);
  td::Tensor g = x.grad();
  EXPECT_THAT(g, NearlyEquals(std::vector<double>{12, 0.75}));
  EXPECT_TRUE(g.requiresGrad());
  std::vector<td::Tensor> second = td::autograd::grad({g.sum()}, {x});
  EXPECT_THAT(second[0], NearlyEquals(std::vector<double>{12, 3}));
}

TEST(Autograd, GradientPenalty) {
  // d/dw of |d(w x)/dx|^2 = d/dw (w^2) = 2w.
  td::Tensor x = leaf({1.5});
  td::Tensor w = leaf({-2});
  td::Tensor out = (td::tanh(x) * 0.0 + w * x).sum();
  td::Tensor dx = td::autograd::grad({out}, {x}, {}, std::nullopt, true)[0];
  td::Tensor penalty = (dx * dx).sum();
  penalty.backward();
  EXPECT_THAT(w.grad(), NearlyEquals(std::vector<double>{-4}));
}

// --- hooks ----------------------------------------------------------------------------

TEST(Autograd, HookSeesTheGradient) {
  td::Tensor x = leaf({1, 2});
  std::vector<double> seen;
  x.registerHook([&](const td::Tensor& g) {
    seen = g.toVector();
    return td::Tensor();  // keep it
  });
  (x * 3.0).sum().backward();
  EXPECT_THAT(seen, ElementsAre(3, 3));
  EXPECT_THAT(x.grad(), NearlyEquals(std::vector<double>{3, 3}));
}

TEST(Autograd, HookReplacementChangesWhatFlowsOn) {
  td::Tensor x = leaf({1, 2});
  td::Tensor h = x * 3.0;
  h.registerHook([](const td::Tensor& g) { return g * 10.0; });
  (h * 1.0).sum().backward(td::Tensor(), /*retainGraph=*/false);
  EXPECT_THAT(x.grad(), NearlyEquals(std::vector<double>{30, 30}));

  x.setGrad(td::Tensor());
  td::Tensor h2 = x * 3.0;
  int handle2 = h2.registerHook([](const td::Tensor& g) { return g * 10.0; });
  h2.removeHook(handle2);
  (h2 * 1.0).sum().backward();
  EXPECT_THAT(x.grad(), NearlyEquals(std::vector<double>{3, 3}));
}

TEST(Autograd, LeafHookReplacementIsWhatAccumulates) {
  td::Tensor x = leaf({1, 2});
  int handle = x.registerHook([](const td::Tensor& g) { return g * 0.5; });
  (x * 4.0).sum().backward();
  EXPECT_THAT(x.grad(), NearlyEquals(std::vector<double>{2, 2}));
  x.removeHook(handle);
  x.setGrad(td::Tensor());
  (x * 4.0).sum().backward();
  EXPECT_THAT(x.grad(), NearlyEquals(std::vector<double>{4, 4}));
}

TEST(Autograd, HooksRunInRegistrationOrder) {
  td::Tensor x = leaf({1});
  std::vector<int> order;
  x.registerHook([&](const td::Tensor&) {
    order.push_back(1);
    return td::Tensor();
  });
  x.registerHook([&](const td::Tensor& g) {
    order.push_back(2);
    return g * 2.0;
  });
  x.registerHook([&](const td::Tensor& g) {
    order.push_back(3);
    EXPECT_THAT(g.toVector(), ElementsAre(2.0));  // sees the previous hook's replacement
    return td::Tensor();
  });
  (x * 1.0).sum().backward();
  EXPECT_THAT(order, ElementsAre(1, 2, 3));
  EXPECT_THAT(x.grad(), NearlyEquals(std::vector<double>{2}));
}

// --- formulas -------------------------------------------------------------------------

TEST(Autograd, FormulasAreReadable) {
  EXPECT_THAT(td::derivativeFormula(td::OpId::Exp), ::testing::HasSubstr("grad"));
  EXPECT_THAT(td::derivativeFormula(td::OpId::Mul), ::testing::HasSubstr("grad"));
  EXPECT_TRUE(td::twiceDifferentiable(td::OpId::Exp));
  EXPECT_TRUE(td::twiceDifferentiable(td::OpId::Mul));
  EXPECT_FALSE(td::twiceDifferentiable(td::OpId::Conv2d));
}

}  // namespace
