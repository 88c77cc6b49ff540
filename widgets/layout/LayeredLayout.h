#pragma once
// The one-shot layout: Sugiyama-style layers (ranks, crossing reduction, coordinates)
// with module groups drawn as padded boxes that contain exactly their nodes and do not
// overlap. Deterministic: the same graph and options give the same coordinates.
#include "LayoutGraph.h"

namespace td::layout {

class LayeredLayout {
 public:
  explicit LayeredLayout(LayoutOptions options = {}) : m_options(options) {}

  /// Lays out `graph`. Throws std::invalid_argument when it has a cycle, an edge to a
  /// missing node, or a group whose parent does not come before it.
  Layout run(const Graph& graph) const;

  const LayoutOptions& options() const { return m_options; }

 private:
  LayoutOptions m_options;
};

/// LayeredLayout(options).run(graph).
inline Layout layoutGraph(const Graph& graph, const LayoutOptions& options = {}) {
  return LayeredLayout(options).run(graph);
}

}  // namespace td::layout
