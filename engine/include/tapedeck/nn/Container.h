#pragma once
// Containers: Sequential (chains its modules) and ModuleList (holds them). Children are
// named "0", "1", ..., so their parameters are "0.weight", "1.bias", ...
#include <cstddef>
#include <memory>
#include <vector>

#include "tapedeck/nn/Module.h"

namespace td::nn {

/// Calls its modules in order, each on the previous one's output.
class Sequential : public Module {
 public:
  Sequential() : Module("Sequential") {}
  /// make<Sequential>(make<Linear>(4, 8), make<ReLU>(), make<Linear>(8, 1))
  template <typename... Ms>
  explicit Sequential(std::shared_ptr<Ms>... modules) : Sequential() {
    (push_back(std::move(modules)), ...);
  }
  explicit Sequential(const std::vector<ModulePtr>& modules);

  /// Appends a module under the next index.
  Sequential& push_back(ModulePtr module);
  std::size_t size() const { return m_modules.size(); }
  /// The module at `index`; throws td::Error when out of range.
  const ModulePtr& operator[](std::size_t index) const;
  /// The module at `index` as an M; throws td::Error when it is not one.
  template <typename M>
  std::shared_ptr<M> at(std::size_t index) const {
    auto module = std::dynamic_pointer_cast<M>((*this)[index]);
    if (!module) throw Error("Sequential: module " + std::to_string(index) + " is a " + (*this)[index]->typeName());
    return module;
  }
  std::vector<ModulePtr>::const_iterator begin() const { return m_modules.begin(); }
  std::vector<ModulePtr>::const_iterator end() const { return m_modules.end(); }

 protected:
  Tensor forward(const Tensor& x) override;

 private:
  std::vector<ModulePtr> m_modules;
};

/// Holds modules so their parameters are registered; the owner decides how to call them
/// (it has no forward).
class ModuleList : public Module {
 public:
  ModuleList() : Module("ModuleList") {}
  template <typename... Ms>
  explicit ModuleList(std::shared_ptr<Ms>... modules) : ModuleList() {
    (push_back(std::move(modules)), ...);
  }
  explicit ModuleList(const std::vector<ModulePtr>& modules);

  ModuleList& push_back(ModulePtr module);
  std::size_t size() const { return m_modules.size(); }
  bool empty() const { return m_modules.empty(); }
  const ModulePtr& operator[](std::size_t index) const;
  template <typename M>
  std::shared_ptr<M> at(std::size_t index) const {
    auto module = std::dynamic_pointer_cast<M>((*this)[index]);
    if (!module) throw Error("ModuleList: module " + std::to_string(index) + " is a " + (*this)[index]->typeName());
    return module;
  }
  std::vector<ModulePtr>::const_iterator begin() const { return m_modules.begin(); }
  std::vector<ModulePtr>::const_iterator end() const { return m_modules.end(); }

 private:
  std::vector<ModulePtr> m_modules;
};

}  // namespace td::nn
