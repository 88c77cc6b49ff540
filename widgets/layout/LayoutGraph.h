#pragma once
// The plain structs the tape graph layout reads and writes. No engine, no Qt: the graph
// view fills a Graph from tape snapshots and draws from a Layout.
#include <cstddef>
#include <string>
#include <vector>

namespace td::layout {

/// An op of the tape, or a leaf (a parameter or an input tensor).
enum class NodeKind { Op, Leaf };
/// Ranks grow downwards (TopToBottom) or to the right (LeftToRight).
enum class Direction { TopToBottom, LeftToRight };

/// One node. Sizes are in the view's units (points); 0 means "use LayoutOptions' default".
struct Node {
  std::string label;
  NodeKind kind = NodeKind::Op;
  int group = -1;  // innermost group (index into Graph::groups), -1 for none
  double width = 0.0;
  double height = 0.0;
};

/// A tensor flowing from the node that produced it to a node that reads it.
struct Edge {
  int from = 0;
  int to = 0;
  friend bool operator==(const Edge&, const Edge&) = default;
};

/// One call of a module (a scope): nested by `parent`, which must be a smaller index.
struct Group {
  std::string name;
  int parent = -1;
  bool collapsed = false;  // read by collapseGroups(), ignored by the layouts
};

/// A tape-shaped DAG: nodes in tape order, edges between node indices, nested groups.
struct Graph {
  std::vector<Node> nodes;
  std::vector<Edge> edges;
  std::vector<Group> groups;
};

struct Point {
  double x = 0.0;
  double y = 0.0;
};

/// An axis-aligned box: top-left corner and size.
struct Rect {
  double x = 0.0;
  double y = 0.0;
  double width = 0.0;
  double height = 0.0;
  double right() const { return x + width; }
  double bottom() const { return y + height; }
  bool empty() const { return width <= 0.0 || height <= 0.0; }
  /// True when the interiors overlap (touching edges do not count).
  bool overlaps(const Rect& other) const {
    return x < other.right() && other.x < right() && y < other.bottom() && other.y < bottom();
  }
  /// True when `other` lies inside this box (edges may touch).
  bool contains(const Rect& other) const {
    return other.x >= x && other.y >= y && other.right() <= right() && other.bottom() <= bottom();
  }
};

/// Spacing and defaults, in the same units as the node sizes.
struct LayoutOptions {
  Direction direction = Direction::TopToBottom;
  double nodeSeparation = 18.0;  // between neighbours in a rank (dot's nodesep 0.25in)
  double rankSeparation = 36.0;  // between ranks (dot's ranksep 0.5in)
  double groupPadding = 8.0;     // between a group's box and what it contains, per level
  double defaultWidth = 54.0;
  double defaultHeight = 36.0;
  int crossingSweeps = 8;        // down+up barycenter sweeps; each is near-linear
  int coordinateIterations = 30; // smoothing rounds of the coordinate assignment
};

/// Where everything goes. Indices match the Graph that was laid out.
struct Layout {
  std::vector<Point> centres;               // one per node
  std::vector<Rect> nodeBoxes;              // one per node
  std::vector<int> ranks;                   // one per node
  std::vector<Rect> groupBoxes;             // one per group; empty() when it has no nodes
  std::vector<std::vector<Point>> routes;   // one per edge: source centre, bends, target centre
  std::vector<double> rankCoordinates;      // per rank: its centre line (y top-to-bottom, x left-to-right)
  Rect bounds;                              // everything above
};

/// The size a node is drawn with: its own, or the options' default.
inline double nodeWidth(const Node& node, const LayoutOptions& options) {
  return node.width > 0.0 ? node.width : options.defaultWidth;
}
inline double nodeHeight(const Node& node, const LayoutOptions& options) {
  return node.height > 0.0 ? node.height : options.defaultHeight;
}

}  // namespace td::layout
