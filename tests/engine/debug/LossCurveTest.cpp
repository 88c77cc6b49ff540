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

  // autograd::grad's root is no loss (a derivative taken on the way): no point, no count.
  td::Tensor inner = td::sum(td::mul(w, w));
  const std::vector<td::Tensor> dw = td::autograd::grad({inner}, {w});
  ASSERT_EQ(dw.size(), 1u);
  EXPECT_FALSE(td::Tape::inGradCall()) << "outside any backward";
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

namespace {

TEST(GradNorms, TrackedOnRequestPerNamedParameterAfterEachBackward) {
  Recorder recorder;
  td::Tape::step();
  recorder.attach();
  td::Tensor w = td::fromVector(std::vector<double>{3.0, 4.0}, {2}, td::DType::Float64);
  w.setRequiresGrad().setName("fc.weight");
  td::Tensor b = td::fromVector(std::vector<double>{1.0}, {1}, td::DType::Float64);
  b.setRequiresGrad().setName("fc.bias");
  td::Tensor unnamed = td::fromVector(std::vector<double>{1.0, 1.0}, {2}, td::DType::Float64);
  unnamed.setRequiresGrad();
  // Off by default: nothing.
  td::sum(td::mul(w, w)).backward();
  EXPECT_EQ(recorder.gradNormCount(), 0u);

  recorder.setGradNormTracking(true);
  for (int step = 0; step < 2; ++step) {
    w.setGrad(td::Tensor());
    b.setGrad(td::Tensor());
    // d/dw sum(w*w) = 2w: norm 2*5 = 10; d/db sum(b*3) = 3.
    td::Tensor loss = td::add(td::sum(td::mul(w, w)), td::sum(td::mul(b, 3.0)));
    loss = td::add(loss, td::sum(td::mul(unnamed, 0.0)));
    td::autograd::grad({td::sum(td::mul(w, w))}, {w});  // .grad unchanged: no norms of its own
    loss.backward();
  }
  recorder.detach();
  const std::vector<td::debug::GradNormPoint> points = recorder.gradNorms();
  ASSERT_EQ(points.size(), 4u);  // two parameters, two backward() calls; the unnamed leaf is not one
  EXPECT_EQ(points[0].name, "fc.bias");
  EXPECT_DOUBLE_EQ(points[0].norm, 3.0);
  EXPECT_EQ(points[1].name, "fc.weight");
  EXPECT_DOUBLE_EQ(points[1].norm, 10.0);
  EXPECT_EQ(points[3].name, "fc.weight");
  EXPECT_GT(points[2].backward, points[0].backward);
  EXPECT_EQ(recorder.gradNorms(3).size(), 1u);
  // A parameter no longer read (a model let go of) is neither reported nor kept alive.
  recorder.attach();
  {
    td::Tensor other = td::fromVector(std::vector<double>{2.0}, {1}, td::DType::Float64);
    other.setRequiresGrad().setName("other.weight");
    td::sum(td::mul(other, other)).backward();
  }
  td::sum(td::mul(b, 2.0)).backward();
  recorder.detach();
  const std::vector<td::debug::GradNormPoint> later = recorder.gradNorms(4);
  ASSERT_EQ(later.size(), 2u);
  EXPECT_EQ(later[0].name, "other.weight");
  EXPECT_EQ(later[1].name, "fc.bias");  // not fc.weight: not read by that forward pass
  recorder.setGradNormTracking(false);
  recorder.clear();
  EXPECT_EQ(recorder.gradNormCount(), 0u);
}

TEST(GradNorms, TurnedOffTheParametersGoAtTheNextBackwardOnTheTrainingThread) {
  // Letting go of a parameter may take the GIL (NumPy memory, a Python hook): turning the
  // tracking off (the IDE's GUI thread) must not be where that happens.
  Recorder recorder;
  recorder.setGradNormTracking(true);
  recorder.attach();
  const int64_t baseline = td::TensorImpl::liveCount();
  {
    td::Tensor w = td::fromVector(std::vector<double>{1.0, 2.0}, {2}, td::DType::Float64);
    w.setRequiresGrad().setName("fc.weight");
    td::sum(td::mul(w, w)).backward();
  }
  EXPECT_GT(td::TensorImpl::liveCount(), baseline) << "tracked: the parameter is referenced";
  recorder.setGradNormTracking(false);
  EXPECT_GT(td::TensorImpl::liveCount(), baseline) << "not let go of on the thread that turned tracking off";
  {
    td::Tensor x = td::fromVector(std::vector<double>{3.0}, {1}, td::DType::Float64);
    x.setRequiresGrad();
    td::sum(td::mul(x, x)).backward();
  }
  EXPECT_EQ(td::TensorImpl::liveCount(), baseline) << "let go of by the next backward()";
  recorder.detach();
}

}  // namespace
