#pragma once
// The optimizer base: one group of parameters, their per-parameter state (momentum
// buffers, moment estimates, step counts) and the hyperparameters, all saved by
// stateDict() so training resumes exactly. step() runs the update under NoGradGuard with
// in-place ops inside the tape scope "optimizer.step", so an observer sees the updates
// as non-differentiable in-place entries and can tell them from the model's work.
#include <cstdint>
#include <string>
#include <utility>
#include <variant>
#include <vector>

#include "tapedeck/core/Tensor.h"

namespace td::optim {

/// Saved tensors by name: "param_groups.0.lr", "state.3.exp_avg", "state.3.step", ...
/// (the same shape as td::nn::StateDict). Scalars are 0-dim float64 tensors.
using StateDict = std::vector<std::pair<std::string, Tensor>>;

class Optimizer {
 public:
  /// `typeName` names the optimizer in errors ("SGD", "Adam"). Parameters must be
  /// distinct floating-point leaves.
  Optimizer(std::string typeName, std::vector<Tensor> parameters, double lr);
  virtual ~Optimizer();
  Optimizer(const Optimizer&) = delete;
  Optimizer& operator=(const Optimizer&) = delete;

  /// One update of every parameter whose grad is defined (the others are skipped).
  void step();
  /// Sets every parameter's grad to undefined (as PyTorch's set_to_none).
  void zeroGrad();

  double lr() const { return m_lr; }
  void setLr(double lr);
  const std::vector<Tensor>& parameters() const { return m_parameters; }
  const std::string& typeName() const { return m_typeName; }

  /// Hyperparameters and per-parameter state (copies, detached).
  StateDict stateDict() const;
  /// Bytes of the state kept for each parameter (momentum, moments), in parameter order;
  /// no copy (the IDE's memory view asks at every pause).
  std::vector<int64_t> stateBytes() const;
  /// Restores what stateDict() saved, hyperparameters included. Strict: a td::Error lists
  /// unknown and missing keys and shape mismatches; nothing changes unless all match.
  void loadStateDict(const StateDict& state);

 protected:
  /// A parameter's state: named tensors (undefined until first used) and its step count.
  struct ParamState {
    std::vector<std::pair<std::string, Tensor>> buffers;
    int64_t step = 0;
    bool initialized = false;
  };

  /// Updates one parameter with its gradient; called under NoGradGuard.
  virtual void update(Tensor& parameter, const Tensor& grad, ParamState& state) = 0;
  /// Names of the per-parameter buffers this optimizer keeps, in order ("exp_avg", ...).
  virtual std::vector<std::string> bufferNames() const = 0;
  /// Registers a hyperparameter saved in stateDict under "param_groups.0.<name>".
  /// `value` must outlive the optimizer (a member of the subclass).
  void registerHyperparameter(const std::string& name, double* value);
  /// A flag saved as 0 or 1 (nesterov, amsgrad, centered).
  void registerHyperparameter(const std::string& name, bool* value);
  /// The named buffer of `state` (undefined until set). The reference is valid until
  /// the next call; copy the handle to keep it.
  static Tensor& buffer(ParamState& state, const std::string& name);
  /// The named buffer, created as zeros shaped like `like` on first use.
  static Tensor zerosBuffer(ParamState& state, const std::string& name, const Tensor& like);

 private:
  std::string m_typeName;
  uint32_t m_nameId = 0;  ///< m_typeName interned: the name of its update entries
  std::vector<Tensor> m_parameters;
  std::vector<ParamState> m_state;
  double m_lr;
  std::vector<std::pair<std::string, std::variant<double*, bool*>>> m_hyperparameters;
};

}  // namespace td::optim
