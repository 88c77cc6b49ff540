// Sequential and ModuleList.
#include "tapedeck/nn/Container.h"

#include <string>

namespace td::nn {

namespace {

const ModulePtr& checkedAt(const std::vector<ModulePtr>& modules, std::size_t index, const std::string& type) {
  TD_CHECK(index < modules.size(), type, "index ", index, " is out of range for ", modules.size(), " modules");
  return modules[index];
}

}  // namespace

Sequential::Sequential(const std::vector<ModulePtr>& modules) : Sequential() {
  for (const ModulePtr& module : modules) push_back(module);
}

Sequential& Sequential::push_back(ModulePtr module) {
  registerModule(std::to_string(m_modules.size()), module);
  m_modules.push_back(std::move(module));
  return *this;
}

const ModulePtr& Sequential::operator[](std::size_t index) const { return checkedAt(m_modules, index, "Sequential"); }

Tensor Sequential::forward(const Tensor& x) {
  ApiScope api(callLocation());
  Tensor out = x;
  for (const ModulePtr& module : m_modules) out = (*module)(out, callLocation());
  return out;
}

ModuleList::ModuleList(const std::vector<ModulePtr>& modules) : ModuleList() {
  for (const ModulePtr& module : modules) push_back(module);
}

ModuleList& ModuleList::push_back(ModulePtr module) {
  registerModule(std::to_string(m_modules.size()), module);
  m_modules.push_back(std::move(module));
  return *this;
}

const ModulePtr& ModuleList::operator[](std::size_t index) const { return checkedAt(m_modules, index, "ModuleList"); }

}  // namespace td::nn
