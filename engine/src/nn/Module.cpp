// Module: registration, naming, traversal, train/eval, hooks, and the call that pushes
// the module's qualified name as the tape scope. State dicts and printing live in
// ModuleState.cpp.
#include "tapedeck/nn/Module.h"

#include <atomic>
#include <unordered_set>

#include "tapedeck/autograd/Autograd.h"

namespace td::nn {

namespace {

/// One module being called on this thread: its path from the outermost module called
/// (0 = "" for the outermost) and the scope its call pushed.
struct CallFrame {
  const Module* module;
  ScopeId path;
  ScopeId scope;
};

// Keeps its capacity, so a steady-state call does not allocate.
thread_local std::vector<CallFrame> t_calls;

std::atomic<int> g_nextHookHandle{1};

// Bumped whenever a module tree changes or a module dies (its address may be reused), so
// cached scopes, keyed by module addresses, are never stale.
std::atomic<uint64_t> g_treeGeneration{1};

std::string join(const std::string& prefix, const std::string& name) {
  return prefix.empty() ? name : prefix + "." + name;
}

/// The module's attribute path from the top of its tree ("" for a root).
std::string qualifiedPath(const Module& module) {
  std::string path;
  for (const Module* m = &module; m->parent() != nullptr; m = m->parent())
    path = path.empty() ? m->name() : m->name() + "." + path;
  return path;
}

/// Pre-order walk over the subtree; `memo` (when given) visits each module once.
template <typename F>
void visitModules(const Module& module, const std::string& prefix, std::unordered_set<const Module*>* memo, F&& f) {
  if (memo != nullptr && !memo->insert(&module).second) return;
  f(prefix, module);
  for (const auto& [name, child] : module.namedChildren())
    if (child) visitModules(*child, join(prefix, name), memo, f);
}

}  // namespace

// --- the call ----------------------------------------------------------------------

ModuleCall::ModuleCall(Module& module, SourceLoc loc)
    : m_module(&module), m_scope(module.scopeForCall(), true), m_previousLoc(module.m_callLoc) {
  if (loc.known()) module.m_callLoc = loc;
}

ModuleCall::~ModuleCall() {
  m_module->m_callLoc = m_previousLoc;
  TD_ASSERT(!t_calls.empty() && t_calls.back().module == m_module, "module call stack out of order");
  t_calls.pop_back();
}

ScopeId Module::scopeForCall() {
  if (t_calls.empty()) {
    ScopeId current = Tape::currentScope();
    t_calls.push_back({this, 0, current});
    return current;
  }
  const CallFrame& root = t_calls.front();
  const CallFrame& caller = t_calls.back();
  if (root.module == this) {  // the outermost module, called again from inside itself
    CallFrame frame{this, 0, root.scope};
    t_calls.push_back(frame);
    return frame.scope;
  }
  uint64_t generation = g_treeGeneration.load(std::memory_order_relaxed);
  if (m_cachedGeneration != generation || m_cachedRoot != root.module || m_cachedCaller != caller.module ||
      m_cachedCallerPath != caller.path) {
    std::string path;
    if (m_parent == caller.module) {
      path = join(caller.path == 0 ? std::string() : Tape::internedString(caller.path), m_name);
    } else {
      // Called by a module that does not own it: its path from the outermost module,
      // or its type name when it lies outside that module's tree.
      std::vector<const std::string*> names;
      const Module* m = this;
      while (m != nullptr && m != root.module) {
        names.push_back(&m->m_name);
        m = m->m_parent;
      }
      if (m == root.module) {
        for (auto it = names.rbegin(); it != names.rend(); ++it) path = join(path, **it);
      } else {
        path = m_typeName;
      }
    }
    m_cachedScope = Tape::intern(path);
    m_cachedRoot = root.module;
    m_cachedCaller = caller.module;
    m_cachedCallerPath = caller.path;
    m_cachedGeneration = generation;
  }
  t_calls.push_back({this, m_cachedScope, m_cachedScope});
  return m_cachedScope;
}

Tensor Module::operator()(const Tensor& x, SourceLoc loc) {
  ModuleCall call(*this, loc);
  runPreHooks(x);
  return runHooks(x, forward(x));
}

void Module::runPreHooks(const Tensor& input) {
  // By index: a hook may register or remove hooks.
  for (std::size_t i = 0; i < m_preHooks.size(); ++i) {
    PreHook hook = m_preHooks[i].second;
    hook(*this, input);
  }
}

Tensor Module::runHooks(const Tensor& input, Tensor output) {
  for (std::size_t i = 0; i < m_hooks.size(); ++i) {
    Hook hook = m_hooks[i].second;
    Tensor replaced = hook(*this, input, output);
    if (replaced.defined()) output = std::move(replaced);
  }
  return output;
}

Tensor Module::forward(const Tensor& x) {
  (void)x;
  throw Error(detail::withLocation(detail::concat(
      m_typeName, ": this module has no forward(x) taking one tensor; call it the way its header says")));
}

// --- construction and registration -------------------------------------------------

Module::Module(std::string typeName) : m_typeName(std::move(typeName)) {}

Module::~Module() {
  g_treeGeneration.fetch_add(1, std::memory_order_relaxed);
  for (auto& [name, child] : m_children)
    if (child && child->m_parent == this) child->m_parent = nullptr;
}

Tensor& Module::registerParameter(const std::string& name, Tensor value, bool requiresGrad) {
  TD_CHECK(value.defined(), m_typeName, ": parameter \"", name, "\" is an undefined tensor");
  TD_CHECK(!name.empty() && name.find('.') == std::string::npos, m_typeName, ": bad parameter name \"", name, "\"");
  if (!value.isLeaf()) value = value.detach();
  value.setRequiresGrad(requiresGrad);
  std::string prefix = qualifiedPath(*this);
  value.setName(join(prefix, name));
  for (auto& [existing, tensor] : m_parameters)
    if (existing == name) return tensor = std::move(value);
  m_parameters.emplace_back(name, std::move(value));
  return m_parameters.back().second;
}

Tensor& Module::registerBuffer(const std::string& name, Tensor value) {
  TD_CHECK(!name.empty() && name.find('.') == std::string::npos, m_typeName, ": bad buffer name \"", name, "\"");
  std::string prefix = qualifiedPath(*this);
  if (value.defined()) value.setName(join(prefix, name));
  for (auto& [existing, tensor] : m_buffers)
    if (existing == name) return tensor = std::move(value);
  m_buffers.emplace_back(name, std::move(value));
  return m_buffers.back().second;
}

void Module::addChild(const std::string& name, const ModulePtr& child) {
  TD_CHECK(child != nullptr, m_typeName, ": submodule \"", name, "\" is null");
  TD_CHECK(!name.empty() && name.find('.') == std::string::npos, m_typeName, ": bad submodule name \"", name, "\"");
  for (const Module* m = this; m != nullptr; m = m->m_parent)
    TD_CHECK(m != child.get(), m_typeName, ": registering \"", name, "\" would make the module its own ancestor");
  bool replaced = false;
  for (auto& [existing, module] : m_children) {
    if (existing != name) continue;
    if (module && module->m_parent == this) module->m_parent = nullptr;
    module = child;
    replaced = true;
  }
  if (!replaced) m_children.emplace_back(name, child);
  // A module shared by several parents keeps its first owner's names.
  if (child->m_parent == nullptr) {
    child->m_parent = this;
    child->m_name = name;
    child->renameTensors(qualifiedPath(*child));
  }
  g_treeGeneration.fetch_add(1, std::memory_order_relaxed);
}

void Module::renameTensors(const std::string& prefix) {
  for (auto& [name, tensor] : m_parameters)
    if (tensor.defined()) tensor.setName(join(prefix, name));
  for (auto& [name, tensor] : m_buffers)
    if (tensor.defined()) tensor.setName(join(prefix, name));
  for (auto& [name, child] : m_children)
    if (child && child->m_parent == this) child->renameTensors(join(prefix, name));
}

// --- traversal ---------------------------------------------------------------------

std::vector<std::pair<std::string, Tensor>> Module::namedTensors(TensorList Module::*list, bool recurse) const {
  std::vector<std::pair<std::string, Tensor>> out;
  std::unordered_set<const TensorImpl*> seen;
  auto collect = [&](const std::string& prefix, const Module& m) {
    for (const auto& [name, tensor] : m.*list)
      if (tensor.defined() && seen.insert(tensor.impl()).second) out.emplace_back(join(prefix, name), tensor);
  };
  if (!recurse) {
    collect("", *this);
    return out;
  }
  std::unordered_set<const Module*> memo;
  visitModules(*this, "", &memo, collect);
  return out;
}

std::vector<std::pair<std::string, Tensor>> Module::namedParameters(bool recurse) const {
  return namedTensors(&Module::m_parameters, recurse);
}

std::vector<Tensor> Module::parameters(bool recurse) const {
  std::vector<Tensor> out;
  for (auto& [name, tensor] : namedParameters(recurse)) out.push_back(std::move(tensor));
  return out;
}

std::vector<std::pair<std::string, Tensor>> Module::namedBuffers(bool recurse) const {
  return namedTensors(&Module::m_buffers, recurse);
}

std::vector<std::pair<std::string, ModulePtr>> Module::namedModules() {
  // A module not owned by a shared_ptr (on the stack) is returned without ownership.
  ModulePtr self = weak_from_this().lock();
  if (!self) self = ModulePtr(ModulePtr(), this);
  std::vector<std::pair<std::string, ModulePtr>> out{{"", self}};
  std::unordered_set<const Module*> memo{this};
  for (const auto& [name, child] : m_children) {
    if (!child) continue;
    visitModules(*child, name, &memo, [&](const std::string& path, const Module& m) {
      out.emplace_back(path, std::const_pointer_cast<Module>(m.shared_from_this()));
    });
  }
  return out;
}

std::vector<std::pair<std::string, ModulePtr>> Module::namedChildren() const { return m_children; }

int64_t Module::parameterCount() const {
  int64_t count = 0;
  for (const Tensor& p : parameters()) count += p.numel();
  return count;
}

// --- modes and gradients -----------------------------------------------------------

Module& Module::train(bool on) {
  bool changed = m_training != on;
  m_training = on;
  if (changed) onTrainChanged();
  for (auto& [name, child] : m_children)
    if (child) child->train(on);
  return *this;
}

void Module::zeroGrad() {
  for (Tensor& p : parameters()) p.setGrad(Tensor());
}

// --- hooks -------------------------------------------------------------------------

int Module::registerForwardPreHook(PreHook hook) {
  int handle = g_nextHookHandle.fetch_add(1);
  m_preHooks.emplace_back(handle, std::move(hook));
  return handle;
}

int Module::registerForwardHook(Hook hook) {
  int handle = g_nextHookHandle.fetch_add(1);
  m_hooks.emplace_back(handle, std::move(hook));
  return handle;
}

void Module::removeHook(int handle) {
  std::erase_if(m_preHooks, [handle](const auto& entry) { return entry.first == handle; });
  std::erase_if(m_hooks, [handle](const auto& entry) { return entry.first == handle; });
}

}  // namespace td::nn
