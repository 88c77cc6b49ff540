// The nn and optim libraries side by side with libtorch 1.13 (Debian's libtorch-dev), on
// one thread, on the same data:
//   adam_step  one td::optim::Adam step over the parameters of the MLP 784->256->10
//              (weights and biases), gradients already present, vs torch::optim::Adam
//              on the same parameters and gradients (lr 1e-3, PyTorch's defaults
//              otherwise). Each call is one step(); the gradients stay as they are, so
//              the moment estimates and parameters evolve identically on both sides.    <= 1.0
//   lstm_seq   td::nn::LSTM(32, 64) over 50 steps, batch 16 ([T, B, F], zero initial
//              state), forward, sum of the output sequence, backward, vs
//              torch::nn::LSTM with the same weights (gradients accumulate, never
//              reset, in both).                                                       <= 1.5
// Both libraries start from the same values (drawn once with std::mt19937) and are
// checked to compute the same result before anything is timed: adam_step compares every
// parameter after the first step (1e-5 relative); lstm_seq compares the output sequence,
// the final (h, c) and every parameter's gradient. A disagreement fails the binary. Built
// without libtorch (TAPEDECK_BENCH_WITH_TORCH undefined), both rows are written as skipped
// with the reason CMake gave. Run through bench/run.sh (make bench).
//
// Profiling: `nn_bench --profile ROW [--iterations N] [--side tapedeck|libtorch]` runs one
// side of a row N times (default 500) untimed and writes nothing, for `perf record` or
// `valgrind --tool=callgrind --collect-atstart=no --toggle-collect='*runProfile*'`. ROW is
// adam_step or lstm_seq.
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <exception>
#include <functional>
#include <iostream>
#include <memory>
#include <random>
#include <stdexcept>
#include <string>
#include <vector>

#ifdef TAPEDECK_BENCH_WITH_TORCH
#include <ATen/Parallel.h>
#include <torch/torch.h>
#endif

#include "harness/PairRunner.h"
#include "harness/ResultsWriter.h"
#include "harness/SideBySide.h"
#include "tapedeck/Tapedeck.h"
#include "tapedeck/nn/NN.h"
#include "tapedeck/optim/Optim.h"

#ifndef TAPEDECK_BENCH_TORCH_MISSING_REASON
#define TAPEDECK_BENCH_TORCH_MISSING_REASON "built without libtorch"
#endif

