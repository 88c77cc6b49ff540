#pragma once
// The training steps libtorch_bench times, written once for each library from the same
// data: the problems (MLP, small MLP, CNN: inputs, labels, initial parameters), each
// side's model, loss and hand-written SGD step (p += -lr * grad under no-grad, grads
// zeroed). Included by LibtorchBench.cpp only.
#include <cstdint>
#include <random>
#include <vector>

#ifdef TAPEDECK_BENCH_WITH_TORCH
#include <torch/torch.h>
#endif

#include "harness/SideBySide.h"
#include "tapedeck/Tapedeck.h"

namespace td::bench::steps {

constexpr float kLearningRate = 0.01f;

// --- shared data ---------------------------------------------------------------------

/// Integer class labels.
struct HostLabels {
  std::vector<int64_t> shape;
  std::vector<int64_t> values;
};

inline HostLabels labels(std::mt19937& rng, int64_t n, int64_t classes) {
  std::uniform_int_distribution<int64_t> dist(0, classes - 1);
  HostLabels t{{n}, std::vector<int64_t>(static_cast<std::size_t>(n))};
  for (int64_t& v : t.values) v = dist(rng);
  return t;
}

/// The operands of the tiny rows.
inline HostTensor tinyOperandA() { return {{4}, {0.5f, -1.25f, 2.0f, 3.5f}}; }
inline HostTensor tinyOperandB() { return {{4}, {1.5f, 0.75f, -2.5f, 0.25f}}; }

/// A model's data: its input batch, targets and initial parameters (in call order).
struct Problem {
  HostTensor input;
  HostLabels target;
  std::vector<HostTensor> params;
};

// MLP: weights [out, in] as nn.Linear, biases [out].
inline Problem mlpProblem() {
  std::mt19937 rng(20240613);
  Problem p;
  p.input = uniform(rng, {64, 784}, 0.0f, 1.0f);
  p.target = labels(rng, 64, 10);
  p.params.push_back(layerInit(rng, {256, 784}, 784));
  p.params.push_back(layerInit(rng, {256}, 784));
  p.params.push_back(layerInit(rng, {10, 256}, 256));
  p.params.push_back(layerInit(rng, {10}, 256));
  return p;
}

// The small MLP of debug_overhead: 2 -> 32 -> 3, batch 32 (the spiral lesson's size), where
// per-op costs dominate.
inline Problem smallMlpProblem() {
  std::mt19937 rng(20240615);
  Problem p;
  p.input = uniform(rng, {32, 2}, -1.0f, 1.0f);
  p.target = labels(rng, 32, 3);
  p.params.push_back(layerInit(rng, {32, 2}, 2));
  p.params.push_back(layerInit(rng, {32}, 2));
  p.params.push_back(layerInit(rng, {3, 32}, 32));
  p.params.push_back(layerInit(rng, {3}, 32));
  return p;
}

// CNN: conv weights [out, in, 3, 3] (fan-in in * 9), biases [out]; linear [10, 784].
inline Problem cnnProblem() {
  std::mt19937 rng(20240614);
  Problem p;
  p.input = uniform(rng, {32, 1, 28, 28}, 0.0f, 1.0f);
  p.target = labels(rng, 32, 10);
  p.params.push_back(layerInit(rng, {8, 1, 3, 3}, 9));
  p.params.push_back(layerInit(rng, {8}, 9));
  p.params.push_back(layerInit(rng, {16, 8, 3, 3}, 72));
  p.params.push_back(layerInit(rng, {16}, 72));
  p.params.push_back(layerInit(rng, {10, 784}, 784));
  p.params.push_back(layerInit(rng, {10}, 784));
  return p;
}

// --- Tapedeck side ---------------------------------------------------------------------

inline td::Tensor tdLabels(const HostLabels& t) {
  return td::fromVector(t.values, td::IntList(t.shape.begin(), t.shape.end()));
}

/// One model's tensors in Tapedeck: input, target, leaf parameters.
struct TdModel {
  td::Tensor input;
  td::Tensor target;
  std::vector<td::Tensor> params;
  explicit TdModel(const Problem& p) : input(tdTensor(p.input)), target(tdLabels(p.target)) {
    for (const HostTensor& h : p.params) params.push_back(tdTensor(h, true));
  }
};

inline td::Tensor tdMlpLoss(const TdModel& m) {
  const td::Tensor hidden = td::relu(td::linear(m.input, m.params[0], m.params[1]));
  return td::crossEntropy(td::linear(hidden, m.params[2], m.params[3]), m.target);
}

inline td::Tensor tdCnnLoss(const TdModel& m) {
  td::Tensor h = td::conv2d(m.input, m.params[0], m.params[1], {1, 1}, {1, 1});
  h = td::maxPool2d(td::relu(h), {2, 2});
  h = td::conv2d(h, m.params[2], m.params[3], {1, 1}, {1, 1});
  h = td::maxPool2d(td::relu(h), {2, 2});
  return td::crossEntropy(td::linear(h.flatten(1), m.params[4], m.params[5]), m.target);
}

/// SGD without momentum, as torch.optim.SGD: p += -lr * grad, then the grads are zeroed.
inline void tdSgd(TdModel& m) {
  td::NoGradGuard noGrad;
  for (td::Tensor& p : m.params) {
    td::Tensor grad = p.grad();
    p.add_(grad, -kLearningRate);
    grad.zero_();
  }
}

using TdLossFn = td::Tensor (*)(const TdModel&);

/// One training step; returns the loss tensor (kept alive by the caller or dropped).
inline td::Tensor tdStep(TdModel& m, TdLossFn lossFn) {
  td::Tensor loss = lossFn(m);
  loss.backward();
  tdSgd(m);
  return loss;
}


// --- libtorch side ---------------------------------------------------------------------

#ifdef TAPEDECK_BENCH_WITH_TORCH

inline torch::Tensor torchLabels(const HostLabels& t) {
  return torch::from_blob(const_cast<int64_t*>(t.values.data()), t.shape, torch::dtype(torch::kInt64)).clone();
}

struct TorchModel {
  torch::Tensor input;
  torch::Tensor target;
  std::vector<torch::Tensor> params;
  explicit TorchModel(const Problem& p) : input(torchTensor(p.input)), target(torchLabels(p.target)) {
    for (const HostTensor& h : p.params) params.push_back(torchTensor(h, true));
  }
};

namespace F = torch::nn::functional;

inline torch::Tensor torchMlpLoss(const TorchModel& m) {
  const torch::Tensor hidden = torch::relu(F::linear(m.input, m.params[0], m.params[1]));
  return F::cross_entropy(F::linear(hidden, m.params[2], m.params[3]), m.target);
}

inline torch::Tensor torchCnnLoss(const TorchModel& m) {
  torch::Tensor h = torch::conv2d(m.input, m.params[0], m.params[1], /*stride=*/1, /*padding=*/1);
  h = torch::max_pool2d(torch::relu(h), 2);
  h = torch::conv2d(h, m.params[2], m.params[3], /*stride=*/1, /*padding=*/1);
  h = torch::max_pool2d(torch::relu(h), 2);
  return F::cross_entropy(F::linear(h.flatten(1), m.params[4], m.params[5]), m.target);
}

inline void torchSgd(TorchModel& m) {
  torch::NoGradGuard noGrad;
  for (torch::Tensor& p : m.params) {
    p.add_(p.grad(), -kLearningRate);
    p.grad().zero_();
  }
}

using TorchLossFn = torch::Tensor (*)(const TorchModel&);

inline torch::Tensor torchStep(TorchModel& m, TorchLossFn lossFn) {
  torch::Tensor loss = lossFn(m);
  loss.backward();
  torchSgd(m);
  return loss;
}

#endif  // TAPEDECK_BENCH_WITH_TORCH

}  // namespace td::bench::steps
