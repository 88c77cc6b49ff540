// Optimizers and schedulers: the first updates against PyTorch's formulas written out in
// double, what an observer sees of a step, state dicts (strict, and resuming a run to
// bitwise the same parameters), and the schedulers' learning rates.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <functional>
#include <memory>
#include <numbers>
#include <string>
#include <vector>

#include "../support/RecordingObserver.h"
#include "tapedeck/Tapedeck.h"
#include "tapedeck/nn/Recurrent.h"
#include "tapedeck/optim/Adam.h"
#include "tapedeck/optim/RmsProp.h"
#include "tapedeck/optim/Scheduler.h"
#include "tapedeck/optim/Sgd.h"

#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>
#endif

namespace {

using td::Tensor;
using ::testing::HasSubstr;
using Vec = std::vector<double>;

const Vec kStart = {1.0, -2.0, 3.0};
const std::vector<Vec> kGrads = {{0.5, -1.0, 2.0}, {-0.3, 0.8, 1.5}, {0.1, -0.2, 0.4}};

Tensor parameter() {
  Tensor p = td::fromVector(kStart, {3}, td::DType::Float64);
  p.setRequiresGrad();
  return p;
}

/// Runs three steps with the known gradients; returns the parameter after each.
std::vector<Vec> runSteps(td::optim::Optimizer& optimizer, Tensor& p) {
  std::vector<Vec> out;
  for (const Vec& g : kGrads) {
    p.setGrad(td::fromVector(g, {3}, td::DType::Float64));
    optimizer.step();
    out.push_back(p.toVector());
  }
  return out;
}

void expectTrajectory(const std::vector<Vec>& actual, const std::vector<Vec>& expected) {
  ASSERT_EQ(actual.size(), expected.size());
  for (std::size_t s = 0; s < actual.size(); ++s)
    for (std::size_t i = 0; i < 3; ++i)
      EXPECT_NEAR(actual[s][i], expected[s][i], 1e-12 * (1 + std::abs(expected[s][i])))
          << "step " << s + 1 << " element " << i;
}

// --- references, one element at a time, as torch/optim/*.py writes them -----------------

std::vector<Vec> sgdReference(double lr, double momentum, double dampening, double wd, bool nesterov) {
  Vec p = kStart, buf(3);
  std::vector<Vec> out;
  for (std::size_t t = 0; t < kGrads.size(); ++t) {
    for (std::size_t i = 0; i < 3; ++i) {
      double g = kGrads[t][i] + wd * p[i];
      if (momentum != 0.0) {
        buf[i] = t == 0 ? g : momentum * buf[i] + (1 - dampening) * g;
        g = nesterov ? g + momentum * buf[i] : buf[i];
      }
      p[i] -= lr * g;
    }
    out.push_back(p);
  }
  return out;
}

std::vector<Vec> adamReference(double lr, double b1, double b2, double eps, double wd, bool amsgrad, bool decoupled) {
  Vec p = kStart, m(3), v(3), vmax(3);
  std::vector<Vec> out;
  for (std::size_t t = 0; t < kGrads.size(); ++t) {
    double step = static_cast<double>(t + 1);
    for (std::size_t i = 0; i < 3; ++i) {
      double g = kGrads[t][i];
      if (decoupled)
        p[i] *= 1 - lr * wd;
      else
        g += wd * p[i];
      m[i] = b1 * m[i] + (1 - b1) * g;
      v[i] = b2 * v[i] + (1 - b2) * g * g;
      vmax[i] = std::max(vmax[i], v[i]);
      double second = amsgrad ? vmax[i] : v[i];
      double denom = std::sqrt(second) / std::sqrt(1 - std::pow(b2, step)) + eps;
      p[i] -= lr / (1 - std::pow(b1, step)) * m[i] / denom;
    }
    out.push_back(p);
  }
  return out;
}

std::vector<Vec> rmspropReference(double lr, double alpha, double eps, double wd, double momentum, bool centered) {
  Vec p = kStart, sq(3), avg(3), buf(3);
  std::vector<Vec> out;
  for (const Vec& grad : kGrads) {
    for (std::size_t i = 0; i < 3; ++i) {
      double g = grad[i] + wd * p[i];
      sq[i] = alpha * sq[i] + (1 - alpha) * g * g;
      double denom;
      if (centered) {
        avg[i] = alpha * avg[i] + (1 - alpha) * g;
        denom = std::sqrt(sq[i] - avg[i] * avg[i]) + eps;
      } else {
        denom = std::sqrt(sq[i]) + eps;
      }
      if (momentum > 0) {
        buf[i] = momentum * buf[i] + g / denom;
        p[i] -= lr * buf[i];
      } else {
        p[i] -= lr * g / denom;
      }
    }
    out.push_back(p);
  }
  return out;
}

// --- the first three updates ---------------------------------------------------------------

TEST(Optimizer, SgdMatchesPyTorchFormulas) {
  {
    Tensor p = parameter();
    td::optim::Sgd sgd({p}, {.lr = 0.1});
    expectTrajectory(runSteps(sgd, p), sgdReference(0.1, 0, 0, 0, false));
  }
  {
    Tensor p = parameter();
    td::optim::Sgd sgd({p}, {.lr = 0.1, .momentum = 0.9, .dampening = 0.2, .weightDecay = 0.01});
    expectTrajectory(runSteps(sgd, p), sgdReference(0.1, 0.9, 0.2, 0.01, false));
  }
  {
    Tensor p = parameter();
    td::optim::Sgd sgd({p}, {.lr = 0.05, .momentum = 0.8, .weightDecay = 0.1, .nesterov = true});
    expectTrajectory(runSteps(sgd, p), sgdReference(0.05, 0.8, 0, 0.1, true));
  }
  Tensor p = parameter();
  EXPECT_THROW(td::optim::Sgd({p}, {.lr = 0.1, .nesterov = true}), td::Error);
  EXPECT_THROW(td::optim::Sgd({p}, {.lr = -1.0}), td::Error);
  EXPECT_THROW(td::optim::Sgd({p, p}, {.lr = 0.1}), td::Error);
}

TEST(Optimizer, AdamAndAdamWMatchPyTorchFormulas) {
  {
    Tensor p = parameter();
    td::optim::Adam adam({p}, {.lr = 0.1});
    expectTrajectory(runSteps(adam, p), adamReference(0.1, 0.9, 0.999, 1e-8, 0, false, false));
  }
  {
    Tensor p = parameter();
    td::optim::Adam adam({p},
                         {.lr = 0.1, .beta1 = 0.8, .beta2 = 0.9, .eps = 1e-3, .weightDecay = 0.05, .amsgrad = true});
    expectTrajectory(runSteps(adam, p), adamReference(0.1, 0.8, 0.9, 1e-3, 0.05, true, false));
  }
  {
    Tensor p = parameter();
    td::optim::AdamW adamw({p}, {.lr = 0.1, .weightDecay = 0.2});
    expectTrajectory(runSteps(adamw, p), adamReference(0.1, 0.9, 0.999, 1e-8, 0.2, false, true));
  }
  {
    Tensor p = parameter();
    td::optim::AdamW adamw({p}, {.lr = 0.05});  // PyTorch's default weight decay 1e-2
    expectTrajectory(runSteps(adamw, p), adamReference(0.05, 0.9, 0.999, 1e-8, 1e-2, false, true));
  }
}

TEST(Optimizer, AdamSgdAndRmsPropTakeTheSameStepsForAParameterThatIsNotContiguous) {
  // Contiguous CPU parameters take one fused pass; any other layout the op-by-op path.
  auto strided = [] {
    Tensor base = td::fromVector(Vec{kStart[0], 0.0, kStart[1], 0.0, kStart[2], 0.0}, {6}, td::DType::Float64);
    Tensor p = base.slice(0, 0, 6, 2);
    EXPECT_FALSE(p.isContiguous());
    p.setRequiresGrad();
    return p;
  };
  {
    Tensor p = strided();
    td::optim::Adam adam({p},
                         {.lr = 0.1, .beta1 = 0.8, .beta2 = 0.9, .eps = 1e-3, .weightDecay = 0.05, .amsgrad = true});
    expectTrajectory(runSteps(adam, p), adamReference(0.1, 0.8, 0.9, 1e-3, 0.05, true, false));
  }
  {
    Tensor p = strided();
    td::optim::AdamW adamw({p}, {.lr = 0.1, .weightDecay = 0.2});
    expectTrajectory(runSteps(adamw, p), adamReference(0.1, 0.9, 0.999, 1e-8, 0.2, false, true));
  }
  {
    Tensor p = strided();
    td::optim::Sgd sgd({p}, {.lr = 0.1, .momentum = 0.9, .dampening = 0.2, .weightDecay = 0.01});
    expectTrajectory(runSteps(sgd, p), sgdReference(0.1, 0.9, 0.2, 0.01, false));
  }
  {
    Tensor p = strided();
    td::optim::Sgd sgd({p}, {.lr = 0.05, .momentum = 0.8, .weightDecay = 0.1, .nesterov = true});
    expectTrajectory(runSteps(sgd, p), sgdReference(0.05, 0.8, 0, 0.1, true));
  }
  {
    Tensor p = strided();
    td::optim::RmsProp rmsprop({p}, {.lr = 0.02, .alpha = 0.9, .eps = 1e-4, .weightDecay = 0.1, .momentum = 0.5,
                                     .centered = true});
    expectTrajectory(runSteps(rmsprop, p), rmspropReference(0.02, 0.9, 1e-4, 0.1, 0.5, true));
  }
}

TEST(Optimizer, RmsPropMatchesPyTorchFormulas) {
  {
    Tensor p = parameter();
    td::optim::RmsProp rmsprop({p}, {.lr = 0.01});
    expectTrajectory(runSteps(rmsprop, p), rmspropReference(0.01, 0.99, 1e-8, 0, 0, false));
  }
  {
    Tensor p = parameter();
    td::optim::RmsProp rmsprop({p}, {.lr = 0.02, .alpha = 0.9, .eps = 1e-4, .weightDecay = 0.1, .momentum = 0.5,
                                     .centered = true});
    expectTrajectory(runSteps(rmsprop, p), rmspropReference(0.02, 0.9, 1e-4, 0.1, 0.5, true));
  }
}

TEST(Optimizer, FusedPassesFlushDenormalsAndLeaveTheFloatingPointModeAsItWas) {
  // A gradient of 1e-20: its square, 1e-40, is denormal in float32, and so would Adam's and
  // RMSprop's running average of it be (about 1e-43). The fused pass flushes it to zero (a
  // long run's decayed state in denormal range cost every element a microcode assist).
  for (const bool adam : {true, false}) {
    SCOPED_TRACE(adam ? "Adam" : "RMSprop");
    Tensor p = td::fromVector(std::vector<double>(64, 1.0), {}, td::DType::Float32);
    p.setRequiresGrad();
    std::unique_ptr<td::optim::Optimizer> optimizer;
    if (adam) optimizer = std::make_unique<td::optim::Adam>(std::vector{p}, td::optim::AdamOptions{.lr = 0.1});
    else optimizer = std::make_unique<td::optim::RmsProp>(std::vector{p}, td::optim::RmsPropOptions{.lr = 0.01});
    td::sum(td::mul(p, 1e-20)).backward();
#if defined(__x86_64__) || defined(__i386__)
    const unsigned mode = _mm_getcsr();
#endif
    optimizer->step();
#if defined(__x86_64__) || defined(__i386__)
    EXPECT_EQ(_mm_getcsr(), mode) << "the thread's floating-point mode is restored";
#endif
    for (const auto& [name, value] : optimizer->stateDict()) {
      if (name.find(adam ? "exp_avg_sq" : "square_avg") == std::string::npos) continue;
      for (double v : value.toVector()) EXPECT_EQ(v, 0.0) << name;
    }
    for (double v : p.detach().toVector()) EXPECT_TRUE(std::isfinite(v));
  }
}

TEST(Optimizer, SkipsUndefinedGradsAndZeroGradClears) {
  Tensor a = parameter(), b = parameter();
  td::optim::Adam adam({a, b}, {.lr = 0.1});
  a.setGrad(td::ones({3}, td::DType::Float64));
  adam.step();
  EXPECT_NE(a.toVector(), kStart);
  EXPECT_EQ(b.toVector(), kStart);
  for (const auto& [key, value] : adam.stateDict()) EXPECT_EQ(key.rfind("state.1.", 0), std::string::npos) << key;
  adam.zeroGrad();
  EXPECT_FALSE(a.grad().defined());
  adam.setLr(0.5);
  EXPECT_EQ(adam.lr(), 0.5);
}

class ObserverRegistration {
 public:
  explicit ObserverRegistration(td::TapeObserver* observer) : m_observer(observer) { td::Tape::addObserver(observer); }
  ~ObserverRegistration() { td::Tape::removeObserver(m_observer); }

