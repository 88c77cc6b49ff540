#pragma once
// Collapse and fold: a collapsed group (Group::collapsed) becomes one node carrying the
// group's external edges; a run of consecutive identical sibling groups (the same
// structure: ops, leaves, nested groups, internal and external wiring) can be folded into
// one node marked ×N. The result is an ordinary Graph for either layout.
#include <string>
#include <vector>

#include "LayoutGraph.h"

namespace td::layout {

struct FoldOptions {
  bool foldRepeats = false;  // fold runs of identical sibling groups
  int minRepeats = 2;        // shortest run that is folded
};

struct FoldedGraph {
  Graph graph;                   // what to lay out
  std::vector<int> nodeOf;       // per input node: the node of `graph` that shows it
  std::vector<int> groupOf;      // per input group: its group in `graph`, -1 when it became a node
  std::vector<int> repeats;      // per node of `graph`: N for a node standing for N folded groups, else 1
  std::vector<int> sourceGroup;  // per node of `graph`: the (first) input group it stands for, or -1
};

/// Collapses every collapsed group and, with options.foldRepeats, folds repeated siblings.
/// Edges inside a collapsed or folded node disappear; edges between the same two nodes
/// are kept once. Precondition: `graph` is valid for LayeredLayout.
FoldedGraph foldGroups(const Graph& graph, const FoldOptions& options = {});

/// A group's structure, equal for groups that differ only in names of their own and in
/// which nodes lie outside them (how many external inputs and outputs each member has
/// is part of it).
std::string structureSignature(const Graph& graph, int group);

}  // namespace td::layout
