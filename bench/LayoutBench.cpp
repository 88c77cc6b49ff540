// The tape graph layout (widgets/layout) side by side with Graphviz dot (DESIGN.md §6,
// issue 9), on generated tapes (gen_tape, seed 1), on one thread:
//   layout_1k_vs_dot              one-shot layout of the 1,000-op transformer tape vs
//                                 `dot -Tplain` (a subprocess, its wall time) on the same
//                                 graph                                               <= 0.25
//   crossings_1k_vs_dot           crossings of the one-shot layout vs dot's, worst ratio
//                                 of the four 1,000-op tapes                          <= 1.25
//   area_1k_vs_dot                bounding-box area of the one-shot layout vs dot's,
//                                 worst ratio of the four 1,000-op tapes              <= 2
//   crossings_incremental_vs_dot  crossings after appending the 1,000-op transformer tape
//                                 op by op vs dot's                                   <= 1.5
//   layout_1k                     one-shot layout, 1,000-op transformer (reported)
//   append_op                     one more op (with its parameters) into a 10,000-op
//                                 incremental layout; each of 200 appends is a sample <= 1 ms
//   layout_10k                    one-shot layout, 10,000-op transformer  <= 2 s and <= 15x layout_1k
// Crossings are counted by td::layout::countCrossings on both layouts (straight segments
// between node centres). dot runs with its default ranking (no newrank). Without dot on
// PATH the dot rows are skipped with the reason.
// Run through bench/run.sh (make bench), or: layout_bench --out PATH.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <exception>
#include <iomanip>
#include <iostream>
#include <limits>
#include <optional>
#include <string>
#include <vector>

#include "harness/PairRunner.h"
#include "harness/ResultsWriter.h"
#include "layout/CrossingCounter.h"
#include "layout/IncrementalLayout.h"
#include "layout/LayeredLayout.h"
#include "layout/gentape/GraphvizDot.h"
#include "layout/gentape/TapeGenerator.h"

namespace {

using namespace td::bench;
using namespace td::layout;
using gentape::TapeFamily;

constexpr uint64_t kSeed = 1;
const char* const kDotName = "graphviz dot -Tplain";

/// Our crossings against dot's; 0 against 0 is a tie.
double crossingRatio(int64_t ours, int64_t dots) {
  if (dots == 0) return ours == 0 ? 1.0 : std::numeric_limits<double>::infinity();
  return double(ours) / double(dots);
}

/// A row of counts, not times: the harness's pair row with the unit replaced.
Row& addCountRow(ResultsWriter& writer, const std::string& name, int64_t ours, int64_t dots, double budget,
                 const std::string& referenceName, std::pair<double, double> spread) {
  PairResult result;
  result.medianA = double(ours);
  result.medianB = double(dots);
  result.ratio = crossingRatio(ours, dots);
  result.ratioMin = spread.first;
  result.ratioMax = spread.second;
  result.pairs = 1;
  Row& row = writer.addPair(name, result, budget, referenceName);
  row.unit = "crossings";
  return row;
}

struct DotRun {
  std::string path;  // the dot input, written once
  gentape::DotDrawing drawing;
};

DotRun runDot(const std::string& dot, const Graph& graph) {
  DotRun run;
  run.path = gentape::writeTemporaryFile(gentape::toDot(graph, LayoutOptions{}), ".dot");
  run.drawing = gentape::parsePlain(gentape::runDotPlain(dot, run.path), static_cast<int>(graph.nodes.size()));
  return run;
}

/// The tape appended op by op: every node in order, with its inputs.
void appendAll(IncrementalLayout& incremental, const Graph& graph, std::size_t nodeCount) {
  std::vector<std::vector<int>> inputs(graph.nodes.size());
  for (const Edge& e : graph.edges) inputs[static_cast<std::size_t>(e.to)].push_back(e.from);
  for (const Group& group : graph.groups) incremental.addGroup(group);
  for (std::size_t n = 0; n < nodeCount; ++n) incremental.append(graph.nodes[n], inputs[n]);
}

}  // namespace

