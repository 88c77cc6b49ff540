#pragma once
// Checks every layout test applies: no overlapping nodes, group boxes that contain exactly
// their nodes, sibling groups apart.
#include <gtest/gtest.h>

#include <algorithm>
#include <string>
#include <vector>

#include "layout/LayoutGraph.h"

namespace td::layout::testing {

inline bool groupContains(const Graph& graph, int group, int ancestor) {
  for (int g = group; g >= 0; g = graph.groups[static_cast<std::size_t>(g)].parent)
    if (g == ancestor) return true;
  return false;
}

/// No two placed node boxes overlap (skips nodes whose box is empty: not placed yet).
inline void expectNoNodeOverlaps(const Layout& layout) {
  std::vector<std::size_t> order;
  for (std::size_t i = 0; i < layout.nodeBoxes.size(); ++i)
    if (!layout.nodeBoxes[i].empty()) order.push_back(i);
  std::sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) { return layout.nodeBoxes[a].x < layout.nodeBoxes[b].x; });
  int overlaps = 0;
  for (std::size_t i = 0; i < order.size(); ++i)
    for (std::size_t j = i + 1; j < order.size() && layout.nodeBoxes[order[j]].x < layout.nodeBoxes[order[i]].right(); ++j)
      if (layout.nodeBoxes[order[i]].overlaps(layout.nodeBoxes[order[j]]) && ++overlaps <= 5)
        ADD_FAILURE() << "nodes " << order[i] << " and " << order[j] << " overlap";
  EXPECT_EQ(overlaps, 0);
}

/// Every node lies inside the boxes of its groups and inside no other group's box;
/// sibling groups do not overlap.
inline void expectGroupsContainExactlyTheirNodes(const Graph& graph, const Layout& layout) {
  int failures = 0;
  for (std::size_t g = 0; g < graph.groups.size(); ++g) {
    const Rect& box = layout.groupBoxes[g];
    for (std::size_t n = 0; n < graph.nodes.size(); ++n) {
      const Rect& node = layout.nodeBoxes[n];
      if (node.empty()) continue;
      const bool member = groupContains(graph, graph.nodes[n].group, static_cast<int>(g));
      if (member && !box.contains(node) && ++failures <= 5)
        ADD_FAILURE() << "node " << n << " lies outside its group " << g << " (" << graph.groups[g].name << ")";
      if (!member && !box.empty() && box.overlaps(node) && ++failures <= 5)
        ADD_FAILURE() << "node " << n << " lies inside group " << g << " (" << graph.groups[g].name << ") it is not in";
    }
    for (std::size_t h = g + 1; h < graph.groups.size(); ++h) {
      if (graph.groups[h].parent != graph.groups[g].parent) continue;
      if (!box.empty() && !layout.groupBoxes[h].empty() && box.overlaps(layout.groupBoxes[h]) && ++failures <= 5)
        ADD_FAILURE() << "sibling groups " << g << " and " << h << " overlap";
    }
  }
  EXPECT_EQ(failures, 0);
}

inline bool sameCoordinates(const Layout& a, const Layout& b) {
  if (a.nodeBoxes.size() != b.nodeBoxes.size() || a.groupBoxes.size() != b.groupBoxes.size()) return false;
  for (std::size_t i = 0; i < a.nodeBoxes.size(); ++i)
    if (a.nodeBoxes[i].x != b.nodeBoxes[i].x || a.nodeBoxes[i].y != b.nodeBoxes[i].y) return false;
  for (std::size_t i = 0; i < a.groupBoxes.size(); ++i)
    if (a.groupBoxes[i].x != b.groupBoxes[i].x || a.groupBoxes[i].width != b.groupBoxes[i].width) return false;
  return true;
}

}  // namespace td::layout::testing
