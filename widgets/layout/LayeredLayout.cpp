#include "LayeredLayout.h"

#include <algorithm>
#include <limits>
#include <utility>

#include "detail/LayeredGraph.h"

namespace td::layout {

namespace {

using detail::LayeredGraph;
using detail::VertexType;

// Per rank, the longest chain of nested groups that ends (closing) or starts (opening)
// there: the gap between two ranks leaves room for that many paddings.
void nestingChains(const LayeredGraph& layered, std::vector<int>& closing, std::vector<int>& opening) {
  const std::size_t groups = layered.groupParent.size();
  std::vector<int> endChain(groups, 1), startChain(groups, 1);
  closing.assign(layered.ranks.size(), 0);
  opening.assign(layered.ranks.size(), 0);
  for (std::size_t g = groups; g-- > 0;) {
    const int first = layered.groupFirstRank[g], last = layered.groupLastRank[g];
    if (first < 0) continue;
    closing[static_cast<std::size_t>(last)] = std::max(closing[static_cast<std::size_t>(last)], endChain[g]);
    opening[static_cast<std::size_t>(first)] = std::max(opening[static_cast<std::size_t>(first)], startChain[g]);
    const int parent = layered.groupParent[g];
    if (parent < 0) continue;
    const auto p = static_cast<std::size_t>(parent);
    if (layered.groupLastRank[p] == last) endChain[p] = std::max(endChain[p], endChain[g] + 1);
    if (layered.groupFirstRank[p] == first) startChain[p] = std::max(startChain[p], startChain[g] + 1);
  }
}

struct Extent {
  double left = std::numeric_limits<double>::infinity();
  double top = std::numeric_limits<double>::infinity();
  double right = -std::numeric_limits<double>::infinity();
  double bottom = -std::numeric_limits<double>::infinity();
  void add(double l, double t, double r, double b) {
    left = std::min(left, l);
    top = std::min(top, t);
    right = std::max(right, r);
    bottom = std::max(bottom, b);
  }
  bool empty() const { return left > right; }
};

Rect transposed(const Rect& r) { return Rect{r.y, r.x, r.height, r.width}; }

}  // namespace

Layout LayeredLayout::run(const Graph& graph) const {
  LayeredGraph layered = detail::buildLayeredGraph(graph, m_options);
  detail::reduceCrossings(layered, m_options);
  const std::vector<double> x = detail::assignCoordinates(layered, m_options);

  // Rank positions across: tallest node of each rank, plus room for group padding.
  const double pad = m_options.groupPadding;
  std::vector<int> closing, opening;
  nestingChains(layered, closing, opening);
  const std::size_t rankCount = layered.ranks.size();
  std::vector<double> half(rankCount, 0.0), y(rankCount, 0.0);
  for (const auto& v : layered.vertices) half[static_cast<std::size_t>(v.rank)] = std::max(half[static_cast<std::size_t>(v.rank)], v.height / 2);
  for (std::size_t r = 0; r < rankCount; ++r) {
    y[r] = r == 0 ? half[0] + pad * opening[0]
                  : y[r - 1] + half[r - 1] + half[r] + m_options.rankSeparation + pad * (closing[r - 1] + opening[r]);
  }

  // Everything in top-to-bottom coordinates first; left-to-right transposes at the end.
  Layout layout;
  const std::size_t nodeCount = graph.nodes.size();
  layout.centres.resize(nodeCount);
  layout.nodeBoxes.resize(nodeCount);
  layout.ranks.resize(nodeCount);
  std::vector<Extent> extents(layered.groupParent.size());
  for (std::size_t i = 0; i < layered.vertices.size(); ++i) {
    const auto& v = layered.vertices[i];
    if (v.type == VertexType::Filler) continue;
    const double cx = x[i], cy = y[static_cast<std::size_t>(v.rank)];
    const Rect box{cx - v.width / 2, cy - v.height / 2, v.width, v.height};
    if (v.group >= 0) extents[static_cast<std::size_t>(v.group)].add(box.x, box.y, box.right(), box.bottom());
    if (v.type != VertexType::Real) continue;
    const auto n = static_cast<std::size_t>(v.original);
    layout.centres[n] = Point{cx, cy};
    layout.nodeBoxes[n] = box;
    layout.ranks[n] = v.rank;
  }
  layout.groupBoxes.assign(layered.groupParent.size(), Rect{});
  for (std::size_t g = extents.size(); g-- > 0;) {
    Extent& e = extents[g];
    if (e.empty()) continue;
    e = Extent{e.left - pad, e.top - pad, e.right + pad, e.bottom + pad};
    layout.groupBoxes[g] = Rect{e.left, e.top, e.right - e.left, e.bottom - e.top};
    const int parent = layered.groupParent[g];
    if (parent >= 0) extents[static_cast<std::size_t>(parent)].add(e.left, e.top, e.right, e.bottom);
  }
  layout.routes.resize(graph.edges.size());
  for (std::size_t i = 0; i < graph.edges.size(); ++i) {
    auto& route = layout.routes[i];
    const int chain = layered.edgeChain[i];
    route.push_back(layout.centres[static_cast<std::size_t>(graph.edges[i].from)]);
    if (chain >= 0)
      for (int d : layered.chains[static_cast<std::size_t>(chain)].dummies)
        route.push_back(Point{x[static_cast<std::size_t>(d)], y[static_cast<std::size_t>(layered.vertices[static_cast<std::size_t>(d)].rank)]});
    route.push_back(layout.centres[static_cast<std::size_t>(graph.edges[i].to)]);
  }

  // Bounds, then move the drawing to start at (0, 0).
  Extent all;
  for (const Rect& r : layout.nodeBoxes) all.add(r.x, r.y, r.right(), r.bottom());
  for (const Rect& r : layout.groupBoxes)
    if (!r.empty()) all.add(r.x, r.y, r.right(), r.bottom());
  if (all.empty()) all = Extent{0, 0, 0, 0};
  const double dx = -all.left, dy = -all.top;
  const bool leftToRight = m_options.direction == Direction::LeftToRight;
  auto place = [&](Point& p) {
    p = Point{p.x + dx, p.y + dy};
    if (leftToRight) std::swap(p.x, p.y);
  };
  auto placeRect = [&](Rect& r) {
    if (r.empty()) return;
    r.x += dx;
    r.y += dy;
    if (leftToRight) r = transposed(r);
  };
  for (Point& p : layout.centres) place(p);
  for (Rect& r : layout.nodeBoxes) placeRect(r);
  for (Rect& r : layout.groupBoxes) placeRect(r);
  for (auto& route : layout.routes)
    for (Point& p : route) place(p);
  layout.rankCoordinates.resize(rankCount);
  for (std::size_t r = 0; r < rankCount; ++r) layout.rankCoordinates[r] = y[r] + dy;
  layout.bounds = Rect{0.0, 0.0, all.right - all.left, all.bottom - all.top};
  if (leftToRight) layout.bounds = transposed(layout.bounds);
  return layout;
}

}  // namespace td::layout
