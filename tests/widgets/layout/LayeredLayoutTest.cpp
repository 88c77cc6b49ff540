// The one-shot layout (widgets/layout/LayeredLayout.cpp): structure, determinism, every
// generated family at 100 and 1,000 ops.
#include "layout/LayeredLayout.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <vector>

#include "LayoutChecks.h"
#include "layout/gentape/TapeGenerator.h"

namespace td::layout {
namespace {

using gentape::TapeFamily;
using testing::expectGroupsContainExactlyTheirNodes;
using testing::expectNoNodeOverlaps;

Graph diamond() {
  Graph g;
  g.groups = {{"block", -1, false}, {"inner", 0, false}};
  g.nodes = {{"x", NodeKind::Leaf, -1, 40, 20}, {"a", NodeKind::Op, 0, 50, 28}, {"b", NodeKind::Op, 1, 50, 28},
             {"c", NodeKind::Op, 1, 50, 28}, {"y", NodeKind::Op, -1, 50, 28}};
  g.edges = {{0, 1}, {1, 2}, {1, 3}, {2, 4}, {3, 4}, {0, 4}};
  return g;
}

TEST(LayeredLayout, RanksFollowTheEdges) {
  const Graph g = diamond();
  const Layout layout = layoutGraph(g);
  ASSERT_EQ(layout.centres.size(), g.nodes.size());
  for (const Edge& e : g.edges) {
    EXPECT_LT(layout.ranks[static_cast<std::size_t>(e.from)], layout.ranks[static_cast<std::size_t>(e.to)]);
    EXPECT_LT(layout.centres[static_cast<std::size_t>(e.from)].y, layout.centres[static_cast<std::size_t>(e.to)].y);
  }
  expectNoNodeOverlaps(layout);
  expectGroupsContainExactlyTheirNodes(g, layout);
  EXPECT_TRUE(layout.groupBoxes[0].contains(layout.groupBoxes[1]));
}

TEST(LayeredLayout, RoutesRunFromSourceToTargetThroughEachRank) {
  const Graph g = diamond();
  const Layout layout = layoutGraph(g);
  ASSERT_EQ(layout.routes.size(), g.edges.size());
  for (std::size_t i = 0; i < g.edges.size(); ++i) {
    const auto& route = layout.routes[i];
    const int span = layout.ranks[static_cast<std::size_t>(g.edges[i].to)] - layout.ranks[static_cast<std::size_t>(g.edges[i].from)];
    EXPECT_EQ(static_cast<int>(route.size()), span + 1);
    EXPECT_DOUBLE_EQ(route.front().x, layout.centres[static_cast<std::size_t>(g.edges[i].from)].x);
    EXPECT_DOUBLE_EQ(route.back().y, layout.centres[static_cast<std::size_t>(g.edges[i].to)].y);
  }
}

TEST(LayeredLayout, SourcesSitJustAboveTheirReader) {
  const Graph g = gentape::generateTape(TapeFamily::Mlp, 60, 1);
  const Layout layout = layoutGraph(g);
  for (const Edge& e : g.edges) {
    const Node& from = g.nodes[static_cast<std::size_t>(e.from)];
    if (from.kind == NodeKind::Leaf && from.label != "input") {
      EXPECT_EQ(layout.ranks[static_cast<std::size_t>(e.to)] - layout.ranks[static_cast<std::size_t>(e.from)], 1);
    }
  }
}

TEST(LayeredLayout, LeftToRightTransposes) {
  const Graph g = diamond();
  LayoutOptions options;
  options.direction = Direction::LeftToRight;
  const Layout layout = layoutGraph(g, options);
  for (const Edge& e : g.edges)
    EXPECT_LT(layout.centres[static_cast<std::size_t>(e.from)].x, layout.centres[static_cast<std::size_t>(e.to)].x);
  for (std::size_t n = 0; n < g.nodes.size(); ++n) EXPECT_DOUBLE_EQ(layout.nodeBoxes[n].width, g.nodes[n].width);
  expectNoNodeOverlaps(layout);
  expectGroupsContainExactlyTheirNodes(g, layout);
}

TEST(LayeredLayout, RejectsCyclesAndBadIndices) {
  Graph cycle;
  cycle.nodes = {{"a"}, {"b"}};
  cycle.edges = {{0, 1}, {1, 0}};
  EXPECT_THROW(layoutGraph(cycle), std::invalid_argument);
  Graph missing;
  missing.nodes = {{"a"}};
  missing.edges = {{0, 4}};
  EXPECT_THROW(layoutGraph(missing), std::invalid_argument);
  Graph badGroup;
  badGroup.groups = {{"g", 3, false}};
  EXPECT_THROW(layoutGraph(badGroup), std::invalid_argument);
}

TEST(LayeredLayout, EmptyGraphAndSelfLoops) {
  EXPECT_TRUE(layoutGraph(Graph{}).centres.empty());
  Graph loop;
  loop.nodes = {{"a"}};
  loop.edges = {{0, 0}};
  const Layout layout = layoutGraph(loop);
  EXPECT_EQ(layout.routes[0].size(), 2u);
}

TEST(LayeredLayout, UnrolledCallsStackOneBelowTheOther) {
  const Graph g = gentape::generateTape(TapeFamily::Lstm, 100, 1);
  const Layout layout = layoutGraph(g);
  int previous = -1, cells = 0;
  for (std::size_t c = 0; c < g.groups.size(); ++c) {
    if (g.groups[c].name != "cell") continue;
    ++cells;
    if (previous >= 0) {
      EXPECT_GE(layout.groupBoxes[c].y, layout.groupBoxes[static_cast<std::size_t>(previous)].bottom())
          << "call " << c << " beside call " << previous << " instead of below it";
    }
    previous = static_cast<int>(c);
  }
  EXPECT_GT(cells, 3);
}

TEST(LayeredLayout, AWeightEveryStepReadsSitsBesideTheCalls) {
  const Graph g = gentape::generateTape(TapeFamily::Lstm, 100, 1);
  const Layout layout = layoutGraph(g);
  double left = layout.bounds.right(), right = 0.0;
  for (std::size_t c = 0; c < g.groups.size(); ++c)
    if (g.groups[c].name == "cell") {
      left = std::min(left, layout.groupBoxes[c].x);
      right = std::max(right, layout.groupBoxes[c].right());
    }
  std::vector<int> readers(g.nodes.size(), 0);
  for (const Edge& e : g.edges) ++readers[static_cast<std::size_t>(e.from)];
  int fans = 0;
  for (std::size_t n = 0; n < g.nodes.size(); ++n) {
    if (g.nodes[n].kind != NodeKind::Leaf || readers[n] < 3) continue;
    ++fans;
    const Rect& box = layout.nodeBoxes[n];
    EXPECT_TRUE(box.right() <= left || box.x >= right) << g.nodes[n].label << " sits above the calls";
  }
  EXPECT_GT(fans, 3);
}

TEST(LayeredLayout, MoreSmoothingRoundsDoNotWidenTheDrawing) {
  // Each round used to push some boxes a little further sideways, without end.
  const Graph g = gentape::generateTape(TapeFamily::Cnn, 100, 1);
  LayoutOptions few, many;
  many.coordinateIterations = 4 * few.coordinateIterations;
  const Layout a = layoutGraph(g, few), b = layoutGraph(g, many);
  EXPECT_LE(b.bounds.width, 1.1 * a.bounds.width);
  expectNoNodeOverlaps(b);
  expectGroupsContainExactlyTheirNodes(g, b);
}

struct FamilySize {
  TapeFamily family;
  int ops;
};

class OneShotTape : public ::testing::TestWithParam<FamilySize> {};

TEST_P(OneShotTape, LaysOutWithoutOverlapsAndDeterministically) {
  const Graph g = gentape::generateTape(GetParam().family, GetParam().ops, 5);
  const Layout layout = layoutGraph(g);
  ASSERT_EQ(layout.nodeBoxes.size(), g.nodes.size());
  for (const Edge& e : g.edges)
    ASSERT_LT(layout.ranks[static_cast<std::size_t>(e.from)], layout.ranks[static_cast<std::size_t>(e.to)]);
  expectNoNodeOverlaps(layout);
  expectGroupsContainExactlyTheirNodes(g, layout);
  EXPECT_TRUE(testing::sameCoordinates(layout, layoutGraph(g))) << "the same graph must give the same coordinates";
}

INSTANTIATE_TEST_SUITE_P(
    GenTape, OneShotTape,
    ::testing::Values(FamilySize{TapeFamily::Mlp, 100}, FamilySize{TapeFamily::Cnn, 100},
                      FamilySize{TapeFamily::Transformer, 100}, FamilySize{TapeFamily::Lstm, 100},
                      FamilySize{TapeFamily::Mlp, 1000}, FamilySize{TapeFamily::Cnn, 1000},
                      FamilySize{TapeFamily::Transformer, 1000}, FamilySize{TapeFamily::Lstm, 1000}),
    [](const auto& info) { return gentape::familyName(info.param.family) + "_" + std::to_string(info.param.ops); });

}  // namespace
}  // namespace td::layout