int main(int argc, char** argv) {
  ResultsWriter::checkSingleThreaded();
  PairOptions options = pairOptionsFromEnvironment();
  options.unit = Unit::Milliseconds;
  const PairRunner runner(options);
  ResultsWriter writer("layout_bench");
  int status = 0;
  const std::optional<std::string> dot = gentape::findDot();
  const std::string noDot = "Graphviz dot is not on PATH (apt install graphviz)";

  const Graph transformer1k = gentape::generateTape(TapeFamily::Transformer, 1000, kSeed);
  std::optional<DotRun> transformerDot;

  try {
    if (!dot) throw std::runtime_error(noDot);
    transformerDot = runDot(*dot, transformer1k);
    const PairResult result = runner.run(
        [&] {
          const Layout layout = layoutGraph(transformer1k);
          doNotOptimize(layout.bounds.width);
        },
        [&] { gentape::runDotPlain(*dot, transformerDot->path, false); });
    writer.addPair("layout_1k_vs_dot", result, 0.25, kDotName);
  } catch (const std::exception& error) {
    std::cerr << "layout_1k_vs_dot: " << error.what() << "\n";
    writer.addSkipped("layout_1k_vs_dot", dot ? std::string("failed: ") + error.what() : noDot, "ms");
    status = dot ? 1 : status;
  }

  try {
    if (!dot) throw std::runtime_error(noDot);
    std::string worstFamily, worstAreaFamily;
    int64_t worstOurs = 0, worstDots = 0;
    double worst = -1.0, best = std::numeric_limits<double>::infinity();
    double worstArea = -1.0, bestArea = std::numeric_limits<double>::infinity(), worstOurArea = 0.0, worstDotArea = 0.0;
    for (TapeFamily family : gentape::allFamilies()) {
      const Graph graph = gentape::generateTape(family, 1000, kSeed);
      const DotRun run = family == TapeFamily::Transformer && transformerDot ? *transformerDot : runDot(*dot, graph);
      const Layout layout = layoutGraph(graph);
      const int64_t ours = countCrossings(layout, graph.edges).total();
      const int64_t dots = countCrossings(run.drawing.boxes, graph.edges).total();
      const double ratio = crossingRatio(ours, dots);
      const double area = layout.bounds.width * layout.bounds.height;
      const double dotArea = run.drawing.bounds.width * run.drawing.bounds.height;
      std::cout << "  " << std::left << std::setw(12) << gentape::familyName(family) << " crossings " << ours << " vs dot "
                << dots << " (" << std::setprecision(3) << ratio << "), area " << layout.bounds.width << " x "
                << layout.bounds.height << " vs dot " << run.drawing.bounds.width << " x " << run.drawing.bounds.height
                << " (" << area / dotArea << ")\n";
      if (family != TapeFamily::Transformer) std::remove(run.path.c_str());
      bestArea = std::min(bestArea, area / dotArea);
      if (area / dotArea > worstArea) {
        worstArea = area / dotArea;
        worstAreaFamily = gentape::familyName(family);
        worstOurArea = area;
        worstDotArea = dotArea;
      }
      best = std::min(best, ratio);
      if (ratio > worst) {
        worst = ratio;
        worstFamily = gentape::familyName(family);
        worstOurs = ours;
        worstDots = dots;
      }
    }
    addCountRow(writer, "crossings_1k_vs_dot", worstOurs, worstDots, 1.25, std::string("dot, worst: ") + worstFamily,
                {best, worst});
    PairResult areas;
    areas.medianA = worstOurArea;
    areas.medianB = worstDotArea;
    areas.ratio = worstArea;
    areas.ratioMin = bestArea;
    areas.ratioMax = worstArea;
    areas.pairs = 1;
    writer.addPair("area_1k_vs_dot", areas, 2.0, std::string("dot, worst: ") + worstAreaFamily).unit = "pt^2";
  } catch (const std::exception& error) {
    std::cerr << "crossings_1k_vs_dot: " << error.what() << "\n";
    writer.addSkipped("crossings_1k_vs_dot", dot ? std::string("failed: ") + error.what() : noDot, "crossings");
    writer.addSkipped("area_1k_vs_dot", dot ? std::string("failed: ") + error.what() : noDot, "pt^2");
    status = dot ? 1 : status;
  }

  try {
    if (!dot || !transformerDot) throw std::runtime_error(noDot);
    IncrementalLayout incremental;
    appendAll(incremental, transformer1k, transformer1k.nodes.size());
    const int64_t ours = countCrossings(incremental.layout(), transformer1k.edges).total();
    const int64_t dots = countCrossings(transformerDot->drawing.boxes, transformer1k.edges).total();
    const double ratio = crossingRatio(ours, dots);
    std::cout << "  incremental transformer: crossings " << ours << " vs dot " << dots << ", group conflicts "
              << incremental.groupConflicts() << ", area " << incremental.layout().bounds.width << " x "
              << incremental.layout().bounds.height << "\n";
    addCountRow(writer, "crossings_incremental_vs_dot", ours, dots, 1.5, "dot", {ratio, ratio});
  } catch (const std::exception& error) {
    std::cerr << "crossings_incremental_vs_dot: " << error.what() << "\n";
    writer.addSkipped("crossings_incremental_vs_dot", dot ? std::string("failed: ") + error.what() : noDot, "crossings");
    status = dot ? 1 : status;
  }
  if (transformerDot) std::remove(transformerDot->path.c_str());

  // Ceilings: median and max over the samples, reference null.
  PairOptions secondsOptions = options;
  secondsOptions.unit = Unit::Seconds;
  const PairRunner secondsRunner(secondsOptions);
  std::optional<double> layout1k;
  try {
    const SingleResult result = secondsRunner.runSingle([&] {
      const Layout layout = layoutGraph(transformer1k);
      doNotOptimize(layout.bounds.width);
    });
    layout1k = result.median;
    writer.addCeiling("layout_1k", result, std::nullopt);
  } catch (const std::exception& error) {
    std::cerr << "layout_1k: " << error.what() << "\n";
    writer.addSkipped("layout_1k", std::string("failed: ") + error.what(), "s");
    status = 1;
  }

  try {
    // 10,000 ops placed untimed, then each of the next 200 ops (with the parameters it
    // reads, appended just before it) is one sample.
    constexpr int kBase = 10000, kSamples = 200;
    const Graph tape = gentape::generateTape(TapeFamily::Transformer, kBase + kSamples, kSeed);
    std::size_t baseNodes = 0;
    for (int ops = 0; baseNodes < tape.nodes.size(); ++baseNodes) {
      if (tape.nodes[baseNodes].kind == NodeKind::Op && ++ops > kBase) break;
    }
    while (baseNodes > 0 && tape.nodes[baseNodes - 1].kind == NodeKind::Leaf) --baseNodes;
    IncrementalLayout incremental;
    appendAll(incremental, tape, baseNodes);
    std::vector<std::vector<int>> inputs(tape.nodes.size());
    for (const Edge& e : tape.edges) inputs[static_cast<std::size_t>(e.to)].push_back(e.from);
    std::vector<double> samples;
    auto start = std::chrono::steady_clock::now();
    for (std::size_t n = baseNodes; n < tape.nodes.size(); ++n) {
      incremental.append(tape.nodes[n], inputs[n]);
      if (tape.nodes[n].kind != NodeKind::Op) continue;
      const auto now = std::chrono::steady_clock::now();
      samples.push_back(std::chrono::duration<double, std::milli>(now - start).count());
      start = now;
    }
    std::sort(samples.begin(), samples.end());
    SingleResult result;
    result.unit = Unit::Milliseconds;
    result.samples = static_cast<int>(samples.size());
    result.repetitions = 1;
    result.median = samples[samples.size() / 2];
    result.min = samples.front();
    result.max = samples.back();
    writer.addCeiling("append_op", result, 1.0);
  } catch (const std::exception& error) {
    std::cerr << "append_op: " << error.what() << "\n";
    writer.addSkipped("append_op", std::string("failed: ") + error.what(), "ms");
    status = 1;
  }

  try {
    const Graph transformer10k = gentape::generateTape(TapeFamily::Transformer, 10000, kSeed);
    const SingleResult result = secondsRunner.runSingle([&] {
      const Layout layout = layoutGraph(transformer10k);
      doNotOptimize(layout.bounds.width);
    });
    writer.addCeiling("layout_10k", result, 2.0);
    if (layout1k)
      std::cout << "  layout_10k / layout_1k = " << std::setprecision(3) << result.median / *layout1k
                << " (budget <= 15)\n";
  } catch (const std::exception& error) {
    std::cerr << "layout_10k: " << error.what() << "\n";
    writer.addSkipped("layout_10k", std::string("failed: ") + error.what(), "s");
    status = 1;
  }

  writer.printTable(std::cout);
  writer.write(resultsPath(argc, argv));
  return status;
}
