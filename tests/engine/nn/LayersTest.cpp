// Layers: each against the functional op it wraps with the same weights, batch norm's
// running statistics and eval output, dropout modes, seeded PyTorch-style init,
// containers, losses and the printed configuration.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cmath>

#include "tapedeck/Tapedeck.h"
#include "tapedeck/nn/NN.h"

namespace {

namespace nn = td::nn;

void expectClose(const td::Tensor& actual, const td::Tensor& expected, double tolerance = 1e-6) {
  ASSERT_EQ(actual.shape(), expected.shape());
  std::vector<double> a = actual.toVector(), e = expected.toVector();
  for (std::size_t i = 0; i < a.size(); ++i) EXPECT_NEAR(a[i], e[i], tolerance) << "element " << i;
}

/// Every value in [-bound, bound], and the spread uses most of it.
void expectUniformWithin(const td::Tensor& t, double bound) {
  std::vector<double> v = t.toVector();
  double lo = 0, hi = 0;
  for (double x : v) {
    EXPECT_LE(std::abs(x), bound);
    lo = std::min(lo, x);
    hi = std::max(hi, x);
  }
  EXPECT_GT(hi - lo, bound);
}

TEST(Layers, LinearMatchesFunctionalAndPyTorchInit) {
  auto fc = nn::make<nn::Linear>(50, 20);
  EXPECT_EQ(fc->weight().shape(), (td::IntList{20, 50}));
  expectUniformWithin(fc->weight(), 1.0 / std::sqrt(50.0));
  expectUniformWithin(fc->bias(), 1.0 / std::sqrt(50.0));
  td::Tensor x = td::randn({4, 50});
  expectClose((*fc)(x), td::linear(x, fc->weight(), fc->bias()));
  nn::Linear noBias(3, 2, false);
  EXPECT_FALSE(noBias.bias().defined());
  EXPECT_EQ(noBias.parameters().size(), 1u);
}

TEST(Layers, SeededInitIsReproducible) {
  td::manualSeed(42);
  nn::Linear a(8, 4);
  nn::Conv2d c(2, 3, 3);
  td::manualSeed(42);
  nn::Linear b(8, 4);
  nn::Conv2d d(2, 3, 3);
  EXPECT_EQ(a.weight().toVector(), b.weight().toVector());
  EXPECT_EQ(a.bias().toVector(), b.bias().toVector());
  EXPECT_EQ(c.weight().toVector(), d.weight().toVector());
  nn::Linear e(8, 4);
  EXPECT_NE(a.weight().toVector(), e.weight().toVector());
}

TEST(Layers, Conv2dMatchesFunctional) {
  auto conv = nn::make<nn::Conv2d>(4, 6, nn::Size2{3, 2}, 2, 1, 1, 2);
  EXPECT_EQ(conv->weight().shape(), (td::IntList{6, 2, 3, 2}));
  expectUniformWithin(conv->weight(), 1.0 / std::sqrt(2.0 * 3 * 2));
  expectUniformWithin(conv->bias(), 1.0 / std::sqrt(2.0 * 3 * 2));
  td::Tensor x = td::randn({2, 4, 7, 6});
  expectClose((*conv)(x), td::conv2d(x, conv->weight(), conv->bias(), {2, 2}, {1, 1}, {1, 1}, 2));
  EXPECT_EQ(conv->extraRepr(), "4, 6, kernel_size=(3, 2), stride=(2, 2), padding=(1, 1), groups=2");
  EXPECT_THROW(nn::Conv2d(3, 4, 3, 1, 0, 1, 2), td::Error);
}

TEST(Layers, PoolingMatchesFunctional) {
  td::Tensor x = td::randn({2, 3, 8, 8});
  expectClose(nn::MaxPool2d(2)(x), td::maxPool2d(x, {2, 2}));
  expectClose(nn::MaxPool2d(3, 2, 1)(x), td::maxPool2d(x, {3, 3}, {2, 2}, {1, 1}));
  expectClose(nn::AvgPool2d(nn::Size2{2, 4})(x), td::avgPool2d(x, {2, 4}));
  expectClose(nn::AdaptiveAvgPool2d(3)(x), td::adaptiveAvgPool2d(x, {3, 3}));
  EXPECT_EQ(nn::MaxPool2d(2).extraRepr(), "kernel_size=2, stride=2, padding=0, dilation=1, ceil_mode=False");
  EXPECT_EQ(nn::AdaptiveAvgPool2d(nn::Size2{1, 2}).extraRepr(), "output_size=(1, 2)");
}

TEST(Layers, FlattenAndActivationsMatchFunctional) {
  td::Tensor x = td::randn({2, 3, 4});
  EXPECT_EQ(nn::Flatten()(x).shape(), (td::IntList{2, 12}));
  EXPECT_EQ(nn::Flatten(0, 1)(x).shape(), (td::IntList{6, 4}));
  expectClose(nn::ReLU()(x), td::relu(x));
  expectClose(nn::LeakyReLU(0.2)(x), td::leakyRelu(x, 0.2));
  expectClose(nn::GELU()(x), td::gelu(x));
  expectClose(nn::Tanh()(x), td::tanh(x));
  expectClose(nn::Sigmoid()(x), td::sigmoid(x));
  expectClose(nn::Softmax(-1)(x), td::softmax(x, -1));
  expectClose(nn::Softmax(1)(x), td::softmax(x, 1));
  EXPECT_EQ(nn::LeakyReLU().extraRepr(), "negative_slope=0.01");
}

TEST(Layers, DropoutTrainsAndIsIdentityInEval) {
  nn::Dropout dropout(0.5);
  td::Tensor x = td::ones({1000});
  std::vector<double> trained = dropout(x).toVector();
  int zeros = 0;
  for (double v : trained) {
    EXPECT_TRUE(v == 0.0 || v == 2.0) << v;
    zeros += v == 0.0;
  }
  EXPECT_GT(zeros, 400);
  EXPECT_LT(zeros, 600);
  dropout.eval();
  EXPECT_EQ(dropout(x).toVector(), x.toVector());
  EXPECT_THROW(nn::Dropout(1.5), td::Error);
}

TEST(Layers, LayerNormMatchesFunctional) {
  nn::LayerNorm norm({3, 4}, 1e-3);
  EXPECT_EQ(norm.weight().toVector(), std::vector<double>(12, 1.0));
  EXPECT_EQ(norm.bias().toVector(), std::vector<double>(12, 0.0));
  {
    td::NoGradGuard noGrad;
    td::Tensor w = norm.weight();
    w.copy_(td::randn({3, 4}));
  }
  td::Tensor x = td::randn({2, 3, 4});
  expectClose(norm(x), td::layerNorm(x, {3, 4}, norm.weight(), norm.bias(), 1e-3));
  nn::LayerNorm plain(4, 1e-5, false);
  EXPECT_TRUE(plain.parameters().empty());
  expectClose(plain(x), td::layerNorm(x, {4}));
  EXPECT_EQ(norm.extraRepr(), "(3, 4), eps=0.001, elementwise_affine=True");
}

TEST(Layers, BatchNormRunningStatisticsAndEval) {
  nn::BatchNorm2d bn(2);
  td::Tensor x = td::randn({4, 2, 3, 3}, td::DType::Float32);
  td::Tensor y = bn(x);
  // Training: normalised by the batch, running stats moved by momentum 0.1.
  td::Tensor mean = td::mean(x, {0, 2, 3});
  td::Tensor unbiased = td::var(x, {0, 2, 3}, 1);
  expectClose(bn.runningMean(), td::mul(mean, 0.1), 1e-5);
  expectClose(bn.runningVar(), td::add(td::mul(unbiased, 0.1), 0.9), 1e-5);
  EXPECT_EQ(bn.numBatchesTracked().item(), 1.0);
  td::Tensor biased = td::var(x, {0, 2, 3}, 0);
  td::Tensor expected = td::div(td::sub(x, mean.view({1, 2, 1, 1})),
                                td::sqrt(td::add(biased.view({1, 2, 1, 1}), 1e-5)));
  expectClose(y, expected, 1e-4);

  // Eval: the running statistics, nothing moves.
  bn.eval();
  std::vector<double> runningMean = bn.runningMean().toVector();
  td::Tensor z = bn(x);
  EXPECT_EQ(bn.runningMean().toVector(), runningMean);
  EXPECT_EQ(bn.numBatchesTracked().item(), 1.0);
  td::Tensor evalExpected = td::div(td::sub(x, bn.runningMean().view({1, 2, 1, 1})),
                                    td::sqrt(td::add(bn.runningVar().view({1, 2, 1, 1}), 1e-5)));
  expectClose(z, evalExpected, 1e-4);
  EXPECT_THROW(bn(td::randn({4, 2})), td::Error);
  EXPECT_EQ(bn.extraRepr(), "2, eps=1e-05, momentum=0.1, affine=True, track_running_stats=True");
}

TEST(Layers, BatchNorm1dWithoutRunningStatsUsesTheBatch) {
  nn::BatchNorm1d bn(3, 1e-5, 0.1, false, false);
  EXPECT_TRUE(bn.parameters().empty());
  EXPECT_TRUE(bn.namedBuffers().empty());
  bn.eval();
  td::Tensor x = td::randn({5, 3, 2});
  expectClose(bn(x), td::batchNorm(x, td::Tensor(), td::Tensor(), td::Tensor(), td::Tensor(), true), 1e-6);
}

TEST(Layers, EmbeddingMatchesFunctionalAndStartsStandardNormal) {
  td::manualSeed(3);
  nn::Embedding emb(100, 50);
  td::Tensor w = emb.weight();
  double m = td::mean(w).item(), s = std::sqrt(td::var(w).item());
  EXPECT_NEAR(m, 0.0, 0.05);
  EXPECT_NEAR(s, 1.0, 0.05);
  td::Tensor idx = td::fromVector(std::vector<int64_t>{3, 0, 99, 3}, {2, 2});
  expectClose(emb(idx), td::embedding(w, idx));
}

TEST(Layers, SequentialChainsAndModuleListHolds) {
  auto seq = nn::make<nn::Sequential>(nn::make<nn::Linear>(3, 5), nn::make<nn::Tanh>(), nn::make<nn::Linear>(5, 2));
  td::Tensor x = td::randn({4, 3});
  auto first = seq->at<nn::Linear>(0);
  auto last = seq->at<nn::Linear>(2);
  expectClose((*seq)(x), td::linear(td::tanh(td::linear(x, first->weight(), first->bias())), last->weight(),
                                    last->bias()));
  EXPECT_EQ(seq->size(), 3u);
  EXPECT_THROW(seq->at<nn::Linear>(1), td::Error);
  EXPECT_THROW((*seq)[3], td::Error);

  nn::ModuleList list;
  list.push_back(nn::make<nn::Linear>(2, 2)).push_back(nn::make<nn::Linear>(2, 2));
  EXPECT_EQ(list.size(), 2u);
  EXPECT_EQ(list.namedParameters()[2].first, "1.weight");
  int count = 0;
  for (const nn::ModulePtr& m : list) count += m->typeName() == "Linear";
  EXPECT_EQ(count, 2);
}

TEST(Layers, LossesMatchFunctional) {
  td::Tensor input = td::randn({4, 3});
  td::Tensor target = td::randn({4, 3});
  expectClose(nn::MSELoss()(input, target), td::mseLoss(input, target));
  expectClose(nn::L1Loss(td::Reduction::Sum)(input, target), td::l1Loss(input, target, td::Reduction::Sum));
  td::Tensor classes = td::fromVector(std::vector<int64_t>{0, 2, 1, 2});
  expectClose(nn::CrossEntropyLoss(0.1)(input, classes),
              td::crossEntropy(input, classes, td::Reduction::Mean, 0.1));
  expectClose(nn::CrossEntropyLoss(0.0, 2)(input, classes),
              td::crossEntropy(input, classes, td::Reduction::Mean, 0.0, 2));
  td::Tensor logProbs = td::logSoftmax(input, 1);
  expectClose(nn::NLLLoss()(logProbs, classes), td::nllLoss(logProbs, classes));
  td::Tensor probs = td::sigmoid(input);
  td::Tensor labels = td::rand({4, 3});
  expectClose(nn::BCELoss()(probs, labels), td::binaryCrossEntropy(probs, labels));
  expectClose(nn::BCEWithLogitsLoss(td::Reduction::None)(input, labels),
              td::binaryCrossEntropyWithLogits(input, labels, td::Reduction::None));
  EXPECT_EQ(nn::MSELoss().toString(), "MSELoss()");
}

TEST(Layers, BinaryCrossEntropyAtSaturatedProbabilitiesHasFiniteGradients) {
  // A sigmoid that rounds to exactly 0 or 1 (float32 at |x| > 17): each log term is
  // clamped at -100, and the gradient is PyTorch's (p - t) / max(p (1 - p), 1e-12), never
  // 0 * inf. The target's gradient is the difference of the clamped logs.
  for (td::DType dtype : {td::DType::Float32, td::DType::Float64}) {
    td::Tensor p = td::fromVector(std::vector<double>{0.0, 1.0, 0.5, 0.25}, {}, dtype).setRequiresGrad();
    td::Tensor t = td::fromVector(std::vector<double>{1.0, 0.0, 1.0, 0.0}, {}, dtype).setRequiresGrad();
    td::Tensor loss = td::binaryCrossEntropy(p, t, td::Reduction::None);
    EXPECT_EQ(loss.dtype(), dtype);
    std::vector<double> values = loss.toVector();
    EXPECT_DOUBLE_EQ(values[0], 100.0);
    EXPECT_DOUBLE_EQ(values[1], 100.0);
    EXPECT_NEAR(values[2], std::log(2.0), 1e-6);
    td::sum(loss).backward();
    std::vector<double> dp = p.grad().toVector(), dt = t.grad().toVector();
    EXPECT_NEAR(dp[0], -1e12, 1e6);
    EXPECT_NEAR(dp[1], 1e12, 1e6);
    EXPECT_NEAR(dp[2], -2.0, 1e-6);
    EXPECT_NEAR(dp[3], 0.25 / (0.25 * 0.75), 1e-6);
    EXPECT_NEAR(dt[0], 100.0, 1e-4);   // log(1) - max(log 0, -100)
    EXPECT_NEAR(dt[1], -100.0, 1e-4);  // max(log 0, -100) - log(1)
    EXPECT_NEAR(dt[3], std::log(0.75) - std::log(0.25), 1e-6);
  }
  // The formula the IDE's node card shows says so.
  EXPECT_NE(std::string(td::derivativeFormula(td::OpId::BinaryCrossEntropy)).find("1e-12"), std::string::npos);
}

TEST(Layers, GradientsReachTheParameters) {
  auto seq = nn::make<nn::Sequential>(nn::make<nn::Conv2d>(1, 2, 3, 1, 1), nn::make<nn::BatchNorm2d>(2),
                                      nn::make<nn::ReLU>(), nn::make<nn::MaxPool2d>(2), nn::make<nn::Flatten>(),
                                      nn::make<nn::Linear>(2 * 2 * 2, 3));
  td::Tensor x = td::randn({3, 1, 4, 4});
  td::Tensor loss = nn::CrossEntropyLoss()((*seq)(x), td::fromVector(std::vector<int64_t>{0, 1, 2}));
  loss.backward();
  for (const auto& [name, p] : seq->namedParameters()) EXPECT_TRUE(p.grad().defined()) << name;
}

}  // namespace
