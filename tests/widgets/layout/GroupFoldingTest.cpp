// Collapse and fold (widgets/layout/GroupFolding.cpp).
#include "layout/GroupFolding.h"

#include <gtest/gtest.h>

#include <algorithm>

#include "LayoutChecks.h"
#include "layout/LayeredLayout.h"
#include "layout/gentape/TapeGenerator.h"

namespace td::layout {
namespace {

// in -> [block: a -> b] -> out, plus a leaf inside the block and an edge in -> out.
Graph blockGraph() {
  Graph g;
  g.groups = {{"block", -1, false}};
  g.nodes = {{"in", NodeKind::Leaf}, {"w", NodeKind::Leaf, 0}, {"a", NodeKind::Op, 0}, {"b", NodeKind::Op, 0},
             {"out", NodeKind::Op}};
  g.edges = {{0, 2}, {1, 2}, {2, 3}, {3, 4}, {0, 4}, {0, 3}};
  return g;
}

bool hasEdge(const Graph& g, int from, int to) {
  return std::find(g.edges.begin(), g.edges.end(), Edge{from, to}) != g.edges.end();
}

TEST(GroupFolding, NothingCollapsedKeepsTheGraph) {
  const Graph g = blockGraph();
  const FoldedGraph folded = foldGroups(g);
  EXPECT_EQ(folded.graph.nodes.size(), g.nodes.size());
  EXPECT_EQ(folded.graph.edges, g.edges);
  EXPECT_EQ(folded.groupOf[0], 0);
}

TEST(GroupFolding, ACollapsedGroupIsOneNodeWithItsExternalEdges) {
  Graph g = blockGraph();
  g.groups[0].collapsed = true;
  const FoldedGraph folded = foldGroups(g);
  ASSERT_EQ(folded.graph.nodes.size(), 3u);  // in, block, out
  const int block = folded.nodeOf[2];
  EXPECT_EQ(folded.nodeOf[1], block);
  EXPECT_EQ(folded.nodeOf[3], block);
  EXPECT_EQ(folded.graph.nodes[static_cast<std::size_t>(block)].label, "block");
  EXPECT_EQ(folded.sourceGroup[static_cast<std::size_t>(block)], 0);
  EXPECT_EQ(folded.groupOf[0], -1);
  // in -> a and in -> b become one edge in -> block; a -> b disappears.
  EXPECT_EQ(folded.graph.edges.size(), 3u);
  EXPECT_TRUE(hasEdge(folded.graph, folded.nodeOf[0], block));
  EXPECT_TRUE(hasEdge(folded.graph, block, folded.nodeOf[4]));
  EXPECT_TRUE(hasEdge(folded.graph, folded.nodeOf[0], folded.nodeOf[4]));
  const Layout layout = layoutGraph(folded.graph);
  testing::expectNoNodeOverlaps(layout);
}

TEST(GroupFolding, CollapsingAParentHidesItsChildren) {
  const Graph g = gentape::generateTape(gentape::TapeFamily::Transformer, 200, 1);
  Graph collapsed = g;
  int layer = -1;
  for (std::size_t i = 0; i < g.groups.size(); ++i)
    if (g.groups[i].name == "layers.0") layer = static_cast<int>(i);
  ASSERT_GE(layer, 0);
  collapsed.groups[static_cast<std::size_t>(layer)].collapsed = true;
  const FoldedGraph folded = foldGroups(collapsed);
  for (std::size_t n = 0; n < g.nodes.size(); ++n) {
    const bool inside = testing::groupContains(g, g.nodes[n].group, layer);
    EXPECT_EQ(folded.sourceGroup[static_cast<std::size_t>(folded.nodeOf[n])] == layer, inside);
  }
  // Every edge between a member and a non-member survives, mapped onto the block node.
  for (const Edge& e : g.edges) {
    const int from = folded.nodeOf[static_cast<std::size_t>(e.from)], to = folded.nodeOf[static_cast<std::size_t>(e.to)];
    if (from != to) {
      EXPECT_TRUE(hasEdge(folded.graph, from, to));
    }
  }
  const Layout layout = layoutGraph(folded.graph);
  testing::expectGroupsContainExactlyTheirNodes(folded.graph, layout);
}

TEST(GroupFolding, RepeatedLstmCallsFoldIntoOneNode) {
  const Graph g = gentape::generateTape(gentape::TapeFamily::Lstm, 400, 1);
  int cells = 0;
  for (const Group& group : g.groups) cells += group.name == "cell";
  const FoldedGraph folded = foldGroups(g, FoldOptions{true, 2});
  // The first call (no previous state), the last (cut short) and the one before it (whose
  // outputs the cut call reads only partly) differ from the rest.
  int folds = 0, repeats = 0;
  for (std::size_t n = 0; n < folded.graph.nodes.size(); ++n) {
    if (folded.repeats[n] < 2) continue;
    ++folds;
    repeats += folded.repeats[n];
    EXPECT_NE(folded.graph.nodes[n].label.find("cell \u00d7"), std::string::npos) << folded.graph.nodes[n].label;
  }
  EXPECT_EQ(folds, 1);
  EXPECT_GE(repeats, cells - 3);  // also the last complete call: the cut one reads fewer of its outputs
  // The folded node reads the shared weights and feeds what follows the run.
  const int fold = static_cast<int>(std::find_if(folded.repeats.begin(), folded.repeats.end(), [](int r) { return r > 1; }) -
                                    folded.repeats.begin());
  int weightInputs = 0, outputs = 0;
  for (const Edge& e : folded.graph.edges) {
    if (e.to == fold && folded.graph.nodes[static_cast<std::size_t>(e.from)].label.rfind("weight_", 0) == 0) ++weightInputs;
    if (e.from == fold) ++outputs;
  }
  EXPECT_EQ(weightInputs, 2);  // weight_ih and weight_hh, once each
  EXPECT_GE(outputs, 1);
  const Layout layout = layoutGraph(folded.graph);
  testing::expectNoNodeOverlaps(layout);
  testing::expectGroupsContainExactlyTheirNodes(folded.graph, layout);
}

TEST(GroupFolding, IdenticalTransformerLayersFold) {
  const Graph g = gentape::generateTape(gentape::TapeFamily::Transformer, 1000, 1);
  const FoldedGraph folded = foldGroups(g, FoldOptions{true, 2});
  int most = 0;
  for (int r : folded.repeats) most = std::max(most, r);
  EXPECT_GE(most, 10);
  EXPECT_LT(folded.graph.nodes.size(), g.nodes.size() / 5);
  EXPECT_EQ(structureSignature(g, 1) == structureSignature(g, 0), false);
}

}  // namespace
}  // namespace td::layout
