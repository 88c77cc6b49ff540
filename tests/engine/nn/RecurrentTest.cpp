// Recurrent layers: cells against plain-loop references with the same weights, PyTorch's
// names, shapes and init bounds, an LSTM's gradient over a sequence by central
// differences (float64), and LSTM/GRU equal to looping their cell.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <memory>
#include <string>
#include <vector>

#include "../support/GradCheck.h"
#include "tapedeck/Tapedeck.h"
#include "tapedeck/nn/Recurrent.h"

namespace {

using td::Tensor;
using Vec = std::vector<double>;

// --- a plain-loop reference in double --------------------------------------------------

double sigmoidRef(double v) { return 1.0 / (1.0 + std::exp(-v)); }

/// out[b][r] = sum_k x[b][k] * w[r][k] + bias[r] (bias may be empty).
Vec affine(const Vec& x, int64_t batch, int64_t in, const Vec& w, int64_t rows, const Vec& bias) {
  Vec out(static_cast<std::size_t>(batch * rows));
  for (int64_t b = 0; b < batch; ++b)
    for (int64_t r = 0; r < rows; ++r) {
      double acc = bias.empty() ? 0.0 : bias[static_cast<std::size_t>(r)];
      for (int64_t k = 0; k < in; ++k)
        acc += x[static_cast<std::size_t>(b * in + k)] * w[static_cast<std::size_t>(r * in + k)];
      out[static_cast<std::size_t>(b * rows + r)] = acc;
    }
  return out;
}

Vec values(const Tensor& t) { return t.defined() ? t.toVector() : Vec{}; }

void expectNear(const Vec& actual, const Vec& expected, double tol, const std::string& what) {
  ASSERT_EQ(actual.size(), expected.size()) << what;
  for (std::size_t i = 0; i < actual.size(); ++i)
    EXPECT_NEAR(actual[i], expected[i], tol * (1.0 + std::abs(expected[i]))) << what << " at " << i;
}

Tensor randomInput(const td::IntList& shape, td::DType dtype = td::DType::Float32) {
  return (td::rand(shape, dtype) * 2.0 - 1.0);
}

// --- cells against the reference --------------------------------------------------------

TEST(RecurrentCells, RnnCellMatchesLoopsTanhAndRelu) {
  td::manualSeed(1);
  const int64_t batch = 3, in = 4, hidden = 5;
  for (td::nn::Nonlinearity act : {td::nn::Nonlinearity::Tanh, td::nn::Nonlinearity::Relu}) {
    td::nn::RNNCell cell(in, hidden, true, act);
    Tensor x = randomInput({batch, in});
    Tensor h = randomInput({batch, hidden});
    Tensor out = cell(x, h);
    ASSERT_EQ(out.shape(), (td::IntList{batch, hidden}));
    Vec a = affine(values(x), batch, in, values(cell.weightIh()), hidden, values(cell.biasIh()));
    Vec b = affine(values(h), batch, hidden, values(cell.weightHh()), hidden, values(cell.biasHh()));
    Vec expected(a.size());
    for (std::size_t i = 0; i < a.size(); ++i)
      expected[i] = act == td::nn::Nonlinearity::Tanh ? std::tanh(a[i] + b[i]) : std::max(0.0, a[i] + b[i]);
    expectNear(values(out), expected, 1e-5, "RNNCell");
  }
}

TEST(RecurrentCells, LstmCellMatchesLoops) {
  td::manualSeed(2);
  const int64_t batch = 2, in = 3, hidden = 4;
  td::nn::LSTMCell cell(in, hidden);
  Tensor x = randomInput({batch, in});
  Tensor h = randomInput({batch, hidden});
  Tensor c = randomInput({batch, hidden});
  auto [hNext, cNext] = cell(x, {h, c});
  Vec a = affine(values(x), batch, in, values(cell.weightIh()), 4 * hidden, values(cell.biasIh()));
  Vec b = affine(values(h), batch, hidden, values(cell.weightHh()), 4 * hidden, values(cell.biasHh()));
  Vec cv = values(c), expectedH(static_cast<std::size_t>(batch * hidden)), expectedC(expectedH.size());
  for (int64_t n = 0; n < batch; ++n)
    for (int64_t j = 0; j < hidden; ++j) {
      auto gate = [&](int64_t g) {
        std::size_t k = static_cast<std::size_t>(n * 4 * hidden + g * hidden + j);
        return a[k] + b[k];
      };
      double i = sigmoidRef(gate(0)), f = sigmoidRef(gate(1)), g = std::tanh(gate(2)), o = sigmoidRef(gate(3));
      std::size_t k = static_cast<std::size_t>(n * hidden + j);
      expectedC[k] = f * cv[k] + i * g;
      expectedH[k] = o * std::tanh(expectedC[k]);
    }
  expectNear(values(hNext), expectedH, 1e-5, "LSTMCell h");
  expectNear(values(cNext), expectedC, 1e-5, "LSTMCell c");
}

TEST(RecurrentCells, GruCellMatchesLoops) {
  td::manualSeed(3);
  const int64_t batch = 2, in = 3, hidden = 4;
  td::nn::GRUCell cell(in, hidden);
  Tensor x = randomInput({batch, in});
  Tensor h = randomInput({batch, hidden});
  Tensor out = cell(x, h);
  Vec a = affine(values(x), batch, in, values(cell.weightIh()), 3 * hidden, values(cell.biasIh()));
  Vec b = affine(values(h), batch, hidden, values(cell.weightHh()), 3 * hidden, values(cell.biasHh()));
  Vec hv = values(h), expected(static_cast<std::size_t>(batch * hidden));
  for (int64_t n = 0; n < batch; ++n)
    for (int64_t j = 0; j < hidden; ++j) {
      auto at = [&](int64_t g) { return static_cast<std::size_t>(n * 3 * hidden + g * hidden + j); };
      double r = sigmoidRef(a[at(0)] + b[at(0)]);
      double z = sigmoidRef(a[at(1)] + b[at(1)]);
      double cand = std::tanh(a[at(2)] + r * b[at(2)]);
      std::size_t k = static_cast<std::size_t>(n * hidden + j);
      expected[k] = (1.0 - z) * cand + z * hv[k];
    }
  expectNear(values(out), expected, 1e-5, "GRUCell");
}

TEST(RecurrentCells, ZeroStateUnbatchedAndNoBias) {
  td::manualSeed(4);
  td::nn::GRUCell cell(3, 2, /*bias=*/false);
  EXPECT_FALSE(cell.biasIh().defined());
  EXPECT_EQ(cell.parameters().size(), 2u);
  Tensor x = randomInput({3});
  Tensor single = cell(x, Tensor());
  ASSERT_EQ(single.shape(), (td::IntList{2}));
  Tensor viaModule = cell(x.unsqueeze(0));  // Module::operator(): a zero state
  expectNear(values(single), values(viaModule), 1e-7, "unbatched vs batched");
  Tensor explicitZero = cell(x.unsqueeze(0), td::zeros({1, 2}));
  expectNear(values(viaModule), values(explicitZero), 0.0, "undefined state means zeros");
  EXPECT_THROW(cell(td::zeros({2, 4}), Tensor()), td::Error);
  EXPECT_THROW(cell(td::zeros({2, 3}), td::zeros({3, 2})), td::Error);
}

// --- names, shapes, init -----------------------------------------------------------------

TEST(RecurrentCells, PyTorchNamesShapesAndInitBounds) {
  td::manualSeed(5);
  td::nn::LSTMCell lstm(6, 8);
  auto named = lstm.namedParameters();
  ASSERT_EQ(named.size(), 4u);
  EXPECT_EQ(named[0].first, "weight_ih");
  EXPECT_EQ(named[0].second.shape(), (td::IntList{32, 6}));
  EXPECT_EQ(named[1].first, "weight_hh");
  EXPECT_EQ(named[1].second.shape(), (td::IntList{32, 8}));
  EXPECT_EQ(named[2].first, "bias_ih");
  EXPECT_EQ(named[3].first, "bias_hh");
  EXPECT_EQ(named[3].second.shape(), (td::IntList{32}));
  double bound = 1.0 / std::sqrt(8.0);
  for (const auto& [name, p] : named) {
    EXPECT_TRUE(p.requiresGrad()) << name;
    double lo = td::min(p).item(), hi = td::max(p).item();
    EXPECT_GE(lo, -bound) << name;
    EXPECT_LE(hi, bound) << name;
    EXPECT_LT(lo, -bound / 2) << name;  // spread over the interval, not a constant
    EXPECT_GT(hi, bound / 2) << name;
  }
  td::manualSeed(5);
  td::nn::LSTMCell again(6, 8);
  expectNear(values(again.weightHh()), values(lstm.weightHh()), 0.0, "seeded init repeats");

  td::nn::GRU gru(3, 4, {.numLayers = 2});
  std::vector<std::string> names;
  for (const auto& [name, p] : gru.namedParameters()) names.push_back(name);
  EXPECT_EQ(names, (std::vector<std::string>{"weight_ih_l0", "weight_hh_l0", "bias_ih_l0", "bias_hh_l0",
                                             "weight_ih_l1", "weight_hh_l1", "bias_ih_l1", "bias_hh_l1"}));
  EXPECT_EQ(gru.weightIh(1).shape(), (td::IntList{12, 4}));
}

TEST(RecurrentCells, ExtraRepr) {
  EXPECT_EQ(td::nn::RNNCell(10, 20).extraRepr(), "10, 20");
  EXPECT_EQ(td::nn::RNNCell(10, 20, false, td::nn::Nonlinearity::Relu).extraRepr(),
            "10, 20, bias=False, nonlinearity=relu");
  EXPECT_EQ(td::nn::LSTMCell(3, 4).extraRepr(), "3, 4");
  EXPECT_EQ(td::nn::GRUCell(3, 4, false).extraRepr(), "3, 4, bias=False");
  EXPECT_EQ(td::nn::LSTM(3, 4, {.numLayers = 2, .batchFirst = true}).extraRepr(),
            "3, 4, num_layers=2, batch_first=True");
  EXPECT_EQ(td::nn::GRU(3, 4).typeName(), "GRU");
}

/// A model that owns an LSTM cell and calls it with a state.
class CellOwner : public td::nn::Module {
 public:
  CellOwner() : Module("CellOwner") { cell = registerModule("encoder", td::nn::make<td::nn::LSTMCell>(3, 4)); }
  std::shared_ptr<td::nn::LSTMCell> cell;

