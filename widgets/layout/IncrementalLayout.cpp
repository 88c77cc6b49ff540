#include "IncrementalLayout.h"

#include <algorithm>
#include <cmath>
#include <stdexcept>
#include <string>
#include <utility>

#include "LayeredLayout.h"

namespace td::layout {

namespace {

Rect transposed(const Rect& r) { return Rect{r.y, r.x, r.height, r.width}; }

Rect unite(const Rect& a, const Rect& b) {
  if (a.empty()) return b;
  if (b.empty()) return a;
  const double left = std::min(a.x, b.x), top = std::min(a.y, b.y);
  return Rect{left, top, std::max(a.right(), b.right()) - left, std::max(a.bottom(), b.bottom()) - top};
}

Rect grown(const Rect& r, double by) { return Rect{r.x - by, r.y - by, r.width + 2 * by, r.height + 2 * by}; }

// At most this many candidate slots are tried before a node goes to the far right.
constexpr int kCandidateLimit = 48;
// How many ranks below its inputs a node may go to find a slot near them.
constexpr int kExtraRanks = 2;
// Weight of the distance to the first node's column when choosing between slots.
constexpr double kHomePull = 0.5;

}  // namespace

IncrementalLayout::IncrementalLayout(LayoutOptions options) : m_options(options) {}

int IncrementalLayout::addGroup(const Group& group) {
  const int id = static_cast<int>(m_graph.groups.size());
  if (group.parent < -1 || group.parent >= id)
    throw std::invalid_argument("IncrementalLayout::addGroup: parent " + std::to_string(group.parent) + " does not exist");
  m_graph.groups.push_back(group);
  m_groupBoxes.push_back(Rect{});
  m_layout.groupBoxes.push_back(Rect{});
  m_childGroups.emplace_back();
  (group.parent < 0 ? m_topGroups : m_childGroups[static_cast<std::size_t>(group.parent)]).push_back(id);
  return id;
}

int IncrementalLayout::append(const Node& node, const std::vector<int>& inputs) {
  const int id = static_cast<int>(m_graph.nodes.size());
  if (node.group < -1 || node.group >= static_cast<int>(m_graph.groups.size()))
    throw std::invalid_argument("IncrementalLayout::append: unknown group " + std::to_string(node.group));
  for (int input : inputs)
    if (input < 0 || input >= id)
      throw std::invalid_argument("IncrementalLayout::append: input " + std::to_string(input) + " does not exist");
  m_graph.nodes.push_back(node);
  m_placed.push_back(0);
  m_incident.emplace_back();
  m_boxes.push_back(Rect{});
  m_layout.centres.push_back(Point{});
  m_layout.nodeBoxes.push_back(Rect{});
  m_layout.ranks.push_back(-1);
  const bool leftToRight = m_options.direction == Direction::LeftToRight;
  m_tallest = std::max(m_tallest, leftToRight ? nodeWidth(node, m_options) : nodeHeight(node, m_options));
  for (int input : inputs) {
    m_incident[static_cast<std::size_t>(input)].push_back(static_cast<int>(m_graph.edges.size()));
    m_incident[static_cast<std::size_t>(id)].push_back(static_cast<int>(m_graph.edges.size()));
    m_graph.edges.push_back(Edge{input, id});
    m_layout.routes.emplace_back();
  }
  if (inputs.empty()) {
    m_pending.push_back(id);
    return id;
  }

  int rank = 0;
  double sum = 0.0;
  int placedInputs = 0;
  std::vector<int> waiting;
  for (int input : inputs) {
    if (isPlaced(input)) {
      rank = std::max(rank, m_layout.ranks[static_cast<std::size_t>(input)] + 1);
      const Rect& box = m_boxes[static_cast<std::size_t>(input)];
      sum += box.x + box.width / 2;
      ++placedInputs;
    } else if (std::find(waiting.begin(), waiting.end(), input) == waiting.end()) {
      waiting.push_back(input);
    }
  }
  if (!waiting.empty()) rank = std::max(rank, 1);
  // As in LayeredLayout: a waiting parameter's group starts below the placed inputs that
  // are outside it, so the parameter gets a rank of its own above this node.
  for (int w : waiting)
    for (int input : inputs)
      if (isPlaced(input) && !inside(m_graph.nodes[static_cast<std::size_t>(input)].group,
                                     m_graph.nodes[static_cast<std::size_t>(w)].group) &&
          m_graph.nodes[static_cast<std::size_t>(w)].group >= 0)
        rank = std::max(rank, m_layout.ranks[static_cast<std::size_t>(input)] + 2);
  double desired = 0.0;
  if (placedInputs > 0) {
    desired = sum / placedInputs;
  } else if (static_cast<std::size_t>(rank) < m_rows.size() && !m_rows[static_cast<std::size_t>(rank)].empty()) {
    desired = m_rows[static_cast<std::size_t>(rank)].back().right + m_options.nodeSeparation;
  }
  // Parameters of the node's own groups first, right above it; other waiting inputs
  // beside them, outside the groups' boxes.
  std::stable_sort(waiting.begin(), waiting.end(), [&](int a, int b) {
    return inside(m_graph.nodes[static_cast<std::size_t>(a)].group, node.group) &&
           !inside(m_graph.nodes[static_cast<std::size_t>(b)].group, node.group);
  });
  rank = placeNode(id, rank, desired, true);
  const double x = m_boxes[static_cast<std::size_t>(id)].x + m_boxes[static_cast<std::size_t>(id)].width / 2;
  for (int input : waiting) {
    placeNode(input, rank - 1, x, false);
    m_pending.erase(std::find(m_pending.begin(), m_pending.end(), input));
  }
  return id;
}

void IncrementalLayout::placePending() {
  for (int node : m_pending) {
    const double desired = m_rows.empty() || m_rows[0].empty() ? 0.0 : m_rows[0].back().right + m_options.nodeSeparation;
    placeNode(node, 0, desired, false);
  }
  m_pending.clear();
}

void IncrementalLayout::compact() {
  m_layout = LayeredLayout(m_options).run(m_graph);
  const bool leftToRight = m_options.direction == Direction::LeftToRight;
  m_pending.clear();
  m_rankY = m_layout.rankCoordinates;
  m_rows.assign(m_rankY.size(), {});
  m_rowNodes.assign(m_rankY.size(), {});
  for (std::size_t n = 0; n < m_graph.nodes.size(); ++n) {
    m_placed[n] = 1;
    m_boxes[n] = leftToRight ? transposed(m_layout.nodeBoxes[n]) : m_layout.nodeBoxes[n];
  }
  for (std::size_t g = 0; g < m_graph.groups.size(); ++g)
    m_groupBoxes[g] = leftToRight ? transposed(m_layout.groupBoxes[g]) : m_layout.groupBoxes[g];
  std::vector<int> order(m_graph.nodes.size());
  for (std::size_t n = 0; n < order.size(); ++n) order[n] = static_cast<int>(n);
  std::sort(order.begin(), order.end(), [&](int a, int b) {
    return m_boxes[static_cast<std::size_t>(a)].x < m_boxes[static_cast<std::size_t>(b)].x;
  });
  for (int n : order) {
    const auto r = static_cast<std::size_t>(m_layout.ranks[static_cast<std::size_t>(n)]);
    const Rect& box = m_boxes[static_cast<std::size_t>(n)];
    m_rows[r].push_back(Slot{box.x, box.right()});
    m_rowNodes[r].push_back(n);
  }
  for (std::size_t n = 0; n < m_graph.nodes.size(); ++n) reservePassPoints(static_cast<int>(n));
}

void IncrementalLayout::ensureRank(int rank) {
  const double pitch = std::max(m_tallest, m_options.defaultHeight * 0.5) + m_options.rankSeparation +
                       2 * m_options.groupPadding;
  while (static_cast<int>(m_rankY.size()) <= rank) {
    m_rankY.push_back(m_rankY.empty() ? m_tallest / 2 + m_options.groupPadding : m_rankY.back() + pitch);
    m_rows.emplace_back();
    m_rowNodes.emplace_back();
  }
}

// The free centre nearest to x on one side, for a node of `width` in `rank`.
double IncrementalLayout::freeX(int rank, double x, double width, bool rightwards) const {
  const auto& row = m_rows[static_cast<std::size_t>(rank)];
  const double sep = m_options.nodeSeparation;
  const double eps = 1e-6;  // a slot touching the window's edge leaves it free
  // Each step jumps past one slot, so this ends within the row's length.
  for (std::size_t step = 0; step <= row.size(); ++step) {
    const double left = x - width / 2 - sep, right = x + width / 2 + sep;
    // First slot whose right end passes `left`; slots are disjoint and sorted.
    auto it = std::upper_bound(row.begin(), row.end(), left + eps,
                               [](double value, const Slot& s) { return value < s.right; });
    if (it == row.end() || it->left >= right - eps) return x;
    x = rightwards ? it->right + sep + width / 2 : it->left - sep - width / 2;
  }
  return x;
}

bool IncrementalLayout::inside(int group, int ancestor) const {
  for (int g = group; g >= 0; g = m_graph.groups[static_cast<std::size_t>(g)].parent)
    if (g == ancestor) return true;
  return false;
}

const std::vector<int>& IncrementalLayout::siblingsOf(int group) const {
  const int parent = m_graph.groups[static_cast<std::size_t>(group)].parent;
  return parent < 0 ? m_topGroups : m_childGroups[static_cast<std::size_t>(parent)];
}

// Would placing `node` at `box` put it inside a group it is not in, or grow one of its
// groups over a sibling group or over a node that is not a member?
IncrementalLayout::Conflict IncrementalLayout::check(int node, const Rect& box) const {
  const double margin = m_options.nodeSeparation / 2;
  const int own = m_graph.nodes[static_cast<std::size_t>(node)].group;
  Conflict conflict;
  const double x = box.x + box.width / 2, sep = m_options.nodeSeparation;
  // Moving the node moves `item` by as much (or widens it by as much, for a group).
  auto hit = [&](const Rect& item, const Rect& obstacle) {
    return Conflict{true, x + (obstacle.right() + sep - item.x), x - (item.right() + sep - obstacle.x)};
  };
  auto against = [&](const Rect& item, const std::vector<int>& groups, int except) {
    const Rect padded = grown(item, margin);
    for (int g : groups) {
      const Rect& other = m_groupBoxes[static_cast<std::size_t>(g)];
      if (g == except || other.empty() || !padded.overlaps(other)) continue;
      conflict = hit(item, other);
      return true;
    }
    return false;
  };
  if (against(box, own < 0 ? m_topGroups : m_childGroups[static_cast<std::size_t>(own)], -1)) return conflict;

  Rect item = box;
  for (int g = own; g >= 0; g = m_graph.groups[static_cast<std::size_t>(g)].parent) {
    const Rect& old = m_groupBoxes[static_cast<std::size_t>(g)];
    const Rect grownBox = unite(old, grown(item, m_options.groupPadding));
    if (against(grownBox, siblingsOf(g), g)) return conflict;
    // Nodes newly covered: those in the grown box but not in the old one (the old box
    // holds members only). Rows beside the old box are scanned only where it widened.
    auto scan = [&](double top, double bottom, double left, double right) {
      if (top >= bottom || left >= right) return false;
      auto it = std::lower_bound(m_rankY.begin(), m_rankY.end(), top - m_tallest);
      for (; it != m_rankY.end() && *it - m_tallest < bottom; ++it) {
        const auto r = static_cast<std::size_t>(it - m_rankY.begin());
        const auto& row = m_rows[r];
        auto slot = std::upper_bound(row.begin(), row.end(), left,
                                     [](double value, const Slot& s) { return value < s.right; });
        for (; slot != row.end() && slot->left < right; ++slot) {
          const int other = m_rowNodes[r][static_cast<std::size_t>(slot - row.begin())];
          if (other < 0) continue;  // where an edge passes, not a node
          const Rect& otherBox = m_boxes[static_cast<std::size_t>(other)];
          if (!grownBox.overlaps(otherBox) || (!old.empty() && old.contains(otherBox))) continue;
          if (inside(m_graph.nodes[static_cast<std::size_t>(other)].group, g)) continue;
          conflict = hit(grownBox, otherBox);
          return true;
        }
      }
      return false;
    };
    if (old.empty()) {
      if (scan(grownBox.y, grownBox.bottom(), grownBox.x, grownBox.right())) return conflict;
    } else if (scan(grownBox.y, old.y, grownBox.x, grownBox.right()) ||
               scan(old.bottom(), grownBox.bottom(), grownBox.x, grownBox.right()) ||
               scan(old.y, old.bottom(), grownBox.x, old.x) ||
               scan(old.y, old.bottom(), old.right(), grownBox.right())) {
      return conflict;
    }
    item = grownBox;
  }
  return conflict;
}

std::optional<double> IncrementalLayout::findSlot(int node, int rank, double desiredX) const {
  const Node& n = m_graph.nodes[static_cast<std::size_t>(node)];
  const bool leftToRight = m_options.direction == Direction::LeftToRight;
  const double width = leftToRight ? nodeHeight(n, m_options) : nodeWidth(n, m_options);
  const double height = leftToRight ? nodeWidth(n, m_options) : nodeHeight(n, m_options);
  const double y = m_rankY[static_cast<std::size_t>(rank)];
  auto boxAt = [&](double x) { return Rect{x - width / 2, y - height / 2, width, height}; };

  // Candidates nearest to the desired position first; each conflict proposes the
  // positions that would clear what was hit, on both sides.
  std::vector<double> candidates = {freeX(rank, desiredX, width, true), freeX(rank, desiredX, width, false)};
  std::vector<double> tried;
  for (int attempt = 0; attempt < kCandidateLimit && !candidates.empty(); ++attempt) {
    // Nearest first; between two sides about as near, the one towards the first node's
    // column, so that detours around placed nodes do not all drift the same way.
    auto score = [&](double x) { return std::fabs(x - desiredX) + kHomePull * std::fabs(x - m_home); };
    auto best = std::min_element(candidates.begin(), candidates.end(), [&](double a, double b) {
      const double da = score(a), db = score(b);
      return da != db ? da < db : a < b;
    });
    const double x = *best;
    candidates.erase(best);
    if (std::any_of(tried.begin(), tried.end(), [&](double t) { return std::fabs(t - x) < 1e-6; })) continue;
    tried.push_back(x);
    Conflict conflict = check(node, boxAt(x));
    if (!conflict.found) conflict = edgesClear(node, rank, x);
    if (!conflict.found) return x;
    candidates.push_back(freeX(rank, conflict.rightX, width, true));
    candidates.push_back(freeX(rank, conflict.leftX, width, false));
  }
  return std::nullopt;
}

int IncrementalLayout::placeNode(int node, int rank, double desiredX, bool mayGoLower) {
  const Node& n = m_graph.nodes[static_cast<std::size_t>(node)];
  const bool leftToRight = m_options.direction == Direction::LeftToRight;
  const double width = leftToRight ? nodeHeight(n, m_options) : nodeWidth(n, m_options);
  const double height = leftToRight ? nodeWidth(n, m_options) : nodeHeight(n, m_options);
  // A slot far to the side is worth less than one a rank or two lower, near the inputs.
  const double nearEnough = 2.0 * (width + m_options.nodeSeparation);
  std::optional<double> bestX;
  int bestRank = rank;
  double bestScore = 0.0;
  for (int r = rank; r <= rank + (mayGoLower ? kExtraRanks : 0); ++r) {
    ensureRank(r);
    const std::optional<double> x = findSlot(node, r, desiredX);
    if (!x) continue;
    const double score = std::fabs(*x - desiredX) + (r - rank) * nearEnough;
    if (!bestX || score < bestScore) {
      bestX = x;
      bestRank = r;
      bestScore = score;
    }
    if (std::fabs(*x - desiredX) <= nearEnough) break;
  }
  if (bestX) {
    const double y = m_rankY[static_cast<std::size_t>(bestRank)];
    commit(node, bestRank, Rect{*bestX - width / 2, y - height / 2, width, height});
    return bestRank;
  }
  // No slot keeps the groups apart: right of everything in reach, and counted.
  double right = desiredX;
  for (const Rect& r : m_groupBoxes)
    if (!r.empty()) right = std::max(right, r.right());
  for (const auto& row : m_rows)
    if (!row.empty()) right = std::max(right, row.back().right);
  const double x = freeX(rank, right + m_options.nodeSeparation + width / 2 + m_options.groupPadding * 4, width, true);
  const double y = m_rankY[static_cast<std::size_t>(rank)];
  const Rect box{x - width / 2, y - height / 2, width, height};
  if (check(node, box).found) ++m_conflicts;
  commit(node, rank, box);
  return rank;
}

void IncrementalLayout::commit(int node, int rank, const Rect& box) {
  const auto n = static_cast<std::size_t>(node);
  if (!m_hasHome) {
    m_home = box.x + box.width / 2;
    m_hasHome = true;
  }
  m_placed[n] = 1;
  m_boxes[n] = box;
  m_layout.ranks[n] = rank;
  auto& row = m_rows[static_cast<std::size_t>(rank)];
  auto it = std::lower_bound(row.begin(), row.end(), box.x, [](const Slot& s, double value) { return s.left < value; });
  const auto index = it - row.begin();
  row.insert(it, Slot{box.x, box.right()});
  auto& nodes = m_rowNodes[static_cast<std::size_t>(rank)];
  nodes.insert(nodes.begin() + index, node);
  Rect item = box;
  for (int g = m_graph.nodes[n].group; g >= 0; g = m_graph.groups[static_cast<std::size_t>(g)].parent) {
    auto& groupBox = m_groupBoxes[static_cast<std::size_t>(g)];
    groupBox = unite(groupBox, grown(item, m_options.groupPadding));
    item = groupBox;
    publishGroup(g);
  }
  publishNode(node);
  publishEdges(node);
  reservePassPoints(node);
}

// The rows a long input edge of `node` crosses, and where: (row, x) for each.
template <typename Visit>
void IncrementalLayout::forEachPassPoint(int node, int rank, double x, Visit visit) const {
  const double y = m_rankY[static_cast<std::size_t>(rank)];
  for (int e : m_incident[static_cast<std::size_t>(node)]) {
    const Edge& edge = m_graph.edges[static_cast<std::size_t>(e)];
    if (edge.to != node || !isPlaced(edge.from)) continue;
    const int from = m_layout.ranks[static_cast<std::size_t>(edge.from)];
    const Rect& box = m_boxes[static_cast<std::size_t>(edge.from)];
    const double fx = box.x + box.width / 2, fy = m_rankY[static_cast<std::size_t>(from)];
    for (int r = from + 1; r < rank; ++r) {
      const double t = (m_rankY[static_cast<std::size_t>(r)] - fy) / (y - fy);
      if (visit(r, fx + t * (x - fx), t, fx)) return;
    }
  }
}

IncrementalLayout::Conflict IncrementalLayout::edgesClear(int node, int rank, double x) const {
  Conflict conflict;
  const double margin = m_options.nodeSeparation / 2;
  forEachPassPoint(node, rank, x, [&](int r, double px, double passFraction, double passFrom) {
    const auto& row = m_rows[static_cast<std::size_t>(r)];
    auto slot = std::upper_bound(row.begin(), row.end(), px - margin,
                                 [](double value, const Slot& s) { return value < s.right; });
    for (; slot != row.end() && slot->left < px + margin; ++slot) {
      if (m_rowNodes[static_cast<std::size_t>(r)][static_cast<std::size_t>(slot - row.begin())] < 0) continue;
      // The pass point moves by t for every unit the node moves.
      const double t = passFraction;
      const double fx = passFrom;
      conflict = Conflict{true, fx + (slot->right + margin + 1e-3 - fx) / t, fx + (slot->left - margin - 1e-3 - fx) / t};
      return true;
    }
    return false;
  });
  return conflict;
}

void IncrementalLayout::reservePassPoints(int node) {
  const Rect& box = m_boxes[static_cast<std::size_t>(node)];
  forEachPassPoint(node, m_layout.ranks[static_cast<std::size_t>(node)], box.x + box.width / 2, [&](int r, double px, double, double) {
    auto& row = m_rows[static_cast<std::size_t>(r)];
    auto it = std::lower_bound(row.begin(), row.end(), px, [](const Slot& s, double value) { return s.left < value; });
    const bool free = (it == row.end() || it->left > px) && (it == row.begin() || std::prev(it)->right < px);
    if (free) {
      auto& nodes = m_rowNodes[static_cast<std::size_t>(r)];
      nodes.insert(nodes.begin() + (it - row.begin()), -1);
      row.insert(it, Slot{px, px});
    }
    return false;
  });
}

Rect IncrementalLayout::toOutput(const Rect& frame) const {
  return m_options.direction == Direction::LeftToRight ? transposed(frame) : frame;
}

void IncrementalLayout::publishNode(int node) {
  const Rect box = toOutput(m_boxes[static_cast<std::size_t>(node)]);
  m_layout.nodeBoxes[static_cast<std::size_t>(node)] = box;
  m_layout.centres[static_cast<std::size_t>(node)] = Point{box.x + box.width / 2, box.y + box.height / 2};
  m_layout.bounds = unite(m_layout.bounds, box);
}

void IncrementalLayout::publishGroup(int group) {
  const Rect box = toOutput(m_groupBoxes[static_cast<std::size_t>(group)]);
  m_layout.groupBoxes[static_cast<std::size_t>(group)] = box;
  m_layout.bounds = unite(m_layout.bounds, box);
}

void IncrementalLayout::publishEdges(int node) {
  for (int e : m_incident[static_cast<std::size_t>(node)]) {
    const Edge& edge = m_graph.edges[static_cast<std::size_t>(e)];
    auto& route = m_layout.routes[static_cast<std::size_t>(e)];
    route.clear();
    if (isPlaced(edge.from) && isPlaced(edge.to))
      route = {m_layout.centres[static_cast<std::size_t>(edge.from)], m_layout.centres[static_cast<std::size_t>(edge.to)]};
  }
}

}  // namespace td::layout
