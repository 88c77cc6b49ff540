// Module state dicts (save and strict load) and the PyTorch-style printed tree.
#include <sstream>
#include <unordered_map>
#include <unordered_set>

#include "tapedeck/autograd/Autograd.h"
#include "tapedeck/nn/Module.h"

namespace td::nn {

namespace {

std::string join(const std::string& prefix, const std::string& name) {
  return prefix.empty() ? name : prefix + "." + name;
}

std::string quotedList(const std::vector<std::string>& keys) {
  std::string out;
  for (const std::string& key : keys) out += (out.empty() ? "\"" : ", \"") + key + "\"";
  return out;
}

/// Indents every line after the first by two spaces (PyTorch's _addindent).
std::string indentTail(const std::string& text) {
  std::string out;
  for (char c : text) {
    out += c;
    if (c == '\n') out += "  ";
  }
  return out;
}

}  // namespace

// Keys in PyTorch's order: each module's parameters, then its buffers, then its
// children's, depth first. A module reachable under two names appears under both.
StateDict Module::stateDict() const {
  StateDict out;
  NoGradGuard noGrad;
  auto walk = [&](auto& self, const Module& module, const std::string& prefix) -> void {
    for (const auto& [name, tensor] : module.m_parameters)
      if (tensor.defined()) out.emplace_back(join(prefix, name), tensor.detach().clone());
    for (const auto& [name, tensor] : module.m_buffers)
      if (tensor.defined()) out.emplace_back(join(prefix, name), tensor.detach().clone());
    for (const auto& [name, child] : module.m_children)
      if (child) self(self, *child, join(prefix, name));
  };
  walk(walk, *this, "");
  return out;
}

void Module::loadStateDict(const StateDict& state, bool strict) {
  // This module's tensors by key, in stateDict order.
  std::vector<std::pair<std::string, Tensor*>> targets;
  auto walk = [&](auto& self, Module& module, const std::string& prefix) -> void {
    for (auto& [name, tensor] : module.m_parameters)
      if (tensor.defined()) targets.emplace_back(join(prefix, name), &tensor);
    for (auto& [name, tensor] : module.m_buffers)
      if (tensor.defined()) targets.emplace_back(join(prefix, name), &tensor);
    for (auto& [name, child] : module.m_children)
      if (child) self(self, *child, join(prefix, name));
  };
  walk(walk, *this, "");

  std::unordered_map<std::string, const Tensor*> given;
  for (const auto& [key, tensor] : state) given[key] = &tensor;
  std::unordered_set<std::string> known;
  std::vector<std::string> missing, unexpected, mismatched;
  std::vector<std::pair<Tensor*, const Tensor*>> copies;
  for (const auto& [key, target] : targets) {
    known.insert(key);
    auto it = given.find(key);
    if (it == given.end()) {
      missing.push_back(key);
      continue;
    }
    const Tensor& source = *it->second;
    if (!source.defined()) {
      mismatched.push_back("\"" + key + "\" is an undefined tensor");
    } else if (source.shape() != target->shape()) {
      mismatched.push_back("size mismatch for \"" + key + "\": copying a tensor of shape " +
                           shapeString(source.shape()) + " into one of shape " + shapeString(target->shape()));
    } else if (source.dtype() != target->dtype()) {
      mismatched.push_back("dtype mismatch for \"" + key + "\": copying a " + dtypeName(source.dtype()) +
                           " tensor into a " + dtypeName(target->dtype()) + " one");
    } else {
      copies.emplace_back(target, &source);
    }
  }
  for (const auto& [key, tensor] : state)
    if (!known.count(key)) unexpected.push_back(key);

  std::vector<std::string> problems;
  if (strict && !missing.empty()) problems.push_back("missing keys: " + quotedList(missing));
  if (strict && !unexpected.empty()) problems.push_back("unexpected keys: " + quotedList(unexpected));
  problems.insert(problems.end(), mismatched.begin(), mismatched.end());
  if (!problems.empty()) {
    std::string message = "loadStateDict: error(s) loading the state dict of " + m_typeName + ", nothing loaded:";
    for (const std::string& problem : problems) message += "\n  " + problem;
    throw Error(detail::withLocation(message));
  }
  NoGradGuard noGrad;
  for (auto& [target, source] : copies) target->copy_(*source);
}

std::string Module::toString() const {
  std::vector<std::string> lines;
  std::string extra = extraRepr();
  if (!extra.empty()) {
    std::istringstream in(extra);
    for (std::string line; std::getline(in, line);) lines.push_back(line);
  }
  for (const auto& [name, child] : m_children)
    if (child) lines.push_back("(" + name + "): " + indentTail(child->toString()));
  std::string out = m_typeName + "(";
  if (lines.size() == 1 && m_children.empty()) return out + lines[0] + ")";
  if (lines.empty()) return out + ")";
  for (const std::string& line : lines) out += "\n  " + line;
  return out + "\n)";
}

}  // namespace td::nn
