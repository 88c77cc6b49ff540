// reduceCrossings: barycenter sweeps that keep groups contiguous, then transpositions.
#include <algorithm>
#include <cstdint>
#include <utility>
#include <vector>

#include "LayeredGraph.h"

namespace td::layout::detail {

namespace {

// Orders a rank by the vertices' paths through the group tree: at the first level where
// two vertices part, the keys of the groups (or of the vertices themselves) decide. Group
// keys are global, so sibling groups keep one order in every rank.
class RankSorter {
 public:
  RankSorter(const LayeredGraph& layered, const std::vector<double>& vertexKey, const std::vector<double>& groupKey)
      : m_layered(layered), m_vertexKey(vertexKey), m_groupKey(groupKey) {}

  bool operator()(int a, int b) const {
    const auto& pa = m_layered.groupPath[static_cast<std::size_t>(a)];
    const auto& pb = m_layered.groupPath[static_cast<std::size_t>(b)];
    std::size_t d = 0;
    while (d < pa.size() && d < pb.size() && pa[d] == pb[d]) ++d;
    const bool aGroup = d < pa.size(), bGroup = d < pb.size();
    const double ka = aGroup ? m_groupKey[static_cast<std::size_t>(pa[d])] : m_vertexKey[static_cast<std::size_t>(a)];
    const double kb = bGroup ? m_groupKey[static_cast<std::size_t>(pb[d])] : m_vertexKey[static_cast<std::size_t>(b)];
    if (ka != kb) return ka < kb;
    if (aGroup != bGroup) return aGroup;  // groups before single vertices on a tie
    if (aGroup) return pa[d] < pb[d];
    return m_layered.position[static_cast<std::size_t>(a)] < m_layered.position[static_cast<std::size_t>(b)];
  }

