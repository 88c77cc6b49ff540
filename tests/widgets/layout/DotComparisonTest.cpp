// Side by side with Graphviz dot (its default ranking) on small generated tapes: the same
// crossing counter on both layouts, and the drawing's area. (The 1,000-op figures are
// bench rows.)
#include <gtest/gtest.h>

#include <cstdio>
#include <iostream>
#include <sstream>
#include <string>

#include "layout/CrossingCounter.h"
#include "layout/LayeredLayout.h"
#include "layout/gentape/GraphvizDot.h"
#include "layout/gentape/TapeGenerator.h"

namespace td::layout {
namespace {

class AgainstDot : public ::testing::TestWithParam<gentape::TapeFamily> {};

TEST_P(AgainstDot, CrossingsAndAreaStayWithinBudget) {
  const auto dot = gentape::findDot();
  if (!dot) GTEST_SKIP() << "Graphviz dot is not installed (apt install graphviz)";
  const Graph g = gentape::generateTape(GetParam(), 100, 1);
  const LayoutOptions options;
  const std::string path = gentape::writeTemporaryFile(gentape::toDot(g, options), ".dot");
  const gentape::DotDrawing drawing = gentape::parsePlain(gentape::runDotPlain(*dot, path), static_cast<int>(g.nodes.size()));
  std::remove(path.c_str());
  const Layout layout = layoutGraph(g, options);

  const int64_t ours = countCrossings(layout, g.edges).total();
  const int64_t theirs = countCrossings(drawing.boxes, g.edges).total();
  const double area = layout.bounds.width * layout.bounds.height;
  const double dotArea = drawing.bounds.width * drawing.bounds.height;
  std::ostringstream figures;
  figures << "crossings " << ours << " vs dot " << theirs << "; area " << layout.bounds.width << "x"
          << layout.bounds.height << " vs dot " << drawing.bounds.width << "x" << drawing.bounds.height << " ("
          << area / dotArea << "x)";
  std::cout << "[ figures  ] " << gentape::familyName(GetParam()) << ": " << figures.str() << "\n";
  EXPECT_LE(double(ours), 1.25 * double(theirs) + 2.0) << figures.str();
  EXPECT_LE(area, 2.0 * dotArea) << figures.str();
}

INSTANTIATE_TEST_SUITE_P(GenTape, AgainstDot, ::testing::ValuesIn(gentape::allFamilies()),
                         [](const auto& info) { return gentape::familyName(info.param); });

}  // namespace
}  // namespace td::layout
