#pragma once
// The working graph of the one-shot layout: every edge spans one rank (long edges are
// chains of dummy nodes), every group has at least one member in each rank of its span
// (fillers stand in where it has none), and each rank has an order.
#include <cstdint>
#include <vector>

#include "layout/LayoutGraph.h"

namespace td::layout::detail {

enum class VertexType { Real, Dummy, Filler };

/// A source (a parameter, an input) with at least this many readers is a fan: a weight
/// that every unrolled step reads. Its straight edges reach readers stacked far below, so
/// it goes to the outside of its rank and beside the drawing.
inline constexpr int kFanReaders = 3;

struct Vertex {
  VertexType type = VertexType::Real;
  int original = -1;  // the graph's node for Real vertices, else -1
  int group = -1;     // innermost group it belongs to
  int rank = 0;
  double width = 0.0;   // along the rank
  double height = 0.0;  // across ranks
  double order = 0.0;   // initial sort key (tape order)
  bool fan = false;     // a source read by several ops (kFanReaders), drawn beside the rest
  // Dummies: the chain's first and last real vertex and how far along it this one lies.
  int chainFrom = -1;
  int chainTo = -1;
  double chainFraction = 0.0;
};

struct LayeredGraph {
  std::vector<Vertex> vertices;
  std::vector<std::vector<int>> up;    // neighbours one rank above
  std::vector<std::vector<int>> down;  // neighbours one rank below
  std::vector<std::vector<int>> ranks;  // vertices of each rank, in order
  std::vector<int> position;            // index of each vertex in its rank
  // Groups: parent, and the chain of groups from the outermost down to each vertex's own.
  std::vector<int> groupParent;
  std::vector<std::vector<int>> groupPath;  // per vertex
  std::vector<int> groupFirstRank, groupLastRank;  // -1 when a group has no vertex
  // Per deduplicated edge of the input: its end vertices and the dummy chain between.
  struct EdgeChain {
    int from = 0;
    int to = 0;
    std::vector<int> dummies;
  };
  std::vector<EdgeChain> chains;
  std::vector<int> edgeChain;  // per input edge: index into chains, -1 for self loops

  int addVertex(const Vertex& vertex);
  void addLink(int upper, int lower);
  /// Recomputes `position` from `ranks`.
  void updatePositions();
};

/// Ranks the graph (longest path, then sources and fan-out nodes pulled down next to
/// what reads them) and builds the layered graph with dummies and fillers. The long edges
/// leaving one node into one group share a dummy chain (a bus), so a parameter read by
/// every step of an unrolled loop costs one chain, not one per step.
/// Throws std::invalid_argument on a cycle or an index out of range.
LayeredGraph buildLayeredGraph(const Graph& graph, const LayoutOptions& options);

/// Orders each rank: groups stay contiguous and sibling groups keep one left-to-right
/// order in every rank; barycenter sweeps, then transpositions within an operation budget;
/// last, each fan moves to the nearer end of its group in its rank.
void reduceCrossings(LayeredGraph& layered, const LayoutOptions& options);

/// Crossings between consecutive ranks of the layered graph (dummies included).
int64_t countLayerCrossings(const LayeredGraph& layered);

/// x of every vertex (along the ranks): no overlaps, groups separated and padded.
std::vector<double> assignCoordinates(const LayeredGraph& layered, const LayoutOptions& options);

}  // namespace td::layout::detail
