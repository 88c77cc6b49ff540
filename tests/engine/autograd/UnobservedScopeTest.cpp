// UnobservedScope: what the debugger evaluates while paused (an expression typed into the
// console) runs and differentiates, but observers see none of it and the iteration stays.
#include <gtest/gtest.h>

#include <vector>

#include "../support/RecordingObserver.h"
#include "tapedeck/Tapedeck.h"

namespace {

using tdtest::ObserverScope;
using tdtest::RecordingObserver;

TEST(UnobservedScope, OpsAndBackwardInsideAreNotObservedAndTheIterationStays) {
  td::Tape::step();
  td::Tensor x = td::fromVector(std::vector<double>{1.0, 2.0}, td::IntList{2}, td::DType::Float64);
  x.setRequiresGrad();
  RecordingObserver observer;
  ObserverScope scope(&observer);
  td::Tensor loss = (x * x).sum();
  loss.backward();
  const std::size_t forward = observer.forward.size(), steps = observer.steps.size();
  const uint64_t iteration = td::Tape::iteration();
  {
    td::UnobservedScope quiet;
    td::Tensor y = (x * 3.0).sum();  // the first op after a backward: would end the iteration
    y.backward();
    EXPECT_EQ(x.grad().toVector(), (std::vector<double>{5.0, 7.0}));  // gradients still flow
    {
      td::UnobservedScope nested;
    }
    td::Tensor z = x + 1.0;  // still quiet after a nested scope ends
  }
  EXPECT_EQ(observer.forward.size(), forward);
  EXPECT_EQ(observer.steps.size(), steps);
  EXPECT_TRUE(observer.iterationEnds.empty());
  EXPECT_EQ(td::Tape::iteration(), iteration);
  td::Tensor after = x * x;  // observed again; the run's own backward still ends the iteration
  EXPECT_EQ(observer.forward.size(), forward + 1);
  EXPECT_EQ(td::Tape::iteration(), iteration + 1);
}

}  // namespace
