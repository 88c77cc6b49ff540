// The tape as observers see it: every op in order with monotonic ids, tensor ids,
// saved tensors, attributes, the user's source line, scopes, iterations; backward
// steps in reverse record order with their gradients; create_graph entries. Observers
// that block the executing thread: TapeBlockingTest.cpp.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstring>
#include <memory>
#include <mutex>
#include <set>
#include <thread>

#include "../support/RecordingObserver.h"
#include "tapedeck/Tapedeck.h"

namespace {

using tdtest::ObserverScope;
using tdtest::RecordingObserver;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::StartsWith;

td::Tensor leaf(std::vector<double> values, td::IntList shape = {}) {
  if (shape.empty()) shape = {static_cast<int64_t>(values.size())};
  td::Tensor x = td::fromVector(values, shape, td::DType::Float64);
  x.setRequiresGrad();
  return x;
}

td::Tensor constant(std::vector<double> values) {
  return td::fromVector(values, {static_cast<int64_t>(values.size())}, td::DType::Float64);
}

bool inThisFile(const td::SourceLoc& loc) { return loc.file != nullptr && std::strcmp(loc.file, __FILE__) == 0; }

std::vector<uint64_t> ids(const td::IdList& list) { return std::vector<uint64_t>(list.begin(), list.end()); }

// --- forward entries ------------------------------------------------------------------

TEST(Tape, ForwardEntriesInOrderWithIdsAndLines) {
  td::Tensor x = leaf({1, 2, 3});
  td::Tensor y = leaf({4, 5, 6});
  RecordingObserver observer;
  ObserverScope scope(&observer);
  EXPECT_TRUE(td::Tape::hasObservers());

  const int addLine = __LINE__ + 1;
  td::Tensor a = td::add(x, y);
  const int mulLine = __LINE__ + 1;
  td::Tensor b = a * x;
  const int expLine = __LINE__ + 1;
  td::Tensor c = b.exp();

  ASSERT_EQ(observer.forward.size(), 3u);
  const td::TapeEntry& add = observer.forward[0];
  const td::TapeEntry& mul = observer.forward[1];
  const td::TapeEntry& exp = observer.forward[2];
  EXPECT_EQ(add.op, td::OpId::Add);
  EXPECT_EQ(mul.op, td::OpId::Mul);
  EXPECT_EQ(exp.op, td::OpId::Exp);
  EXPECT_LT(add.id, mul.id);
  EXPECT_LT(mul.id, exp.id);

  EXPECT_THAT(ids(add.inputIds), ElementsAre(x.id(), y.id()));
  EXPECT_THAT(ids(add.outputIds), ElementsAre(a.id()));
  EXPECT_THAT(ids(mul.inputIds), ElementsAre(a.id(), x.id()));
  EXPECT_THAT(ids(mul.outputIds), ElementsAre(b.id()));
  EXPECT_THAT(ids(exp.inputIds), ElementsAre(b.id()));
  EXPECT_THAT(ids(exp.outputIds), ElementsAre(c.id()));
  for (std::size_t i = 0; i < observer.forward.size(); ++i)
    EXPECT_EQ(observer.forwardOutputIds[i], ids(observer.forward[i].outputIds)) << "OpTensors and the entry agree";

  EXPECT_TRUE(inThisFile(add.loc));
  EXPECT_EQ(add.loc.line, static_cast<uint32_t>(addLine));
  EXPECT_TRUE(inThisFile(mul.loc)) << "an operator's left operand records the caller's line";
  EXPECT_EQ(mul.loc.line, static_cast<uint32_t>(mulLine));
  EXPECT_EQ(exp.loc.line, static_cast<uint32_t>(expLine));
  EXPECT_EQ(exp.loc.str(), std::string(__FILE__) + ":" + std::to_string(expLine));

  for (const td::TapeEntry& e : observer.forward) {
    EXPECT_TRUE(e.differentiable);
    EXPECT_FALSE(e.inplace);
    EXPECT_EQ(e.direction, td::Direction::Forward);
    EXPECT_EQ(e.scope, 0u);
  }
}

TEST(Tape, SavedTensorsAndAttributes) {
  td::Tensor x = leaf({1, 2, 3, 4, 5, 6}, {2, 3});
  RecordingObserver observer;
  ObserverScope scope(&observer);

  td::Tensor y = x.exp();  // exp saves its result
  td::Tensor s = td::sum(x, {1}, true);
  td::Tensor p = x.transpose(0, 1);
  td::Tensor sl = x.slice(1, 0, std::nullopt, 2);

  std::vector<td::TapeEntry> exps = observer.forwardOf(td::OpId::Exp);
  ASSERT_EQ(exps.size(), 1u);
  EXPECT_THAT(ids(exps[0].savedIds), ::testing::Contains(y.id()));

  std::vector<td::TapeEntry> sums = observer.forwardOf(td::OpId::Sum);
  ASSERT_EQ(sums.size(), 1u);
  EXPECT_EQ(sums[0].attrs.ints.vec(), (std::vector<int64_t>{1}));
  EXPECT_TRUE(sums[0].attrs.keepdim);
  EXPECT_THAT(ids(sums[0].outputIds), ElementsAre(s.id()));

  std::vector<td::TapeEntry> permutes = observer.forwardOf(td::OpId::Permute);
  ASSERT_EQ(permutes.size(), 1u);
  EXPECT_EQ(permutes[0].attrs.ints.vec(), (std::vector<int64_t>{1, 0}));
  EXPECT_THAT(ids(permutes[0].outputIds), ElementsAre(p.id()));

  std::vector<td::TapeEntry> slices = observer.forwardOf(td::OpId::Slice);
  ASSERT_EQ(slices.size(), 1u);
  EXPECT_EQ(slices[0].attrs.dim, 1);
  EXPECT_EQ(slices[0].attrs.start, 0);
  EXPECT_EQ(slices[0].attrs.end, 3);
  EXPECT_EQ(slices[0].attrs.step, 2);
  EXPECT_THAT(ids(slices[0].outputIds), ElementsAre(sl.id()));
}

TEST(Tape, EveryOpIsReportedEvenWithoutGrad) {
  td::Tensor w = leaf({1, 2, 3});
  td::Tensor c = constant({1, 1, 1});
  RecordingObserver observer;
  ObserverScope scope(&observer);

  td::Tensor plain = c + c;  // nothing requires grad
  {
    td::NoGradGuard noGrad;
    td::Tensor evaluated = w * w;  // grad mode off
    w.sub_(c);                     // an optimizer step
  }
  td::Tensor index = td::argmax(w, 0);  // a non-differentiable op on a tensor that requires grad
  td::Tensor recorded = w * c;

  ASSERT_GE(observer.forward.size(), 5u) << ::testing::PrintToString(observer.events);
  EXPECT_EQ(observer.forward[0].op, td::OpId::Add);
  EXPECT_FALSE(observer.forward[0].differentiable);
  EXPECT_EQ(observer.forward[1].op, td::OpId::Mul);
  EXPECT_FALSE(observer.forward[1].differentiable);
  EXPECT_EQ(observer.forward[2].op, td::OpId::Sub);
  EXPECT_FALSE(observer.forward[2].differentiable);
  EXPECT_TRUE(observer.forward[2].inplace);
  EXPECT_THAT(ids(observer.forward[2].outputIds), ElementsAre(w.id()));
  std::vector<td::TapeEntry> argmaxes = observer.forwardOf(td::OpId::Argmax);
  ASSERT_EQ(argmaxes.size(), 1u);
  EXPECT_FALSE(argmaxes[0].differentiable);
  EXPECT_EQ(observer.forward.back().op, td::OpId::Mul);
  EXPECT_TRUE(observer.forward.back().differentiable);
  (void)plain;
  (void)index;
  (void)recorded;
}

TEST(Tape, ObserversAttachAndDetach) {
  td::Tensor x = constant({1, 2});
  RecordingObserver first, second;
  {
    ObserverScope a(&first);
    {
      ObserverScope b(&second);
      td::Tensor y = x + x;
    }
    td::Tensor z = x * x;
  }
  EXPECT_FALSE(td::Tape::hasObservers());
  td::Tensor unseen = x - x;
  EXPECT_EQ(first.forward.size(), 2u);
  EXPECT_EQ(second.forward.size(), 1u);
  ASSERT_FALSE(first.forward.empty() || second.forward.empty());
  EXPECT_EQ(first.forward[0].id, second.forward[0].id) << "both observers see the same entry";
  (void)unseen;
}

// --- scopes ---------------------------------------------------------------------------

TEST(Tape, CompositesCarryTheUsersLineAndTheirScope) {
  td::Tensor x = leaf({1, 2, 3, 4, 5, 6}, {2, 3});
  RecordingObserver observer;
  ObserverScope scope(&observer);
  const int line = __LINE__ + 1;
  td::Tensor s = td::gelu(x);
  ASSERT_GE(observer.forward.size(), 2u) << "gelu is a composite of primitives";
  for (const td::TapeEntry& e : observer.forward) {
    EXPECT_TRUE(inThisFile(e.loc)) << td::opName(e.op) << " names " << e.loc.str();
    EXPECT_EQ(e.loc.line, static_cast<uint32_t>(line)) << td::opName(e.op);
    EXPECT_THAT(td::Tape::scopeName(e.scope), StartsWith("gelu")) << td::opName(e.op);
  }
  EXPECT_EQ(observer.forward.back().outputIds[0], s.id());
  EXPECT_EQ(td::Tape::currentScope(), 0u);
}

TEST(Tape, ScopeGuardsNest) {
  td::Tensor x = leaf({1, 2});
  RecordingObserver observer;
  ObserverScope scope(&observer);
  EXPECT_EQ(td::Tape::currentScope(), 0u);
  EXPECT_EQ(td::Tape::scopeName(0), "");
  td::ScopeId fcScope = 0;
  {
    td::ScopeGuard encoder("encoder");
    EXPECT_EQ(td::Tape::scopeName(td::Tape::currentScope()), "encoder");
    {
      td::ScopeGuard fc("fc");
      fcScope = td::Tape::currentScope();
      EXPECT_EQ(td::Tape::scopeName(fcScope), "encoder.fc");
      td::Tensor y = x * x;
      td::Tensor s = td::gelu(x);
    }
    EXPECT_EQ(td::Tape::scopeName(td::Tape::currentScope()), "encoder");
  }
  EXPECT_EQ(td::Tape::currentScope(), 0u);

  ASSERT_GE(observer.forward.size(), 3u);
  EXPECT_EQ(observer.forward[0].scope, fcScope);
  for (std::size_t i = 1; i < observer.forward.size(); ++i)
    EXPECT_THAT(td::Tape::scopeName(observer.forward[i].scope), StartsWith("encoder.fc.gelu"));
  {
    td::ScopeGuard again("encoder");
    td::ScopeGuard fc("fc");
    EXPECT_EQ(td::Tape::currentScope(), fcScope) << "scope paths are interned";
  }
}

TEST(Tape, ScopeCallsTellBackToBackCallsOfOneModuleApart) {
  td::Tensor h = leaf({1, 2});
  RecordingObserver observer;
  ObserverScope scope(&observer);
  const td::ScopeId encoder = td::Tape::intern("encoder");
  const td::ScopeId cell = td::Tape::intern("encoder.cell");
  const uint64_t before = td::Tape::scopeCallCount();
  std::vector<uint64_t> calls;
  {
    td::ScopeGuard outer("encoder");
    EXPECT_EQ(td::Tape::scopeCallOf(encoder), before + 1);
    for (int step = 0; step < 3; ++step) {
      td::ScopeGuard guard("cell");
      calls.push_back(td::Tape::scopeCallOf(cell));
      h = td::tanh(h);  // the first entry of each call says it began
      h = td::exp(h);   // the same call: says nothing
    }
    EXPECT_EQ(td::Tape::scopeCallOf(cell), 0u) << "no call of the cell is active";
  }
  EXPECT_EQ(td::Tape::scopeCallOf(encoder), 0u);
  EXPECT_EQ(calls, (std::vector<uint64_t>{before + 2, before + 3, before + 4}));
  EXPECT_EQ(td::Tape::scopeCallCount(), before + 4);

  ASSERT_EQ(observer.forward.size(), 6u);
  // The first entry: the encoder's call (the outermost that began since the entry before).
  EXPECT_EQ(observer.forward[0].enteredScope, encoder);
  for (std::size_t i = 0; i < 6; ++i) {
    EXPECT_EQ(observer.forward[i].scope, cell);
    if (i > 0) {
      EXPECT_EQ(observer.forward[i].enteredScope, i % 2 == 0 ? cell : 0u) << i;
    }
  }
  // A call that began and ended with no entry inside leaves nothing for the next one.
  { td::ScopeGuard empty("encoder"); }
  td::Tensor after = td::exp(h);
  EXPECT_EQ(observer.forward.back().enteredScope, 0u);
}

TEST(Tape, InternedStrings) {
  EXPECT_EQ(td::Tape::intern(""), 0u);
  uint32_t id = td::Tape::intern("layer1.weight");
  EXPECT_NE(id, 0u);
  EXPECT_EQ(td::Tape::intern("layer1.weight"), id);
  EXPECT_NE(td::Tape::intern("layer1.bias"), id);
  EXPECT_EQ(td::Tape::internedString(id), "layer1.weight");
}

// --- backward -------------------------------------------------------------------------

TEST(Tape, BackwardStepsInReverseOrderWithGradients) {
  td::Tensor x = leaf({0, 1, 2});
  RecordingObserver observer;
  ObserverScope scope(&observer);
  const int expLine = __LINE__ + 1;
  td::Tensor y = x.exp();
  td::Tensor loss = y.sum();
  ASSERT_EQ(observer.forward.size(), 2u);
  uint64_t expId = observer.forward[0].id;
  uint64_t sumId = observer.forward[1].id;

  observer.clear();
  loss.backward();
  EXPECT_EQ(observer.backwardBegins, 1);
  EXPECT_EQ(observer.backwardEnds, 1);
  ASSERT_EQ(observer.rootIds.size(), 1u);
  EXPECT_THAT(observer.rootIds[0], ElementsAre(loss.id()));
  ASSERT_EQ(observer.steps.size(), 2u);
  EXPECT_THAT(observer.events, ElementsAre("begin", "step:sum", "step:exp", "end"));
  EXPECT_TRUE(observer.forward.empty()) << "backward without create_graph reports no forward ops";

  const tdtest::RecordedStep& sumStep = observer.steps[0];
  const tdtest::RecordedStep& expStep = observer.steps[1];
  EXPECT_EQ(sumStep.entry.id, sumId);
  EXPECT_EQ(expStep.entry.id, expId);
  EXPECT_EQ(expStep.entry.loc.line, static_cast<uint32_t>(expLine));
  ASSERT_EQ(expStep.gradOutputs.size(), 1u);
  ASSERT_EQ(expStep.gradInputs.size(), 1u);
  EXPECT_THAT(expStep.gradOutputs[0].toVector(), ElementsAre(1, 1, 1));
  std::vector<double> expected{1, std::exp(1.0), std::exp(2.0)};
  std::vector<double> gradIn = expStep.gradInputs[0].toVector();
  ASSERT_EQ(gradIn.size(), 3u);
  for (std::size_t i = 0; i < 3; ++i) EXPECT_NEAR(gradIn[i], expected[i], 1e-12);
  EXPECT_THAT(x.grad().toVector(), ::testing::Pointwise(::testing::DoubleNear(1e-12), expected));
}

// Sees where each backward step's input gradients live, holding none of them.
class GradientAddresses : public td::TapeObserver {
 public:
  void onBackwardStep(const td::TapeEntry&, const td::BackwardStep& step) override {
    for (const td::Tensor& g : *step.gradInputs)
      if (g.defined()) addresses.insert(g.rawData());
  }
  std::set<const void*> addresses;
};

TEST(Tape, AnObservedLeafAdoptsItsGradientWithoutACopy) {
  // Nobody but the leaf keeps the gradient its reader's backward made: watched or not, the
  // leaf's .grad is that memory, not a clone (an observer seeing the step holds nothing).
  td::Tensor w = leaf({1, 2, 3});
  td::Tensor x = constant({4, 5, 6});
  GradientAddresses observer;
  ObserverScope scope(&observer);
  (w * x).sum().backward();
  ASSERT_TRUE(w.grad().defined());
  EXPECT_THAT(w.grad().toVector(), ElementsAre(4, 5, 6));
  EXPECT_EQ(observer.addresses.count(w.grad().rawData()), 1u);
}

TEST(Tape, BackwardWalksEntriesInDescendingIdOrder) {
  td::Tensor x = leaf({0.5, 1.5});
  td::Tensor c = constant({2, 3});
  RecordingObserver observer;
  ObserverScope scope(&observer);
  td::Tensor a = x * x;
  td::Tensor b = a.exp();
  td::Tensor s = td::sin(a);
  td::Tensor d = td::add(b, s * c);
  td::Tensor loss = d.sum();
  std::set<uint64_t> forwardIds;
  for (const td::TapeEntry& e : observer.forward) forwardIds.insert(e.id);

  observer.clear();
  loss.backward();
  ASSERT_EQ(observer.steps.size(), forwardIds.size()) << "one step per recorded differentiable entry";
  for (std::size_t i = 0; i < observer.steps.size(); ++i) {
    EXPECT_TRUE(forwardIds.count(observer.steps[i].entry.id));
    EXPECT_EQ(observer.steps[i].entry.direction, td::Direction::Forward);
    if (i > 0) {
      EXPECT_GT(observer.steps[i - 1].entry.id, observer.steps[i].entry.id);
    }
  }
  // The step of `s * c`: c needs no gradient, so its gradient slot is undefined.
  for (const tdtest::RecordedStep& step : observer.steps) {
    if (step.entry.op != td::OpId::Mul || step.entry.inputIds[1] != c.id()) continue;
    ASSERT_EQ(step.gradInputs.size(), 2u);
    EXPECT_TRUE(step.gradInputs[0].defined());
    EXPECT_FALSE(step.gradInputs[1].defined());
  }
}

TEST(Tape, CreateGraphEntriesAreMadeByTheirForwardEntry) {
  td::Tensor x = leaf({2, 0.5});
  RecordingObserver observer;
  ObserverScope scope(&observer);
  td::Tensor y = td::pow(x, 3.0);
  td::Tensor loss = y.sum();
  ASSERT_EQ(observer.forward.size(), 2u);
  uint64_t powId = observer.forward[0].id;
  uint64_t sumId = observer.forward[1].id;
  ASSERT_EQ(observer.forward[0].op, td::OpId::PowScalar);

  std::size_t before = observer.forward.size();
  td::Tensor g = td::autograd::grad({loss}, {x}, {}, std::nullopt, /*createGraph=*/true)[0];
  EXPECT_EQ(observer.forward.size(), before) << "formula ops are not reported through onForward";

  observer.clear();
  td::Tensor total = g.sum();
  total.backward();
  EXPECT_THAT(x.grad().toVector(), ::testing::Pointwise(::testing::DoubleNear(1e-12), std::vector<double>{12, 3}));
  bool madeByPow = false;
  int backwardSteps = 0;
  for (const tdtest::RecordedStep& step : observer.steps) {
    if (step.entry.direction != td::Direction::Backward) continue;
    ++backwardSteps;
    EXPECT_TRUE(step.entry.createdBy == powId || step.entry.createdBy == sumId)
        << td::opName(step.entry.op) << " was made by entry " << step.entry.createdBy;
    madeByPow = madeByPow || step.entry.createdBy == powId;
  }
  EXPECT_GT(backwardSteps, 0) << "the second backward walks the ops pow's formula recorded";
  EXPECT_TRUE(madeByPow);
  for (const td::TapeEntry& e : observer.forward) EXPECT_EQ(e.direction, td::Direction::Forward);
}

// --- iterations -----------------------------------------------------------------------

TEST(Tape, IterationsEndAtTheFirstOpAfterBackwardThatIsNotAnInPlaceWriteAndAtStep) {
  td::Tape::step();  // start from a fresh iteration, far from the 10,000-entry limit
  td::Tensor x = leaf({1, 2});
  RecordingObserver observer;
  ObserverScope scope(&observer);

  td::Tensor a = x * x;
  const uint64_t first = observer.forward.back().iteration;
  EXPECT_EQ(td::Tape::iteration(), first);
  td::Tensor loss = (a * x).sum();
  for (const td::TapeEntry& e : observer.forward) EXPECT_EQ(e.iteration, first);
  loss.backward();
  for (const tdtest::RecordedStep& step : observer.steps) EXPECT_EQ(step.entry.iteration, first);
  EXPECT_EQ(td::Tape::iteration(), first) << "the iteration ends at the next op, not at backward";
  // The update that follows backward writes in place (an optimizer's step, zeroing a
  // gradient): it stays in the iteration whose backward it follows.
  {
    td::NoGradGuard noGrad;
    x.add_(x.grad(), -0.1);
    x.grad().zero_();
  }
  ASSERT_GE(observer.forward.size(), 2u);
  EXPECT_EQ(observer.forward.back().iteration, first);
  EXPECT_TRUE(observer.forward.back().inplace);
  EXPECT_EQ(td::Tape::iteration(), first);
  EXPECT_TRUE(observer.iterationEnds.empty());

  observer.clear();
  td::Tensor b = x * x;
  EXPECT_EQ(observer.forward.back().iteration, first + 1);
  EXPECT_EQ(td::Tape::iteration(), first + 1);
  EXPECT_THAT(observer.iterationEnds, ElementsAre(first));
  td::Tensor c = b * x;
  EXPECT_EQ(observer.forward.back().iteration, first + 1);

  td::Tape::step();
  EXPECT_EQ(td::Tape::iteration(), first + 2);
  EXPECT_THAT(observer.iterationEnds, ElementsAre(first, first + 1));
  td::Tensor d = c * x;
  EXPECT_EQ(observer.forward.back().iteration, first + 2);
  EXPECT_EQ(td::Tape::iteration(), first + 2);
}

}  // namespace