 private:
  const LayeredGraph& m_layered;
  const std::vector<double>& m_vertexKey;
  const std::vector<double>& m_groupKey;
};

void sortRank(LayeredGraph& layered, std::size_t r, const std::vector<double>& vertexKey,
              const std::vector<double>& groupKey) {
  auto& rank = layered.ranks[r];
  std::sort(rank.begin(), rank.end(), RankSorter(layered, vertexKey, groupKey));
  for (std::size_t i = 0; i < rank.size(); ++i) layered.position[static_cast<std::size_t>(rank[i])] = static_cast<int>(i);
}

// Inversions between two ranks, counted with a Fenwick tree over the lower positions.
int64_t crossingsBetween(const LayeredGraph& layered, std::size_t r, std::vector<std::pair<int, int>>& scratch,
                         std::vector<int>& tree) {
  scratch.clear();
  for (int u : layered.ranks[r])
    for (int v : layered.down[static_cast<std::size_t>(u)])
      scratch.emplace_back(layered.position[static_cast<std::size_t>(u)], layered.position[static_cast<std::size_t>(v)]);
  std::sort(scratch.begin(), scratch.end());
  const std::size_t width = layered.ranks[r + 1].size();
  tree.assign(width + 1, 0);
  int64_t crossings = 0;
  int64_t seen = 0;
  for (const auto& [upper, lower] : scratch) {
    (void)upper;
    int64_t notGreater = 0;
    for (std::size_t i = static_cast<std::size_t>(lower) + 1; i > 0; i -= i & (~i + 1)) notGreater += tree[i];
    crossings += seen - notGreater;
    for (std::size_t i = static_cast<std::size_t>(lower) + 1; i <= width; i += i & (~i + 1)) ++tree[i];
    ++seen;
  }
  return crossings;
}

// Crossings among the edges of u and v towards one neighbour rank, with u left of v.
int64_t pairCrossings(const LayeredGraph& layered, const std::vector<int>& nu, const std::vector<int>& nv,
                      int64_t& budget) {
  int64_t crossings = 0;
  for (int a : nu)
    for (int b : nv) crossings += layered.position[static_cast<std::size_t>(a)] > layered.position[static_cast<std::size_t>(b)];
  budget -= static_cast<int64_t>(nu.size() * nv.size()) + 1;
  return crossings;
}

// Swaps neighbours of the same group while that removes crossings, within `budget`
// operations (a count, not a clock, so the result is deterministic).
void transpose(LayeredGraph& layered, int64_t budget) {
  bool improved = true;
  while (improved && budget > 0) {
    improved = false;
    for (auto& rank : layered.ranks) {
      for (std::size_t i = 0; i + 1 < rank.size() && budget > 0; ++i) {
        const int u = rank[i], v = rank[i + 1];
        const Vertex& vu = layered.vertices[static_cast<std::size_t>(u)];
        const Vertex& vv = layered.vertices[static_cast<std::size_t>(v)];
        if (vu.group != vv.group || vu.type == VertexType::Filler || vv.type == VertexType::Filler) continue;
        const auto& upU = layered.up[static_cast<std::size_t>(u)];
        const auto& upV = layered.up[static_cast<std::size_t>(v)];
        const auto& downU = layered.down[static_cast<std::size_t>(u)];
        const auto& downV = layered.down[static_cast<std::size_t>(v)];
        const int64_t now = pairCrossings(layered, upU, upV, budget) + pairCrossings(layered, downU, downV, budget);
        const int64_t swapped = pairCrossings(layered, upV, upU, budget) + pairCrossings(layered, downV, downU, budget);
        if (swapped < now) {
          std::swap(rank[i], rank[i + 1]);
          layered.position[static_cast<std::size_t>(u)] = static_cast<int>(i + 1);
          layered.position[static_cast<std::size_t>(v)] = static_cast<int>(i);
          improved = true;
        }
      }
    }
  }
}

// Moves each fan to the nearer end of its group's run in its rank (a group's vertices and
// its child groups' are contiguous in a rank, so the groups stay contiguous).
void moveFansOutwards(LayeredGraph& layered) {
  std::vector<int> fans;
  for (auto& rank : layered.ranks) {
    fans.clear();
    for (int v : rank)
      if (layered.vertices[static_cast<std::size_t>(v)].fan) fans.push_back(v);
    for (int fan : fans) {
      const auto v = static_cast<std::size_t>(fan);
      const auto i = static_cast<std::size_t>(std::find(rank.begin(), rank.end(), fan) - rank.begin());
      const int group = layered.vertices[v].group;
      auto inGroup = [&](int u) {
        if (group < 0) return true;
        const auto& path = layered.groupPath[static_cast<std::size_t>(u)];
        return std::find(path.begin(), path.end(), group) != path.end();
      };
      std::size_t first = i, last = i;
      while (first > 0 && inGroup(rank[first - 1])) --first;
      while (last + 1 < rank.size() && inGroup(rank[last + 1])) ++last;
      if (i - first <= last - i) {
        std::move_backward(rank.begin() + static_cast<std::ptrdiff_t>(first), rank.begin() + static_cast<std::ptrdiff_t>(i),
                           rank.begin() + static_cast<std::ptrdiff_t>(i) + 1);
        rank[first] = fan;
      } else {
        std::move(rank.begin() + static_cast<std::ptrdiff_t>(i) + 1, rank.begin() + static_cast<std::ptrdiff_t>(last) + 1,
                  rank.begin() + static_cast<std::ptrdiff_t>(i));
        rank[last] = fan;
      }
    }
  }
  layered.updatePositions();
}

}  // namespace

int64_t countLayerCrossings(const LayeredGraph& layered) {
  std::vector<std::pair<int, int>> scratch;
  std::vector<int> tree;
  int64_t total = 0;
  for (std::size_t r = 0; r + 1 < layered.ranks.size(); ++r) total += crossingsBetween(layered, r, scratch, tree);
  return total;
}

void reduceCrossings(LayeredGraph& layered, const LayoutOptions& options) {
  const std::size_t vertexCount = layered.vertices.size();
  const std::size_t groupCount = layered.groupParent.size();
  std::vector<double> vertexKey(vertexCount), groupKey(groupCount, 0.0);

  // Start from tape order: a group sits where its earliest vertex was recorded.
  std::vector<char> seen(groupCount, 0);
  for (std::size_t i = 0; i < vertexCount; ++i) {
    vertexKey[i] = layered.vertices[i].order;
    for (int g : layered.groupPath[i]) {
      auto& key = groupKey[static_cast<std::size_t>(g)];
      key = seen[static_cast<std::size_t>(g)] ? std::min(key, vertexKey[i]) : vertexKey[i];
      seen[static_cast<std::size_t>(g)] = 1;
    }
  }
  for (std::size_t r = 0; r < layered.ranks.size(); ++r) sortRank(layered, r, vertexKey, groupKey);

  // From here on keys are positions: a group's key is the mean of its vertices' keys.
  std::vector<double> groupSum(groupCount), groupCount_(groupCount);
  auto refreshGroupKeys = [&](bool fromPositions) {
    std::fill(groupSum.begin(), groupSum.end(), 0.0);
    std::fill(groupCount_.begin(), groupCount_.end(), 0.0);
    for (std::size_t i = 0; i < vertexCount; ++i) {
      const double key = fromPositions ? layered.position[i] : vertexKey[i];
      for (int g : layered.groupPath[i]) {
        groupSum[static_cast<std::size_t>(g)] += key;
        groupCount_[static_cast<std::size_t>(g)] += 1.0;
      }
    }
    for (std::size_t g = 0; g < groupCount; ++g)
      if (groupCount_[g] > 0) groupKey[g] = groupSum[g] / groupCount_[g];
  };
  refreshGroupKeys(true);

  std::vector<std::vector<int>> best = layered.ranks;
  int64_t bestCrossings = countLayerCrossings(layered);
  const int sweeps = std::max(0, options.crossingSweeps);
  for (int sweep = 0; sweep < sweeps && bestCrossings > 0; ++sweep) {
    const bool downwards = sweep % 2 == 0;
    const std::size_t rankCount = layered.ranks.size();
    // The first rank is re-sorted too (keeping its order within groups), so that every
    // rank of this sweep orders sibling groups by the same keys.
    const std::size_t start = downwards ? 0 : rankCount - 1;
    for (int v : layered.ranks[start]) vertexKey[static_cast<std::size_t>(v)] = layered.position[static_cast<std::size_t>(v)];
    sortRank(layered, start, vertexKey, groupKey);
    for (std::size_t step = 1; step < rankCount; ++step) {
      const std::size_t r = downwards ? step : rankCount - 1 - step;
      for (int v : layered.ranks[r]) {
        const auto& neighbours = downwards ? layered.up[static_cast<std::size_t>(v)] : layered.down[static_cast<std::size_t>(v)];
        if (neighbours.empty()) {
          vertexKey[static_cast<std::size_t>(v)] = layered.position[static_cast<std::size_t>(v)];
          continue;
        }
        double sum = 0.0;
        for (int n : neighbours) sum += layered.position[static_cast<std::size_t>(n)];
        vertexKey[static_cast<std::size_t>(v)] = sum / static_cast<double>(neighbours.size());
      }
      sortRank(layered, r, vertexKey, groupKey);
    }
    refreshGroupKeys(false);
    const int64_t crossings = countLayerCrossings(layered);
    if (crossings < bestCrossings) {
      bestCrossings = crossings;
      best = layered.ranks;
    }
  }
  layered.ranks = std::move(best);
  layered.updatePositions();

  int64_t edges = 0;
  for (const auto& d : layered.down) edges += static_cast<int64_t>(d.size());
  transpose(layered, 40 * (static_cast<int64_t>(vertexCount) + edges));
  moveFansOutwards(layered);
}

}  // namespace td::layout::detail
