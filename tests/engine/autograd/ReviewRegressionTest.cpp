// Regressions for bugs found in review: each test failed before its fix.
#include <gtest/gtest.h>

#include "tapedeck/Tapedeck.h"

namespace {

using td::Tensor;

TEST(ReviewRegression, CreateGraphGradsAreNotAliased) {
  Tensor a = td::ones({3}).setRequiresGrad();
  Tensor b = td::ones({3}).setRequiresGrad();
  td::sum(td::add(a, b)).backward(Tensor(), false, true);
  EXPECT_NE(a.grad().impl(), b.grad().impl());
  td::sum(td::add(a, b)).backward();
  for (double v : a.grad().toVector()) EXPECT_EQ(v, 2.0);
  for (double v : b.grad().toVector()) EXPECT_EQ(v, 2.0);
}

TEST(ReviewRegression, InPlaceWithAnOverlappingOperand) {
  Tensor x = td::fromVector(std::vector<float>{1, 2, 3, 4}, {2, 2});
  x.add_(x.t());
  EXPECT_EQ(x.toVector(), (std::vector<double>{2, 5, 5, 8}));
  Tensor y = td::fromVector(std::vector<float>{1, 2, 3, 4}, {2, 2});
  y.sub_(y.select(0, 0));
  EXPECT_EQ(y.toVector(), (std::vector<double>{0, 0, 2, 2}));
}

struct SelfRemovingObserver : td::TapeObserver {
  void onForward(const td::TapeEntry&, const td::OpTensors&) override { td::Tape::removeObserver(this); }
};
struct CountingObserver : td::TapeObserver {
  int forwards = 0, begins = 0, ends = 0;
  std::vector<double> firstInput;
  void onForward(const td::TapeEntry&, const td::OpTensors& t) override {
    if (forwards++ == 0 && t.numInputs > 0) firstInput = t.inputs[0].toVector();
  }
  void onBackwardBegin(const std::vector<Tensor>&) override { ++begins; }
  void onBackwardEnd() override { ++ends; }
};

TEST(ReviewRegression, AnObserverMayRemoveItselfDuringACallback) {
  SelfRemovingObserver first;
  CountingObserver second;
  td::Tape::addObserver(&first);
  td::Tape::addObserver(&second);
  td::add(td::ones({2}), td::ones({2}));
  td::Tape::removeObserver(&second);
  EXPECT_EQ(second.forwards, 1);
}

TEST(ReviewRegression, BackwardEndIsReportedWhenBackwardThrows) {
  CountingObserver observer;
  td::Tape::addObserver(&observer);
  Tensor x = td::ones({2}).setRequiresGrad();
  Tensor l = td::sum(td::mul(x, x));
  l.backward();
  EXPECT_THROW(l.backward(), td::Error);
  td::Tape::removeObserver(&observer);
  EXPECT_EQ(observer.begins, 2);
  EXPECT_EQ(observer.ends, 2);
}

TEST(ReviewRegression, ABackwardInsideABackwardIsRefused) {
  Tensor x = td::ones({1}).setRequiresGrad();
  Tensor y = td::mul(x, 2.0);
  Tensor z = td::mul(y, 3.0);
  Tensor w = td::mul(y, 4.0);
  z.registerHook([&](const Tensor& g) {
    td::autograd::grad({w}, {x}, {td::ones({1})}, true);
    return g;
  });
  EXPECT_THROW(td::sum(td::add(z, w)).backward(Tensor(), true), td::Error);
}

struct EntryCatcher : td::TapeObserver {
  std::vector<td::TapeEntry> entries;
  void onForward(const td::TapeEntry& e, const td::OpTensors&) override { entries.push_back(e); }
};

TEST(ReviewRegression, InPlaceEntriesAreMarkedAndAliasTheirTarget) {
  EntryCatcher observer;
  Tensor x = td::fromVector(std::vector<float>{1, 2});
  Tensor ten = td::fromVector(std::vector<float>{10, 10});
  td::Tape::addObserver(&observer);
  x.add_(ten);
  td::Tape::removeObserver(&observer);
  ASSERT_EQ(observer.entries.size(), 1u);
  const td::TapeEntry& e = observer.entries[0];
  EXPECT_TRUE(e.inplace);
  EXPECT_EQ(e.outputIds[0], x.id());
  EXPECT_EQ(e.inputIds[0], x.id());
  EXPECT_EQ(x.toVector(), (std::vector<double>{11, 12}));
  // The pending in-place mark never leaks into the next entry.
  td::Tape::addObserver(&observer);
  td::add(x, ten);
  td::Tape::removeObserver(&observer);
  EXPECT_FALSE(observer.entries.back().inplace);
}

TEST(ReviewRegression, WritingAGradientCarryingResultIntoAViewIsRefused) {
  Tensor buffer = td::zeros({4});
  Tensor x = td::ones({2}).setRequiresGrad();
  Tensor view = buffer.narrow(0, 0, 2);
  EXPECT_THROW(view.copy_(x), td::Error);
}

}  // namespace
