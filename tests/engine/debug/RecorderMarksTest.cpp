// Several recorders at once: each keeps what it saw before in-place writes (a value they
// share, an optimizer step's parameter as read), whichever of them owns the marks on a
// tensor or storage, and one more than the marks can name still works from its own tables.
#include <gtest/gtest.h>

#include <memory>
#include <vector>

#include "../support/Recording.h"
#include "tapedeck/Tapedeck.h"
#include "tapedeck/debug/Recorder.h"
#include "tapedeck/optim/Adam.h"

namespace {

using namespace tdtest;  // the harness, and the recorder's types it names

TEST(Recorder, TwoRecordersBothKeepAValueTheyShareBeforeAWrite) {
  // Two recorders hold one storage: both keep the old value before a write, by a copy
  // (small) and by a move (large), and so does a recorder made after the first is gone.
  for (const std::size_t n : {4, 1000}) {
    SCOPED_TRACE(n);
    std::vector<double> values(n, 1.5);
    auto first = std::make_unique<Recording>();
    Recorder second;
    second.attach();
    td::Tensor y = td::mul(f64(values), 1.0);
    const uint64_t mulId = findOp(newest(first->recorder), td::OpId::Mul)->entry.id;
    y.add_(y);
    for (const Recorder* r : {&first->recorder, &second}) {
      const std::optional<EntryRecord> mul = r->entry(mulId);
      ASSERT_TRUE(mul);
      ASSERT_EQ(mul->outputs[0].state, ValueState::Held);
      EXPECT_EQ(mul->outputs[0].value.toVector(), values) << "as the mul made it, before add_";
    }
    first.reset();  // its mark stays in the storage, naming a recorder that is gone
    Recorder third;
    third.attach();
    td::Tensor z = td::mul(y, 1.0);  // holds y's storage (its input)
    const uint64_t secondMul = findOp(newest(third), td::OpId::Mul)->entry.id;
    y.mul_(y);
    for (const Recorder* r : {&second, &third}) {
      const std::optional<EntryRecord> mul = r->entry(secondMul);
      ASSERT_TRUE(mul);
      ASSERT_EQ(mul->inputs[0].state, ValueState::Held);
      EXPECT_EQ(mul->inputs[0].value.toVector(), std::vector<double>(n, 3.0)) << "y before mul_";
    }
    EXPECT_EQ(y.toVector()[0], 9.0);
    third.detach();
    second.detach();
  }
}

/// A parameter Adam updates, for the tests that step it under several recorders.
struct AdamParameter {
  td::Tensor w = [] {
    td::Tensor t = f64({1.0, -1.0});
    t.setRequiresGrad();
    return t;
  }();
  td::optim::Adam optimizer{std::vector{w}, td::optim::AdamOptions{.lr = 0.5}};
};

/// The recorder's newest entry is an Adam step that read `before` and wrote `after`.
void expectStepReadAndWrote(const Recorder& r, const std::vector<double>& before, const std::vector<double>& after) {
  const std::vector<EntryRecord> entries = newest(r);
  ASSERT_FALSE(entries.empty());
  const std::optional<EntryRecord> update = r.entry(entries.back().entry.id);
  ASSERT_TRUE(update);
  ASSERT_EQ(update->name, "Adam");
  ASSERT_EQ(update->inputs[0].state, ValueState::Held);
  EXPECT_EQ(update->inputs[0].value.toVector(), before) << "as read";
  EXPECT_EQ(update->outputs[0].value.toVector(), after) << "as written";
}

TEST(Recorder, TwoRecordersBothShowAnOptimizerStepsParameterAsRead) {
  // Each recorder finds what it knows of a tensor through a mark on the tensor, which only
  // one of them can own: the other must still know the parameter's version before the step
  // (its entry shows the value read, not "not kept"), for steps after the first too.
  Recording first;
  td::Tensor unrelated = td::mul(f64({2.0}), 3.0);  // seen by the first only: the two number tensors apart
  Recorder second;
  second.attach();
  AdamParameter p;
  for (int step = 0; step < 3; ++step) {
    SCOPED_TRACE(step);
    td::Tape::step();
    const std::vector<double> before = p.w.toVector();
    td::sum(td::mul(p.w, p.w)).backward();
    p.optimizer.step();
    for (const Recorder* r : {&first.recorder, &second}) {
      SCOPED_TRACE(r == &second ? "second" : "first");
      expectStepReadAndWrote(*r, before, p.w.toVector());
    }
  }
  second.detach();
}

TEST(Recorder, OneOfMoreRecordersThanMarksCanNameStillKeepsWhatItSaw) {
  // Marks on tensors and storages name at most 255 recorders alive at once; one more marks
  // nothing and finds what it knows in its own tables, with the same results.
  std::vector<std::unique_ptr<Recorder>> others;
  for (int i = 0; i < 255; ++i) others.push_back(std::make_unique<Recorder>());
  Recording r;
  AdamParameter p;
  for (int step = 0; step < 2; ++step) {
    SCOPED_TRACE(step);
    td::Tape::step();
    const std::vector<double> before = p.w.toVector();
    td::Tensor loss = td::sum(td::mul(p.w, p.w));
    const uint64_t mulId = findOp(newest(r.recorder), td::OpId::Mul)->entry.id;
    loss.backward();
    p.optimizer.step();
    const std::optional<EntryRecord> mul = r.recorder.entry(mulId);
    ASSERT_TRUE(mul);
    ASSERT_EQ(mul->inputs[0].state, ValueState::Held);
    EXPECT_EQ(mul->inputs[0].value.toVector(), before) << "copied before the step wrote it";
    expectStepReadAndWrote(r.recorder, before, p.w.toVector());
  }
}

}  // namespace
