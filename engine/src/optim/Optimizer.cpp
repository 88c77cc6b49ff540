// The optimizer base: parameter checks, the step scope, zeroGrad, and the state dict
// (hyperparameters under "param_groups.0.", per-parameter state under "state.<i>.").
#include "tapedeck/optim/Optimizer.h"

#include <charconv>
#include <map>
#include <set>
#include <sstream>

#include "autograd/Recording.h"
#include "tapedeck/autograd/Autograd.h"
#include "tapedeck/autograd/Tape.h"
#include "tapedeck/ops/Ops.h"

namespace td::optim {

namespace {

const std::string kGroupPrefix = "param_groups.0.";
const std::string kStatePrefix = "state.";

Tensor scalar(double value) { return scalarTensor(value, DType::Float64); }

/// Splits "state.<i>.<name>" into (i, name); false when the key has another form.
bool parseStateKey(const std::string& key, std::size_t& index, std::string& name) {
  if (key.rfind(kStatePrefix, 0) != 0) return false;
  std::size_t dot = key.find('.', kStatePrefix.size());
  if (dot == std::string::npos || dot == kStatePrefix.size()) return false;
  const char* begin = key.data() + kStatePrefix.size();
  const char* end = key.data() + dot;
  auto [ptr, ec] = std::from_chars(begin, end, index);
  if (ec != std::errc() || ptr != end) return false;
  name = key.substr(dot + 1);
  return !name.empty();
}

}  // namespace

Optimizer::Optimizer(std::string typeName, std::vector<Tensor> parameters, double lr)
    : m_typeName(std::move(typeName)), m_parameters(std::move(parameters)), m_state(m_parameters.size()), m_lr(lr) {
  TD_CHECK(lr >= 0.0, m_typeName, "invalid learning rate ", lr);
  std::set<TensorImpl*> seen;
  for (std::size_t i = 0; i < m_parameters.size(); ++i) {
    const Tensor& p = m_parameters[i];
    TD_CHECK(p.defined(), m_typeName, "parameter ", i, " is undefined");
    TD_CHECK(isFloating(p.dtype()), m_typeName, "parameter ", i, " has dtype ", dtypeName(p.dtype()),
             "; only floating-point tensors can be optimized");
    TD_CHECK(p.isLeaf(), m_typeName, "parameter ", i, " is not a leaf; optimize the tensors the model owns");
    TD_CHECK(seen.insert(p.impl()).second, m_typeName, "parameter ", i, " appears more than once");
  }
  registerHyperparameter("lr", &m_lr);
}

Optimizer::~Optimizer() = default;

void Optimizer::setLr(double lr) {
  TD_CHECK(lr >= 0.0, m_typeName, "invalid learning rate ", lr);
  m_lr = lr;
}

void Optimizer::registerHyperparameter(const std::string& name, double* value) {
  m_hyperparameters.emplace_back(name, value);
}

void Optimizer::registerHyperparameter(const std::string& name, bool* value) {
  m_hyperparameters.emplace_back(name, value);
}

Tensor& Optimizer::buffer(ParamState& state, const std::string& name) {
  for (auto& [key, tensor] : state.buffers)
    if (key == name) return tensor;
  state.buffers.emplace_back(name, Tensor());
  return state.buffers.back().second;
}

Tensor Optimizer::zerosBuffer(ParamState& state, const std::string& name, const Tensor& like) {
  Tensor& slot = buffer(state, name);
  if (!slot.defined()) slot = zerosLike(like.detach());
  return slot;
}

void Optimizer::step() {
  ScopeGuard scope("optimizer.step");
  NoGradGuard noGrad;
  for (std::size_t i = 0; i < m_parameters.size(); ++i) {
    Tensor grad = m_parameters[i].grad();
    if (!grad.defined()) continue;
    ParamState& state = m_state[i];
    const bool wasInitialized = state.initialized;
    state.initialized = true;
    ++state.step;
    // One parameter's update is one tape entry, named after the optimizer, with the
    // parameter written in place (its output) and its gradient read: a debugger steps
    // and checks the optimizer a parameter at a time, and the dozen ops of an update
    // (moments, bias correction) neither flood the tape nor cost an entry each. Their
    // writes still reach the write watchers, so a recorder keeps the values they replace.
    try {
      UnobservedScope quiet;
      update(m_parameters[i], grad, state);
    } catch (...) {
      // A fused update that fails (memory ran out) leaves the parameter and its state as
      // they were: so does the step count, and a retried step() is the step it would have
      // been. (The parameters before it are updated already.)
      --state.step;
      state.initialized = wasInitialized;
      throw;
    }
    if (Tape::hasObservers()) {
      if (m_nameId == 0) m_nameId = Tape::intern(m_typeName);
      TapeEntry entry;
      entry.inplace = true;
      const Tensor inputs[2] = {m_parameters[i], grad};
      Tensor outputs[1] = {m_parameters[i]};
      detail::recordCustom(entry, m_nameId, inputs, 2, outputs, 1);
    }
  }
}

void Optimizer::zeroGrad() {
  for (Tensor& p : m_parameters) p.setGrad(Tensor());
}

StateDict Optimizer::stateDict() const {
  StateDict out;
  for (const auto& [name, value] : m_hyperparameters) {
    double v = std::holds_alternative<double*>(value) ? *std::get<double*>(value)
                                                       : (*std::get<bool*>(value) ? 1.0 : 0.0);
    out.emplace_back(kGroupPrefix + name, scalar(v));
  }
  for (std::size_t i = 0; i < m_state.size(); ++i) {
    const ParamState& state = m_state[i];
    if (!state.initialized) continue;
    std::string prefix = kStatePrefix + std::to_string(i) + ".";
    out.emplace_back(prefix + "step", scalar(static_cast<double>(state.step)));
    for (const auto& [name, tensor] : state.buffers)
      if (tensor.defined()) out.emplace_back(prefix + name, tensor.detach().clone());
  }
  return out;
}

std::vector<int64_t> Optimizer::stateBytes() const {
  std::vector<int64_t> out(m_parameters.size(), 0);
  for (std::size_t i = 0; i < m_state.size() && i < out.size(); ++i)
    for (const auto& [name, tensor] : m_state[i].buffers)
      if (tensor.defined()) out[i] += tensor.numel() * static_cast<int64_t>(elementSize(tensor.dtype()));
  return out;
}

void Optimizer::loadStateDict(const StateDict& state) {
  std::vector<std::string> unexpected, missing, mismatched;
  std::vector<std::string> known = bufferNames();
  std::map<std::string, double> hyper;
  std::vector<ParamState> loaded(m_parameters.size());
  std::set<std::size_t> withStep;
  for (const auto& [key, tensor] : state) {
    if (key.rfind(kGroupPrefix, 0) == 0) {
      std::string name = key.substr(kGroupPrefix.size());
      bool isKnown = false;
      for (const auto& entry : m_hyperparameters) isKnown = isKnown || entry.first == name;
      if (!isKnown) {
        unexpected.push_back(key);
      } else if (!tensor.defined() || tensor.numel() != 1) {
        mismatched.push_back(key + " (expected one value)");
      } else {
        hyper[name] = tensor.item();
      }
      continue;
    }
    std::size_t index = 0;
    std::string name;
    if (!parseStateKey(key, index, name) || index >= m_parameters.size()) {
      unexpected.push_back(key);
      continue;
    }
    ParamState& target = loaded[index];
    target.initialized = true;
    if (name == "step") {
      if (!tensor.defined() || tensor.numel() != 1) {
        mismatched.push_back(key + " (expected one value)");
      } else {
        target.step = static_cast<int64_t>(tensor.item());
        withStep.insert(index);
      }
      continue;
    }
    bool isKnown = false;
    for (const std::string& k : known) isKnown = isKnown || k == name;
    if (!isKnown) {
      unexpected.push_back(key);
    } else if (!tensor.defined() || tensor.shape() != m_parameters[index].shape()) {
      mismatched.push_back(key + " " + (tensor.defined() ? shapeString(tensor.shape()) : std::string("undefined")) +
                           " vs parameter " + shapeString(m_parameters[index].shape()));
    } else {
      Tensor copy = tensor.detach().to(m_parameters[index].dtype()).clone();
      buffer(target, name) = copy;
    }
  }
  for (const auto& entry : m_hyperparameters)
    if (!hyper.count(entry.first)) missing.push_back(kGroupPrefix + entry.first);
  for (std::size_t i = 0; i < loaded.size(); ++i)
    if (loaded[i].initialized && !withStep.count(i)) missing.push_back(kStatePrefix + std::to_string(i) + ".step");

  if (!unexpected.empty() || !missing.empty() || !mismatched.empty()) {
    std::ostringstream message;
    auto list = [&](const char* what, const std::vector<std::string>& keys) {
      if (keys.empty()) return;
      message << " " << what << ":";
      for (std::size_t i = 0; i < keys.size(); ++i) message << (i ? ", " : " ") << keys[i];
      message << ".";
    };
    list("missing keys", missing);
    list("unexpected keys", unexpected);
    list("shape mismatches", mismatched);
    TD_CHECK(false, m_typeName, "loadStateDict: the state does not match this optimizer.", message.str());
  }

  for (auto& [name, value] : m_hyperparameters) {
    double v = hyper[name];
    if (std::holds_alternative<double*>(value))
      *std::get<double*>(value) = v;
    else
      *std::get<bool*>(value) = v != 0.0;
  }
  m_state = std::move(loaded);
}

}  // namespace td::optim
