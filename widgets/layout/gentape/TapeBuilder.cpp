#include "TapeBuilder.h"

#include <algorithm>
#include <stdexcept>

namespace td::layout::gentape {

TapeBuilder::TapeBuilder(int maxOps, uint64_t seed) : m_maxOps(maxOps), m_rng(seed) {
  if (maxOps < 1) throw std::invalid_argument("generateTape: the tape needs at least one op");
}

void TapeBuilder::enter(const std::string& name) {
  m_graph.groups.push_back(Group{name, currentGroup(), false});
  m_scope.push_back(static_cast<int>(m_graph.groups.size()) - 1);
}

void TapeBuilder::leave() {
  if (m_scope.empty()) throw std::logic_error("TapeBuilder::leave without enter");
  m_scope.pop_back();
}

int TapeBuilder::op(const std::string& label, std::initializer_list<int> inputs) {
  if (m_ops >= m_maxOps) throw Full{};
  const int id = static_cast<int>(m_graph.nodes.size());
  const double width = std::max(48.0, 7.0 * static_cast<double>(label.size()) + 20.0);
  m_graph.nodes.push_back(Node{label, NodeKind::Op, currentGroup(), width, 28.0});
  for (int input : inputs)
    if (input >= 0) m_graph.edges.push_back(Edge{input, id});
  ++m_ops;
  return id;
}

int TapeBuilder::leaf(const std::string& label, int group) {
  // A leaf is only recorded when an op can still read it.
  if (m_ops >= m_maxOps) throw Full{};
  const int id = static_cast<int>(m_graph.nodes.size());
  const double width = std::max(36.0, 6.5 * static_cast<double>(label.size()) + 16.0);
  m_graph.nodes.push_back(Node{label, NodeKind::Leaf, group == -2 ? currentGroup() : group, width, 22.0});
  return id;
}

int TapeBuilder::uniform(int low, int high) {
  // Not std::uniform_int_distribution: its results may differ between standard libraries.
  const uint64_t span = static_cast<uint64_t>(high - low) + 1;
  return low + static_cast<int>(m_rng() % span);
}

bool TapeBuilder::chance(double p) {
  return static_cast<double>(m_rng() >> 11) * (1.0 / 9007199254740992.0) < p;
}

}  // namespace td::layout::gentape
