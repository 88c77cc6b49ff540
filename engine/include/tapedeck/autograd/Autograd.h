#pragma once
// Autograd: grad mode, backward, grad, anomaly detection.
#include <functional>
#include <string>
#include <optional>
#include <vector>

#include "tapedeck/autograd/Tape.h"
#include "tapedeck/core/Export.h"
#include "tapedeck/core/Tensor.h"

namespace td {

namespace detail {
TD_SHARED_STATE inline thread_local bool t_gradEnabled = true;
}

/// Whether ops record for autograd on this thread (per thread, as PyTorch).
class GradMode {
 public:
  static bool enabled() { return detail::t_gradEnabled; }
  static void setEnabled(bool enabled) { detail::t_gradEnabled = enabled; }
};

/// RAII: no recording for autograd in this scope (observers still see ops).
class NoGradGuard {
 public:
  NoGradGuard() : m_previous(GradMode::enabled()) { GradMode::setEnabled(false); }
  ~NoGradGuard() { GradMode::setEnabled(m_previous); }
  NoGradGuard(const NoGradGuard&) = delete;
  NoGradGuard& operator=(const NoGradGuard&) = delete;

 private:
  bool m_previous;
};

/// RAII: recording on again inside a NoGradGuard.
class EnableGradGuard {
 public:
  EnableGradGuard() : m_previous(GradMode::enabled()) { GradMode::setEnabled(true); }
  ~EnableGradGuard() { GradMode::setEnabled(m_previous); }
  EnableGradGuard(const EnableGradGuard&) = delete;
  EnableGradGuard& operator=(const EnableGradGuard&) = delete;

 private:
  bool m_previous;
};

/// RAII: while alive (on any thread), every op's outputs and every backward step's
/// gradients are checked; the first NaN/Inf throws td::Error naming the op and its line.
class AnomalyMode {
 public:
  AnomalyMode();
  ~AnomalyMode();
  AnomalyMode(const AnomalyMode&) = delete;
  AnomalyMode& operator=(const AnomalyMode&) = delete;
  static bool enabled();
};

namespace autograd {

/// Accumulates d(roots)/d(leaf) into every leaf's grad. `grads` may be empty for scalar roots.
void backward(const std::vector<Tensor>& roots, const std::vector<Tensor>& grads = {}, bool retainGraph = false,
              bool createGraph = false, SourceLoc loc = SourceLoc::current());

/// Returns d(outputs)/d(inputs) without touching .grad. retainGraph defaults to createGraph.
/// An input the outputs do not depend on is an error unless allowUnused (then undefined).
std::vector<Tensor> grad(const std::vector<Tensor>& outputs, const std::vector<Tensor>& inputs,
                         const std::vector<Tensor>& gradOutputs = {}, std::optional<bool> retainGraph = std::nullopt,
                         bool createGraph = false, bool allowUnused = false, SourceLoc loc = SourceLoc::current());

/// A user-defined function's backward: one gradient per input (undefined for an input that
/// needs none) from one per output (zeros for an output that got none).
using FunctionBackward = std::function<std::vector<Tensor>(const std::vector<Tensor>& gradOutputs)>;

/// Connects `values`, computed from `inputs` without recording (a user-defined function:
/// tapedeck.autograd.Function, or C++ code with a hand-written derivative), to autograd.
/// Returns aliases of the values whose gradients flow through `backward` to the inputs
/// that require grad. Records one tape entry (OpId::Custom) named `name`. `backward` runs
/// with grad mode on only under create_graph; its gradients must have the inputs' shapes.
std::vector<Tensor> applyFunction(const std::string& name, const std::vector<Tensor>& inputs,
                                  const std::vector<Tensor>& values, FunctionBackward backward,
                                  SourceLoc loc = SourceLoc::current());

}  // namespace autograd

/// What made a non-leaf tensor: its backward node's name ("MulBackward0"), the op and the
/// tape entry id. Undefined tensors and leaves have none.
struct GradFnInfo {
  std::string name;
  OpId op = OpId::Add;
  uint64_t entryId = 0;
};
std::optional<GradFnInfo> gradFnInfo(const Tensor& t);

/// The readable derivative formula of an op ("grad * result"), for learners.
const char* derivativeFormula(OpId op);
/// Whether the op's formula is itself differentiable (second-order gradients work).
bool twiceDifferentiable(OpId op);

}  // namespace td
