#include "GroupFolding.h"

#include <algorithm>
#include <stdexcept>
#include <utility>

namespace td::layout {

namespace {

bool isInside(const Graph& graph, int group, int ancestor) {
  for (int g = group; g >= 0; g = graph.groups[static_cast<std::size_t>(g)].parent)
    if (g == ancestor) return true;
  return false;
}

// The names of the groups between a member's own group and `top` (exclusive).
std::string relativePath(const Graph& graph, int group, int top) {
  std::string path;
  for (int g = group; g >= 0 && g != top; g = graph.groups[static_cast<std::size_t>(g)].parent)
    path = graph.groups[static_cast<std::size_t>(g)].name + "/" + path;
  return path;
}

}  // namespace

std::string structureSignature(const Graph& graph, int group) {
  std::vector<int> members;
  for (std::size_t n = 0; n < graph.nodes.size(); ++n)
    if (isInside(graph, graph.nodes[n].group, group)) members.push_back(static_cast<int>(n));
  std::vector<int> local(graph.nodes.size(), -1);
  for (std::size_t i = 0; i < members.size(); ++i) local[static_cast<std::size_t>(members[i])] = static_cast<int>(i);
  std::vector<int> externalIn(members.size(), 0), externalOut(members.size(), 0);
  std::vector<std::pair<int, int>> internal;
  for (const Edge& e : graph.edges) {
    const int from = local[static_cast<std::size_t>(e.from)], to = local[static_cast<std::size_t>(e.to)];
    if (from >= 0 && to >= 0) internal.emplace_back(from, to);
    else if (to >= 0) ++externalIn[static_cast<std::size_t>(to)];
    else if (from >= 0) ++externalOut[static_cast<std::size_t>(from)];
  }
  std::sort(internal.begin(), internal.end());
  std::string signature;
  for (std::size_t i = 0; i < members.size(); ++i) {
    const Node& node = graph.nodes[static_cast<std::size_t>(members[i])];
    signature += (node.kind == NodeKind::Op ? "o:" : "l:") + node.label + "@" + relativePath(graph, node.group, group) +
                 "<" + std::to_string(externalIn[i]) + ">" + std::to_string(externalOut[i]) + ";";
  }
  signature += "|";
  for (const auto& [from, to] : internal) signature += std::to_string(from) + "-" + std::to_string(to) + ",";
  return signature;
}

FoldedGraph foldGroups(const Graph& graph, const FoldOptions& options) {
  const std::size_t groupCount = graph.groups.size();
  for (std::size_t g = 0; g < groupCount; ++g)
    if (graph.groups[g].parent >= static_cast<int>(g) || graph.groups[g].parent < -1)
      throw std::invalid_argument("foldGroups: a group's parent must come before it");

  // absorbedBy[g]: the group whose node shows g (g itself, an ancestor, or the first group
  // of a folded run), or -1 when g stays a group. runLength: N for the first of a run.
  std::vector<int> absorbedBy(groupCount, -1), runLength(groupCount, 0);
  std::vector<std::vector<int>> children(groupCount + 1);
  for (std::size_t g = 0; g < groupCount; ++g)
    children[static_cast<std::size_t>(graph.groups[g].parent + 1)].push_back(static_cast<int>(g));
  // Top-down: a parent is decided before its children.
  for (std::size_t slot = 0; slot <= groupCount; ++slot) {
    const int parent = static_cast<int>(slot) - 1;
    if (parent >= 0 && absorbedBy[static_cast<std::size_t>(parent)] >= 0) {
      for (int c : children[slot]) absorbedBy[static_cast<std::size_t>(c)] = absorbedBy[static_cast<std::size_t>(parent)];
      continue;
    }
    const auto& siblings = children[slot];
    std::vector<std::string> signatures;
    if (options.foldRepeats)
      for (int c : siblings) signatures.push_back(structureSignature(graph, c));
    for (std::size_t i = 0; i < siblings.size();) {
      std::size_t end = i + 1;
      if (options.foldRepeats)
        while (end < siblings.size() && signatures[end] == signatures[i]) ++end;
      const int first = siblings[i];
      if (options.foldRepeats && static_cast<int>(end - i) >= std::max(2, options.minRepeats)) {
        for (std::size_t k = i; k < end; ++k) absorbedBy[static_cast<std::size_t>(siblings[k])] = first;
        runLength[static_cast<std::size_t>(first)] = static_cast<int>(end - i);
        i = end;
        continue;
      }
      if (graph.groups[static_cast<std::size_t>(first)].collapsed) {
        absorbedBy[static_cast<std::size_t>(first)] = first;
        runLength[static_cast<std::size_t>(first)] = 1;
      }
      ++i;
    }
  }

  FoldedGraph folded;
  folded.groupOf.assign(groupCount, -1);
  for (std::size_t g = 0; g < groupCount; ++g) {
    if (absorbedBy[g] >= 0) continue;
    const int parent = graph.groups[g].parent;
    folded.groupOf[g] = static_cast<int>(folded.graph.groups.size());
    Group copy = graph.groups[g];
    copy.parent = parent < 0 ? -1 : folded.groupOf[static_cast<std::size_t>(parent)];
    copy.collapsed = false;
    folded.graph.groups.push_back(copy);
  }

  // Nodes in order of first appearance; a collapsed or folded group appears where its
  // first member was recorded.
  std::vector<int> nodeOfGroup(groupCount, -1);
  folded.nodeOf.assign(graph.nodes.size(), -1);
  for (std::size_t n = 0; n < graph.nodes.size(); ++n) {
    const Node& node = graph.nodes[n];
    const int shownBy = node.group >= 0 ? absorbedBy[static_cast<std::size_t>(node.group)] : -1;
    if (shownBy < 0) {
      Node copy = node;
      copy.group = node.group < 0 ? -1 : folded.groupOf[static_cast<std::size_t>(node.group)];
      folded.nodeOf[n] = static_cast<int>(folded.graph.nodes.size());
      folded.graph.nodes.push_back(copy);
      folded.repeats.push_back(1);
      folded.sourceGroup.push_back(-1);
      continue;
    }
    auto& id = nodeOfGroup[static_cast<std::size_t>(shownBy)];
    if (id < 0) {
      const Group& group = graph.groups[static_cast<std::size_t>(shownBy)];
      const int count = runLength[static_cast<std::size_t>(shownBy)];
      Node box;
      box.label = count > 1 ? group.name + " \u00d7" + std::to_string(count) : group.name;
      box.kind = NodeKind::Op;
      box.group = group.parent < 0 ? -1 : folded.groupOf[static_cast<std::size_t>(group.parent)];
      id = static_cast<int>(folded.graph.nodes.size());
      folded.graph.nodes.push_back(box);
      folded.repeats.push_back(std::max(1, count));
      folded.sourceGroup.push_back(shownBy);
    }
    folded.nodeOf[n] = id;
  }

  std::vector<std::pair<int, int>> seen;
  for (const Edge& e : graph.edges) {
    const int from = folded.nodeOf[static_cast<std::size_t>(e.from)], to = folded.nodeOf[static_cast<std::size_t>(e.to)];
    if (from == to) continue;
    seen.emplace_back(from, to);
  }
  // Keep each pair once, in first-seen order.
  std::vector<std::pair<std::pair<int, int>, std::size_t>> order;
  for (std::size_t i = 0; i < seen.size(); ++i) order.push_back({seen[i], i});
  std::sort(order.begin(), order.end());
  std::vector<char> keep(seen.size(), 0);
  for (std::size_t i = 0; i < order.size(); ++i)
    if (i == 0 || order[i].first != order[i - 1].first) keep[order[i].second] = 1;
  for (std::size_t i = 0; i < seen.size(); ++i)
    if (keep[i]) folded.graph.edges.push_back(Edge{seen[i].first, seen[i].second});
  return folded;
}

}  // namespace td::layout
