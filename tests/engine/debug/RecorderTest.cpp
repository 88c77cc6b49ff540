// The recorder: entries with values and gradients, listings, eviction within the budget,
// the iteration window, memory figures, queries from another thread, and the debugger
// reading the recorder while paused. What it keeps before in-place writes:
// RecorderWritesTest.cpp.
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <cmath>
#include <limits>
#include <map>
#include <memory>
#include <thread>

#include "../support/Recording.h"
#include "tapedeck/Tapedeck.h"
#include "tapedeck/debug/Debugger.h"
#include "tapedeck/debug/Recorder.h"
#include "tapedeck/optim/Sgd.h"

namespace {

using namespace tdtest;  // the harness, and the recorder's types it names

TEST(Recorder, KeepsEntriesWithStatisticsValuesAndGradients) {
  Recording r;
  td::Tensor x = f64({1.0, 2.0});
  x.setRequiresGrad();
  td::Tensor y = td::exp(x);
  td::Tensor loss = td::sum(y);
  loss.backward();

  const std::vector<EntryRecord> entries = newest(r.recorder);
  const EntryRecord* exp = findOp(entries, td::OpId::Exp);
  ASSERT_NE(exp, nullptr);
  ASSERT_EQ(exp->outputs.size(), 1u);
  EXPECT_EQ(exp->name, "exp");
  EXPECT_EQ(exp->outputs[0].shape, (std::vector<int64_t>{2}));
  EXPECT_NEAR(exp->outputs[0].stats.max, std::exp(2.0), 1e-12);
  EXPECT_EQ(exp->inputs[0].tensorId, x.id());
  EXPECT_GT(exp->savedBytes, 0);

  const std::optional<EntryRecord> full = r.recorder.entry(exp->entry.id);
  ASSERT_TRUE(full);
  ASSERT_EQ(full->outputs[0].state, ValueState::Held);
  EXPECT_EQ(full->outputs[0].value.toVector(), y.toVector());
  // Backward filled the gradients: d sum / d y = 1, d y / d x = exp(x).
  EXPECT_TRUE(full->backwardRan);
  ASSERT_EQ(full->gradOutputs.size(), 1u);
  EXPECT_EQ(full->gradOutputs[0].value.toVector(), (std::vector<double>{1.0, 1.0}));
  ASSERT_EQ(full->gradInputs.size(), 1u);
  EXPECT_EQ(full->gradInputs[0].value.toVector(), y.toVector());
  EXPECT_NEAR(full->gradInputs[0].stats.norm, std::hypot(std::exp(1.0), std::exp(2.0)), 1e-12);
  // The snapshot is a private copy: changing the tensor later does not change it.
  EXPECT_NE(full->outputs[0].value.storage().data(), y.storage().data());
}

TEST(Recorder, ListingsNameParametersAndCopyOnlySmallValuesFromAnIndex) {
  Recording r;
  td::Tensor w = f64({1.0, 2.0, 3.0});
  w.setRequiresGrad().setName("fc1.weight");
  td::Tensor big = td::fromVector(std::vector<double>(64, 0.5), {}, td::DType::Float64);
  td::Tensor y = td::mul(w, f64({2.0, 2.0, 2.0}));
  td::Tensor z = td::add(big, big);
  td::Tensor s = td::sum(y);
  const uint64_t iteration = r.recorder.iterations().back();

  td::debug::EntryQuery query;
  query.valuesUpTo = 16;
  const std::vector<EntryRecord> all = r.recorder.entries(iteration, query);
  ASSERT_EQ(all.size(), 3u);
  EXPECT_EQ(all[0].inputs[0].name, "fc1.weight");
  EXPECT_EQ(all[0].inputs[1].name, "");
  EXPECT_EQ(all[0].outputs[0].value.toVector(), (std::vector<double>{2.0, 4.0, 6.0}));
  EXPECT_FALSE(all[1].outputs[0].value.defined());  // 64 elements: not copied
  EXPECT_EQ(all[1].outputs[0].state, ValueState::Held);

  query.fromIndex = 2;
  const std::vector<EntryRecord> tail = r.recorder.entries(iteration, query);
  ASSERT_EQ(tail.size(), 1u);
  EXPECT_EQ(tail[0].entry.id, all[2].entry.id);
  query.fromIndex = 3;
  EXPECT_TRUE(r.recorder.entries(iteration, query).empty());
  // A plain listing copies no value at all.
  EXPECT_FALSE(r.recorder.entries(iteration)[0].outputs[0].value.defined());

  // Each entry keeps the module call that began before it (a graph draws two back-to-back
  // calls of one module as two groups).
  for (int call = 0; call < 2; ++call) {
    td::ScopeGuard cell("cell");
    y = td::mul(y, 2.0);
  }
  const std::vector<EntryRecord> cells = r.recorder.entries(r.recorder.iterations().back());
  ASSERT_GE(cells.size(), 2u);
  const td::ScopeId cell = td::Tape::intern("cell");
  EXPECT_EQ(cells[cells.size() - 2].entry.enteredScope, cell);
  EXPECT_EQ(cells.back().entry.enteredScope, cell);
  EXPECT_EQ(r.recorder.entry(cells.back().entry.id)->entry.enteredScope, cell);
}

TEST(Recorder, DropsTheOldestValuesOverBudgetAndKeepsTheirStatistics) {
  Recording r(RecorderOptions{.budgetBytes = 3 * 100 * sizeof(double)});
  td::Tensor x = td::ones({100}, td::DType::Float64);
  std::vector<td::Tensor> keep;
  for (int i = 0; i < 6; ++i) keep.push_back(td::mul(x, double(i)));
  EXPECT_LE(r.recorder.heldBytes(), r.recorder.budget());
  const std::vector<EntryRecord> entries = newest(r.recorder);
  ASSERT_EQ(entries.size(), 6u);
  const std::optional<EntryRecord> first = r.recorder.entry(entries.front().entry.id);
  EXPECT_EQ(first->outputs[0].state, ValueState::Dropped);
  EXPECT_FALSE(first->outputs[0].value.defined());
  EXPECT_EQ(first->outputs[0].stats.zeros, 100) << "statistics stay after the value goes";
  const std::optional<EntryRecord> last = r.recorder.entry(entries.back().entry.id);
  EXPECT_EQ(last->outputs[0].state, ValueState::Held);
  EXPECT_EQ(last->outputs[0].value.toVector()[0], 5.0);
  // Lowering the budget drops at once; dropped memory is no longer watched.
  r.recorder.setBudget(0);
  EXPECT_EQ(r.recorder.heldBytes(), 0u);
  EXPECT_EQ(keep.back().storage().watchCount(), 0);
}

TEST(Recorder, StatisticsOfDroppedValuesSurviveManyIterations) {
  // Hundreds of values come and go (the list of values is compacted now and then, and the
  // statistics with it): after every iteration, those of the kept ones match their values.
  Recording r(RecorderOptions{.budgetBytes = 10 * 8 * sizeof(double), .previousIterations = 1});
  td::Tensor x = f64({1.0, -2.0, 3.0, 0.0, 5.0, -6.0, 7.0, 8.0});
  std::map<uint64_t, double> factors;  // entry id -> the factor its output was multiplied by
  int dropped = 0;
  for (int iteration = 0; iteration < 60; ++iteration) {
    td::Tape::step();
    for (int k = 0; k < 10; ++k) {
      const double factor = iteration * 10 + k;
      td::Tensor y = td::mul(x, factor);
      factors[newest(r.recorder).back().entry.id] = factor;
    }
    for (uint64_t kept : r.recorder.iterations()) {
      for (const EntryRecord& e : r.recorder.entries(kept)) {
        ASSERT_EQ(factors.count(e.entry.id), 1u);
        const double factor = factors[e.entry.id];
        ASSERT_EQ(e.outputs.size(), 1u);
        ASSERT_EQ(e.outputs[0].stats.numel, 8);
        ASSERT_DOUBLE_EQ(e.outputs[0].stats.max, factor * 8.0)
            << "entry " << e.entry.id << ", iteration " << iteration;
        ASSERT_EQ(e.outputs[0].stats.zeros, factor == 0.0 ? 8 : 1);
        dropped += e.outputs[0].state == ValueState::Dropped;
      }
    }
  }
  EXPECT_GT(dropped, 0) << "some values went over the budget";
}

TEST(Recorder, ATensorReadByManyEntriesIsHeldOncePerIteration) {
  // The recorder knows a tensor it saw at that version: w, read three times an iteration,
  // is held once an iteration, over enough iterations that its table of known tensors is
  // rebuilt many times.
  Recording r(RecorderOptions{.previousIterations = 3});
  td::Tensor w = f64(std::vector<double>(100, 2.0));
  const std::size_t bytes = 100 * sizeof(double);
  for (int iteration = 0; iteration < 300; ++iteration) {
    td::Tape::step();
    const td::Tensor a = td::mul(w, 1.0), b = td::mul(w, 2.0), c = td::mul(w, 3.0);
    const std::size_t iterations = std::min(iteration + 1, 4);
    // w, the three outputs and the three scalar operands (one-element tensors)
    ASSERT_EQ(r.recorder.heldBytes(), iterations * (4 * bytes + 3 * sizeof(double))) << "iteration " << iteration;
    const std::vector<EntryRecord> entries = newest(r.recorder);
    ASSERT_EQ(entries.size(), 3u);
    for (const EntryRecord& e : entries) {
      ASSERT_EQ(e.inputs[0].tensorId, w.id());
      ASSERT_EQ(e.inputs[0].stats.max, 2.0);
    }
  }
  // A new version is a new value: w written in place is held again, once.
  td::Tape::step();
  const td::Tensor before = td::mul(w, 1.0);
  w.mul_(2.0);  // its entry reads w as it was (2.0, kept before the write) and holds the new w
  const td::Tensor after = td::mul(w, 1.0);
  const std::vector<EntryRecord> entries = newest(r.recorder);
  ASSERT_EQ(entries.size(), 3u);
  EXPECT_EQ(r.recorder.entry(entries[0].entry.id)->inputs[0].value.toVector()[0], 2.0);
  EXPECT_EQ(r.recorder.entry(entries[2].entry.id)->inputs[0].value.toVector()[0], 4.0);
  r.recorder.clear();
  const td::Tensor again = td::mul(w, 1.0);
  EXPECT_EQ(r.recorder.heldBytes(), 2 * bytes + sizeof(double)) << "after clear(), w and the output, as new";
}

TEST(Recorder, KeepsTheCurrentAndPreviousIterationsOnly) {
  Recording r(RecorderOptions{.previousIterations = 1});
  std::vector<uint64_t> ids;
  for (int i = 0; i < 4; ++i) {
    td::Tensor t = td::mul(td::ones({2}), 2.0);
    ids.push_back(findOp(newest(r.recorder), td::OpId::Mul)->entry.id);
    td::Tape::step();
  }
  td::Tensor t = td::mul(td::ones({2}), 2.0);
  EXPECT_EQ(r.recorder.iterations().size(), 2u);
  EXPECT_FALSE(r.recorder.entry(ids[0]));
  EXPECT_FALSE(r.recorder.entry(ids[2]));
  EXPECT_TRUE(r.recorder.entry(ids[3]));
}

TEST(Recorder, ReportsLiveAndPeakMemoryPerIteration) {
  Recording r;
  td::Tensor w = td::randn({64, 64});
  w.setRequiresGrad();
  td::Tensor h = td::relu(td::matmul(w, w));
  td::Tensor loss = td::sum(td::mul(h, h));
  const td::debug::IterationMemory mid = r.recorder.memory().back();
  EXPECT_GT(mid.savedBytes, 0);
  EXPECT_GE(mid.tensorBytesPeak, 3 * 64 * 64 * 4);
  EXPECT_GT(mid.recorderBytes, 0);
  loss.backward();
  const td::debug::IterationMemory end = r.recorder.memory().back();
  EXPECT_EQ(end.savedBytes, 0) << "backward released what the forward saved";
  EXPECT_EQ(end.savedBytesPeak, mid.savedBytesPeak);
  EXPECT_GE(end.entries, 4u);
}

TEST(Recorder, ChainOfOpsThatLedToAnEntry) {
  Recording r;
  td::Tensor x = td::ones({2});
  td::Tensor a = td::exp(x);
  td::Tensor b = td::mul(a, 2.0);
  td::Tensor c = td::log(td::sub(b, 5.0));
  const std::vector<EntryRecord> entries = newest(r.recorder);
  const uint64_t logId = findOp(entries, td::OpId::Log)->entry.id;
  const std::vector<uint64_t> chain = r.recorder.ancestors(logId);
  ASSERT_EQ(chain.size(), 3u);
  EXPECT_EQ(r.recorder.entry(chain[0], false)->entry.op, td::OpId::Sub);
  EXPECT_EQ(r.recorder.entry(chain[1], false)->entry.op, td::OpId::Mul);
  EXPECT_EQ(r.recorder.entry(chain[2], false)->entry.op, td::OpId::Exp);
}

TEST(Recorder, QueriesFromAnotherThreadWhileTheRunRecords) {
  Recording r(RecorderOptions{.budgetBytes = 64 * 1024, .previousIterations = 1});
  std::atomic<bool> done{false};
  std::thread runner([&] {
    td::Tensor w = td::randn({32, 32});
    w.setRequiresGrad();
    td::optim::Sgd sgd({w}, {.lr = 0.01});
    for (int i = 0; i < 60; ++i) {
      td::Tensor loss = td::sum(td::relu(td::matmul(w, w)));
      loss.backward();
      sgd.step();
      sgd.zeroGrad();
    }
    done = true;
  });
  int64_t seen = 0;
  auto query = [&] {
    for (uint64_t iteration : r.recorder.iterations())
      for (const EntryRecord& e : r.recorder.entries(iteration))
        if (std::optional<EntryRecord> full = r.recorder.entry(e.entry.id))
          for (const td::debug::TensorRecord& out : full->outputs)
            if (out.state == ValueState::Held) seen += out.value.numel();
  };
  while (!done) query();  // while the run records (how many rounds depends on the machine)
  runner.join();
  query();
  EXPECT_GT(seen, 0);
  EXPECT_LE(r.recorder.heldBytes(), r.recorder.budget());
}

TEST(Recorder, DestroyingItUnwatchesTheMemoryItReferenced) {
  td::Tensor y;
  {
    Recording r;
    y = td::mul(td::ones({4}), 2.0);
    EXPECT_EQ(y.storage().watchCount(), 1);
  }
  EXPECT_EQ(y.storage().watchCount(), 0);
}

TEST(Recorder, StatisticsOnlyKeepsNoValueAndTheTapeOnlyNoStatistics) {
  for (const bool keepStats : {true, false}) {
    SCOPED_TRACE(keepStats ? "statistics only" : "the tape only");
    Recording r(RecorderOptions{.keepValues = false, .keepStats = keepStats});
    td::Tensor x = f64({1.0, 2.0});
    x.setRequiresGrad();
    td::Tensor y = td::exp(x);
    td::sum(y).backward();
    const std::optional<EntryRecord> full = newestOp(r.recorder, td::OpId::Exp);
    ASSERT_TRUE(full);
    ASSERT_EQ(full->gradInputs.size(), 1u);
    // Ids, shapes and dtypes always; no value; statistics as asked.
    for (const td::debug::TensorRecord* t : {&full->inputs[0], &full->outputs[0], &full->gradInputs[0]}) {
      EXPECT_EQ(t->shape, (std::vector<int64_t>{2}));
      EXPECT_EQ(t->dtype, td::DType::Float64);
      EXPECT_EQ(t->state, ValueState::NotKept);
      EXPECT_FALSE(t->value.defined());
      EXPECT_EQ(t->stats.computed, keepStats);
    }
    EXPECT_EQ(full->outputs[0].tensorId, y.id());
    if (keepStats) {
      EXPECT_NEAR(full->outputs[0].stats.max, std::exp(2.0), 1e-12);
    }
    EXPECT_EQ(r.recorder.heldBytes(), 0u);
    EXPECT_EQ(r.recorder.keepsValues(), false);
    EXPECT_EQ(r.recorder.keepsStats(), keepStats);
  }
}

/// Runs log(2 x) with x = [1, -1] under a debugger that breaks on the first NaN and a
/// recorder made with `options`; while paused there, `check(recorder, entry)` reads the
/// NaN's entry. Then the run goes on to its end.
template <class Check>
void pausedAtTheFirstNan(RecorderOptions options, Check check) {
  auto recorder = std::make_shared<Recorder>(options);
  td::debug::Debugger debugger;
  debugger.setRecorder(recorder);
  debugger.setBreakOnNonFinite(true);
  td::Tape::step();
  debugger.attach();
  std::thread runner([&] {
    try {
      td::Tensor x = f64({1.0, -1.0});
      td::Tensor y = td::log(td::mul(x, 2.0));
      debugger.finish(false);
    } catch (...) {
      debugger.finish(true);
    }
  });
  const std::optional<td::debug::PauseEvent> pause = debugger.waitForPause(0, std::chrono::seconds(10));
  EXPECT_TRUE(pause);
  if (pause) {
    EXPECT_EQ(pause->op, td::OpId::Log);
    const std::optional<EntryRecord> entry = recorder->entry(pause->entryId);
    EXPECT_TRUE(entry);
    if (entry) check(*recorder, *entry);
  }
  debugger.setBreakOnNonFinite(false);
  debugger.resume();
  runner.join();
  debugger.detach();
  EXPECT_EQ(debugger.state(), td::debug::State::Finished);
}

TEST(Recorder, TheDebuggerPausedAtANanCanReadTheEntryAndItsChain) {
  pausedAtTheFirstNan(RecorderOptions{}, [](const Recorder& recorder, const EntryRecord& entry) {
    EXPECT_EQ(entry.outputs[0].stats.nans, 1);
    EXPECT_EQ(entry.inputs[0].stats.min, -2.0);
    const std::vector<uint64_t> chain = recorder.ancestors(entry.entry.id);
    ASSERT_EQ(chain.size(), 1u);
    EXPECT_EQ(recorder.entry(chain[0])->entry.op, td::OpId::Mul);
  });
}

TEST(Recorder, TheTapeOnlyStillGivesTheStatisticsOfANanTheDebuggerStopsAt) {
  pausedAtTheFirstNan(RecorderOptions{.keepValues = false, .keepStats = false},
                      [](const Recorder&, const EntryRecord& entry) {
                        // The NaN's statistics (the pause shows them); the finite input's are not computed.
                        EXPECT_TRUE(entry.outputs[0].stats.computed);
                        EXPECT_EQ(entry.outputs[0].stats.nans, 1);
                        EXPECT_FALSE(entry.inputs[0].stats.computed);
                      });
}

}  // namespace