namespace {

using namespace td::bench;

constexpr double kAdamBudget = 1.0;
constexpr double kLstmBudget = 1.5;
constexpr double kAdamLr = 1e-3;

constexpr int64_t kLstmInput = 32;
constexpr int64_t kLstmHidden = 64;
constexpr int64_t kLstmSteps = 50;
constexpr int64_t kLstmBatch = 16;

const char* const kTorchName = "libtorch 1.13";

// --- shared data ---------------------------------------------------------------------

/// adam_step: the MLP's parameters (weights [out, in] as nn.Linear, biases [out]) and a
/// gradient for each, in the same order.
struct AdamProblem {
  std::vector<HostTensor> params;
  std::vector<HostTensor> grads;
};

AdamProblem adamProblem() {
  std::mt19937 rng(20240615);
  AdamProblem p;
  const std::vector<std::pair<std::vector<int64_t>, int64_t>> shapes = {
      {{256, 784}, 784}, {{256}, 784}, {{10, 256}, 256}, {{10}, 256}};
  for (const auto& [shape, fanIn] : shapes) p.params.push_back(layerInit(rng, shape, fanIn));
  // Gradients of a typical size, some near zero, so sqrt(v) + eps matters somewhere.
  for (const auto& [shape, fanIn] : shapes) p.grads.push_back(uniform(rng, shape, -0.05f, 0.05f));
  return p;
}

/// lstm_seq: the input sequence [T, B, F] and the layer's parameters in PyTorch's order
/// and layouts: weight_ih_l0 [4H, F], weight_hh_l0 [4H, H], bias_ih_l0 [4H], bias_hh_l0 [4H].
struct LstmProblem {
  HostTensor input;
  std::vector<std::pair<std::string, HostTensor>> params;
};

LstmProblem lstmProblem() {
  std::mt19937 rng(20240616);
  LstmProblem p;
  p.input = uniform(rng, {kLstmSteps, kLstmBatch, kLstmInput}, -1.0f, 1.0f);
  // PyTorch's LSTM init: U(-1/sqrt(hidden), 1/sqrt(hidden)) for every parameter.
  p.params.emplace_back("weight_ih_l0", layerInit(rng, {4 * kLstmHidden, kLstmInput}, kLstmHidden));
  p.params.emplace_back("weight_hh_l0", layerInit(rng, {4 * kLstmHidden, kLstmHidden}, kLstmHidden));
  p.params.emplace_back("bias_ih_l0", layerInit(rng, {4 * kLstmHidden}, kLstmHidden));
  p.params.emplace_back("bias_hh_l0", layerInit(rng, {4 * kLstmHidden}, kLstmHidden));
  return p;
}

// --- Tapedeck side ---------------------------------------------------------------------

/// adam_step's Tapedeck side: leaf parameters with their gradients set, and the optimizer.
struct TdAdam {
  std::vector<td::Tensor> params;
  std::unique_ptr<td::optim::Adam> adam;
  explicit TdAdam(const AdamProblem& p) {
    for (std::size_t i = 0; i < p.params.size(); ++i) {
      params.push_back(tdTensor(p.params[i], true));
      params.back().setGrad(tdTensor(p.grads[i]));
    }
    adam = std::make_unique<td::optim::Adam>(params, td::optim::AdamOptions{.lr = kAdamLr});
  }
};

/// lstm_seq's Tapedeck side: the layer with the problem's weights, and the input.
struct TdLstm {
  td::nn::LSTM lstm{kLstmInput, kLstmHidden};
  td::Tensor input;
  explicit TdLstm(const LstmProblem& p) : input(tdTensor(p.input)) {
    td::nn::StateDict state;
    for (const auto& [name, value] : p.params) state.emplace_back(name, tdTensor(value));
    lstm.loadStateDict(state);
  }
  /// Forward over the sequence; returns (output, (h_n, c_n)).
  std::pair<td::Tensor, td::nn::LstmState> forward() { return lstm(input, td::nn::LstmState{}); }
  /// Forward, sum of the output sequence, backward; returns the loss.
  td::Tensor step() {
    td::Tensor loss = td::sum(forward().first);
    loss.backward();
    return loss;
  }
  td::Tensor parameter(const std::string& name) const {
    for (const auto& [n, p] : lstm.namedParameters())
      if (n == name) return p;
    throw std::runtime_error("td::nn::LSTM has no parameter " + name);
  }
};

// --- libtorch side ---------------------------------------------------------------------

#ifdef TAPEDECK_BENCH_WITH_TORCH

struct TorchAdam {
  std::vector<torch::Tensor> params;
  std::unique_ptr<torch::optim::Adam> adam;
  explicit TorchAdam(const AdamProblem& p) {
    for (std::size_t i = 0; i < p.params.size(); ++i) {
      params.push_back(torchTensor(p.params[i], true));
      params.back().mutable_grad() = torchTensor(p.grads[i]);
    }
    adam = std::make_unique<torch::optim::Adam>(params, torch::optim::AdamOptions(kAdamLr));
  }
};

struct TorchLstm {
  torch::nn::LSTM lstm{torch::nn::LSTMOptions(kLstmInput, kLstmHidden)};
  torch::Tensor input;
  explicit TorchLstm(const LstmProblem& p) : input(torchTensor(p.input)) {
    torch::NoGradGuard noGrad;
    for (const auto& [name, value] : p.params) parameter(name).copy_(torchTensor(value));
  }
  std::tuple<torch::Tensor, std::tuple<torch::Tensor, torch::Tensor>> forward() { return lstm->forward(input); }
  torch::Tensor step() {
    torch::Tensor loss = std::get<0>(forward()).sum();
    loss.backward();
    return loss;
  }
  torch::Tensor parameter(const std::string& name) const {
    const torch::Tensor* p = lstm->named_parameters().find(name);
    if (p == nullptr) throw std::runtime_error("torch::nn::LSTM has no parameter " + name);
    return *p;
  }
};

#endif  // TAPEDECK_BENCH_WITH_TORCH

// --- checks ----------------------------------------------------------------------------

/// --profile: one side of one row, `iterations` times, untimed; returns the exit status.
/// Out of line, so that `callgrind --toggle-collect='*runProfile*'` leaves out start-up.
[[gnu::noinline]] int runProfile(const std::string& row, const std::string& side, long iterations) {
  if (row != "adam_step" && row != "lstm_seq") {
    std::cerr << "--profile: unknown row " << row << "\n";
    return 2;
  }
  if (side == "tapedeck") {
    if (row == "adam_step") {
      TdAdam ours(adamProblem());
      for (long i = 0; i < iterations; ++i) ours.adam->step();
    } else {
      TdLstm ours(lstmProblem());
      for (long i = 0; i < iterations; ++i) ours.step();
    }
    return 0;
  }
#ifdef TAPEDECK_BENCH_WITH_TORCH
  if (side == "libtorch") {
    if (row == "adam_step") {
      TorchAdam theirs(adamProblem());
      for (long i = 0; i < iterations; ++i) theirs.adam->step();
    } else {
      TorchLstm theirs(lstmProblem());
      for (long i = 0; i < iterations; ++i) theirs.step();
    }
    return 0;
  }
#endif
  std::cerr << "--profile: unknown or unavailable side " << side << "\n";
  return 2;
}

}  // namespace

