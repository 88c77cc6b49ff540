// Side by side with libtorch 1.13 (Debian's libtorch-dev), on one thread, on the same data:
//   tiny_op_grad        a * b, 4-element float tensors that require grad, grad mode on   <= 0.5
//   tiny_fwd_bwd        (a * b).sum().backward(), 4 elements (grads accumulate, in both) <= 0.5
//   mlp_step            Linear 784->256, ReLU, Linear 256->10, cross-entropy, backward,
//                       SGD (p += -lr * grad under no-grad, grads zeroed), batch 64       <= 1.05
//   cnn_step            conv(1->8, 3x3, pad 1)-ReLU-maxpool2-conv(8->16, 3x3, pad 1)-ReLU-
//                       maxpool2-flatten-linear(784->10), cross-entropy, backward, SGD,
//                       batch 32, 28x28                                                  <= 1.5
//   tape_observer_cost  Tapedeck's mlp_step with a no-op TapeObserver attached vs without <= 1.03
//   debug_overhead      Tapedeck's mlp_step and a small-MLP step (2->32->3, batch 32) with
//                       the debugger attached (NaN check on, recorder at its default budget,
//                       copies before the SGD writes included, no breakpoints) vs without;
//                       the row is the worse of the two (debug_overhead_mlp, _small)  <= 1.10
//   torch_anomaly_mlp, torch_anomaly_small  libtorch's same steps under anomaly mode vs
//                       without, for context (no budget)
// Both libraries are written from raw tensors (no nn modules; StepModels.h), start from
// the same values (drawn once with std::mt19937) and are checked to compute the same loss and gradients
// before anything is timed; a disagreement fails the binary. Built without libtorch
// (TAPEDECK_BENCH_WITH_TORCH undefined), the libtorch rows are written as skipped with the
// reason CMake gave, and tape_observer_cost (Tapedeck against itself) is still measured.
// Run through bench/run.sh (make bench).
//
// Profiling: `libtorch_bench --profile ROW [--iterations N] [--side tapedeck|libtorch]` runs
// one side of a row N times (default 500) untimed and writes nothing, for
// `valgrind --tool=callgrind --collect-atstart=no --toggle-collect='*runProfile*'` or
// `perf record`. ROW is tiny_op_grad, tiny_fwd_bwd, mlp_step,
// cnn_step, mlp_step_observed (Tapedeck's mlp_step with the no-op observer attached),
// small_step, small_step_observed, or mlp_step_debugged / small_step_debugged (with
// debug_overhead's debugger).
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <exception>
#include <functional>
#include <iostream>
#include <memory>
#include <optional>
#include <random>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#ifdef TAPEDECK_BENCH_WITH_TORCH
#include <ATen/Parallel.h>
#include <torch/torch.h>
#endif

#include "harness/PairRunner.h"
#include "harness/ResultsWriter.h"
#include "harness/SideBySide.h"
#include "StepModels.h"
#include "tapedeck/Tapedeck.h"
#include "tapedeck/debug/Debugger.h"

#ifndef TAPEDECK_BENCH_TORCH_MISSING_REASON
#define TAPEDECK_BENCH_TORCH_MISSING_REASON "built without libtorch"
#endif