 private:
  td::TapeObserver* m_observer;
};

TEST(Optimizer, StepIsOneNonDifferentiableInPlaceEntryPerParameterInItsScope) {
  Tensor p = parameter();
  Tensor q = parameter();
  Tensor r = parameter();  // no gradient: skipped, no entry
  td::optim::Sgd sgd({p, q, r}, {.lr = 0.1, .momentum = 0.9});
  p.setGrad(td::ones({3}, td::DType::Float64));
  q.setGrad(td::full({3}, 2.0, td::DType::Float64));
  sgd.step();  // creates the momentum buffers
  tdtest::RecordingObserver observer(false);
  {
    ObserverRegistration registration(&observer);
    sgd.step();
  }
  // The update's own ops (momentum, the scaled add) are not entries: one per parameter,
  // named after the optimizer, writing the parameter in place and reading its gradient.
  ASSERT_EQ(observer.forward.size(), 2u);
  const Tensor* params[2] = {&p, &q};
  for (std::size_t i = 0; i < 2; ++i) {
    const td::TapeEntry& e = observer.forward[i];
    EXPECT_EQ(e.op, td::OpId::Custom);
    EXPECT_EQ(td::Tape::internedString(e.customName), "SGD");
    EXPECT_FALSE(e.differentiable);
    EXPECT_TRUE(e.inplace);
    EXPECT_EQ(td::Tape::scopeName(e.scope), "optimizer.step");
    ASSERT_EQ(e.outputIds.size(), 1u);
    EXPECT_EQ(e.outputIds[0], params[i]->id());
    ASSERT_EQ(e.inputIds.size(), 2u);
    EXPECT_EQ(e.inputIds[0], params[i]->id());
    EXPECT_EQ(e.inputIds[1], params[i]->grad().id());
  }
  EXPECT_TRUE(td::GradMode::enabled());
  EXPECT_TRUE(p.requiresGrad());
  EXPECT_TRUE(p.isLeaf());
}

// --- state dicts ------------------------------------------------------------------------

TEST(Optimizer, StateDictNamesAndStrictLoad) {
  Tensor p = parameter();
  td::optim::Adam adam({p}, {.lr = 0.1, .amsgrad = true});
  runSteps(adam, p);
  td::optim::StateDict state = adam.stateDict();
  std::vector<std::string> keys;
  for (const auto& [key, value] : state) keys.push_back(key);
  EXPECT_THAT(keys, ::testing::IsSupersetOf({"param_groups.0.lr", "param_groups.0.beta1", "param_groups.0.amsgrad",
                                             "state.0.step", "state.0.exp_avg", "state.0.exp_avg_sq",
                                             "state.0.max_exp_avg_sq"}));
  for (const auto& [key, value] : state) {
    if (key == "state.0.step") {
      EXPECT_EQ(value.item(), 3.0);
    }
  }

  td::optim::StateDict broken;
  for (const auto& [key, value] : state)
    if (key != "param_groups.0.eps") broken.emplace_back(key, key == "state.0.exp_avg" ? td::zeros({4}) : value);
  broken.emplace_back("state.0.bogus", td::zeros({3}));
  broken.emplace_back("state.7.exp_avg", td::zeros({3}));
  Tensor q = parameter();
  td::optim::Adam fresh({q}, {.lr = 0.3});
  try {
    fresh.loadStateDict(broken);
    FAIL() << "expected td::Error";
  } catch (const td::Error& error) {
    std::string message = error.what();
    EXPECT_THAT(message, HasSubstr("param_groups.0.eps"));
    EXPECT_THAT(message, HasSubstr("state.0.bogus"));
    EXPECT_THAT(message, HasSubstr("state.7.exp_avg"));
    EXPECT_THAT(message, HasSubstr("state.0.exp_avg [4]"));
  }
  EXPECT_EQ(fresh.lr(), 0.3) << "nothing changes when loading fails";
  fresh.loadStateDict(state);
  EXPECT_EQ(fresh.lr(), 0.1);
}

/// Trains `model` on a fixed regression for `steps` steps.
void train(td::nn::Module& model, td::optim::Optimizer& optimizer, td::optim::LrScheduler& scheduler, int steps) {
  td::manualSeed(123);
  Tensor x = td::randn({4, 2, 3});
  Tensor target = td::randn({4, 2, 5});
  for (int i = 0; i < steps; ++i) {
    optimizer.zeroGrad();
    Tensor loss = td::mseLoss(model(x), target);
    loss.backward();
    optimizer.step();
    scheduler.step();
  }
}

using OptimizerFactory = std::function<std::unique_ptr<td::optim::Optimizer>(std::vector<Tensor>, double lr)>;

void expectResumesExactly(const OptimizerFactory& make) {
  td::manualSeed(10);
  td::nn::GRU model(3, 5);
  auto optimizer = make(model.parameters(), 0.05);
  td::optim::StepLR scheduler(*optimizer, 2, 0.5);
  train(model, *optimizer, scheduler, 3);
  td::nn::StateDict savedModel = model.stateDict();
  td::optim::StateDict savedOptimizer = optimizer->stateDict();
  td::optim::StateDict savedScheduler = scheduler.stateDict();
  train(model, *optimizer, scheduler, 4);

  td::manualSeed(99);  // different initial weights, and different hyperparameters below
  td::nn::GRU resumed(3, 5);
  resumed.loadStateDict(savedModel);
  auto resumedOptimizer = make(resumed.parameters(), 0.7);
  resumedOptimizer->loadStateDict(savedOptimizer);
  td::optim::StepLR resumedScheduler(*resumedOptimizer, 2, 0.5);
  resumedScheduler.loadStateDict(savedScheduler);
  train(resumed, *resumedOptimizer, resumedScheduler, 4);

  auto expected = model.namedParameters(), actual = resumed.namedParameters();
  ASSERT_EQ(expected.size(), actual.size());
  for (std::size_t i = 0; i < expected.size(); ++i)
    EXPECT_EQ(actual[i].second.toVector(), expected[i].second.toVector()) << expected[i].first;
  EXPECT_EQ(resumedOptimizer->lr(), optimizer->lr());
}

TEST(Optimizer, ResumesExactlyFromStateDict) {
  expectResumesExactly([](std::vector<Tensor> params, double lr) -> std::unique_ptr<td::optim::Optimizer> {
    return std::make_unique<td::optim::Sgd>(params, td::optim::SgdOptions{.lr = lr, .momentum = 0.9, .nesterov = true});
  });
  expectResumesExactly([](std::vector<Tensor> params, double lr) -> std::unique_ptr<td::optim::Optimizer> {
    return std::make_unique<td::optim::Adam>(params, td::optim::AdamOptions{.lr = lr, .amsgrad = true});
  });
  expectResumesExactly([](std::vector<Tensor> params, double lr) -> std::unique_ptr<td::optim::Optimizer> {
    return std::make_unique<td::optim::AdamW>(params, td::optim::AdamWOptions{.lr = lr, .weightDecay = 0.1});
  });
  expectResumesExactly([](std::vector<Tensor> params, double lr) -> std::unique_ptr<td::optim::Optimizer> {
    return std::make_unique<td::optim::RmsProp>(
        params, td::optim::RmsPropOptions{.lr = lr, .momentum = 0.5, .centered = true});
  });
}

// --- schedulers --------------------------------------------------------------------------

TEST(Scheduler, StepLR) {
  Tensor p = parameter();
  td::optim::Sgd sgd({p}, {.lr = 0.1});
  td::optim::StepLR scheduler(sgd, 3, 0.5);
  Vec lrs;
  for (int i = 0; i < 8; ++i) {
    lrs.push_back(sgd.lr());
    scheduler.step();
  }
  Vec expected = {0.1, 0.1, 0.1, 0.05, 0.05, 0.05, 0.025, 0.025};
  for (std::size_t i = 0; i < lrs.size(); ++i) EXPECT_NEAR(lrs[i], expected[i], 1e-15) << i;
  EXPECT_EQ(scheduler.lastEpoch(), 8);
}

TEST(Scheduler, CosineAnnealingLR) {
  Tensor p = parameter();
  td::optim::Sgd sgd({p}, {.lr = 0.1});
  td::optim::CosineAnnealingLR scheduler(sgd, 10, 0.001);
  auto expected = [](int t) { return 0.001 + (0.1 - 0.001) * (1 + std::cos(std::numbers::pi * t / 10.0)) / 2; };
  EXPECT_NEAR(sgd.lr(), 0.1, 1e-15);
  for (int t = 1; t <= 10; ++t) {
    scheduler.step();
    EXPECT_NEAR(sgd.lr(), expected(t), 1e-15) << t;
  }
  EXPECT_NEAR(sgd.lr(), 0.001, 1e-15);
  EXPECT_NEAR(scheduler.lrAt(5), 0.0505, 1e-15);
}

TEST(Scheduler, OneCycleLR) {
  Tensor p = parameter();
  td::optim::Adam adam({p});
  const double maxLr = 0.1, initial = maxLr / 25.0, minLr = initial / 1e4;
  td::optim::OneCycleLR scheduler(adam, maxLr, 100);  // pctStart 0.3: the peak at step 29
  EXPECT_NEAR(adam.lr(), initial, 1e-15);
  auto cosAnneal = [](double start, double end, double pct) {
    return end + (start - end) / 2.0 * (std::cos(std::numbers::pi * pct) + 1.0);
  };
  EXPECT_NEAR(scheduler.lrAt(10), cosAnneal(initial, maxLr, 10.0 / 29.0), 1e-15);
  EXPECT_NEAR(scheduler.lrAt(29), maxLr, 1e-15);
  EXPECT_NEAR(scheduler.lrAt(60), cosAnneal(maxLr, minLr, (60.0 - 29.0) / (99.0 - 29.0)), 1e-15);
  EXPECT_NEAR(scheduler.lrAt(99), minLr, 1e-15);
  for (int i = 0; i < 29; ++i) scheduler.step();
  EXPECT_NEAR(adam.lr(), maxLr, 1e-15);
  for (int i = 29; i < 100; ++i) scheduler.step();  // step 100 is allowed, as PyTorch
  EXPECT_THROW(scheduler.step(), td::Error);

  td::optim::OneCycleLR linear(adam, 1.0, 10,
                               {.pctStart = 0.5, .annealStrategy = td::optim::AnnealStrategy::Linear,
                                .divFactor = 10.0, .finalDivFactor = 100.0});
  EXPECT_NEAR(linear.lrAt(0), 0.1, 1e-15);
  EXPECT_NEAR(linear.lrAt(2), 0.1 + 0.9 * 2.0 / 4.0, 1e-15);
  EXPECT_NEAR(linear.lrAt(4), 1.0, 1e-15);
  EXPECT_NEAR(linear.lrAt(9), 0.001, 1e-15);
}

}  // namespace
