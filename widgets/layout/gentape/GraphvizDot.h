#pragma once
// The same graph through Graphviz dot, for comparison: write it as dot input (module
// groups as nested clusters, node sizes fixed), run `dot -Tplain`, read the positions.
#include <iosfwd>
#include <optional>
#include <string>
#include <vector>

#include "layout/LayoutGraph.h"

namespace td::layout::gentape {

/// Writes `graph` as a dot digraph: node i is "n<i>" with its size in inches (72 units to
/// the inch), groups are nested clusters, separations come from `options`.
void writeDot(const Graph& graph, const LayoutOptions& options, std::ostream& out);
/// writeDot into a string.
std::string toDot(const Graph& graph, const LayoutOptions& options);

/// Node boxes (in layout units, y growing upwards as dot has it) and the drawing's size.
struct DotDrawing {
  std::vector<Rect> boxes;  // indexed like the graph's nodes
  Rect bounds;
};

/// Reads `dot -Tplain` output for a graph of `nodeCount` nodes written by writeDot.
/// Throws std::runtime_error when a node is missing or a line is malformed.
DotDrawing parsePlain(const std::string& plain, int nodeCount);

/// The dot executable on PATH, or nullopt when Graphviz is not installed.
std::optional<std::string> findDot();

/// Runs `dot -Tplain inputPath` and returns its output (discarded when `keepOutput` is
/// false, for timing). Throws std::runtime_error when dot cannot run or fails.
std::string runDotPlain(const std::string& dotExecutable, const std::string& inputPath, bool keepOutput = true);

/// Writes `text` to a fresh temporary file and returns its path (the caller removes it).
std::string writeTemporaryFile(const std::string& text, const std::string& suffix);

}  // namespace td::layout::gentape
