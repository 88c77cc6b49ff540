// assignCoordinates: positions along the ranks as a system of separation constraints
// x[b] >= x[a] + c (neighbours in a rank, group borders, padding), solved around
// preferred positions that are pulled towards each vertex's neighbours a few times.
#include <algorithm>
#include <cmath>
#include <limits>
#include <stdexcept>
#include <utility>
#include <vector>

#include "LayeredGraph.h"

namespace td::layout::detail {

namespace {

constexpr int kFreeRounds = 2;  // smoothing rounds before each vertex is held to its slack
// How far beside the drawing a fan sits, in default node widths: far enough that its
// edges clear the calls above their readers, near enough not to widen the drawing much
// (measured on the generated LSTM tapes against Graphviz dot).
constexpr double kFanOffset = 5.5;
constexpr double kFanOffsetPerReader = 0.1;

// Variables: one per vertex, then a left and a right border per group.
class ConstraintSystem {
 public:
  ConstraintSystem(std::size_t vertices, std::size_t groups)
      : m_vertices(vertices), m_out(vertices + 2 * groups), m_indegree(vertices + 2 * groups, 0) {}

  int left(int group) const { return static_cast<int>(m_vertices) + 2 * group; }
  int right(int group) const { return static_cast<int>(m_vertices) + 2 * group + 1; }

  /// x[to] >= x[from] + gap.
  void add(int from, int to, double gap) {
    m_out[static_cast<std::size_t>(from)].emplace_back(to, gap);
    ++m_indegree[static_cast<std::size_t>(to)];
  }

  void finish() {
    std::vector<int> indegree = m_indegree;
    for (std::size_t v = 0; v < m_out.size(); ++v)
      if (indegree[v] == 0) m_topo.push_back(static_cast<int>(v));
    for (std::size_t head = 0; head < m_topo.size(); ++head)
      for (const auto& [to, gap] : m_out[static_cast<std::size_t>(m_topo[head])])
        if (--indegree[static_cast<std::size_t>(to)] == 0) m_topo.push_back(to);
    if (m_topo.size() != m_out.size())
      throw std::logic_error("layout: the separation constraints have a cycle (inconsistent group order)");
  }

  /// Per vertex, the interval it may move in while every other vertex stays at `x`
  /// (borders follow): pulling `preferred` into it keeps one vertex from pushing others.
  void clampToSlack(const std::vector<double>& x, std::vector<double>& preferred) const {
    const double inf = std::numeric_limits<double>::infinity();
    std::vector<double> low(m_out.size(), -inf), high(m_out.size(), inf);
    auto value = [&](int v, const std::vector<double>& border) {
      return static_cast<std::size_t>(v) < m_vertices ? x[static_cast<std::size_t>(v)] : border[static_cast<std::size_t>(v)];
    };
    for (int v : m_topo)
      for (const auto& [to, gap] : m_out[static_cast<std::size_t>(v)])
        low[static_cast<std::size_t>(to)] = std::max(low[static_cast<std::size_t>(to)], value(v, low) + gap);
    for (auto it = m_topo.rbegin(); it != m_topo.rend(); ++it)
      for (const auto& [to, gap] : m_out[static_cast<std::size_t>(*it)])
        high[static_cast<std::size_t>(*it)] = std::min(high[static_cast<std::size_t>(*it)], value(to, high) - gap);
    for (std::size_t v = 0; v < m_vertices; ++v)
      preferred[v] = std::clamp(preferred[v], std::min(low[v], x[v]), std::max(high[v], x[v]));
  }

