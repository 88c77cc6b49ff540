#include "CrossingCounter.h"

#include <algorithm>
#include <cmath>
#include <stdexcept>
#include <utility>

namespace td::layout {

namespace {

struct Segment {
  Point a;
  Point b;
  int u = 0;  // end nodes, u < v
  int v = 0;
  double yMin = 0.0;
  double yMax = 0.0;
  double xMin = 0.0;
  double xMax = 0.0;
};

Point centre(const Rect& r) { return {r.x + r.width / 2.0, r.y + r.height / 2.0}; }

// Sign of the turn a -> b -> c, with a tolerance relative to the coordinates' size, so
// that points on a line computed in floating point read as collinear.
int orientation(const Point& a, const Point& b, const Point& c) {
  const double cross = (b.x - a.x) * (c.y - a.y) - (b.y - a.y) * (c.x - a.x);
  const double scale = (std::fabs(b.x - a.x) + std::fabs(b.y - a.y)) * (std::fabs(c.x - a.x) + std::fabs(c.y - a.y));
  if (std::fabs(cross) <= 1e-12 * scale) return 0;
  return cross > 0 ? 1 : -1;
}

bool onSegment(const Point& a, const Point& b, const Point& p) {
  return std::min(a.x, b.x) <= p.x && p.x <= std::max(a.x, b.x) && std::min(a.y, b.y) <= p.y &&
         p.y <= std::max(a.y, b.y);
}

bool intersects(const Segment& s, const Segment& t) {
  const int o1 = orientation(s.a, s.b, t.a);
  const int o2 = orientation(s.a, s.b, t.b);
  const int o3 = orientation(t.a, t.b, s.a);
  const int o4 = orientation(t.a, t.b, s.b);
  if (o1 != o2 && o3 != o4 && o1 * o2 <= 0 && o3 * o4 <= 0) {
    if (o1 != 0 || o2 != 0) return true;
  }
  if (o1 == 0 && onSegment(s.a, s.b, t.a)) return true;
  if (o2 == 0 && onSegment(s.a, s.b, t.b)) return true;
  if (o3 == 0 && onSegment(t.a, t.b, s.a)) return true;
  if (o4 == 0 && onSegment(t.a, t.b, s.b)) return true;
  return false;
}

// Collinear with a stretch of positive length in common.
bool overlapsCollinearly(const Segment& s, const Segment& t) {
  if (orientation(s.a, s.b, t.a) != 0 || orientation(s.a, s.b, t.b) != 0) return false;
  // Project on the dominant axis of s.
  const bool alongX = std::fabs(s.b.x - s.a.x) >= std::fabs(s.b.y - s.a.y);
  auto coord = [alongX](const Point& p) { return alongX ? p.x : p.y; };
  const double s0 = std::min(coord(s.a), coord(s.b)), s1 = std::max(coord(s.a), coord(s.b));
  const double t0 = std::min(coord(t.a), coord(t.b)), t1 = std::max(coord(t.a), coord(t.b));
  const double length = std::min(s1, t1) - std::max(s0, t0);
  return length > 1e-9 * (1.0 + std::fabs(s1 - s0) + std::fabs(t1 - t0));
}

// Liang-Barsky: does the segment meet the open interior of the box?
bool passesThrough(const Segment& s, const Rect& box) {
  const double eps = 1e-7 * (1.0 + box.width + box.height);
  const double left = box.x + eps, right = box.right() - eps, top = box.y + eps, bottom = box.bottom() - eps;
  if (left >= right || top >= bottom) return false;
  const double dx = s.b.x - s.a.x, dy = s.b.y - s.a.y;
  double t0 = 0.0, t1 = 1.0;
  const double p[4] = {-dx, dx, -dy, dy};
  const double q[4] = {s.a.x - left, right - s.a.x, s.a.y - top, bottom - s.a.y};
  for (int i = 0; i < 4; ++i) {
    if (p[i] == 0.0) {
      if (q[i] <= 0.0) return false;
      continue;
    }
    const double r = q[i] / p[i];
    if (p[i] < 0.0) {
      t0 = std::max(t0, r);
    } else {
      t1 = std::min(t1, r);
    }
    if (t0 >= t1) return false;
  }
  return t0 < t1;
}

}  // namespace

CrossingCount countCrossings(const std::vector<Rect>& boxes, const std::vector<Edge>& edges) {
  const int nodeCount = static_cast<int>(boxes.size());
  std::vector<std::pair<int, int>> pairs;
  pairs.reserve(edges.size());
  for (const Edge& e : edges) {
    if (e.from < 0 || e.to < 0 || e.from >= nodeCount || e.to >= nodeCount)
      throw std::out_of_range("countCrossings: edge end outside the node list");
    if (e.from == e.to) continue;
    pairs.emplace_back(std::min(e.from, e.to), std::max(e.from, e.to));
  }
  std::sort(pairs.begin(), pairs.end());
  pairs.erase(std::unique(pairs.begin(), pairs.end()), pairs.end());

  std::vector<Segment> segments;
  segments.reserve(pairs.size());
  for (const auto& [u, v] : pairs) {
    Segment s;
    s.a = centre(boxes[u]);
    s.b = centre(boxes[v]);
    s.u = u;
    s.v = v;
    s.yMin = std::min(s.a.y, s.b.y);
    s.yMax = std::max(s.a.y, s.b.y);
    s.xMin = std::min(s.a.x, s.b.x);
    s.xMax = std::max(s.a.x, s.b.x);
    segments.push_back(s);
  }
  // Sweep by the top of each segment: only segments whose y-ranges meet are compared.
  std::sort(segments.begin(), segments.end(), [](const Segment& s, const Segment& t) {
    return s.yMin != t.yMin ? s.yMin < t.yMin : std::make_pair(s.u, s.v) < std::make_pair(t.u, t.v);
  });

  CrossingCount count;
  for (std::size_t i = 0; i < segments.size(); ++i) {
    const Segment& s = segments[i];
    for (std::size_t j = i + 1; j < segments.size() && segments[j].yMin <= s.yMax; ++j) {
      const Segment& t = segments[j];
      if (t.xMin > s.xMax || s.xMin > t.xMax) continue;
      const bool sharesEnd = s.u == t.u || s.u == t.v || s.v == t.u || s.v == t.v;
      if (sharesEnd ? overlapsCollinearly(s, t) : intersects(s, t)) ++count.edgePairs;
    }
  }

  // Nodes sorted by top; a segment meets only boxes whose top lies above its bottom and
  // whose top lies below its top minus the tallest box.
  std::vector<int> byTop(boxes.size());
  double tallest = 0.0;
  for (int i = 0; i < nodeCount; ++i) {
    byTop[i] = i;
    tallest = std::max(tallest, boxes[i].height);
  }
  std::sort(byTop.begin(), byTop.end(), [&](int a, int b) {
    return boxes[a].y != boxes[b].y ? boxes[a].y < boxes[b].y : a < b;
  });
  std::vector<double> tops(byTop.size());
  for (std::size_t i = 0; i < byTop.size(); ++i) tops[i] = boxes[byTop[i]].y;
  for (const Segment& s : segments) {
    auto first = std::lower_bound(tops.begin(), tops.end(), s.yMin - tallest);
    for (auto it = first; it != tops.end() && *it < s.yMax; ++it) {
      const int node = byTop[static_cast<std::size_t>(it - tops.begin())];
      if (node == s.u || node == s.v) continue;
      const Rect& box = boxes[node];
      if (box.right() < s.xMin || box.x > s.xMax || box.bottom() < s.yMin) continue;
      if (passesThrough(s, box)) ++count.edgeThroughNode;
    }
  }
  return count;
}

}  // namespace td::layout