namespace {

using namespace td::bench;
using namespace td::bench::steps;

constexpr double kTinyBudget = 0.5;
constexpr double kMlpBudget = 1.05;
constexpr double kCnnBudget = 1.5;
constexpr double kObserverBudget = 1.03;
constexpr double kDebugBudget = 1.10;
constexpr double kLossTolerance = 1e-4;  // relative, first-step loss

const char* const kTorchName = "libtorch 1.13";

/// Does nothing, so tape_observer_cost measures what attaching one costs the engine.
class NoOpObserver final : public td::TapeObserver {};

// --- checks ----------------------------------------------------------------------------

void checkLoss(const std::string& row, double ours, double theirs, const char* theirName) {
  const double relative = std::fabs(ours - theirs) / std::max(std::fabs(theirs), 1e-12);
  std::printf("%s: first-step loss tapedeck %.8f, %s %.8f (relative difference %.2e)\n", row.c_str(), ours,
              theirName, theirs, relative);
  if (!(relative <= kLossTolerance)) {
    throw Mismatch("first-step loss differs: tapedeck " + std::to_string(ours) + ", " + theirName + " " +
                   std::to_string(theirs));
  }
}

/// A SampleFn that runs `attach` before the sample and `detach` after it (not per call).
template <typename F>
SampleFn attachedDuring(const std::function<void()>& attach, const std::function<void()>& detach, F body) {
  return [attach, detach, body = std::move(body)](int64_t reps) mutable {
    attach();
    double seconds = 0.0;
    try {
      seconds = timed(body)(reps);
    } catch (...) {
      detach();
      throw;
    }
    detach();
    return seconds;
  };
}

/// Tapedeck's step on `problem` with something attached (an observer, the debugger) and
/// without: one step each must give the same loss and parameters exactly; then the two are
/// timed side by side.
PairResult attachedVsPlain(const std::string& row, const Problem& problem, const PairRunner& runner,
                           const std::function<void()>& attach, const std::function<void()>& detach,
                           const char* plainName) {
  {
    TdModel plain(problem);
    TdModel watched(problem);
    const double plainLoss = tdStep(plain, tdMlpLoss).item();
    attach();
    double watchedLoss = 0.0;
    try {
      watchedLoss = tdStep(watched, tdMlpLoss).item();
    } catch (...) {
      detach();
      throw;
    }
    detach();
    checkLoss(row, watchedLoss, plainLoss, plainName);
    for (std::size_t i = 0; i < plain.params.size(); ++i)
      checkClose(row + ": parameter " + std::to_string(i) + " after SGD", tdValues(watched.params[i]),
                 tdValues(plain.params[i]), 0.0);
  }
  TdModel watched(problem);
  TdModel plain(problem);
  return runner.runSamples(attachedDuring(attach, detach,
                                          [&] {
                                            const td::Tensor loss = tdStep(watched, tdMlpLoss);
                                            doNotOptimize(loss.impl());
                                          }),
                           timed([&] {
                             const td::Tensor loss = tdStep(plain, tdMlpLoss);
                             doNotOptimize(loss.impl());
                           }));
}

/// The debugger as debug_overhead attaches it: NaN check on, the recorder at its defaults.
struct DebugSetup {
  DebugSetup() {
    debugger.setRecorder(std::make_shared<td::debug::Recorder>());
    debugger.setBreakOnNonFinite(true);
  }
  td::debug::Debugger debugger;
};

/// --profile: one side of one row, `iterations` times, untimed; returns the exit status.
/// Out of line, so that `callgrind --collect-atstart=no --toggle-collect='*runProfile*'`
/// leaves out libtorch's start-up (about 2.5 G instructions).
[[gnu::noinline]] int runProfile(const std::string& row, const std::string& side, long iterations) {
  const HostTensor tinyA = tinyOperandA();
  const HostTensor tinyB = tinyOperandB();
  const bool mlpRow = row == "mlp_step" || row == "mlp_step_observed" || row == "mlp_step_debugged";
  if (side == "tapedeck") {
    NoOpObserver observer;
    DebugSetup debug;
    if (row == "mlp_step_observed" || row == "small_step_observed") td::Tape::addObserver(&observer);
    if (row == "mlp_step_debugged" || row == "small_step_debugged") debug.debugger.attach();
    if (row == "tiny_op_grad" || row == "tiny_fwd_bwd") {
      const td::Tensor a = tdTensor(tinyA, true), b = tdTensor(tinyB, true);
      for (long i = 0; i < iterations; ++i) {
        if (row == "tiny_op_grad") {
          const td::Tensor c = td::mul(a, b);
          doNotOptimize(c.impl());
        } else {
          td::sum(td::mul(a, b)).backward();
        }
      }
    } else if (mlpRow || row == "cnn_step") {
      TdModel model(mlpRow ? mlpProblem() : cnnProblem());
      for (long i = 0; i < iterations; ++i) tdStep(model, mlpRow ? tdMlpLoss : tdCnnLoss);
    } else if (row == "small_step" || row == "small_step_observed" || row == "small_step_debugged") {
      TdModel model(smallMlpProblem());
      for (long i = 0; i < iterations; ++i) tdStep(model, tdMlpLoss);
    } else {
      std::cerr << "--profile: unknown row " << row << "\n";
      return 2;
    }
    if (row == "mlp_step_observed" || row == "small_step_observed") td::Tape::removeObserver(&observer);
    debug.debugger.detach();
    return 0;
  }
#ifdef TAPEDECK_BENCH_WITH_TORCH
  if (side == "libtorch") {
    if (row == "tiny_op_grad" || row == "tiny_fwd_bwd") {
      const torch::Tensor a = torchTensor(tinyA, true), b = torchTensor(tinyB, true);
      for (long i = 0; i < iterations; ++i) {
        if (row == "tiny_op_grad") {
          const torch::Tensor c = a * b;
          doNotOptimize(c.unsafeGetTensorImpl());
        } else {
          (a * b).sum().backward();
        }
      }
    } else if (row == "mlp_step" || row == "cnn_step") {
      TorchModel model(row == "mlp_step" ? mlpProblem() : cnnProblem());
      for (long i = 0; i < iterations; ++i) torchStep(model, row == "mlp_step" ? torchMlpLoss : torchCnnLoss);
    } else {
      std::cerr << "--profile: unknown libtorch row " << row << "\n";
      return 2;
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
  PairOptions tinyOptions = pairOptionsFromEnvironment();
  tinyOptions.unit = Unit::Microseconds;
  PairOptions stepOptions = tinyOptions;
  stepOptions.unit = Unit::Milliseconds;
  const PairRunner tinyRunner(tinyOptions);
  const PairRunner stepRunner(stepOptions);
  ResultsWriter writer("libtorch_bench");
  int status = 0;

  const HostTensor tinyA = tinyOperandA();
  const HostTensor tinyB = tinyOperandB();
  const Problem mlp = mlpProblem();
  const Problem cnn = cnnProblem();

#ifdef TAPEDECK_BENCH_WITH_TORCH
  std::printf("libtorch %s, %d intra-op thread(s), %d inter-op thread(s)\n", TORCH_VERSION, torch::get_num_threads(),
              at::get_num_interop_threads());

  // --- tiny_op_grad --------------------------------------------------------------------
  measureRow(writer, status, "tiny_op_grad", tinyOptions.unit, [&] {
    td::GradMode::setEnabled(true);
    const td::Tensor a = tdTensor(tinyA, true), b = tdTensor(tinyB, true);
    const torch::Tensor ta = torchTensor(tinyA, true), tb = torchTensor(tinyB, true);
    checkClose("tiny_op_grad: a * b", tdValues(td::mul(a, b)), torchValues(ta * tb), 1e-6);
    const PairResult result = tinyRunner.run(
        [&] {
          const td::Tensor c = td::mul(a, b);
          doNotOptimize(c.impl());
        },
        [&] {
          const torch::Tensor c = ta * tb;
          doNotOptimize(c.unsafeGetTensorImpl());
        });
    writer.addPair("tiny_op_grad", result, kTinyBudget, kTorchName);
  });

  // --- tiny_fwd_bwd --------------------------------------------------------------------
  // Grads are never reset, in either library: every backward accumulates into the
  // existing .grad in place (after the first).
  measureRow(writer, status, "tiny_fwd_bwd", tinyOptions.unit, [&] {
    {
      const td::Tensor a = tdTensor(tinyA, true), b = tdTensor(tinyB, true);
      const torch::Tensor ta = torchTensor(tinyA, true), tb = torchTensor(tinyB, true);
      for (int i = 0; i < 2; ++i) {  // the second pass checks accumulation too
        td::sum(td::mul(a, b)).backward();
        (ta * tb).sum().backward();
      }
      checkClose("tiny_fwd_bwd: a.grad", tdValues(a.grad()), torchValues(ta.grad()), 1e-6);
      checkClose("tiny_fwd_bwd: b.grad", tdValues(b.grad()), torchValues(tb.grad()), 1e-6);
    }
    const td::Tensor a = tdTensor(tinyA, true), b = tdTensor(tinyB, true);
    const torch::Tensor ta = torchTensor(tinyA, true), tb = torchTensor(tinyB, true);
    const PairResult result =
        tinyRunner.run([&] { td::sum(td::mul(a, b)).backward(); }, [&] { (ta * tb).sum().backward(); });
    writer.addPair("tiny_fwd_bwd", result, kTinyBudget, kTorchName);
  });

  // --- mlp_step, cnn_step --------------------------------------------------------------
  struct StepRow {
    const char* name;
    const Problem* problem;
    TdLossFn tdLoss;
    TorchLossFn torchLoss;
    double budget;
  };
  for (const StepRow& row : {StepRow{"mlp_step", &mlp, tdMlpLoss, torchMlpLoss, kMlpBudget},
                             StepRow{"cnn_step", &cnn, tdCnnLoss, torchCnnLoss, kCnnBudget}}) {
    measureRow(writer, status, row.name, stepOptions.unit, [&] {
      {
        // Same first step in both: loss, then every gradient, then the updated parameters.
        TdModel ours(*row.problem);
        TorchModel theirs(*row.problem);
        const td::Tensor loss = row.tdLoss(ours);
        const torch::Tensor torchLoss = row.torchLoss(theirs);
        checkLoss(row.name, loss.item(), torchLoss.item<double>(), kTorchName);
        loss.backward();
        torchLoss.backward();
        for (std::size_t i = 0; i < ours.params.size(); ++i) {
          checkClose(std::string(row.name) + ": grad of parameter " + std::to_string(i),
                     tdValues(ours.params[i].grad()), torchValues(theirs.params[i].grad()), 1e-4);
        }
        tdSgd(ours);
        torchSgd(theirs);
        for (std::size_t i = 0; i < ours.params.size(); ++i) {
          checkClose(std::string(row.name) + ": parameter " + std::to_string(i) + " after SGD",
                     tdValues(ours.params[i]), torchValues(theirs.params[i]), 1e-5);
          checkClose(std::string(row.name) + ": zeroed grad of parameter " + std::to_string(i),
                     tdValues(ours.params[i].grad()), torchValues(theirs.params[i].grad()), 0.0);
        }
      }
      TdModel ours(*row.problem);
      TorchModel theirs(*row.problem);
      const PairResult result = stepRunner.run(
          [&] {
            const td::Tensor loss = tdStep(ours, row.tdLoss);
            doNotOptimize(loss.impl());
          },
          [&] {
            const torch::Tensor loss = torchStep(theirs, row.torchLoss);
            doNotOptimize(loss.unsafeGetTensorImpl());
          });
      writer.addPair(row.name, result, row.budget, kTorchName);
    });
  }
#else
  const std::string reason = TAPEDECK_BENCH_TORCH_MISSING_REASON;
  std::printf("libtorch rows skipped: %s\n", reason.c_str());
  writer.addSkipped("tiny_op_grad", reason, unitName(tinyOptions.unit));
  writer.addSkipped("tiny_fwd_bwd", reason, unitName(tinyOptions.unit));
  writer.addSkipped("mlp_step", reason, unitName(stepOptions.unit));
  writer.addSkipped("cnn_step", reason, unitName(stepOptions.unit));
#endif

  // --- tape_observer_cost: Tapedeck against itself ---------------------------------------
  measureRow(writer, status, "tape_observer_cost", stepOptions.unit, [&] {
    NoOpObserver observer;
    const PairResult result = attachedVsPlain(
        "tape_observer_cost", mlp, stepRunner, [&] { td::Tape::addObserver(&observer); },
        [&] { td::Tape::removeObserver(&observer); }, "tapedeck without observer");
    writer.addPair("tape_observer_cost", result, kObserverBudget, "tapedeck mlp_step without observer");
  });

  // --- debug_overhead: Tapedeck with its debugger against itself ---------------------------
  const Problem smallMlp = smallMlpProblem();
  std::optional<PairResult> worst;
  for (const auto& [name, problem] : {std::pair<const char*, const Problem*>{"debug_overhead_mlp", &mlp},
                                      std::pair<const char*, const Problem*>{"debug_overhead_small", &smallMlp}}) {
    measureRow(writer, status, name, stepOptions.unit, [&] {
      DebugSetup setup;
      const PairResult result = attachedVsPlain(
          name, *problem, stepRunner, [&] { setup.debugger.attach(); }, [&] { setup.debugger.detach(); },
          "tapedeck without debugger");
      if (setup.debugger.recorder()->copyBytes() == 0)
        throw Mismatch(std::string(name) + ": the recorder kept no old value before the SGD writes");
      writer.addPair(name, result, kDebugBudget, "tapedeck step without debugger");
      if (!worst || result.ratio > worst->ratio) worst = result;
    });
  }
  if (worst) writer.addPair("debug_overhead", *worst, kDebugBudget, "tapedeck step without debugger (worse of two)");

  // For context (no budget): what PyTorch's anomaly mode costs on the same two steps.
#ifdef TAPEDECK_BENCH_WITH_TORCH
  for (const auto& [name, problem] : {std::pair<const char*, const Problem*>{"torch_anomaly_mlp", &mlp},
                                      std::pair<const char*, const Problem*>{"torch_anomaly_small", &smallMlp}}) {
    measureRow(writer, status, name, stepOptions.unit, [&] {
      TorchModel anomalous(*problem);
      TorchModel plain(*problem);
      const PairResult result = stepRunner.runSamples(
          attachedDuring([] { torch::autograd::AnomalyMode::set_enabled(true); },
                         [] { torch::autograd::AnomalyMode::set_enabled(false); },
                         [&] {
                           const torch::Tensor loss = torchStep(anomalous, torchMlpLoss);
                           doNotOptimize(loss.unsafeGetTensorImpl());
                         }),
          timed([&] {
            const torch::Tensor loss = torchStep(plain, torchMlpLoss);
            doNotOptimize(loss.unsafeGetTensorImpl());
          }));
      writer.addPair(name, result, std::nullopt, "libtorch step without anomaly mode");
    });
  }
#else
  writer.addSkipped("torch_anomaly_mlp", TAPEDECK_BENCH_TORCH_MISSING_REASON, unitName(stepOptions.unit));
  writer.addSkipped("torch_anomaly_small", TAPEDECK_BENCH_TORCH_MISSING_REASON, unitName(stepOptions.unit));
#endif

  writer.printTable(std::cout);
  writer.write(resultsPath(argc, argv));
  return status;
}