  /// The feasible positions nearest `preferred` when pushing right, and when pushing
  /// left, averaged (both are feasible, so their mean is too).
  std::vector<double> solve(const std::vector<double>& preferred) const {
    const double inf = std::numeric_limits<double>::infinity();
    std::vector<double> pushedRight(m_out.size(), -inf), pushedLeft(m_out.size(), inf);
    std::copy(preferred.begin(), preferred.end(), pushedRight.begin());
    std::copy(preferred.begin(), preferred.end(), pushedLeft.begin());
    for (int v : m_topo)
      for (const auto& [to, gap] : m_out[static_cast<std::size_t>(v)])
        pushedRight[static_cast<std::size_t>(to)] =
            std::max(pushedRight[static_cast<std::size_t>(to)], pushedRight[static_cast<std::size_t>(v)] + gap);
    for (auto it = m_topo.rbegin(); it != m_topo.rend(); ++it)
      for (const auto& [to, gap] : m_out[static_cast<std::size_t>(*it)])
        pushedLeft[static_cast<std::size_t>(*it)] =
            std::min(pushedLeft[static_cast<std::size_t>(*it)], pushedLeft[static_cast<std::size_t>(to)] - gap);
    std::vector<double> x(m_vertices);
    for (std::size_t v = 0; v < m_vertices; ++v) x[v] = 0.5 * (pushedRight[v] + pushedLeft[v]);
    return x;
  }