int main(int argc, char** argv) {
  ResultsWriter::checkSingleThreaded();
#ifdef TAPEDECK_BENCH_WITH_TORCH
  // Before any parallel work: interop threads cannot be changed once used.
  at::set_num_interop_threads(1);
  torch::set_num_threads(1);
#endif
  if (const std::string row = argument(argc, argv, "--profile", ""); !row.empty()) {
    return runProfile(row, argument(argc, argv, "--side", "tapedeck"),
                      std::stol(argument(argc, argv, "--iterations", "500")));
  }
  PairOptions adamOptions = pairOptionsFromEnvironment();
  adamOptions.unit = Unit::Microseconds;
  PairOptions lstmOptions = adamOptions;
  lstmOptions.unit = Unit::Milliseconds;
  const PairRunner adamRunner(adamOptions);
  const PairRunner lstmRunner(lstmOptions);
  ResultsWriter writer("nn_bench");
  int status = 0;

#ifdef TAPEDECK_BENCH_WITH_TORCH
  std::printf("libtorch %s, %d intra-op thread(s), %d inter-op thread(s)\n", TORCH_VERSION, torch::get_num_threads(),
              at::get_num_interop_threads());
  const AdamProblem adam = adamProblem();
  const LstmProblem lstm = lstmProblem();

  // --- adam_step -------------------------------------------------------------------------
  measureRow(writer, status, "adam_step", adamOptions.unit, [&] {
    {
      // Same parameters after the first and the second step (the second uses the moments).
      TdAdam ours(adam);
      TorchAdam theirs(adam);
      for (int stepNumber = 1; stepNumber <= 2; ++stepNumber) {
        ours.adam->step();
        theirs.adam->step();
        for (std::size_t i = 0; i < ours.params.size(); ++i) {
          checkClose("adam_step: parameter " + std::to_string(i) + " after step " + std::to_string(stepNumber),
                     tdValues(ours.params[i]), torchValues(theirs.params[i]), 1e-5);
        }
      }
      std::printf("adam_step: parameters agree after two steps (1e-5 relative)\n");
    }
    TdAdam ours(adam);
    TorchAdam theirs(adam);
    const PairResult result = adamRunner.run([&] { ours.adam->step(); }, [&] { theirs.adam->step(); });
    writer.addPair("adam_step", result, kAdamBudget, "torch::optim::Adam");
  });

  // --- lstm_seq --------------------------------------------------------------------------
  measureRow(writer, status, "lstm_seq", lstmOptions.unit, [&] {
    {
      TdLstm ours(lstm);
      TorchLstm theirs(lstm);
      auto [out, state] = ours.forward();
      auto [torchOut, torchState] = theirs.forward();
      checkClose("lstm_seq: output", tdValues(out), torchValues(torchOut), 1e-5);
      checkClose("lstm_seq: h_n", tdValues(state.first), torchValues(std::get<0>(torchState)), 1e-5);
      checkClose("lstm_seq: c_n", tdValues(state.second), torchValues(std::get<1>(torchState)), 1e-5);
      td::sum(out).backward();
      torchOut.sum().backward();
      for (const auto& [name, value] : lstm.params) {
        checkClose("lstm_seq: grad of " + name, tdValues(ours.parameter(name).grad()),
                   torchValues(theirs.parameter(name).grad()), 1e-4);
      }
      std::printf("lstm_seq: output, (h_n, c_n) and every gradient agree\n");
    }
    TdLstm ours(lstm);
    TorchLstm theirs(lstm);
    const PairResult result = lstmRunner.run(
        [&] {
          const td::Tensor loss = ours.step();
          doNotOptimize(loss.impl());
        },
        [&] {
          const torch::Tensor loss = theirs.step();
          doNotOptimize(loss.unsafeGetTensorImpl());
        });
    writer.addPair("lstm_seq", result, kLstmBudget, "torch::nn::LSTM");
  });
#else
  const std::string reason = TAPEDECK_BENCH_TORCH_MISSING_REASON;
  std::printf("libtorch rows skipped: %s\n", reason.c_str());
  writer.addSkipped("adam_step", reason, unitName(adamOptions.unit));
  writer.addSkipped("lstm_seq", reason, unitName(lstmOptions.unit));
#endif

  writer.printTable(std::cout);
  writer.write(resultsPath(argc, argv));
  return status;
}
