#pragma once
// The layout of a tape that grows op by op: each appended node is placed one rank below
// its inputs, in the free slot nearest to them that keeps group boxes apart, and nodes
// already placed never move. compact() re-lays out everything with LayeredLayout (the
// view animates the change) and appending continues from there.
#include <optional>
#include <vector>

#include "LayoutGraph.h"

namespace td::layout {

class IncrementalLayout {
 public:
  explicit IncrementalLayout(LayoutOptions options = {});

  /// Adds a group (one module call); `group.parent` is -1 or an existing group.
  int addGroup(const Group& group);
  /// Appends a node reading `inputs` (existing nodes) and returns its index. A node with
  /// no inputs (a parameter, an input) waits: it is placed one rank above its first
  /// reader, when that is appended, or by placePending().
  int append(const Node& node, const std::vector<int>& inputs);
  /// Places the nodes still waiting for a reader, each in the top rank.
  void placePending();
  /// Re-lays out the whole graph one-shot; later appends never move the result.
  void compact();

  /// Whether `node` has a position yet.
  bool isPlaced(int node) const { return m_placed[static_cast<std::size_t>(node)] != 0; }
  /// Placements that found no slot keeping group boxes apart (placed anyway, at the right).
  int groupConflicts() const { return m_conflicts; }
  const Graph& graph() const { return m_graph; }
  /// Positions of placed nodes (unplaced ones have empty boxes), group boxes, straight
  /// routes; indices match graph().
  const Layout& layout() const { return m_layout; }
  const LayoutOptions& options() const { return m_options; }

 private:
  struct Slot {
    double left;
    double right;
  };
  // A candidate slot that fails, and the nearest positions on either side that would
  // clear what it hit.
  struct Conflict {
    bool found = false;
    double rightX = 0.0;
    double leftX = 0.0;
  };

  void ensureRank(int rank);
  std::optional<double> findSlot(int node, int rank, double desiredX) const;
  int placeNode(int node, int rank, double desiredX, bool mayGoLower);
  double freeX(int rank, double x, double width, bool rightwards) const;
  Conflict check(int node, const Rect& box) const;
  Conflict edgesClear(int node, int rank, double x) const;
  template <typename Visit>
  void forEachPassPoint(int node, int rank, double x, Visit visit) const;
  void reservePassPoints(int node);
  bool inside(int group, int ancestor) const;
  const std::vector<int>& siblingsOf(int group) const;
  void commit(int node, int rank, const Rect& box);
  void publishNode(int node);
  void publishGroup(int group);
  void publishEdges(int node);
  Rect toOutput(const Rect& frame) const;

  LayoutOptions m_options;
  Graph m_graph;
  Layout m_layout;
  std::vector<char> m_placed;
  std::vector<int> m_pending;
  std::vector<std::vector<int>> m_incident;      // per node: its edges
  std::vector<Rect> m_boxes;                     // per node, top-to-bottom frame
  std::vector<Rect> m_groupBoxes;                // per group, top-to-bottom frame
  std::vector<std::vector<int>> m_childGroups;   // per group; m_topGroups for the top level
  std::vector<int> m_topGroups;
  std::vector<double> m_rankY;                   // centre of each rank across
  std::vector<std::vector<Slot>> m_rows;         // per rank: occupied slots, sorted
  std::vector<std::vector<int>> m_rowNodes;      // per rank: the node in each slot, -1 where an edge passes
  double m_tallest = 0.0;
  double m_home = 0.0;  // centre of the first node placed
  bool m_hasHome = false;
  int m_conflicts = 0;
};

}  // namespace td::layout