 protected:
  Tensor forward(const Tensor& x) override { return (*cell)(x, td::nn::LstmState{}).first; }
};

class ScopeRecorder : public td::TapeObserver {
 public:
  void onForward(const td::TapeEntry& entry, const td::OpTensors&) override {
    scopes.push_back(td::Tape::scopeName(entry.scope));
  }
  std::vector<std::string> scopes;
};

TEST(RecurrentCells, CellCallNamesItselfOnTheTape) {
  CellOwner model;
  ScopeRecorder recorder;
  td::Tape::addObserver(&recorder);
  model(td::zeros({2, 3}));
  td::Tape::removeObserver(&recorder);
  ASSERT_FALSE(recorder.scopes.empty());
  bool sawLinear = false;
  for (const std::string& scope : recorder.scopes) {
    EXPECT_EQ(scope.rfind("encoder", 0), 0u) << scope;
    sawLinear = sawLinear || scope == "encoder";
  }
  EXPECT_TRUE(sawLinear);
}

TEST(RecurrentCells, StatefulCallsRunTheHooks) {
  td::nn::GRUCell cell(3, 2);
  int preCalls = 0;
  cell.registerForwardPreHook([&](td::nn::Module&, const Tensor&) { ++preCalls; });
  cell.registerForwardHook([](td::nn::Module&, const Tensor&, const Tensor& out) { return td::zerosLike(out); });
  Tensor out = cell(td::ones({1, 3}), td::ones({1, 2}));
  EXPECT_EQ(preCalls, 1);
  EXPECT_EQ(values(out), (Vec{0.0, 0.0}));
}

// --- gradients ----------------------------------------------------------------------------

TEST(RecurrentGradient, LstmOverSequenceMatchesCentralDifferences) {
  td::manualSeed(6);
  const int64_t steps = 3, batch = 2, in = 3, hidden = 2;
  auto f64 = [](const td::IntList& shape) { return randomInput(shape, td::DType::Float64); };
  tdtest::Inputs inputs = {f64({steps, batch, in}), f64({batch, hidden}),     f64({batch, hidden}),
                           f64({4 * hidden, in}),   f64({4 * hidden, hidden}), f64({4 * hidden}),
                           f64({4 * hidden})};
  auto lstmSequence = [steps](const tdtest::Inputs& a) -> tdtest::Outputs {
    td::nn::LstmState state{a[1], a[2]};
    std::vector<Tensor> outputs;
    for (int64_t t = 0; t < steps; ++t) {
      state = td::nn::lstmCell(a[0].select(0, t), state, a[3], a[4], a[5], a[6]);
      outputs.push_back(state.first);
    }
    return {td::stack(outputs, 0), state.second};
  };
  std::string mismatch = tdtest::gradcheck(lstmSequence, inputs, std::vector<bool>(inputs.size(), true));
  EXPECT_EQ(mismatch, "");

  // The same gradient through autograd::grad of a scalar loss, against a central difference.
  for (Tensor& t : inputs) t.setRequiresGrad();
  auto loss = [&](const tdtest::Inputs& a) {
    Tensor out = lstmSequence(a)[0];
    return td::sum(td::mul(out, out));
  };
  Tensor dWhh = td::autograd::grad({loss(inputs)}, {inputs[4]})[0];
  const double eps = 1e-6;
  for (int64_t k = 0; k < inputs[4].numel(); k += 3) {
    std::vector<double> w = inputs[4].toVector();
    auto at = [&](double delta) {
      std::vector<double> shifted = w;
      shifted[static_cast<std::size_t>(k)] += delta;
      tdtest::Inputs moved = inputs;
      moved[4] = td::fromVector(shifted, inputs[4].shape(), td::DType::Float64);
      td::NoGradGuard noGrad;
      return loss(moved).item();
    };
    double numerical = (at(eps) - at(-eps)) / (2 * eps);
    EXPECT_NEAR(dWhh.toVector()[static_cast<std::size_t>(k)], numerical, 1e-6 * (1 + std::abs(numerical)));
  }
}

TEST(RecurrentGradient, LstmModuleBackwardReachesEveryParameter) {
  td::manualSeed(7);
  td::nn::LSTM lstm(3, 4, {.numLayers = 2});
  auto [out, state] = lstm(randomInput({5, 2, 3}), td::nn::LstmState{});
  (td::sum(out) + td::sum(state.second)).backward();
  for (const auto& [name, p] : lstm.namedParameters()) {
    ASSERT_TRUE(p.grad().defined()) << name;
    EXPECT_GT(td::sum(td::abs(p.grad())).item(), 0.0) << name;
  }
}

// --- multi-step layers equal looping the cell --------------------------------------------

TEST(RecurrentLayers, LstmEqualsLoopingTheCell) {
  td::manualSeed(8);
  const int64_t steps = 4, batch = 3, in = 5, hidden = 6;
  td::nn::LSTM lstm(in, hidden);
  td::nn::LSTMCell cell(in, hidden);
  cell.loadStateDict({{"weight_ih", lstm.weightIh(0)}, {"weight_hh", lstm.weightHh(0)},
                      {"bias_ih", lstm.biasIh(0)}, {"bias_hh", lstm.biasHh(0)}});
  Tensor x = randomInput({steps, batch, in});
  Tensor h0 = randomInput({1, batch, hidden}), c0 = randomInput({1, batch, hidden});
  auto [out, final] = lstm(x, {h0, c0});
  ASSERT_EQ(out.shape(), (td::IntList{steps, batch, hidden}));
  ASSERT_EQ(final.first.shape(), (td::IntList{1, batch, hidden}));

  td::nn::LstmState state{h0.select(0, 0), c0.select(0, 0)};
  for (int64_t t = 0; t < steps; ++t) {
    state = cell(x.select(0, t), state);
    expectNear(values(out.select(0, t)), values(state.first), 1e-6, "step " + std::to_string(t));
  }
  expectNear(values(final.first), values(state.first), 1e-6, "h_n");
  expectNear(values(final.second), values(state.second), 1e-6, "c_n");

  // batchFirst: the same numbers with batch and time swapped.
  td::nn::LSTM firstBatch(in, hidden, {.batchFirst = true});
  firstBatch.loadStateDict(lstm.stateDict());
  auto [outBf, finalBf] = firstBatch(x.transpose(0, 1).contiguous(), {h0, c0});
  ASSERT_EQ(outBf.shape(), (td::IntList{batch, steps, hidden}));
  expectNear(values(outBf.transpose(0, 1).contiguous()), values(out), 1e-6, "batch first");
  expectNear(values(finalBf.second), values(final.second), 1e-6, "batch first c_n");
}

TEST(RecurrentLayers, TwoLayerGruEqualsStackedCells) {
  td::manualSeed(9);
  const int64_t steps = 3, batch = 2, in = 4, hidden = 3;
  td::nn::GRU gru(in, hidden, {.numLayers = 2});
  td::nn::GRUCell first(in, hidden), second(hidden, hidden);
  first.loadStateDict({{"weight_ih", gru.weightIh(0)}, {"weight_hh", gru.weightHh(0)},
                       {"bias_ih", gru.biasIh(0)}, {"bias_hh", gru.biasHh(0)}});
  second.loadStateDict({{"weight_ih", gru.weightIh(1)}, {"weight_hh", gru.weightHh(1)},
                        {"bias_ih", gru.biasIh(1)}, {"bias_hh", gru.biasHh(1)}});
  Tensor x = randomInput({steps, batch, in});
  auto [out, hN] = gru(x, Tensor());
  ASSERT_EQ(hN.shape(), (td::IntList{2, batch, hidden}));
  Tensor h1 = td::zeros({batch, hidden}), h2 = td::zeros({batch, hidden});
  for (int64_t t = 0; t < steps; ++t) {
    h1 = first(x.select(0, t), h1);
    h2 = second(h1, h2);
    expectNear(values(out.select(0, t)), values(h2), 1e-6, "step " + std::to_string(t));
  }
  expectNear(values(hN.select(0, 0)), values(h1), 1e-6, "h_n layer 0");
  expectNear(values(hN.select(0, 1)), values(h2), 1e-6, "h_n layer 1");
  Tensor viaModuleCall = gru(x);  // Module::operator(): the output sequence from zeros
  expectNear(values(viaModuleCall), values(out), 0.0, "single-argument call");
  EXPECT_THROW(gru(td::zeros({3, 2, 5}), Tensor()), td::Error);
  EXPECT_THROW(gru(x, td::zeros({1, batch, hidden})), td::Error);
}

}  // namespace
