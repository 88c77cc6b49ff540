#pragma once
// Modules: parameters, buffers and submodules under attribute names, and a call that
// names the module on the tape. `forward` is protected: users call the module
// (operator()), which pushes its qualified name ("encoder.layers.2.fc1") as the tape
// scope for the duration of the call, runs the hooks, then forward.
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "tapedeck/autograd/Tape.h"
#include "tapedeck/core/Tensor.h"

namespace td::nn {

class Module;
using ModulePtr = std::shared_ptr<Module>;
/// Saved tensors by qualified name ("fc1.weight", "bn.running_mean").
using StateDict = std::vector<std::pair<std::string, Tensor>>;

/// Pushes a module's qualified name as the tape scope while it runs (RAII). Every public
/// call of a module (operator(), or a module-specific call such as an LSTM cell's) makes
/// one before reaching forward.
class ModuleCall {
 public:
  /// `loc` is the user's line that called the module (built-in layers record their ops there).
  explicit ModuleCall(Module& module, SourceLoc loc = SourceLoc());
  ~ModuleCall();
  ModuleCall(const ModuleCall&) = delete;
  ModuleCall& operator=(const ModuleCall&) = delete;

 private:
  Module* m_module;
  ScopeGuard m_scope;
  SourceLoc m_previousLoc;
};

class Module : public std::enable_shared_from_this<Module> {
 public:
  explicit Module(std::string typeName);
  virtual ~Module();
  Module(const Module&) = delete;
  Module& operator=(const Module&) = delete;

  /// Runs forward pre-hooks, forward(x) under this module's tape scope, then forward hooks.
  Tensor operator()(const Tensor& x, SourceLoc loc = SourceLoc::current());

  /// "Linear", "Conv2d", ... (what the IDE's module tree shows).
  const std::string& typeName() const { return m_typeName; }
  /// One line of configuration: "in_features=784, out_features=256, bias=True".
  virtual std::string extraRepr() const { return {}; }
  /// PyTorch-style multi-line description of the module tree.
  std::string toString() const;

  /// Parameters of this module and its submodules, in registration order, each once.
  std::vector<Tensor> parameters(bool recurse = true) const;
  /// ("fc1.weight", tensor), ... with PyTorch's names.
  std::vector<std::pair<std::string, Tensor>> namedParameters(bool recurse = true) const;
  std::vector<std::pair<std::string, Tensor>> namedBuffers(bool recurse = true) const;
  /// ("", this), ("encoder", ...), ("encoder.layers.0", ...), ...
  std::vector<std::pair<std::string, ModulePtr>> namedModules();
  std::vector<std::pair<std::string, ModulePtr>> namedChildren() const;
  /// Total element count of the parameters.
  int64_t parameterCount() const;

  /// Training mode for this module and its submodules (dropout, batch norm).
  Module& train(bool on = true);
  Module& eval() { return train(false); }
  bool isTraining() const { return m_training; }
  /// Clears every parameter's gradient (set to undefined, as PyTorch's set_to_none).
  void zeroGrad();

  /// Parameters and buffers by qualified name (copies of the values, detached).
  StateDict stateDict() const;
  /// Copies values in. Strict: a td::Error lists missing keys, unexpected keys and shape
  /// or dtype mismatches together; nothing is changed unless everything matches.
  void loadStateDict(const StateDict& state, bool strict = true);

  using PreHook = std::function<void(Module&, const Tensor& input)>;
  /// A forward hook may return a replacement output (or an undefined tensor to keep it).
  using Hook = std::function<Tensor(Module&, const Tensor& input, const Tensor& output)>;
  int registerForwardPreHook(PreHook hook);
  int registerForwardHook(Hook hook);
  void removeHook(int handle);

  /// This module's name under its parent ("" for a root).
  const std::string& name() const { return m_name; }
  Module* parent() const { return m_parent; }

 protected:
  /// The line that called this module (valid during forward). Built-in layers open an
  /// ApiScope with it so their ops carry the user's line, not the engine's; a user's own
  /// module does not, so the ops in its forward keep their own lines.
  const SourceLoc& callLocation() const { return m_callLoc; }

  /// The computation. Reached only through operator() (or a subclass's public call).
  virtual Tensor forward(const Tensor& x);

  /// Registers a parameter (a leaf requiring grad) under `name`; returns it.
  Tensor& registerParameter(const std::string& name, Tensor value, bool requiresGrad = true);
  /// Registers a buffer (state saved in stateDict, not trained): running statistics.
  Tensor& registerBuffer(const std::string& name, Tensor value);
  /// Registers a submodule under `name`; returns it.
  template <typename M>
  std::shared_ptr<M> registerModule(const std::string& name, std::shared_ptr<M> module) {
    addChild(name, module);
    return module;
  }
  /// Called when this module's training flag changes.
  virtual void onTrainChanged() {}

  /// For a subclass's own public call (a loss's (input, target), a cell's state): the
  /// hooks operator() runs around forward. Call inside a ModuleCall.
  void runPreHooks(const Tensor& input);
  /// Runs the forward hooks; returns the output, replaced where a hook returned one.
  Tensor runHooks(const Tensor& input, Tensor output);

 private:
  friend class ModuleCall;
  void addChild(const std::string& name, const ModulePtr& child);
  /// Renames every parameter/buffer tensor of this subtree with its path from `prefix`.
  void renameTensors(const std::string& prefix);
  /// Pushes this module on the thread's call stack and returns the tape scope of the call
  /// (cached per outermost module and caller, so a steady-state call allocates nothing).
  ScopeId scopeForCall();

  SourceLoc m_callLoc;
  std::string m_typeName;
  std::string m_name;
  Module* m_parent = nullptr;
  bool m_training = true;
  using TensorList = std::vector<std::pair<std::string, Tensor>>;
  /// Parameters or buffers (`list`) of this module, or of the subtree, each tensor once.
  TensorList namedTensors(TensorList Module::*list, bool recurse) const;

  TensorList m_parameters;
  TensorList m_buffers;
  std::vector<std::pair<std::string, ModulePtr>> m_children;
  std::vector<std::pair<int, PreHook>> m_preHooks;
  std::vector<std::pair<int, Hook>> m_hooks;
  ScopeId m_cachedScope = 0;
  const Module* m_cachedRoot = nullptr;
  const Module* m_cachedCaller = nullptr;
  ScopeId m_cachedCallerPath = 0;
  uint64_t m_cachedGeneration = 0;  // valid while it equals the global generation
};

/// Builds a module: auto fc = td::nn::make<Linear>(784, 256);
template <typename M, typename... Args>
std::shared_ptr<M> make(Args&&... args) {
  return std::make_shared<M>(std::forward<Args>(args)...);
}

}  // namespace td::nn
