// The incremental layout (widgets/layout/IncrementalLayout.cpp): placed nodes never move.
#include "layout/IncrementalLayout.h"

#include <gtest/gtest.h>

#include "LayoutChecks.h"
#include "layout/LayeredLayout.h"
#include "layout/gentape/TapeGenerator.h"

namespace td::layout {
namespace {

using gentape::TapeFamily;

// Appends a generated tape op by op; checks after every append that no placed node moved.
void appendAll(IncrementalLayout& incremental, const Graph& g, bool checkStability) {
  for (const Group& group : g.groups) incremental.addGroup(group);
  std::vector<std::vector<int>> inputs(g.nodes.size());
  for (const Edge& e : g.edges) inputs[static_cast<std::size_t>(e.to)].push_back(e.from);
  std::vector<Rect> before;
  int moved = 0;
  for (std::size_t n = 0; n < g.nodes.size(); ++n) {
    if (checkStability) before = incremental.layout().nodeBoxes;
    incremental.append(g.nodes[n], inputs[n]);
    if (!checkStability) continue;
    for (std::size_t i = 0; i < before.size(); ++i) {
      if (before[i].empty()) continue;
      const Rect& now = incremental.layout().nodeBoxes[i];
      if ((now.x != before[i].x || now.y != before[i].y) && ++moved <= 5)
        ADD_FAILURE() << "node " << i << " moved when node " << n << " was appended";
    }
  }
  EXPECT_EQ(moved, 0);
}

TEST(IncrementalLayout, LeavesWaitForTheirReaderAndSitAboveIt) {
  IncrementalLayout incremental;
  const int group = incremental.addGroup({"fc", -1, false});
  const int x = incremental.append({"x", NodeKind::Leaf}, {});
  EXPECT_FALSE(incremental.isPlaced(x));
  const int w = incremental.append({"weight", NodeKind::Leaf, group}, {});
  const int y = incremental.append({"matmul", NodeKind::Op, group}, {x, w});
  EXPECT_TRUE(incremental.isPlaced(x) && incremental.isPlaced(w) && incremental.isPlaced(y));
  const Layout& layout = incremental.layout();
  EXPECT_EQ(layout.ranks[static_cast<std::size_t>(y)] - layout.ranks[static_cast<std::size_t>(w)], 1);
  EXPECT_LT(layout.centres[static_cast<std::size_t>(x)].y, layout.centres[static_cast<std::size_t>(y)].y);
  ASSERT_EQ(layout.routes.size(), 2u);
  EXPECT_EQ(layout.routes[0].size(), 2u);
  testing::expectNoNodeOverlaps(layout);
  testing::expectGroupsContainExactlyTheirNodes(incremental.graph(), layout);
}

TEST(IncrementalLayout, PlacePendingPlacesLeavesWithoutReaders) {
  IncrementalLayout incremental;
  const int a = incremental.append({"a", NodeKind::Leaf}, {});
  const int b = incremental.append({"b", NodeKind::Leaf}, {});
  incremental.placePending();
  EXPECT_TRUE(incremental.isPlaced(a) && incremental.isPlaced(b));
  testing::expectNoNodeOverlaps(incremental.layout());
}

TEST(IncrementalLayout, RejectsUnknownInputsAndGroups) {
  IncrementalLayout incremental;
  EXPECT_THROW(incremental.append({"a"}, {0}), std::invalid_argument);
  EXPECT_THROW(incremental.append({"a", NodeKind::Op, 2}, {}), std::invalid_argument);
  EXPECT_THROW(incremental.addGroup({"g", 5, false}), std::invalid_argument);
}

class IncrementalTape : public ::testing::TestWithParam<TapeFamily> {};

TEST_P(IncrementalTape, AppendingNeverMovesPlacedNodes) {
  const Graph g = gentape::generateTape(GetParam(), 300, 2);
  IncrementalLayout incremental;
  appendAll(incremental, g, true);
  incremental.placePending();
  testing::expectNoNodeOverlaps(incremental.layout());
  if (incremental.groupConflicts() == 0) testing::expectGroupsContainExactlyTheirNodes(g, incremental.layout());
}

TEST_P(IncrementalTape, CompactIsTheOneShotLayoutAndAppendingContinuesFromIt) {
  const Graph g = gentape::generateTape(GetParam(), 400, 4);
  const std::size_t half = g.nodes.size() / 2;
  Graph first = g;
  first.nodes.resize(half);
  std::erase_if(first.edges, [&](const Edge& e) { return static_cast<std::size_t>(e.to) >= half; });

  IncrementalLayout incremental;
  appendAll(incremental, first, false);
  incremental.compact();
  EXPECT_TRUE(testing::sameCoordinates(incremental.layout(), layoutGraph(first)));
  for (std::size_t n = 0; n < half; ++n) EXPECT_TRUE(incremental.isPlaced(static_cast<int>(n)));

  const std::vector<Rect> compacted = incremental.layout().nodeBoxes;
  std::vector<std::vector<int>> inputs(g.nodes.size());
  for (const Edge& e : g.edges) inputs[static_cast<std::size_t>(e.to)].push_back(e.from);
  for (std::size_t n = half; n < g.nodes.size(); ++n) incremental.append(g.nodes[n], inputs[n]);
  for (std::size_t n = 0; n < half; ++n) {
    EXPECT_EQ(incremental.layout().nodeBoxes[n].x, compacted[n].x);
    EXPECT_EQ(incremental.layout().nodeBoxes[n].y, compacted[n].y);
  }
  testing::expectNoNodeOverlaps(incremental.layout());
}

TEST_P(IncrementalTape, IsDeterministic) {
  const Graph g = gentape::generateTape(GetParam(), 1000, 9);
  IncrementalLayout a, b;
  appendAll(a, g, false);
  appendAll(b, g, false);
  EXPECT_TRUE(testing::sameCoordinates(a.layout(), b.layout()));
}

INSTANTIATE_TEST_SUITE_P(GenTape, IncrementalTape, ::testing::ValuesIn(gentape::allFamilies()),
                         [](const auto& info) { return gentape::familyName(info.param); });

TEST(IncrementalLayout, TransformerKeepsGroupsApart) {
  const Graph g = gentape::generateTape(TapeFamily::Transformer, 1000, 1);
  IncrementalLayout incremental;
  appendAll(incremental, g, false);
  EXPECT_EQ(incremental.groupConflicts(), 0);
  testing::expectNoNodeOverlaps(incremental.layout());
  testing::expectGroupsContainExactlyTheirNodes(g, incremental.layout());
}

}  // namespace
}  // namespace td::layout