 private:
  std::size_t m_vertices;
  std::vector<std::vector<std::pair<int, double>>> m_out;
  std::vector<int> m_indegree;
  std::vector<int> m_topo;
};

// Where fans go. A fan's straight edges reach readers stacked far below it; drawn from
// above the stack they cut through every call on the way. So a fan sits beside the
// drawing, on the side of its group it was ordered to, the further out the more readers
// it has: its edges then come in from the side at an angle and clear the calls above
// each reader. Chosen once, from the drawing as the free rounds left it, so that readers
// drawn towards their fan do not widen the drawing the fan is measured against.
std::vector<double> fanTargets(const LayeredGraph& layered, const std::vector<double>& x, double unit) {
  std::vector<double> targets(x.size(), std::numeric_limits<double>::quiet_NaN());
  std::vector<int> readers(x.size(), 0);
  for (const auto& chain : layered.chains) ++readers[static_cast<std::size_t>(chain.from)];
  double low = std::numeric_limits<double>::infinity(), high = -low;
  for (std::size_t v = 0; v < x.size(); ++v)
    if (layered.vertices[v].type == VertexType::Real && !layered.vertices[v].fan) {
      low = std::min(low, x[v]);
      high = std::max(high, x[v]);
    }
  for (std::size_t v = 0; v < x.size(); ++v) {
    const Vertex& vertex = layered.vertices[v];
    if (!vertex.fan) continue;
    // The ordering put it at one end of its group in its rank (moveFansOutwards).
    const auto& rank = layered.ranks[static_cast<std::size_t>(vertex.rank)];
    const int position = layered.position[v];
    bool first = position == 0;
    if (!first) {
      const auto& path = layered.groupPath[static_cast<std::size_t>(rank[static_cast<std::size_t>(position - 1)])];
      first = vertex.group >= 0 && std::find(path.begin(), path.end(), vertex.group) == path.end();
    }
    const double offset = unit * (kFanOffset + kFanOffsetPerReader * readers[v]);
    targets[v] = first ? low - offset : high + offset;
  }
  return targets;
}

}  // namespace

std::vector<double> assignCoordinates(const LayeredGraph& layered, const LayoutOptions& options) {
  const std::size_t vertexCount = layered.vertices.size();
  ConstraintSystem system(vertexCount, layered.groupParent.size());
  const double pad = options.groupPadding;

  auto width = [&](int v) { return layered.vertices[static_cast<std::size_t>(v)].width; };
  auto isReal = [&](int v) { return layered.vertices[static_cast<std::size_t>(v)].type == VertexType::Real; };
  // Constraints between neighbours a (left, or -1) and b (right, or -1) of one rank: a
  // closes the groups it is in and b is not, b opens the ones a is not in.
  auto link = [&](int a, int b) {
    static const std::vector<int> none;
    const auto& pa = a >= 0 ? layered.groupPath[static_cast<std::size_t>(a)] : none;
    const auto& pb = b >= 0 ? layered.groupPath[static_cast<std::size_t>(b)] : none;
    std::size_t d = 0;
    while (d < pa.size() && d < pb.size() && pa[d] == pb[d]) ++d;
    int leftVar = -1;
    double leftOffset = 0.0;
    if (a >= 0) {
      leftVar = a;
      leftOffset = width(a) / 2;
      for (std::size_t k = pa.size(); k-- > d;) {
        system.add(leftVar, system.right(pa[k]), leftOffset + pad);
        leftVar = system.right(pa[k]);
        leftOffset = 0.0;
      }
    }
    if (b < 0) return;
    int rightVar = b;
    double rightOffset = width(b) / 2;
    for (std::size_t k = pb.size(); k-- > d;) {
      system.add(system.left(pb[k]), rightVar, rightOffset + pad);
      rightVar = system.left(pb[k]);
      rightOffset = 0.0;
    }
    if (leftVar < 0) return;
    const bool bothThin = !isReal(a) && !isReal(b) && d == pa.size() && d == pb.size();
    const double separation = bothThin ? options.nodeSeparation / 2 : options.nodeSeparation;
    system.add(leftVar, rightVar, leftOffset + separation + rightOffset);
  };
  for (const auto& rank : layered.ranks) {
    if (rank.empty()) continue;
    link(-1, rank.front());
    for (std::size_t i = 0; i + 1 < rank.size(); ++i) link(rank[i], rank[i + 1]);
    link(rank.back(), -1);
  }
  system.finish();

  std::vector<double> preferred(vertexCount, 0.0), targets;
  std::vector<double> x = system.solve(preferred);
  for (int iteration = 0; iteration < options.coordinateIterations; ++iteration) {
    for (std::size_t v = 0; v < vertexCount; ++v) {
      const Vertex& vertex = layered.vertices[v];
      if (vertex.type == VertexType::Dummy) {
        // On the straight line between the chain's ends: the edge is measured (and best
        // drawn) as that line, and the dummy keeps it clear of the nodes it passes.
        const double from = x[static_cast<std::size_t>(vertex.chainFrom)], to = x[static_cast<std::size_t>(vertex.chainTo)];
        preferred[v] = from + vertex.chainFraction * (to - from);
        continue;
      }
      const auto& up = layered.up[v];
      const auto& down = layered.down[v];
      if (up.empty() && down.empty()) {
        preferred[v] = x[v];
        continue;
      }
      // Long edges have priority (as in Brandes-Koepf): a node with a dummy neighbour
      // lines up with its dummies, so the long edge runs straight and clear of the nodes
      // beside it; otherwise it moves to the mean of its neighbours.
      double sum = 0.0, dummySum = 0.0;
      int dummies = 0;
      for (const auto* side : {&up, &down})
        for (int n : *side) {
          sum += x[static_cast<std::size_t>(n)];
          if (layered.vertices[static_cast<std::size_t>(n)].type == VertexType::Dummy) {
            dummySum += x[static_cast<std::size_t>(n)];
            ++dummies;
          }
        }
      preferred[v] = dummies > 0 ? dummySum / dummies : sum / static_cast<double>(up.size() + down.size());
    }
    if (iteration == kFreeRounds) targets = fanTargets(layered, x, options.defaultWidth);
    for (std::size_t v = 0; v < targets.size(); ++v)
      if (!std::isnan(targets[v])) preferred[v] = targets[v];
    // The first rounds spread the drawing out; after that each vertex moves only within
    // the room its neighbours leave it. Otherwise a vertex that wants to be inside a box
    // it must stay beside (a parameter beside its reader's group) pushes the whole box a
    // little further every round, and the drawing drifts wider with every round.
    if (iteration >= kFreeRounds) system.clampToSlack(x, preferred);
    x = system.solve(preferred);
  }
  return x;
}

}  // namespace td::layout::detail
