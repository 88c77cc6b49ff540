// gen_tape (widgets/layout/gentape): sizes, determinism, tape order, and the dot bridge.
#include "layout/gentape/TapeGenerator.h"

#include <gtest/gtest.h>

#include <cstdio>
#include <string>

#include "layout/gentape/GraphvizDot.h"

namespace td::layout::gentape {
namespace {

class GeneratedTape : public ::testing::TestWithParam<TapeFamily> {};

TEST_P(GeneratedTape, HasExactlyTheOpsAskedFor) {
  for (int ops : {1, 100, 1000}) EXPECT_EQ(countOps(generateTape(GetParam(), ops, 7)), ops) << ops;
}

TEST_P(GeneratedTape, IsATapeWithScopes) {
  const Graph graph = generateTape(GetParam(), 300, 3);
  std::vector<int> readers(graph.nodes.size(), 0);
  for (const Edge& e : graph.edges) {
    EXPECT_LT(e.from, e.to) << "an edge must point forward in tape order";
    ++readers[static_cast<std::size_t>(e.to)];
  }
  for (std::size_t g = 0; g < graph.groups.size(); ++g) EXPECT_LT(graph.groups[g].parent, static_cast<int>(g));
  for (std::size_t n = 0; n < graph.nodes.size(); ++n) {
    const Node& node = graph.nodes[n];
    EXPECT_EQ(node.kind == NodeKind::Leaf, readers[n] == 0) << "node " << n << " " << node.label;
    EXPECT_GT(node.width, 0.0);
  }
  EXPECT_GT(graph.groups.size(), 3u);
}

TEST_P(GeneratedTape, IsDeterministicAndSeeded) {
  const Graph a = generateTape(GetParam(), 500, 11), b = generateTape(GetParam(), 500, 11);
  ASSERT_EQ(a.nodes.size(), b.nodes.size());
  EXPECT_EQ(a.edges, b.edges);
  for (std::size_t n = 0; n < a.nodes.size(); ++n) EXPECT_EQ(a.nodes[n].label, b.nodes[n].label);
}

TEST_P(GeneratedTape, WritesDotThatGraphvizReads) {
  const auto dot = findDot();
  if (!dot) GTEST_SKIP() << "Graphviz dot is not installed (apt install graphviz)";
  const Graph graph = generateTape(GetParam(), 100, 1);
  const std::string path = writeTemporaryFile(toDot(graph, LayoutOptions{}), ".dot");
  const DotDrawing drawing = parsePlain(runDotPlain(*dot, path), static_cast<int>(graph.nodes.size()));
  std::remove(path.c_str());
  ASSERT_EQ(drawing.boxes.size(), graph.nodes.size());
  EXPECT_GT(drawing.bounds.width, 0.0);
  // Sizes survive the trip through inches.
  EXPECT_NEAR(drawing.boxes[0].width, graph.nodes[0].width, 0.5);
}

INSTANTIATE_TEST_SUITE_P(GenTape, GeneratedTape, ::testing::ValuesIn(allFamilies()),
                         [](const auto& info) { return familyName(info.param); });

TEST(GenTape, NamesRoundTrip) {
  for (TapeFamily family : allFamilies()) EXPECT_EQ(parseFamily(familyName(family)), family);
  EXPECT_FALSE(parseFamily("gan").has_value());
}

TEST(GenTape, TransformerHasRepeatedBlocksAndLstmRepeatedCalls) {
  const Graph transformer = generateTape(TapeFamily::Transformer, 1000, 1);
  const Graph lstm = generateTape(TapeFamily::Lstm, 1000, 1);
  int layers = 0, cells = 0;
  for (const Group& g : transformer.groups) layers += g.parent < 0 && g.name.rfind("layers.", 0) == 0;
  for (const Group& g : lstm.groups) cells += g.name == "cell";
  EXPECT_GE(layers, 10);
  EXPECT_GE(cells, 40);
}

TEST(GraphvizDot, ParsePlainRejectsMissingNodes) {
  EXPECT_THROW(parsePlain("graph 1 2 3\nnode n0 1 1 0.5 0.5 \"\"\nstop\n", 2), std::runtime_error);
  const DotDrawing d = parsePlain("graph 1 2 3\nnode n0 1 1 0.5 0.25 \"\"\nstop\n", 1);
  EXPECT_DOUBLE_EQ(d.boxes[0].width, 36.0);
  EXPECT_DOUBLE_EQ(d.boxes[0].x, 72.0 - 18.0);
  EXPECT_DOUBLE_EQ(d.bounds.height, 216.0);
}

}  // namespace
}  // namespace td::layout::gentape
