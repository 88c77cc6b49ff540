#pragma once
// One definition of "edge crossings", shared by the tests, the benchmark and any layout
// (ours or Graphviz dot's): every edge is the straight segment between its end nodes'
// centres. Counted:
//   - each pair of edges whose segments intersect, unless they share an end node; a pair
//     that shares an end node counts only when the segments overlap collinearly (a
//     stretch of positive length in common);
//   - each (edge, node) pair where the segment passes through the interior of a node box
//     other than its own two ends.
// Edges are undirected for counting: repeated pairs {u, v} and self loops are dropped.
#include <cstdint>
#include <vector>

#include "LayoutGraph.h"

namespace td::layout {

struct CrossingCount {
  int64_t edgePairs = 0;     // intersecting pairs of edges
  int64_t edgeThroughNode = 0;  // edges passing through a node that is not an end
  int64_t total() const { return edgePairs + edgeThroughNode; }
};

/// Counts the crossings of `edges` drawn between the centres of `boxes` (one per node).
/// Precondition: every edge end indexes `boxes`.
CrossingCount countCrossings(const std::vector<Rect>& boxes, const std::vector<Edge>& edges);

/// The same, for a Layout of a graph with these edges.
inline CrossingCount countCrossings(const Layout& layout, const std::vector<Edge>& edges) {
  return countCrossings(layout.nodeBoxes, edges);
}

}  // namespace td::layout
