// The recorder's loss curve: every backward() from a one-element float root adds a point
// (iteration, value), with no code in the training loop; other roots add none.
#include <gtest/gtest.h>

#include <cmath>
#include <vector>

#include "tapedeck/Tapedeck.h"
#include "tapedeck/debug/Debugger.h"
#include "tapedeck/debug/Recorder.h"

namespace {

using td::debug::LossPoint;
using td::debug::Recorder;

TEST(LossCurve, EachBackwardFromAScalarRootIsAPoint) {
  Recorder recorder;
  td::Tape::step();
  recorder.attach();
  td::Tensor w = td::fromVector(std::vector<double>{1.0, -2.0}, {2}, td::DType::Float64);
  w.setRequiresGrad();
  std::vector<double> expected;
  for (int step = 0; step < 3; ++step) {
    td::Tensor loss = td::sum(td::mul(w, w)) * static_cast<double>(step + 1);
    expected.push_back(loss.toVector()[0]);
    loss.backward();
  }
  td::sum(td::mul(w, w)).backward(td::ones({}, td::DType::Float64));  // explicit gradient: still a scalar root
  td::Tensor vector = td::mul(w, 3.0);
  vector.backward(td::ones({2}, td::DType::Float64));  // not one element: no point
  recorder.detach();

  const std::vector<LossPoint> points = recorder.losses();
  ASSERT_EQ(points.size(), 4u);
  for (std::size_t i = 0; i < 3; ++i) {
    EXPECT_DOUBLE_EQ(points[i].value, expected[i]);
    EXPECT_EQ(points[i].backward, i + 1);
  }
  EXPECT_GT(points[1].iteration, points[0].iteration);  // one backward per iteration here
  EXPECT_EQ(recorder.lossCount(), 4u);
  // From the third point on (as a view that already has two asks for).
  const std::vector<LossPoint> later = recorder.losses(2);
  ASSERT_EQ(later.size(), 2u);
  EXPECT_EQ(later[0].backward, 3u);
  recorder.clear();
  EXPECT_TRUE(recorder.losses().empty());
}

TEST(LossCurve, ADebuggerForwardsTheRootsAndANanLossIsKept) {
  auto recorder = std::make_shared<Recorder>();
  td::debug::Debugger debugger;
  debugger.setRecorder(recorder);
  debugger.attach();
  td::Tensor w = td::fromVector(std::vector<float>{-1.0f}, {1});
  w.setRequiresGrad();
  td::sum(td::log(w)).backward();  // log(-1): NaN
  debugger.detach();
  const std::vector<LossPoint> points = recorder->losses();
  ASSERT_EQ(points.size(), 1u);
  EXPECT_TRUE(std::isnan(points[0].value));
}

}  // namespace
