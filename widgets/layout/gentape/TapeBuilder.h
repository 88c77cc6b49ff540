#pragma once
// The small recorder the tape families write through: scopes, ops, leaves, and the op
// budget (TapeBuilder::Full is thrown when the tape has all its ops).
#include <cstdint>
#include <initializer_list>
#include <random>
#include <string>
#include <vector>

#include "layout/LayoutGraph.h"

namespace td::layout::gentape {

class TapeBuilder {
 public:
  /// Thrown by op() and leaf() once `maxOps` ops are recorded.
  struct Full {};

  TapeBuilder(int maxOps, uint64_t seed);

  /// Opens a new group (one module call) inside the current one.
  void enter(const std::string& name);
  /// Closes the current group.
  void leave();
  /// The current group, -1 at top level.
  int currentGroup() const { return m_scope.empty() ? -1 : m_scope.back(); }

  /// Records an op reading `inputs` (-1 entries are skipped); returns its node.
  int op(const std::string& label, std::initializer_list<int> inputs);
  /// A parameter or input leaf in `group` (default: the current one); read it next.
  int leaf(const std::string& label, int group = -2);

  /// A uniform integer in [low, high], and a coin with probability p of true.
  int uniform(int low, int high);
  bool chance(double p);

  Graph take() { return std::move(m_graph); }

 private:
  Graph m_graph;
  std::vector<int> m_scope;
  int m_maxOps;
  int m_ops = 0;
  std::mt19937_64 m_rng;
};

}  // namespace td::layout::gentape
