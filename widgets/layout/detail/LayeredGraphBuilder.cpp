// buildLayeredGraph: ranking, dummy chains for long edges, fillers for group holes.
#include <algorithm>
#include <map>
#include <stdexcept>
#include <string>
#include <utility>

#include "LayeredGraph.h"

namespace td::layout::detail {

int LayeredGraph::addVertex(const Vertex& vertex) {
  vertices.push_back(vertex);
  up.emplace_back();
  down.emplace_back();
  return static_cast<int>(vertices.size()) - 1;
}

void LayeredGraph::addLink(int upper, int lower) {
  down[static_cast<std::size_t>(upper)].push_back(lower);
  up[static_cast<std::size_t>(lower)].push_back(upper);
}

void LayeredGraph::updatePositions() {
  position.assign(vertices.size(), 0);
  for (const auto& rank : ranks)
    for (std::size_t i = 0; i < rank.size(); ++i) position[static_cast<std::size_t>(rank[i])] = static_cast<int>(i);
}

namespace {

void validate(const Graph& graph) {
  const int nodes = static_cast<int>(graph.nodes.size());
  const int groups = static_cast<int>(graph.groups.size());
  for (int g = 0; g < groups; ++g) {
    const int parent = graph.groups[static_cast<std::size_t>(g)].parent;
    if (parent < -1 || parent >= g)
      throw std::invalid_argument("layout: group " + std::to_string(g) + " has parent " + std::to_string(parent) +
                                  " (a parent must come before its children)");
  }
  for (int n = 0; n < nodes; ++n) {
    const int group = graph.nodes[static_cast<std::size_t>(n)].group;
    if (group < -1 || group >= groups)
      throw std::invalid_argument("layout: node " + std::to_string(n) + " is in unknown group " + std::to_string(group));
  }
  for (const Edge& e : graph.edges)
    if (e.from < 0 || e.from >= nodes || e.to < 0 || e.to >= nodes)
      throw std::invalid_argument("layout: edge " + std::to_string(e.from) + "->" + std::to_string(e.to) +
                                  " names a node that does not exist");
}

// Longest-path ranks, then every node with more outputs than inputs moves down as far as
// its outputs allow: sources (parameters, inputs) end one rank above their first reader,
// as network simplex would put them.
bool groupInside(const std::vector<int>& parent, int group, int ancestor) {
  if (ancestor < 0) return true;
  for (int g = group; g >= 0; g = parent[static_cast<std::size_t>(g)])
    if (g == ancestor) return true;
  return false;
}

std::vector<int> rankNodes(const Graph& graph, const std::vector<int>& groupParent,
                           const std::vector<std::pair<int, int>>& edges) {
  const int nodeCount = static_cast<int>(graph.nodes.size());
  std::vector<std::vector<int>> out(static_cast<std::size_t>(nodeCount)), in(static_cast<std::size_t>(nodeCount));
  std::vector<int> indegree(static_cast<std::size_t>(nodeCount), 0);
  for (const auto& [u, v] : edges) {
    out[static_cast<std::size_t>(u)].push_back(v);
    in[static_cast<std::size_t>(v)].push_back(u);
    ++indegree[static_cast<std::size_t>(v)];
  }
  std::vector<int> topo;
  topo.reserve(static_cast<std::size_t>(nodeCount));
  for (int n = 0; n < nodeCount; ++n)
    if (indegree[static_cast<std::size_t>(n)] == 0) topo.push_back(n);
  for (std::size_t head = 0; head < topo.size(); ++head)
    for (int v : out[static_cast<std::size_t>(topo[head])])
      if (--indegree[static_cast<std::size_t>(v)] == 0) topo.push_back(v);
  if (static_cast<int>(topo.size()) != nodeCount) throw std::invalid_argument("layout: the graph has a cycle");

  // A source (parameter) will sit one rank above its reader. When the reader also reads
  // a node from outside the source's group, it goes one rank lower still, so that the
  // source's group starts below that node: module calls stack instead of overlapping.
  std::vector<int> rank(static_cast<std::size_t>(nodeCount), 0);
  for (int v : topo) {
    const auto& inputs = in[static_cast<std::size_t>(v)];
    int r = 0;
    for (int u : inputs)
      if (!in[static_cast<std::size_t>(u)].empty()) r = std::max(r, rank[static_cast<std::size_t>(u)] + 1);
    for (int s : inputs) {
      if (!in[static_cast<std::size_t>(s)].empty()) continue;
      const int sourceGroup = graph.nodes[static_cast<std::size_t>(s)].group;
      for (int u : inputs)
        if (!in[static_cast<std::size_t>(u)].empty() &&
            !groupInside(groupParent, graph.nodes[static_cast<std::size_t>(u)].group, sourceGroup))
          r = std::max(r, rank[static_cast<std::size_t>(u)] + 2);
    }
    rank[static_cast<std::size_t>(v)] = r;
  }
  // Pull down, bottom-up: sources always; other nodes when they have at least as many
  // outputs as inputs (not counting parameters only they read, which move with them), so
  // a module call's ops stay together instead of starting as early as their inputs allow.
  for (auto it = topo.rbegin(); it != topo.rend(); ++it) {
    const auto u = static_cast<std::size_t>(*it);
    std::size_t inputs = 0;
    for (int p : in[u]) inputs += !(in[static_cast<std::size_t>(p)].empty() && out[static_cast<std::size_t>(p)].size() == 1);
    // An entry of a module call (its readers all inside its group, its computed inputs
    // all from outside) waits next to its readers too, so the call starts where the work
    // it depends on ends: the 50 calls of an LSTM cell stack instead of overlapping.
    bool entry = false;
    if (graph.nodes[u].group >= 0 && !out[u].empty()) {
      const int group = graph.nodes[u].group;
      entry = true;
      for (int v : out[u]) entry = entry && groupInside(groupParent, graph.nodes[static_cast<std::size_t>(v)].group, group);
      for (int p : in[u])
        if (!in[static_cast<std::size_t>(p)].empty())
          entry = entry && !groupInside(groupParent, graph.nodes[static_cast<std::size_t>(p)].group, group);
    }
    if (!entry && (out[u].empty() || (!in[u].empty() && out[u].size() < inputs))) continue;
    // Keep the rank a reader's parameters need (see above) free of u.
    auto gapTo = [&](int v) {
      if (in[u].empty()) return 1;
      for (int s : in[static_cast<std::size_t>(v)])
        if (in[static_cast<std::size_t>(s)].empty() &&
            !groupInside(groupParent, graph.nodes[u].group, graph.nodes[static_cast<std::size_t>(s)].group))
          return 2;
      return 1;
    };
    int lowest = rank[static_cast<std::size_t>(out[u].front())] - gapTo(out[u].front());
    for (int v : out[u]) lowest = std::min(lowest, rank[static_cast<std::size_t>(v)] - gapTo(v));
    rank[u] = in[u].empty() ? lowest : std::max(rank[u], lowest);
  }
  const int minRank = nodeCount > 0 ? *std::min_element(rank.begin(), rank.end()) : 0;
  for (int& r : rank) r -= minRank;
  return rank;
}

int lowestCommonGroup(const std::vector<int>& parent, const std::vector<int>& depth, int a, int b) {
  while (a != b) {
    const int da = a < 0 ? 0 : depth[static_cast<std::size_t>(a)];
    const int db = b < 0 ? 0 : depth[static_cast<std::size_t>(b)];
    if (da >= db) a = parent[static_cast<std::size_t>(a)];
    else b = parent[static_cast<std::size_t>(b)];
  }
  return a;
}

}  // namespace

LayeredGraph buildLayeredGraph(const Graph& graph, const LayoutOptions& options) {
  validate(graph);
  const int nodeCount = static_cast<int>(graph.nodes.size());
  const int groupCount = static_cast<int>(graph.groups.size());
  LayeredGraph layered;
  layered.groupParent.resize(static_cast<std::size_t>(groupCount));
  std::vector<int> depth(static_cast<std::size_t>(groupCount), 1);
  for (int g = 0; g < groupCount; ++g) {
    const int parent = graph.groups[static_cast<std::size_t>(g)].parent;
    layered.groupParent[static_cast<std::size_t>(g)] = parent;
    depth[static_cast<std::size_t>(g)] = parent < 0 ? 1 : depth[static_cast<std::size_t>(parent)] + 1;
  }

  // Deduplicated edges, in first-seen order; self loops have no chain.
  std::vector<std::pair<int, int>> edges;
  layered.edgeChain.assign(graph.edges.size(), -1);
  {
    std::vector<std::pair<std::pair<int, int>, int>> sorted;
    for (std::size_t i = 0; i < graph.edges.size(); ++i)
      if (graph.edges[i].from != graph.edges[i].to)
        sorted.push_back({{graph.edges[i].from, graph.edges[i].to}, static_cast<int>(i)});
    std::sort(sorted.begin(), sorted.end());
    std::vector<int> firstOf(graph.edges.size(), -1);
    for (std::size_t i = 0; i < sorted.size(); ++i)
      firstOf[static_cast<std::size_t>(sorted[i].second)] =
          (i > 0 && sorted[i].first == sorted[i - 1].first) ? firstOf[static_cast<std::size_t>(sorted[i - 1].second)]
                                                           : sorted[i].second;
    std::vector<int> chainOfFirst(graph.edges.size(), -1);
    for (std::size_t i = 0; i < graph.edges.size(); ++i) {
      if (graph.edges[i].from == graph.edges[i].to) continue;
      const auto first = static_cast<std::size_t>(firstOf[i]);
      if (chainOfFirst[first] < 0) {
        chainOfFirst[first] = static_cast<int>(edges.size());
        edges.emplace_back(graph.edges[i].from, graph.edges[i].to);
      }
      layered.edgeChain[i] = chainOfFirst[first];
    }
  }

  const std::vector<int> rank = rankNodes(graph, layered.groupParent, edges);
  std::vector<int> readers(static_cast<std::size_t>(nodeCount), 0), inputs(static_cast<std::size_t>(nodeCount), 0);
  for (const auto& [u, w] : edges) {
    ++readers[static_cast<std::size_t>(u)];
    ++inputs[static_cast<std::size_t>(w)];
  }
  const bool leftToRight = options.direction == Direction::LeftToRight;
  for (int n = 0; n < nodeCount; ++n) {
    const Node& node = graph.nodes[static_cast<std::size_t>(n)];
    Vertex v;
    v.original = n;
    v.group = node.group;
    v.rank = rank[static_cast<std::size_t>(n)];
    v.width = leftToRight ? nodeHeight(node, options) : nodeWidth(node, options);
    v.height = leftToRight ? nodeWidth(node, options) : nodeHeight(node, options);
    v.order = n;
    v.fan = inputs[static_cast<std::size_t>(n)] == 0 && readers[static_cast<std::size_t>(n)] >= kFanReaders;
    layered.addVertex(v);
  }
  // Long edges from one node into one common group share a chain down to the deepest
  // reader; each reader hangs off the chain one rank above it.
  struct Bus {
    int from = 0;
    int group = -1;
    int deepest = 0;  // the reader with the highest rank
    std::vector<int> dummies;
  };
  std::vector<Bus> buses;
  std::map<std::pair<int, int>, int> busOf;
  std::vector<int> edgeBus(edges.size(), -1);
  for (std::size_t i = 0; i < edges.size(); ++i) {
    const auto [u, w] = edges[i];
    if (rank[static_cast<std::size_t>(w)] - rank[static_cast<std::size_t>(u)] < 2) continue;
    const int group = lowestCommonGroup(layered.groupParent, depth, graph.nodes[static_cast<std::size_t>(u)].group,
                                        graph.nodes[static_cast<std::size_t>(w)].group);
    auto [it, added] = busOf.emplace(std::make_pair(u, group), static_cast<int>(buses.size()));
    if (added) buses.push_back(Bus{u, group, w, {}});
    Bus& bus = buses[static_cast<std::size_t>(it->second)];
    if (rank[static_cast<std::size_t>(w)] > rank[static_cast<std::size_t>(bus.deepest)]) bus.deepest = w;
    edgeBus[i] = it->second;
  }
  // The ranks each group's nodes span (before dummies and fillers).
  std::vector<int> realFirst(static_cast<std::size_t>(groupCount), -1), realLast(static_cast<std::size_t>(groupCount), -1);
  for (int n = 0; n < nodeCount; ++n)
    for (int g = graph.nodes[static_cast<std::size_t>(n)].group; g >= 0; g = layered.groupParent[static_cast<std::size_t>(g)]) {
      auto& first = realFirst[static_cast<std::size_t>(g)];
      first = first < 0 ? rank[static_cast<std::size_t>(n)] : std::min(first, rank[static_cast<std::size_t>(n)]);
      realLast[static_cast<std::size_t>(g)] = std::max(realLast[static_cast<std::size_t>(g)], rank[static_cast<std::size_t>(n)]);
    }
  for (Bus& bus : buses) {
    // A chain carrying a computed value (a skip connection, an LSTM state) runs inside
    // the module call it enters, one level below the ends' common group, over that call's
    // ranks: beside the call's ops rather than outside its box, so the call sits under its
    // input instead of shifting sideways. Parameter buses stay in the common group.
    int entered = -1;
    if (graph.nodes[static_cast<std::size_t>(bus.from)].kind != NodeKind::Leaf)
      for (int g = graph.nodes[static_cast<std::size_t>(bus.deepest)].group; g >= 0 && g != bus.group;
           g = layered.groupParent[static_cast<std::size_t>(g)])
        entered = g;
    const int top = rank[static_cast<std::size_t>(bus.from)], bottom = rank[static_cast<std::size_t>(bus.deepest)];
    int previous = bus.from;
    for (int r = top + 1; r < bottom; ++r) {
      Vertex d;
      d.type = VertexType::Dummy;
      const bool inside = entered >= 0 && r >= realFirst[static_cast<std::size_t>(entered)] &&
                          r <= realLast[static_cast<std::size_t>(entered)];
      d.group = inside ? entered : bus.group;
      d.rank = r;
      d.chainFrom = bus.from;
      d.chainTo = bus.deepest;
      d.chainFraction = double(r - top) / double(bottom - top);
      // Between the two ends in tape order, so the first sort keeps the chain near both.
      d.order = bus.from + d.chainFraction * (bus.deepest - bus.from);
      const int id = layered.addVertex(d);
      layered.addLink(previous, id);
      bus.dummies.push_back(id);
      previous = id;
    }
  }
  for (std::size_t i = 0; i < edges.size(); ++i) {
    const auto [u, w] = edges[i];
    LayeredGraph::EdgeChain chain{u, w, {}};
    if (edgeBus[i] >= 0) {
      const Bus& bus = buses[static_cast<std::size_t>(edgeBus[i])];
      const int hops = rank[static_cast<std::size_t>(w)] - rank[static_cast<std::size_t>(u)] - 1;
      chain.dummies.assign(bus.dummies.begin(), bus.dummies.begin() + hops);
    }
    layered.addLink(chain.dummies.empty() ? u : chain.dummies.back(), w);
    layered.chains.push_back(std::move(chain));
  }

  // Group spans, then a filler wherever a group has no vertex in a rank of its span.
  layered.groupFirstRank.assign(static_cast<std::size_t>(groupCount), -1);
  layered.groupLastRank.assign(static_cast<std::size_t>(groupCount), -1);
  std::vector<double> groupOrder(static_cast<std::size_t>(groupCount), 0.0);
  for (const Vertex& v : layered.vertices) {
    for (int g = v.group; g >= 0; g = layered.groupParent[static_cast<std::size_t>(g)]) {
      auto& first = layered.groupFirstRank[static_cast<std::size_t>(g)];
      auto& last = layered.groupLastRank[static_cast<std::size_t>(g)];
      if (first < 0) groupOrder[static_cast<std::size_t>(g)] = v.order;
      first = first < 0 ? v.rank : std::min(first, v.rank);
      last = std::max(last, v.rank);
      groupOrder[static_cast<std::size_t>(g)] = std::min(groupOrder[static_cast<std::size_t>(g)], v.order);
    }
  }
  std::vector<std::vector<char>> occupied(static_cast<std::size_t>(groupCount));
  for (int g = 0; g < groupCount; ++g)
    if (layered.groupFirstRank[static_cast<std::size_t>(g)] >= 0)
      occupied[static_cast<std::size_t>(g)].assign(
          static_cast<std::size_t>(layered.groupLastRank[static_cast<std::size_t>(g)] -
                                   layered.groupFirstRank[static_cast<std::size_t>(g)] + 1), 0);
  auto mark = [&](int group, int r) {
    for (int g = group; g >= 0; g = layered.groupParent[static_cast<std::size_t>(g)])
      occupied[static_cast<std::size_t>(g)][static_cast<std::size_t>(r - layered.groupFirstRank[static_cast<std::size_t>(g)])] = 1;
  };
  for (const Vertex& v : layered.vertices) mark(v.group, v.rank);
  for (int g = groupCount - 1; g >= 0; --g) {
    const int first = layered.groupFirstRank[static_cast<std::size_t>(g)];
    for (int r = first; first >= 0 && r <= layered.groupLastRank[static_cast<std::size_t>(g)]; ++r) {
      if (occupied[static_cast<std::size_t>(g)][static_cast<std::size_t>(r - first)]) continue;
      Vertex f;
      f.type = VertexType::Filler;
      f.group = g;
      f.rank = r;
      f.order = groupOrder[static_cast<std::size_t>(g)];
      layered.addVertex(f);
      mark(g, r);
    }
  }

  // Group paths, outermost first.
  layered.groupPath.resize(layered.vertices.size());
  for (std::size_t i = 0; i < layered.vertices.size(); ++i) {
    auto& path = layered.groupPath[i];
    for (int g = layered.vertices[i].group; g >= 0; g = layered.groupParent[static_cast<std::size_t>(g)]) path.push_back(g);
    std::reverse(path.begin(), path.end());
  }

  int rankCount = 0;
  for (const Vertex& v : layered.vertices) rankCount = std::max(rankCount, v.rank + 1);
  layered.ranks.assign(static_cast<std::size_t>(rankCount), {});
  for (std::size_t i = 0; i < layered.vertices.size(); ++i)
    layered.ranks[static_cast<std::size_t>(layered.vertices[i].rank)].push_back(static_cast<int>(i));
  layered.updatePositions();
  return layered;
}

}  // namespace td::layout::detail
