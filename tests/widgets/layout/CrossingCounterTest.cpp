// The crossing counter on hand-made drawings (widgets/layout/CrossingCounter.cpp).
#include "layout/CrossingCounter.h"

#include <gtest/gtest.h>

namespace td::layout {
namespace {

// A 10x10 node box centred on (x, y).
Rect at(double x, double y) { return Rect{x - 5, y - 5, 10, 10}; }

TEST(CrossingCounter, TwoSegmentsThatCrossCountOnce) {
  const std::vector<Rect> boxes = {at(0, 0), at(100, 100), at(100, 0), at(0, 100)};
  const CrossingCount count = countCrossings(boxes, {{0, 1}, {2, 3}});
  EXPECT_EQ(count.edgePairs, 1);
  EXPECT_EQ(count.edgeThroughNode, 0);
  EXPECT_EQ(count.total(), 1);
}

TEST(CrossingCounter, DisjointAndParallelSegmentsDoNotCount) {
  const std::vector<Rect> boxes = {at(0, 0), at(0, 100), at(50, 0), at(50, 100)};
  EXPECT_EQ(countCrossings(boxes, {{0, 1}, {2, 3}}).total(), 0);
}

TEST(CrossingCounter, SharedEndpointsAreExcluded) {
  // A fan out of node 0: the segments meet only at their common end.
  const std::vector<Rect> boxes = {at(0, 0), at(-100, 100), at(0, 100), at(100, 100)};
  EXPECT_EQ(countCrossings(boxes, {{0, 1}, {0, 2}, {0, 3}}).total(), 0);
}

TEST(CrossingCounter, CollinearOverlapCountsEvenWithASharedEnd) {
  // 0 -> 1 lies along 0 -> 2, which also passes through node 1.
  const std::vector<Rect> boxes = {at(0, 0), at(0, 100), at(0, 200)};
  const CrossingCount count = countCrossings(boxes, {{0, 1}, {0, 2}});
  EXPECT_EQ(count.edgePairs, 1);
  EXPECT_EQ(count.edgeThroughNode, 1);
}

TEST(CrossingCounter, CollinearOverlapWithoutSharedEnds) {
  const std::vector<Rect> boxes = {at(0, 0), at(0, 100), at(0, 200), at(0, 300)};
  const CrossingCount count = countCrossings(boxes, {{0, 2}, {1, 3}});
  EXPECT_EQ(count.edgePairs, 1);
  EXPECT_EQ(count.edgeThroughNode, 2);  // 0-2 through node 1, 1-3 through node 2
}

TEST(CrossingCounter, CollinearButApartDoesNotCount) {
  const std::vector<Rect> boxes = {at(0, 0), at(0, 100), at(0, 300), at(0, 400)};
  EXPECT_EQ(countCrossings(boxes, {{0, 1}, {2, 3}}).total(), 0);
}

TEST(CrossingCounter, AnEdgeThroughAnotherNodeCounts) {
  const std::vector<Rect> boxes = {at(0, 0), at(0, 200), at(3, 100), at(40, 100)};
  const CrossingCount count = countCrossings(boxes, {{0, 1}});
  EXPECT_EQ(count.edgeThroughNode, 1);  // node 2 (its box spans x -2..8), not node 3
  EXPECT_EQ(count.edgePairs, 0);
}

TEST(CrossingCounter, AnEdgeGrazingABoxDoesNotCount) {
  // The segment runs along the box's left side, not through its interior.
  const std::vector<Rect> boxes = {at(0, 0), at(0, 200), Rect{0, 95, 10, 10}};
  EXPECT_EQ(countCrossings(boxes, {{0, 1}}).total(), 0);
}

TEST(CrossingCounter, TouchingAtAnInteriorPointCounts) {
  // 2 -> 3 ends on the middle of 0 -> 1: the segments intersect (and 0 -> 1 passes
  // through node 3).
  const std::vector<Rect> boxes = {at(0, 0), at(200, 0), at(100, 100), at(100, 0)};
  const CrossingCount count = countCrossings(boxes, {{0, 1}, {2, 3}});
  EXPECT_EQ(count.edgePairs, 1);
  EXPECT_EQ(count.edgeThroughNode, 1);
}

TEST(CrossingCounter, RepeatedEdgesAndSelfLoopsAreDropped) {
  const std::vector<Rect> boxes = {at(0, 0), at(0, 100)};
  EXPECT_EQ(countCrossings(boxes, {{0, 1}, {0, 1}, {1, 0}, {1, 1}}).total(), 0);
}

TEST(CrossingCounter, RejectsEdgesToMissingNodes) {
  EXPECT_THROW(countCrossings(std::vector<Rect>{at(0, 0)}, {{0, 3}}), std::out_of_range);
}

TEST(CrossingCounter, CountsEveryCrossingOfAGrid) {
  // Five vertical and five horizontal segments: 25 crossings.
  std::vector<Rect> boxes;
  std::vector<Edge> edges;
  for (int i = 0; i < 5; ++i) {
    boxes.push_back(at(100 + 50 * i, 0));
    boxes.push_back(at(100 + 50 * i, 400));
    edges.push_back({4 * i, 4 * i + 1});
    boxes.push_back(at(0, 100 + 50 * i));
    boxes.push_back(at(400, 100 + 50 * i));
    edges.push_back({4 * i + 2, 4 * i + 3});
  }
  EXPECT_EQ(countCrossings(boxes, edges).edgePairs, 25);
}

}  // namespace
}  // namespace td::layout
